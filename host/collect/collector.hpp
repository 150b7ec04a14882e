// collector.hpp — one configured collector: a plugin instance plus what the
// host adds around it — single-flight collects on the worker pool, the
// deadline, static labels and relabelling of the result, last-error state
// and HTTP route dispatch. Fault isolation lives here: a collect that has not
// returned is never called again, it is waited on (bounded) or reported.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "collect/collect_outcome.hpp"
#include "config/exporter_config.hpp"
#include "plugin/collector_context.hpp"
#include "plugin/plugin_call_scope.hpp"
#include "plugin/plugin_library.hpp"
#include "plugin_exporter/exposition/relabel.hpp"
#include "plugin_exporter/single_flight.hpp"

namespace pe::host {

class WorkerPool;

// Concurrent scrapes of one collector with the same parameters share one
// plugin collect (keyed by the sorted parameters); each waits until its own
// deadline. The flight carries the leading scrape's deadline.
using CollectFlights = pe::SingleFlight<std::string, CollectOutcome>;
using InFlightCollect = CollectFlights::Flight;

struct CollectorHealth {
  bool collected = false;  // at least one collect finished
  bool last_ok = false;
  std::string last_error;
  int64_t last_error_unix_ms = 0;
  double last_duration_seconds = 0;
  int64_t last_collect_unix_ms = 0;  // when the last collect finished (0 = never)
  uint64_t last_samples = 0;         // samples the last successful collect produced
  uint64_t scrapes_ok = 0;           // scrape outcomes recorded, by result
  uint64_t scrapes_failed = 0;
  bool source_down = false;  // the plugin's last "source_up" figure was 0
  // Healthy for readiness: the last collect succeeded and its source is up.
  bool up() const noexcept { return collected && last_ok && !source_down; }
};

class Collector : public std::enable_shared_from_this<Collector> {
 public:
  Collector(CollectorConfig config, std::shared_ptr<PluginLibrary> library,
            std::unique_ptr<pe_host> context, pe_instance* instance, RelabelProgram relabel,
            std::shared_ptr<const RelabelProgram> global_relabel);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  const std::string& name() const noexcept { return config_.name; }
  std::string plugin_name() const { return library_->name(); }
  const CollectorConfig& config() const noexcept { return config_; }
  const pe_host& context() const noexcept { return *context_; }
  const PluginLibrary& library() const noexcept { return *library_; }

  struct Ticket {
    std::shared_ptr<InFlightCollect> flight;  // null when `immediate` is set
    std::optional<CollectOutcome> immediate;  // refused without calling the plugin
    bool joined = false;                      // shares a collect already running
  };
  // Starts a collect for `params` on `pool` with `deadline_ns`, or joins the
  // one already running for the same parameters. Never blocks on the plugin.
  Ticket begin(const Params& params, int64_t deadline_ns, WorkerPool& pool);

  // The global relabel rules (replaced on reload; collects already running
  // keep the rules they started with).
  void set_global_relabel(std::shared_ptr<const RelabelProgram> rules);

  // Records a finished scrape's outcome for health and /readyz.
  void record(const CollectOutcome& outcome);
  CollectorHealth health() const;
  // Plugin collect calls so far (concurrent scrapes share calls).
  uint64_t calls() const noexcept { return calls_.load(); }
  // A collector that replaces `predecessor` (same name, changed on reload)
  // continues its cumulative counters, so they do not reset to 0. Call before
  // the collector is served.
  void continue_counters(const Collector& predecessor) noexcept {
    calls_.fetch_add(predecessor.calls());
  }

  // Forwards one HTTP request to the plugin (PE_CAP_HTTP_ROUTES). Returns
  // PE_UNAVAILABLE without calling it once destroy() began (retired()).
  pe_status handle_http(const pe_http_request& request, pe_http_response& response);
  // destroy() began: a reload replaced or removed this collector.
  bool retired() const {
    std::lock_guard lock(mu_);
    return destroyed_;
  }

  // Calls the plugin's destroy once no collect or HTTP call is running,
  // waiting until `wait_until_ns`. False if something is still running: the
  // instance is then leaked on purpose (and its library kept mapped).
  bool destroy(int64_t wait_until_ns);

 private:
  void run(const std::shared_ptr<InFlightCollect>& flight, const Params& params);
  CollectOutcome finish(pe_status status, pe_sink& sink, std::shared_ptr<MetricSet> set,
                        double seconds);
  // Who is called, for the crash record (plugin/plugin_call_scope.hpp).
  PluginCallSite call_site(const char* entry) const noexcept {
    return {config_.name.c_str(), plugin_label_.c_str(), fingerprint_id_.c_str(), entry};
  }

  CollectorConfig config_;
  std::shared_ptr<PluginLibrary> library_;
  const std::string plugin_label_;    // library_->name(), kept for call_site
  const std::string fingerprint_id_;  // collector_fingerprint_id(config_)
  std::unique_ptr<pe_host> context_;
  pe_instance* instance_;
  RelabelProgram relabel_;
  std::shared_ptr<const RelabelProgram> global_relabel_;

  mutable std::mutex mu_;
  CollectFlights in_flight_;  // by params; begin() decides under mu_
  // The last result and its memo of written bytes (finish() reuses both
  // while results stay equal); guarded by mu_.
  std::shared_ptr<const MetricSet> last_metrics_;
  std::shared_ptr<SegmentMemo> last_memo_;
  CollectorHealth health_;
  std::atomic<int> http_calls_{0};
  std::atomic<uint64_t> calls_{0};
  bool destroyed_ = false;
};

}  // namespace pe::host
