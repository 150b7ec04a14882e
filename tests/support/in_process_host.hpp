// in_process_host.hpp — the real host components (config loader, collector
// factory with real plugins, worker pool, orchestrator, merger, writer) run
// in the test process, without HTTP: for tests that drive plugins exactly as
// the exporter does and look at each collector's outcome.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collect/collector_factory.hpp"
#include "collect/scrape_orchestrator.hpp"
#include "collect/self_metrics.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_loader.hpp"

namespace pe::test {

class InProcessHost {
 public:
  // `toml`: a configuration ([[collector]] tables...). Plugins named without a
  // path resolve in the build's plugin directory. check_only: validate only.
  explicit InProcessHost(const std::string& toml, bool check_only = false,
                         std::size_t pool_threads = 64);
  ~InProcessHost();
  InProcessHost(const InProcessHost&) = delete;
  InProcessHost& operator=(const InProcessHost&) = delete;

  // Configuration or create errors, "file:line:column: key: message" each.
  const std::vector<std::string>& errors() const { return errors_; }
  bool ok() const { return errors_.empty() && orchestrator_ != nullptr; }

  // One scrape of every collector (or of `only`).
  host::ScrapeResult scrape(host::Params params = {},
                            std::optional<double> timeout_seconds = std::nullopt,
                            std::vector<std::string> only = {});
  // One collector's outcome of one scrape.
  host::CollectOutcome scrape_one(const std::string& collector, host::Params params = {});
  // The merged exposition text of a scrape, as /metrics would serve it
  // (without the host's own metrics).
  std::string metrics_text(const host::ScrapeResult& result);

  host::WorkerPool& pool() { return pool_; }
  std::vector<std::shared_ptr<host::Collector>>& collectors() { return created_.collectors; }
  // Stops the pool and destroys every collector (also done on destruction).
  void shutdown();

 private:
  std::shared_ptr<host::ExporterConfig> config_;
  host::WorkerPool pool_;
  host::SelfMetrics metrics_;
  host::CreatedCollectors created_;
  std::unique_ptr<host::ScrapeOrchestrator> orchestrator_;
  std::vector<std::string> errors_;
};

// Errors of loading `toml` and creating its collectors in check-only mode
// (what --check-config reports), each "file:line:column: key: message".
std::vector<std::string> config_errors(const std::string& toml);

// The figure a collector reported (sink_stat), if any.
std::optional<double> stat_of(const host::CollectOutcome& outcome, const std::string& name);
// Values of samples named `name` having all `labels`.
std::vector<double> values_of(const host::CollectOutcome& outcome, const std::string& name,
                              const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace pe::test
