// metric_names.hpp — validity of metric and label names (the legacy
// Prometheus character sets), and the sample-name suffixes each metric type
// allows.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name) noexcept;
// [a-zA-Z_][a-zA-Z0-9_]*
bool is_valid_label_name(std::string_view name) noexcept;
// Label names starting with "__" are reserved for internal use.
inline bool is_reserved_label_name(std::string_view name) noexcept {
  return name.size() >= 2 && name[0] == '_' && name[1] == '_';
}

// True if `unit` is non-empty and `family_name` ends with "_" + unit, as
// OpenMetrics requires of a family that declares a UNIT.
bool is_unit_suffix_of(std::string_view family_name, std::string_view unit) noexcept;

// True if `sample_name` may belong to a family `family_name` of `type`
// (e.g. a histogram's "_bucket", "_sum", "_count", "_created").
bool sample_belongs_to_family(std::string_view sample_name, std::string_view family_name,
                              MetricType type) noexcept;

// A name that appears more than once among `labels` (anything with a
// `.name` convertible to std::string_view), or nullopt. Linear for the usual
// few labels, sorted beyond that: O(n log n), never quadratic, whatever a
// source or a pusher sends. `scratch` is reused between calls.
template <class Labels>
std::optional<std::string_view> find_duplicate_label_name(const Labels& labels,
                                                          std::vector<std::string_view>& scratch) {
  constexpr std::size_t kLinear = 16;
  const std::size_t n = std::size(labels);
  if (n <= kLinear) {
    for (std::size_t i = 1; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (std::string_view(labels[j].name) == std::string_view(labels[i].name))
          return std::string_view(labels[i].name);
    return std::nullopt;
  }
  scratch.clear();
  for (const auto& l : labels) scratch.emplace_back(l.name);
  std::sort(scratch.begin(), scratch.end());
  const auto dup = std::adjacent_find(scratch.begin(), scratch.end());
  if (dup == scratch.end()) return std::nullopt;
  return *dup;
}

}  // namespace pe
