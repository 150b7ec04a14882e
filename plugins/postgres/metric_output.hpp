// metric_output.hpp — the metrics one collect produces, gathered before they
// go to the host's sink: families by name (samples of a name emitted from
// several places end up in one family), each sample with its own labels.
// Custom queries keep their last output in this form to serve it again
// between runs (min_interval).
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "plugin_exporter/metric_sink.hpp"

namespace pe::postgres {

using LabelList = std::vector<std::pair<std::string, std::string>>;

struct OutputSample {
  std::string name;  // full sample name (with _total, _bucket, ...)
  LabelList labels;
  double value = 0;
};

struct OutputFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::gauge;
  std::vector<OutputSample> samples;

  void add(std::string sample_name, LabelList labels, double value) {
    samples.push_back(OutputSample{std::move(sample_name), std::move(labels), value});
  }
  // A sample named like the family (gauges).
  void add(LabelList labels, double value) { add(name, std::move(labels), value); }
};

class MetricOutput {
 public:
  // The family `name`, created on first use (type and help of the first use
  // win). The reference stays valid while this output lives.
  OutputFamily& family(const std::string& name, MetricType type, const std::string& help);
  // A family with a single unlabelled gauge sample.
  void gauge(const std::string& name, const std::string& help, double value);
  // Appends the samples of `f` to the family of the same name.
  void merge(const OutputFamily& f);

  // Sends every family to the sink, in the order they were first used.
  // False if the host's sample limit was reached.
  bool emit(MetricSink& sink) const;

  const std::deque<OutputFamily>& families() const { return families_; }

 private:
  std::deque<OutputFamily> families_;  // deque: references stay valid as it grows
};

}  // namespace pe::postgres
