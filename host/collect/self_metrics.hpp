// self_metrics.hpp — the host's own cumulative metrics (prometheus-cpp
// registry): collects by result, dropped samples by reason, lockouts, HTTP
// requests by handler and code, reloads, build info. Exported into the model
// (no text round trip) and merged with everything else on each scrape.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "collect/collect_outcome.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace prometheus {
class Registry;
}

namespace pe::host {

class SelfMetrics {
 public:
  SelfMetrics();
  ~SelfMetrics();
  SelfMetrics(const SelfMetrics&) = delete;
  SelfMetrics& operator=(const SelfMetrics&) = delete;

  void collect_finished(const std::string& collector, const std::string& plugin,
                        CollectStatus status);
  void samples_dropped(const std::string& collector, std::string_view reason, double count);
  void scrape_lockout();
  void http_request(std::string_view handler, int code);
  // Connections refused or closed early by the server, by reason.
  void http_connection_rejected(std::string_view reason);
  void http_connections_open(double open);
  void config_loaded(bool ok);

  // Appends every registry family to `set` (strings interned into it), then
  // what the extra exporter adds.
  void export_to(MetricSet& set) const;
  // Metrics kept elsewhere (remote write) exported with these; empty = none.
  void set_extra_exporter(std::function<void(MetricSet&)> exporter);
  // The same for one of several named sources (the dial-in hub, ...); a null
  // exporter removes it.
  void set_extra_exporter(std::string_view name, std::function<void(MetricSet&)> exporter);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// process_* metrics of this process from /proc (cpu, memory, fds, start time).
void export_process_metrics(MetricSet& set);

}  // namespace pe::host
