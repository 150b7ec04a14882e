// metric_set.cpp — MetricSet building helpers.
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe {

std::string_view to_string(MetricType type) noexcept {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
    case MetricType::summary: return "summary";
    case MetricType::gaugehistogram: return "gaugehistogram";
    case MetricType::info: return "info";
    case MetricType::stateset: return "stateset";
    case MetricType::unknown: break;
  }
  return "unknown";
}

Family& MetricSet::add_family(std::string_view name, MetricType type, std::string_view help,
                              bool has_help, std::string_view unit) {
  Family& f = families.emplace_back();
  f.name = name;
  f.type = type;
  f.help = help;
  f.has_help = has_help;
  f.unit = unit;
  f.sample_begin = static_cast<uint32_t>(samples.size());
  f.sample_count = 0;
  return f;
}

Sample& MetricSet::add_sample(std::string_view name, std::span<const Label> sample_labels,
                              double value) {
  Sample& s = samples.emplace_back();
  s.name = name;
  s.label_begin = static_cast<uint32_t>(labels.size());
  s.label_count = static_cast<uint32_t>(sample_labels.size());
  labels.insert(labels.end(), sample_labels.begin(), sample_labels.end());
  s.value = value;
  families.back().sample_count++;
  return s;
}

void MetricSet::clear() noexcept {
  families.clear();
  samples.clear();
  labels.clear();
  exemplars.clear();
  arena.clear();
}

}  // namespace pe
