// exporter_runtime.hpp — the running configuration and its collectors:
// the first load, hot reload (SIGHUP, POST /-/reload) and the final destroy.
// A reload keeps every collector whose configuration did not change (its
// plugin instance, pools, caches and pushed state stay), recreates the
// changed ones, creates the new ones and destroys the removed ones; a file
// that does not validate (including every plugin's check of its section)
// leaves the running configuration as it is. Listener settings ([web]
// addresses, TLS, threads, socket timeouts) apply at the next start.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/cli_options.hpp"
#include "collect/collector.hpp"
#include "collect/quarantine.hpp"
#include "collect/self_metrics.hpp"
#include "http/serving_state.hpp"
#include "http/status_board.hpp"

namespace pe::host {

class WorkerPool;
namespace remote_write {
class RemoteWriteMetrics;
class RemoteWriteSet;
}  // namespace remote_write

class ExporterRuntime {
 public:
  ExporterRuntime(const CliOptions& options, SelfMetrics& metrics, ServingStateHolder& holder);
  ~ExporterRuntime();
  ExporterRuntime(const ExporterRuntime&) = delete;
  ExporterRuntime& operator=(const ExporterRuntime&) = delete;

  // First load: configuration, collectors, serving state. False after
  // logging every problem.
  bool start();
  // Hot reload. False, with the reasons in `error`, when the running
  // configuration was kept.
  bool reload(std::string& error);
  // Destroys every collector, waiting for running collects until
  // `deadline_ns`. False if some were still running (left in place).
  bool shutdown(int64_t deadline_ns);

  // Stops the remote write senders (before the worker pool goes: a round
  // whose collects cannot run would mark every series stale).
  void stop_remote_write();

  // POST /-/quarantine/clear: clears `collector`'s quarantine (every one
  // when empty) and creates the cleared collectors. The HTTP status to
  // answer (200, 404 when that collector is not quarantined, 500 when
  // creating failed), with the text in `message`.
  int clear_quarantine(const std::string& collector, std::string& message);

  std::shared_ptr<const ExporterConfig> config() const;
  WorkerPool& pool() { return *pool_; }
  // Start time, config file, listeners, last reload, remote write counters.
  StatusBoard& status_board() { return *status_board_; }

 private:
  std::shared_ptr<ServingState> make_state(std::shared_ptr<const ExporterConfig> config,
                                           std::vector<std::shared_ptr<Collector>> collectors,
                                           std::vector<QuarantineEntry> entries,
                                           std::string& error);
  // At start: the crash recorder, the quarantine file and a crash record left
  // by the previous run (state_dir is taken at start; changing it needs one).
  void start_quarantine(const ExporterConfig& config);
  // The running collectors and the quarantined ones (not the demoted:
  // they run) of the quarantine's `entries`.
  void list_for_quarantine_metric(const std::vector<QuarantineEntry>& entries);
  CliOptions options_;
  SelfMetrics& metrics_;
  ServingStateHolder& holder_;
  std::unique_ptr<WorkerPool> pool_;
  mutable std::mutex mu_;  // one load or reload at a time
  std::shared_ptr<const ExporterConfig> config_;
  std::vector<std::shared_ptr<Collector>> collectors_;
  // [[remote_write]]: collect through the serving state's orchestrator.
  std::unique_ptr<remote_write::RemoteWriteMetrics> remote_write_metrics_;
  std::unique_ptr<remote_write::RemoteWriteSet> remote_writes_;
  std::unique_ptr<StatusBoard> status_board_;
  std::unique_ptr<Quarantine> quarantine_;  // set by start(), before serving
};

}  // namespace pe::host
