// in_process_host.cpp — host components around real plugins, for tests.
#include "in_process_host.hpp"

#include <gtest/gtest.h>

#include "collect/metric_merger.hpp"
#include "plugin/host_api.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

namespace pe::test {

using namespace pe::host;

InProcessHost::InProcessHost(const std::string& toml, bool check_only, std::size_t pool_threads)
    : pool_(pool_threads) {
  LoadResult r = load_config_text(toml, "t.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
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

InProcessHost::~InProcessHost() {
  shutdown();
}

void InProcessHost::shutdown() {
  pool_.shutdown(5000);
  for (auto& c : created_.collectors) c->destroy(monotonic_now_ns() + 2'000'000'000);
  created_.collectors.clear();
}

ScrapeResult InProcessHost::scrape(Params params, std::optional<double> timeout_seconds,
                                   std::vector<std::string> only) {
  if (!orchestrator_) {
    ADD_FAILURE() << "the host did not start: " << (errors_.empty() ? "" : errors_[0]);
    return {};
  }
  return orchestrator_->scrape(only, params, timeout_seconds);
}

CollectOutcome InProcessHost::scrape_one(const std::string& collector, Params params) {
  ScrapeResult r = scrape(std::move(params), std::nullopt, {collector});
  if (r.collectors.size() != 1) {
    ADD_FAILURE() << "no result for collector " << collector;
    return {};
  }
  return r.collectors[0].outcome;
}

std::string InProcessHost::metrics_text(const ScrapeResult& result) {
  std::vector<MergeSource> sources;
  for (const CollectorScrape& cs : result.collectors)
    if (cs.outcome.metrics)
      sources.push_back(MergeSource{cs.outcome.metrics.get(), cs.collector->name()});
  std::string body;
  ExpositionWriter writer(ExpositionFormat::text, body);
  MergeStats stats;
  MetricMerger merger;
  merger.write(sources, writer, stats);
  writer.finish();
  return body;
}

std::vector<std::string> config_errors(const std::string& toml) {
  LoadResult r = load_config_text(toml, "t.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
  std::vector<std::string> out;
  for (const auto& e : check_configuration(r)) out.push_back(e.to_string());
  return out;
}

std::optional<double> stat_of(const CollectOutcome& outcome, const std::string& name) {
  for (const auto& s : outcome.stats)
    if (s.name == name) return s.value;
  return std::nullopt;
}

std::vector<double> values_of(const CollectOutcome& outcome, const std::string& name,
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

}  // namespace pe::test
