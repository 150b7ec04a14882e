// push_config.cpp — reading and checking the push collector's configuration.
#include "config/push_config.hpp"

#include "plugin_exporter/exposition/metric_names.hpp"
#include "store/glob_pattern.hpp"

namespace pe::push {
namespace {

int64_t ms(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

uint64_t non_negative(const ConfigView& c, const char* key, uint64_t fallback) {
  int64_t v = c.integer(key, static_cast<int64_t>(fallback));
  if (v < 0) {
    c.error_at(key, "must be 0 (unlimited) or positive");
    return fallback;
  }
  return static_cast<uint64_t>(v);
}

// Where and how durably state is kept, and when the log is compacted.
void read_durability(const ConfigView& c, const std::string& host_state_dir, PushConfig& cfg) {
  cfg.state_dir = c.string("state_dir", host_state_dir);
  const std::string durability = c.string("durability", cfg.state_dir.empty() ? "none" : "fsync");
  if (durability == "fsync")
    cfg.durability = Durability::fsync;
  else if (durability == "write")
    cfg.durability = Durability::write;
  else if (durability == "none")
    cfg.durability = Durability::none;
  else
    c.error_at("durability",
               "must be \"fsync\", \"write\" or \"none\", not \"" + durability + "\"");
  if (cfg.durability != Durability::none && cfg.state_dir.empty())
    c.error_at("durability",
               "durability \"" + durability +
                   "\" needs a state directory: set state_dir here or the top-level state_dir");
  cfg.durable_wait_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      c.duration("durable_wait_timeout", cfg.durable_wait_timeout));
  cfg.compact_interval = std::chrono::duration_cast<std::chrono::milliseconds>(
      c.duration("compact_interval", cfg.compact_interval));
  if (cfg.compact_interval.count() <= 0) c.error_at("compact_interval", "must be positive");
  cfg.compact_wal_bytes = non_negative(c, "compact_wal_bytes", cfg.compact_wal_bytes);
}

// How pushes are taken: timestamps, HELP conflicts, TTL, the PATCH and POST groups.
void read_push_semantics(const ConfigView& c, PushConfig& cfg) {
  cfg.allow_timestamps = c.boolean("allow_timestamps", false);
  const std::string help = c.string("help_mismatch", "last");
  if (help == "last")
    cfg.help_mismatch = HelpPolicy::last;
  else if (help == "reject")
    cfg.help_mismatch = HelpPolicy::reject;
  else
    c.error_at("help_mismatch", "must be \"last\" or \"reject\", not \"" + help + "\"");
  cfg.default_ttl_ms = ms(c.duration("default_ttl", std::chrono::nanoseconds(0)));
  cfg.patch_job = c.string("patch_job", cfg.patch_job);
  if (cfg.patch_job.empty()) c.error_at("patch_job", "must not be empty");
  cfg.post_job = c.string("post_job", cfg.post_job);
  if (cfg.post_job.empty()) c.error_at("post_job", "must not be empty");
}

// Gauge aggregation (default and per metric pattern) and the rules per job pattern.
void read_aggregation(const ConfigView& c, PushConfig& cfg) {
  const std::string gauge = c.string("gauge_aggregation", "last");
  if (!parse_gauge_rule(gauge, cfg.aggregation.default_gauge))
    c.error_at("gauge_aggregation",
               "must be \"last\", \"sum\", \"max\" or \"min\", not \"" + gauge + "\"");
  if (ConfigView rules = c.get("gauge_rules"); rules.present()) {
    if (rules.kind() != PE_CONFIG_TABLE) {
      c.error_at("gauge_rules",
                 "must be a table of metric pattern = \"last\" | \"sum\" | \"max\" | \"min\"");
    } else {
      for (const std::string& pattern : rules.keys()) {
        const std::string v = rules.string(pattern.c_str(), "last");
        GaugeRule rule;
        if (!parse_gauge_rule(v, rule))
          rules.error_at(pattern.c_str(),
                         "must be \"last\", \"sum\", \"max\" or \"min\", not \"" + v + "\"");
        else
          cfg.aggregation.gauge_rules.emplace_back(pattern, rule);
      }
    }
  }
  for (const ConfigView& j : c.array("jobs")) {
    JobRule rule;
    rule.match = j.required_string("match");
    if (j.has("aggregate")) rule.aggregate = j.boolean("aggregate", false);
    if (j.has("ttl")) rule.ttl_ms = ms(j.duration("ttl", std::chrono::nanoseconds(0)));
    cfg.jobs.push_back(std::move(rule));
  }
}

void read_limits(const ConfigView& c, PushConfig& cfg) {
  cfg.max_body_bytes = non_negative(c, "max_body_bytes", cfg.max_body_bytes);
  cfg.max_decompressed_bytes =
      non_negative(c, "max_decompressed_bytes", cfg.max_decompressed_bytes);
  cfg.max_series_per_push = non_negative(c, "max_series_per_push", cfg.max_series_per_push);
  cfg.max_families_per_push = non_negative(c, "max_families_per_push", cfg.max_families_per_push);
  cfg.max_labels_per_series = non_negative(c, "max_labels_per_series", cfg.max_labels_per_series);
  cfg.max_label_name_bytes = non_negative(c, "max_label_name_bytes", cfg.max_label_name_bytes);
  cfg.max_label_value_bytes = non_negative(c, "max_label_value_bytes", cfg.max_label_value_bytes);
  cfg.store.max_series_per_group = non_negative(c, "max_series_per_group", 100000);
  cfg.store.max_series_total = non_negative(c, "max_series_total", 2000000);
  cfg.store.max_groups = non_negative(c, "max_groups", 100000);
  cfg.store.pusher_ttl_ms = ms(c.duration("pusher_ttl", std::chrono::hours(1)));
}

}  // namespace

const JobRule* PushConfig::rule_for(std::string_view job) const {
  for (const JobRule& r : jobs)
    if (glob_match(r.match, job)) return &r;
  return nullptr;
}

PushConfig read_push_config(const ConfigView& c, const std::string& host_state_dir) {
  PushConfig cfg;
  cfg.path_prefix = c.string("path_prefix", "");
  if (!cfg.path_prefix.empty() && (cfg.path_prefix[0] != '/' || cfg.path_prefix.back() == '/' ||
                                   cfg.path_prefix.find_first_of("?#% ") != std::string::npos))
    c.error_at("path_prefix",
               "must start with '/', not end with '/', and hold no '?', '#', '%' or space (e.g. "
               "\"/push\")");

  read_durability(c, host_state_dir, cfg);
  read_push_semantics(c, cfg);
  read_aggregation(c, cfg);
  read_limits(c, cfg);
  return cfg;
}

}  // namespace pe::push
