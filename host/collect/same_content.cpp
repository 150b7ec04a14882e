// same_content.cpp — field-by-field comparison of two MetricSets.
#include "collect/same_content.hpp"

#include <cstring>

namespace pe::host {
namespace {

bool same_bits(double a, double b) noexcept {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

bool same_content(const MetricSet& a, const MetricSet& b) noexcept {
  if (a.families.size() != b.families.size() || a.samples.size() != b.samples.size() ||
      a.labels.size() != b.labels.size() || a.exemplars.size() != b.exemplars.size())
    return false;
  for (std::size_t i = 0; i < a.families.size(); ++i) {
    const Family& x = a.families[i];
    const Family& y = b.families[i];
    if (x.type != y.type || x.has_help != y.has_help || x.sample_begin != y.sample_begin ||
        x.sample_count != y.sample_count || x.name != y.name || x.help != y.help ||
        x.unit != y.unit)
      return false;
  }
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    const Sample& x = a.samples[i];
    const Sample& y = b.samples[i];
    if (x.label_begin != y.label_begin || x.label_count != y.label_count ||
        !same_bits(x.value, y.value) || x.has_timestamp != y.has_timestamp ||
        (x.has_timestamp && x.timestamp_ms != y.timestamp_ms) || x.exemplar != y.exemplar ||
        x.name != y.name)
      return false;
  }
  for (std::size_t i = 0; i < a.labels.size(); ++i)
    if (a.labels[i].name != b.labels[i].name || a.labels[i].value != b.labels[i].value)
      return false;
  for (std::size_t i = 0; i < a.exemplars.size(); ++i) {
    const Exemplar& x = a.exemplars[i];
    const Exemplar& y = b.exemplars[i];
    if (x.label_begin != y.label_begin || x.label_count != y.label_count ||
        !same_bits(x.value, y.value) || x.has_timestamp != y.has_timestamp ||
        (x.has_timestamp && !same_bits(x.timestamp_seconds, y.timestamp_seconds)))
      return false;
  }
  return true;
}

}  // namespace pe::host
