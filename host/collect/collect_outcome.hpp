// collect_outcome.hpp — what one collect of one collector came to: status,
// reason, the labelled metrics, and the figures the self-metrics report.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collect/written_segment.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host {

enum class CollectStatus {
  ok,
  error,        // the plugin failed (reason from the plugin)
  timeout,      // the deadline passed first
  bad_request,  // the plugin rejected the scrape's parameters (HTTP 400)
  busy,         // a previous collect of this collector is still running
  unavailable,  // the plugin refused for now (e.g. a concurrency cap)
};

std::string_view to_string(CollectStatus s) noexcept;

struct CollectOutcome {
  CollectStatus status = CollectStatus::error;
  std::string reason;
  std::shared_ptr<const MetricSet> metrics;  // labelled and relabelled; null unless ok
  // Where the bytes `metrics` was written as are kept: the same memo (and
  // the same `metrics`) while the collector's result stays unchanged.
  std::shared_ptr<SegmentMemo> memo;
  double duration_seconds = 0;
  uint64_t invalid_samples = 0;   // dropped by the sink's validation
  uint64_t relabel_dropped = 0;   // dropped by relabel rules
  std::vector<PluginStat> stats;  // figures the plugin reported (sink_stat)
};

using Params = std::vector<std::pair<std::string, std::string>>;

}  // namespace pe::host
