// om_validator.cpp — strict OpenMetrics semantic checks (see om_validator.hpp).
#include "om_validator.hpp"

#include <algorithm>
#include <cmath>

#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/text.hpp"

namespace pe {
namespace {

std::string_view suffix_of(std::string_view sample, std::string_view family) noexcept {
  return sample.size() >= family.size() ? sample.substr(family.size()) : std::string_view{};
}

const Label* find_label(std::span<const Label> labels, std::string_view name) noexcept {
  for (const Label& l : labels)
    if (l.name == name) return &l;
  return nullptr;
}

// Sample names a family of each type may use, besides its own name.
std::span<const std::string_view> generated_suffixes(MetricType type) noexcept {
  static constexpr std::string_view counter[] = {"_total", "_created"};
  static constexpr std::string_view summary[] = {"_sum", "_count", "_created"};
  static constexpr std::string_view histogram[] = {"_bucket", "_sum", "_count", "_created"};
  static constexpr std::string_view gaugehistogram[] = {"_bucket", "_gsum", "_gcount"};
  static constexpr std::string_view info[] = {"_info"};
  switch (type) {
    case MetricType::counter:
      return counter;
    case MetricType::summary:
      return summary;
    case MetricType::histogram:
      return histogram;
    case MetricType::gaugehistogram:
      return gaugehistogram;
    case MetricType::info:
      return info;
    default:
      break;
  }
  return {};
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// A le / quantile value: a float, with infinity spelled exactly "+Inf".
bool parse_float_label(std::string_view v, double& out) noexcept {
  if (!parse_double(v, out)) return false;
  if (std::isinf(out)) return v == "+Inf";
  return true;
}

std::string negative_or_nan(std::string_view what, double v) {
  if (std::isnan(v)) return std::string(what) + " must not be NaN";
  if (v < 0) return std::string(what) + " must not be negative";
  return {};
}

}  // namespace

std::string OpenMetricsValidator::series_key(std::string_view name, std::span<const Label> labels) {
  std::vector<const Label*> sorted;
  sorted.reserve(labels.size());
  for (const Label& l : labels) sorted.push_back(&l);
  std::sort(sorted.begin(), sorted.end(),
            [](const Label* a, const Label* b) { return a->name < b->name; });
  std::string key(name);
  for (const Label* l : sorted) {
    key.push_back('\0');
    key.append(l->name);
    key.push_back('=');
    key.append(l->value);
  }
  return key;
}

std::string OpenMetricsValidator::group_key(const Family& family, std::span<const Label> labels) {
  std::vector<Label> kept;
  kept.reserve(labels.size());
  for (const Label& l : labels) {
    const bool is_point_label =
        ((family.type == MetricType::histogram || family.type == MetricType::gaugehistogram) &&
         l.name == "le") ||
        (family.type == MetricType::summary && l.name == "quantile") ||
        (family.type == MetricType::stateset && l.name == family.name);
    if (!is_point_label) kept.push_back(l);
  }
  return series_key({}, kept);
}

std::string OpenMetricsValidator::begin_family(std::string_view name) {
  if (!claimed_.insert(std::string(name)).second)
    return "metric family " + quoted(name) + " clashes with a name an earlier family uses";
  return {};
}

std::string OpenMetricsValidator::end_family(const Family& family) {
  std::string err = end_group(family);
  groups_seen_.clear();
  last_series_.clear();
  if (!err.empty()) return err;
  if (!family.unit.empty()) {
    if (family.type == MetricType::info || family.type == MetricType::stateset)
      return std::string(to_string(family.type)) + " family " + quoted(family.name) +
             " cannot have a unit";
    if (!is_unit_suffix_of(family.name, family.unit))
      return "unit " + quoted(family.unit) + " is not a suffix of the family name " +
             quoted(family.name);
  }
  for (std::string_view suffix : generated_suffixes(family.type)) {
    std::string name = std::string(family.name) + std::string(suffix);
    if (!claimed_.insert(name).second)
      return "metric family " + quoted(family.name) + " of type " +
             std::string(to_string(family.type)) + " clashes with the name " + quoted(name) +
             " of another family";
  }
  return {};
}

std::string OpenMetricsValidator::end_group(const Family& family) {
  if (!group_.active) return {};
  Group g;
  std::swap(g, group_);
  const bool hist = family.type == MetricType::histogram;
  if (!hist && family.type != MetricType::gaugehistogram) return {};
  const std::string what = std::string(to_string(family.type)) + " " + quoted(family.name);
  if (!g.has_inf) return what + " has no +Inf bucket";
  for (std::size_t i = 1; i < g.buckets.size(); ++i) {
    if (!(g.buckets[i].le > g.buckets[i - 1].le))
      return what + " buckets are not in increasing le order";
    if (g.buckets[i].value < g.buckets[i - 1].value)
      return what + " bucket counts are not cumulative (they decrease)";
  }
  const char* sum_name = hist ? "_sum" : "_gsum";
  const char* count_name = hist ? "_count" : "_gcount";
  if (hist && g.negative_bucket && g.has_sum)
    return what + " has negative buckets, so it must not have a _sum";
  if (g.has_sum != g.has_count && !(hist && g.negative_bucket))
    return what + " must have both " + sum_name + " and " + count_name + " or neither";
  if (!hist && g.has_sum && g.sum < 0 && !g.negative_bucket)
    return what + " _gsum is negative but there are no negative buckets";
  if (g.has_count && g.count != g.inf_value)
    return what + " " + count_name + " does not match the +Inf bucket";
  return {};
}

std::string OpenMetricsValidator::on_sample(const Family& family, const Sample& sample,
                                            std::span<const Label> labels, const Exemplar* exemplar,
                                            std::span<const Label> exemplar_labels) {
  // Metric contiguity.
  std::string key = group_key(family, labels);
  if (!group_.active || key != group_.key) {
    std::string err = end_group(family);
    if (!err.empty()) return err;
    if (!groups_seen_.insert(key).second)
      return "samples of one metric of family " + quoted(family.name) +
             " are interleaved with another metric's";
    group_.active = true;
    group_.key = std::move(key);
  }
  // Timestamps of a repeated series.
  std::string series = series_key(sample.name, labels);
  if (series == last_series_) {
    if (!sample.has_timestamp || !last_has_timestamp_)
      return "series " + quoted(sample.name) + " repeats without timestamps";
    if (sample.timestamp_ms < last_timestamp_)
      return "timestamps of series " + quoted(sample.name) + " go backwards";
  }
  last_series_ = std::move(series);
  last_has_timestamp_ = sample.has_timestamp;
  last_timestamp_ = sample.timestamp_ms;

  const std::string_view suffix = suffix_of(sample.name, family.name);
  if (exemplar != nullptr) {
    const bool allowed =
        (family.type == MetricType::counter && suffix == "_total") ||
        ((family.type == MetricType::histogram || family.type == MetricType::gaugehistogram) &&
         suffix == "_bucket");
    if (!allowed)
      return "exemplars are only allowed on counter _total and histogram _bucket samples, not on " +
             quoted(sample.name);
    std::size_t chars = 0;
    for (const Label& l : exemplar_labels) chars += code_points(l.name) + code_points(l.value);
    if (chars > 128) return "exemplar labels exceed 128 characters";
  }

  const double v = sample.value;
  std::string err;
  switch (family.type) {
    case MetricType::counter:
      if (suffix == "_total") err = negative_or_nan("counter value", v);
      break;
    case MetricType::histogram:
    case MetricType::gaugehistogram: {
      const bool hist = family.type == MetricType::histogram;
      if (suffix == "_bucket") {
        const Label* le = find_label(labels, "le");
        double bound = 0;
        if (le == nullptr) return "bucket " + quoted(sample.name) + " has no le label";
        if (!parse_float_label(le->value, bound) || std::isnan(bound))
          return "invalid le value " + quoted(le->value);
        err = negative_or_nan("bucket count", v);
        if (!err.empty()) break;
        if (bound < 0) group_.negative_bucket = true;
        if (std::isinf(bound) && bound > 0) {
          group_.has_inf = true;
          group_.inf_value = v;
        }
        group_.buckets.push_back({bound, v});
      } else if (suffix == (hist ? "_sum" : "_gsum")) {
        if (std::isnan(v)) return std::string(suffix.substr(1)) + " must not be NaN";
        if (hist && v < 0) return "histogram _sum must not be negative";
        group_.has_sum = true;
        group_.sum = v;
      } else if (suffix == (hist ? "_count" : "_gcount")) {
        err = negative_or_nan(suffix.substr(1), v);
        group_.has_count = true;
        group_.count = v;
      }
      break;
    }
    case MetricType::summary:
      if (suffix.empty()) {
        const Label* q = find_label(labels, "quantile");
        double quantile = 0;
        if (q == nullptr) return "summary sample " + quoted(sample.name) + " has no quantile label";
        if (!parse_float_label(q->value, quantile) || !(quantile >= 0 && quantile <= 1))
          return "invalid quantile " + quoted(q->value) + " (must be a number from 0 to 1)";
        if (v < 0) err = "quantile value must not be negative";
      } else if (suffix == "_sum" || suffix == "_count") {
        err = negative_or_nan(std::string("summary ") + std::string(suffix.substr(1)), v);
      }
      break;
    case MetricType::info:
      if (v != 1) err = "info value must be 1";
      break;
    case MetricType::stateset:
      if (find_label(labels, family.name) == nullptr)
        return "stateset sample has no label named after the family " + quoted(family.name);
      if (v != 0 && v != 1) err = "stateset value must be 0 or 1";
      break;
    case MetricType::gauge:
    case MetricType::unknown:
      break;
  }
  return err;
}

}  // namespace pe
