// proxy_host.cpp — host components around proxy.so for the tests.
#include "proxy_host.hpp"

#include "collect/metric_merger.hpp"
#include "plugin/host_api.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

namespace pe::proxy::test {

ProxyHost::ProxyHost(const std::string& collectors_toml, bool check_only) {
  using namespace pe::host;
  LoadResult r = load_config_text(collectors_toml, "proxy.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
  if (!r.config) {
    for (const auto& e : r.errors) errors_.push_back(e.to_string());
    return;
  }
  config_ = std::make_shared<ExporterConfig>(std::move(*r.config));
  created_ = create_collectors(*config_, check_only);
  for (const auto& e : created_.errors) errors_.push_back(e.to_string());
  if (!errors_.empty() || check_only) return;
  orchestrator_ = std::make_unique<ScrapeOrchestrator>(created_.collectors, pool_, metrics_,
                                                       config_->web.scrape_timeout_offset);
}

ProxyHost::~ProxyHost() {
  pool_.shutdown(5000);
  for (auto& c : created_.collectors) c->destroy(pe::host::monotonic_now_ns() + 2'000'000'000);
}

pe::host::ScrapeResult ProxyHost::scrape(pe::host::Params params,
                                         std::optional<double> timeout_seconds) {
  return orchestrator_->scrape({}, params, timeout_seconds);
}

std::string ProxyHost::metrics_text(const pe::host::ScrapeResult& result) {
  using namespace pe::host;
  std::vector<MergeSource> sources;
  for (const CollectorScrape& cs : result.collectors)
    if (cs.outcome.metrics) sources.push_back(MergeSource{cs.outcome.metrics.get(), cs.collector->name()});
  std::string body;
  ExpositionWriter writer(ExpositionFormat::text, body);
  MergeStats stats;
  MetricMerger merger;
  merger.write(sources, writer, stats);
  writer.finish();
  return body;
}

std::optional<double> stat_of(const pe::host::CollectOutcome& outcome, const std::string& name) {
  for (const auto& s : outcome.stats)
    if (s.name == name) return s.value;
  return std::nullopt;
}

std::vector<double> values_of(const pe::host::CollectOutcome& outcome, const std::string& name,
                              const std::vector<std::pair<std::string, std::string>>& labels) {
  std::vector<double> out;
  if (!outcome.metrics) return out;
  const MetricSet& set = *outcome.metrics;
  for (const Sample& s : set.samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : labels) {
      bool found = false;
      for (const Label& l : set.labels_of(s)) found |= l.name == k && l.value == v;
      all &= found;
    }
    if (all) out.push_back(s.value);
  }
  return out;
}

}  // namespace pe::proxy::test
