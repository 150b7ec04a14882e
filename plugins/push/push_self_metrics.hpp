// push_self_metrics.hpp — the push gateway's own metrics, appended to each
// scrape after the pushed groups: the store's size, requests by operation
// and result, the configured limits and their hits, and (with a state
// directory) the durability, write-ahead log, compaction and recovery
// figures (plugin_exporter_push_*, documented in plugins/push/README.md).
#pragma once

#include <vector>

#include "api/push_stats.hpp"
#include "config/push_config.hpp"
#include "durable/state_directory.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

// What the self-metrics are read from. Thread-safety: each source is safe to
// read while pushes and maintenance run (atomics or its own lock).
struct SelfMetricsSources {
  const MetricStore& store;
  const PushStats& stats;
  const PushConfig& config;
  StateDirectory* state;  // null for an in-memory store
  const RecoveryReport& recovery;
};

// `groups` is the scrape's snapshot of the store (for its memory figure).
void emit_self_metrics(pe::MetricSink& sink, const std::vector<GroupPtr>& groups,
                       const SelfMetricsSources& from);

}  // namespace pe::push
