// metric_names.hpp — validity of metric and label names (the legacy
// Prometheus character sets), and the sample-name suffixes each metric type
// allows.
#pragma once

#include <string_view>

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

}  // namespace pe
