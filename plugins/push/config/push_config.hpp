// push_config.hpp — the push collector's [collector.config] table: where and
// how durably state is kept, limits, TTLs, aggregation rules per job
// pattern, gauge rules per metric pattern. Every key is documented in
// plugins/push/README.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "durable/write_ahead_log.hpp"
#include "plugin_exporter/config_view.hpp"
#include "store/aggregation.hpp"
#include "store/family_assembler.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

// [[collector.config.jobs]]: what applies to groups whose job matches.
struct JobRule {
  std::string match;  // glob on the job name
  std::optional<bool> aggregate;
  std::optional<int64_t> ttl_ms;
};

struct PushConfig {
  std::string path_prefix;  // routes are mounted under it ("" = at the root)
  std::string state_dir;    // "" = no persistence
  Durability durability = Durability::none;
  std::chrono::milliseconds durable_wait_timeout{10000};
  std::chrono::milliseconds compact_interval{300000};
  uint64_t compact_wal_bytes = 64ull << 20;

  bool allow_timestamps = false;
  HelpPolicy help_mismatch = HelpPolicy::last;
  int64_t default_ttl_ms = 0;
  std::vector<JobRule> jobs;
  AggregationRules aggregation;
  std::string patch_job = "patch";
  std::string post_job = "post";  // the group POST /metrics aggregates into

  uint64_t max_body_bytes = 16ull << 20;
  uint64_t max_decompressed_bytes = 64ull << 20;
  uint64_t max_series_per_push = 100000;
  // Shape of one push (defaults in AssemblyRules).
  uint64_t max_families_per_push = AssemblyRules{}.max_families_per_push;
  uint64_t max_labels_per_series = AssemblyRules{}.max_labels_per_series;
  uint64_t max_label_name_bytes = AssemblyRules{}.max_label_name_bytes;
  uint64_t max_label_value_bytes = AssemblyRules{}.max_label_value_bytes;
  StoreLimits store;

  // The rule for `job` (first match), or nullptr.
  const JobRule* rule_for(std::string_view job) const;
};

// Reads and checks the table; errors are recorded on `config` (the caller
// tests config.has_errors()). `host_state_dir` is what the host reserved for
// this collector ("" if none).
PushConfig read_push_config(const ConfigView& config, const std::string& host_state_dir);

}  // namespace pe::push
