// scrape_orchestrator.hpp — one scrape: picks the collectors (all, or those
// named by ?collector=), computes each one's deadline (its timeout, capped by
// the scraper's X-Prometheus-Scrape-Timeout-Seconds minus an offset), starts
// or joins their collects in parallel on the worker pool, and waits for each
// only until its deadline. A failure or timeout of one never fails the others.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collect/collect_outcome.hpp"
#include "collect/collector.hpp"

namespace pe::host {

class SelfMetrics;
class WorkerPool;

struct CollectorScrape {
  std::shared_ptr<Collector> collector;
  CollectOutcome outcome;
};

struct ScrapeResult {
  std::vector<CollectorScrape> collectors;  // in configuration order
  std::string unknown_collector;            // set when ?collector= named no collector
};

class ScrapeOrchestrator {
 public:
  ScrapeOrchestrator(std::vector<std::shared_ptr<Collector>> collectors, WorkerPool& pool,
                     SelfMetrics& metrics, std::chrono::nanoseconds timeout_offset);

  ScrapeResult scrape(std::span<const std::string> selected, const Params& params,
                      std::optional<double> scrape_timeout_seconds);

  const std::vector<std::shared_ptr<Collector>>& collectors() const noexcept { return collectors_; }

 private:
  std::vector<std::shared_ptr<Collector>> collectors_;
  WorkerPool& pool_;
  SelfMetrics& metrics_;
  std::chrono::nanoseconds offset_;
};

// The per-scrape collector metrics: plugin_exporter_collector_success,
// _duration_seconds, _samples, and _last_error_info/_timestamp_seconds.
void export_collector_metrics(const ScrapeResult& result, MetricSet& set);

}  // namespace pe::host
