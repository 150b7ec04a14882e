// metric_names.cpp — metric and label name validity, and which sample names
// a family of each type owns.
#include "plugin_exporter/exposition/metric_names.hpp"

#include "name_chars.hpp"

namespace pe {
namespace {

bool has_suffix_after(std::string_view sample, std::string_view family,
                      std::string_view suffix) noexcept {
  return sample.size() == family.size() + suffix.size() &&
         sample.substr(0, family.size()) == family && sample.substr(family.size()) == suffix;
}

}  // namespace

bool is_valid_metric_name(std::string_view name) noexcept {
  if (name.empty() || !name_chars::is_metric_start(name[0])) return false;
  for (std::size_t i = 1; i < name.size(); ++i)
    if (!name_chars::is_metric_char(name[i])) return false;
  return true;
}

bool is_valid_label_name(std::string_view name) noexcept {
  if (name.empty() || !name_chars::is_label_start(name[0])) return false;
  for (std::size_t i = 1; i < name.size(); ++i)
    if (!name_chars::is_label_char(name[i])) return false;
  return true;
}

bool is_unit_suffix_of(std::string_view family_name, std::string_view unit) noexcept {
  return !unit.empty() && family_name.size() > unit.size() + 1 && family_name.ends_with(unit) &&
         family_name[family_name.size() - unit.size() - 1] == '_';
}

bool sample_belongs_to_family(std::string_view sample_name, std::string_view family_name,
                              MetricType type) noexcept {
  const bool exact = sample_name == family_name;
  switch (type) {
    case MetricType::counter: {
      // OpenMetrics: family "x", samples "x_total" and "x_created".
      // Text 0.0.4: the family is named like its samples ("x_total", or a
      // legacy "x"); a "x_created" beside a "x_total" family belongs too.
      if (exact || has_suffix_after(sample_name, family_name, "_total") ||
          has_suffix_after(sample_name, family_name, "_created"))
        return true;
      constexpr std::string_view total = "_total";
      if (family_name.size() > total.size() && family_name.ends_with(total))
        return has_suffix_after(
            sample_name, family_name.substr(0, family_name.size() - total.size()), "_created");
      return false;
    }
    case MetricType::summary:
      return exact || has_suffix_after(sample_name, family_name, "_sum") ||
             has_suffix_after(sample_name, family_name, "_count") ||
             has_suffix_after(sample_name, family_name, "_created");
    case MetricType::histogram:
      return has_suffix_after(sample_name, family_name, "_bucket") ||
             has_suffix_after(sample_name, family_name, "_sum") ||
             has_suffix_after(sample_name, family_name, "_count") ||
             has_suffix_after(sample_name, family_name, "_created");
    case MetricType::gaugehistogram:
      return has_suffix_after(sample_name, family_name, "_bucket") ||
             has_suffix_after(sample_name, family_name, "_gsum") ||
             has_suffix_after(sample_name, family_name, "_gcount");
    case MetricType::info:
      return has_suffix_after(sample_name, family_name, "_info");
    case MetricType::gauge:
    case MetricType::stateset:
    case MetricType::unknown:
      break;
  }
  return exact;
}

}  // namespace pe
