// metric_output.cpp — gathering families and handing them to the sink.
#include "metric_output.hpp"

namespace pe::postgres {

OutputFamily& MetricOutput::family(const std::string& name, MetricType type,
                                   const std::string& help) {
  for (OutputFamily& f : families_)
    if (f.name == name) return f;
  families_.push_back(OutputFamily{name, help, type, {}});
  return families_.back();
}

void MetricOutput::gauge(const std::string& name, const std::string& help, double value) {
  family(name, MetricType::gauge, help).add({}, value);
}

void MetricOutput::merge(const OutputFamily& f) {
  OutputFamily& into = family(f.name, f.type, f.help);
  into.samples.insert(into.samples.end(), f.samples.begin(), f.samples.end());
}

bool MetricOutput::emit(MetricSink& sink) const {
  for (const OutputFamily& f : families_) {
    if (f.samples.empty()) continue;
    if (!sink.family(f.name, f.type, f.help)) {
      if (sink.limit_reached()) return false;
      continue;
    }
    for (const OutputSample& s : f.samples) {
      sink.sample(s.name, MetricSink::LabelPairs(s.labels), s.value);
      if (sink.limit_reached()) return false;
    }
  }
  return true;
}

}  // namespace pe::postgres
