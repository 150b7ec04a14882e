// proxy_host.hpp — the real host components (config loader, collector
// factory, orchestrator, merger, writer) around the real proxy.so, for tests
// that drive the plugin exactly as the exporter does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/self_metrics.hpp"
#include "collect/collector_factory.hpp"
#include "collect/scrape_orchestrator.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_loader.hpp"

namespace pe::proxy::test {

class ProxyHost {
 public:
  // `collectors_toml`: [[collector]] tables; plugin = "proxy" resolves in the
  // build's plugin directory.
  explicit ProxyHost(const std::string& collectors_toml, bool check_only = false);
  ~ProxyHost();

  // Configuration or create errors, "file:line:column: key: message" each.
  const std::vector<std::string>& errors() const { return errors_; }
  bool ok() const { return errors_.empty() && orchestrator_ != nullptr; }

  pe::host::ScrapeResult scrape(pe::host::Params params = {},
                                std::optional<double> timeout_seconds = std::nullopt);
  // The merged exposition text of a scrape, as /metrics would serve it
  // (without the host's process metrics).
  std::string metrics_text(const pe::host::ScrapeResult& result);

 private:
  std::shared_ptr<pe::host::ExporterConfig> config_;
  pe::host::WorkerPool pool_{16};
  pe::host::SelfMetrics metrics_;
  pe::host::CreatedCollectors created_;
  std::unique_ptr<pe::host::ScrapeOrchestrator> orchestrator_;
  std::vector<std::string> errors_;
};

// The stat a collector reported (sink_stat), if any.
std::optional<double> stat_of(const pe::host::CollectOutcome& outcome, const std::string& name);
// Values of samples named `name` having all `labels`.
std::vector<double> values_of(const pe::host::CollectOutcome& outcome, const std::string& name,
                              const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace pe::proxy::test
