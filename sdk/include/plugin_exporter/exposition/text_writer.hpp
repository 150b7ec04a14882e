// text_writer.hpp — writes the model as Prometheus text 0.0.4 or OpenMetrics
// 1.0: label and help escaping, shortest round-trip floats, canonical le and
// quantile values. Output always passes `promtool check metrics` when the
// model is valid (names checked, families contiguous, no duplicate series).
//
// The writer is streaming: the host writes a merged view family by family
// from several MetricSets without copying them into one.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "plugin_exporter/exposition/exposition_format.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe {

class ExpositionWriter {
 public:
  ExpositionWriter(ExpositionFormat format, std::string& out) : format_(format), out_(out) {}

  // HELP/TYPE/UNIT lines for a family. For OpenMetrics, a counter family
  // named "x_total" is declared as "x" (samples keep their names).
  void family_header(const Family& family);

  // One sample line. `extra` labels are written before the sample's own
  // (used for labels added at write time); the caller guarantees no name
  // appears twice. `exemplars` is the owning set (for the sample's exemplar),
  // or null to write none.
  void sample(const Family& family, const Sample& sample, std::span<const Label> labels,
              std::span<const Label> extra = {}, const MetricSet* exemplars = nullptr);

  // Every family of a set, in order.
  void write_all(const MetricSet& set);

  // "# EOF" for OpenMetrics, nothing for text. Call once at the end.
  void finish();

  ExpositionFormat format() const noexcept { return format_; }

 private:
  ExpositionFormat format_;
  std::string& out_;
};

// Convenience: the whole set in one string.
std::string write_exposition(const MetricSet& set, ExpositionFormat format);

}  // namespace pe
