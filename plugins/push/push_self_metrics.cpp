// push_self_metrics.cpp — writes the plugin_exporter_push_* families.
#include "push_self_metrics.hpp"

#include <atomic>
#include <cstdint>
#include <iterator>
#include <string>

namespace pe::push {
namespace {

void counter(pe::MetricSink& sink, const std::string& name, const std::string& help, double v) {
  sink.family(name, MetricType::counter, help);
  sink.sample(name, {}, v);
}

void gauge(pe::MetricSink& sink, const std::string& name, const std::string& help, double v) {
  sink.family(name, MetricType::gauge, help);
  sink.sample(name, {}, v);
}

void emit_store_metrics(pe::MetricSink& sink, const std::vector<GroupPtr>& groups,
                        const MetricStore& store) {
  auto t = store.totals();
  std::size_t bytes = 0;
  for (const GroupPtr& g : groups) bytes += g->memory_bytes();
  gauge(sink, "plugin_exporter_push_groups", "Push groups in the store.",
        static_cast<double>(t.groups));
  gauge(sink, "plugin_exporter_push_series", "Series in the store (all groups).",
        static_cast<double>(t.series));
  gauge(sink, "plugin_exporter_push_families", "Distinct metric family names in the store.",
        static_cast<double>(t.families));
  gauge(sink, "plugin_exporter_push_store_bytes", "Approximate memory held by the stored series.",
        static_cast<double>(bytes));
  counter(sink, "plugin_exporter_push_expired_groups_total",
          "Groups removed because their TTL ran out.", static_cast<double>(store.expired_total()));
}

void emit_request_metrics(pe::MetricSink& sink, const PushStats& stats) {
  sink.family("plugin_exporter_push_requests_total", MetricType::counter,
              "Requests to the push API by operation and result (ok, invalid, limited, "
              "unavailable, error).");
  for (std::size_t o = 0; o < kOperationNames.size(); ++o)
    for (std::size_t r = 0; r < kResultNames.size(); ++r)
      sink.sample("plugin_exporter_push_requests_total",
                  {{"operation", std::string(kOperationNames[o])},
                   {"result", std::string(kResultNames[r])}},
                  static_cast<double>(stats.requests[o][r].load(std::memory_order_relaxed)));
}

void emit_limit_metrics(pe::MetricSink& sink, const PushConfig& config, const PushStats& stats) {
  const uint64_t limit_values[] = {config.max_body_bytes,         config.max_decompressed_bytes,
                                   config.max_series_per_push,    config.store.max_series_per_group,
                                   config.store.max_series_total, config.store.max_groups,
                                   config.max_families_per_push,  config.max_labels_per_series,
                                   config.max_label_name_bytes,   config.max_label_value_bytes};
  static_assert(std::size(limit_values) == kLimitNames.size());
  sink.family("plugin_exporter_push_limit", MetricType::gauge,
              "Configured limits (0 = unlimited).");
  for (std::size_t i = 0; i < kLimitNames.size(); ++i)
    sink.sample("plugin_exporter_push_limit", {{"limit", std::string(kLimitNames[i])}},
                static_cast<double>(limit_values[i]));
  sink.family("plugin_exporter_push_limit_hits_total", MetricType::counter,
              "Requests refused by each limit (max_body_bytes is enforced by the host before the "
              "plugin).");
  for (std::size_t i = 0; i < kLimitNames.size(); ++i)
    sink.sample("plugin_exporter_push_limit_hits_total", {{"limit", std::string(kLimitNames[i])}},
                static_cast<double>(stats.limit_hits[i].load(std::memory_order_relaxed)));
}

void emit_durability_metrics(pe::MetricSink& sink, StateDirectory* state,
                             const RecoveryReport& recovery) {
  gauge(sink, "plugin_exporter_push_durable",
        "1 if acknowledged pushes are persisted (state directory in use and its log writable); "
        "0 while pushes are refused with 503 (see /api/v1/status for the last error).",
        state && state->durable() ? 1 : 0);
  if (!state) return;
  auto w = state->wal()->stats();
  counter(sink, "plugin_exporter_push_wal_written_bytes_total",
          "Bytes appended to the write-ahead log.", static_cast<double>(w.bytes));
  counter(sink, "plugin_exporter_push_wal_records_total",
          "Records appended to the write-ahead log.", static_cast<double>(w.records));
  counter(sink, "plugin_exporter_push_wal_syncs_total", "fdatasync calls (one per group commit).",
          static_cast<double>(w.syncs));
  counter(sink, "plugin_exporter_push_wal_failures_total",
          "Write-ahead log write or sync failures.", static_cast<double>(w.failures));
  counter(sink, "plugin_exporter_push_compactions_total", "Snapshots written.",
          static_cast<double>(state->compactions()));
  gauge(sink, "plugin_exporter_push_snapshot_bytes", "Size of the last snapshot.",
        static_cast<double>(state->snapshot_bytes()));
  gauge(sink, "plugin_exporter_push_recovered_records", "Records replayed at start.",
        static_cast<double>(recovery.records));
  gauge(sink, "plugin_exporter_push_recovery_discarded_bytes",
        "Bytes of torn or corrupt state cut off at start.",
        static_cast<double>(recovery.discarded_bytes));
}

}  // namespace

void emit_self_metrics(pe::MetricSink& sink, const std::vector<GroupPtr>& groups,
                       const SelfMetricsSources& from) {
  emit_store_metrics(sink, groups, from.store);
  emit_request_metrics(sink, from.stats);
  emit_limit_metrics(sink, from.config, from.stats);
  emit_durability_metrics(sink, from.state, from.recovery);
}

}  // namespace pe::push
