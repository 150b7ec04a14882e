// om_validator.hpp — internal: the semantic rules of strict OpenMetrics 1.0
// that go beyond the line syntax: name clashes between families, metadata
// rules (UNIT suffix, types that take no unit), contiguous metrics, series
// timestamps that never go back, value ranges per type (counters, buckets,
// info, stateset), histogram structure (+Inf bucket, sorted cumulative
// buckets, _count equal to +Inf, _sum/_count together, no _sum with negative
// buckets), quantile ranges and where exemplars may appear.
//
// The parser drives it; each check returns an empty string when fine, else
// the reason.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe {

class OpenMetricsValidator {
 public:
  // A family named `name` starts (metadata may still follow).
  std::string begin_family(std::string_view name);
  // The family is complete (next family or # EOF).
  std::string end_family(const Family& family);
  // A sample of `family`; `exemplar` is null when the line has none.
  std::string on_sample(const Family& family, const Sample& sample, std::span<const Label> labels,
                        const Exemplar* exemplar, std::span<const Label> exemplar_labels);

 private:
  struct Bucket {
    double le;
    double value;
  };
  // One metric (a label set, minus le/quantile/the stateset label) of the family.
  struct Group {
    bool active = false;
    std::string key;
    std::vector<Bucket> buckets;
    bool has_inf = false;
    double inf_value = 0;
    bool has_sum = false;
    double sum = 0;
    bool has_count = false;
    double count = 0;
    bool negative_bucket = false;
  };

  std::string end_group(const Family& family);
  static std::string group_key(const Family& family, std::span<const Label> labels);
  static std::string series_key(std::string_view name, std::span<const Label> labels);

  std::unordered_set<std::string> claimed_;      // every name a family may use
  std::unordered_set<std::string> groups_seen_;  // metrics of the current family
  Group group_;
  std::string last_series_;
  bool last_has_timestamp_ = false;
  int64_t last_timestamp_ = 0;
};

}  // namespace pe
