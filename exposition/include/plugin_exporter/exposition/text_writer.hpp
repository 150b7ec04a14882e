// text_writer.hpp — writes the model as Prometheus text 0.0.4 or OpenMetrics
// 1.0: label and help escaping, shortest round-trip floats, canonical le and
// quantile values. Output always passes `promtool check metrics` when the
// model is valid (names checked, families contiguous, no duplicate series).
//
// The writer is streaming: the host writes a merged view family by family
// from several MetricSets without copying them into one. A family's header is
// written with its first sample (its name may depend on the samples), so the
// strings a Family views must stay valid until the next call on the writer;
// call finish() at the end in both formats (text output may hold deferred
// samples until then). See text_writer.cpp for how OpenMetrics-only types
// map to text 0.0.4 and how le/quantile values are canonicalised.
#pragma once

#include <array>
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
  // named "x_total" is declared as "x" (samples keep their names), unless
  // `counter_stem_taken`: another family of the same output is named "x"
  // (see counter_stem), and the counter is written as an unknown family
  // "x_total" instead (text_writer.cpp explains the rule).
  void family_header(const Family& family, bool counter_stem_taken = false);

  // One sample line. `extra` labels are written before the sample's own
  // (used for labels added at write time); the caller guarantees no name
  // appears twice. `exemplars` is the owning set (for the sample's exemplar),
  // or null to write none.
  void sample(const Family& family, const Sample& sample, std::span<const Label> labels,
              std::span<const Label> extra = {}, const MetricSet* exemplars = nullptr);

  // Every family of a set, in order.
  void write_all(const MetricSet& set);

  // Flushes what is pending, then "# EOF" for OpenMetrics. Call once at the end.
  void finish();

  ExpositionFormat format() const noexcept { return format_; }

  // Writes what a family left pending (its header, deferred samples) and
  // returns the output's size. Between two families this changes nothing in
  // the output: the next family_header would write the same bytes first.
  std::size_t flush();
  // The bytes written since `flush()` returned `position`.
  std::string_view written_since(std::size_t position) const noexcept {
    return std::string_view(out_).substr(position);
  }
  // Appends bytes an earlier writer of the same format wrote for whole
  // families (between two flush() calls), after what is pending.
  void append_written(std::string_view bytes);

 private:
  int deferred_slot(const Family& family, std::string_view sample_name) noexcept;
  void write_header(const Family& family, std::string_view first_sample_name);
  void flush_pending();

  ExpositionFormat format_;
  std::string& out_;
  Family pending_family_;  // header not written yet (no sample seen)
  bool header_pending_ = false;
  bool stem_taken_ = false;   // OpenMetrics: the current counter is written as unknown "x_total"
  std::string scratch_name_;  // "x" + "_total" for such a counter
  // Text 0.0.4: _created / _gsum / _gcount samples, written as gauge families
  // after their family.
  std::array<std::string, 3> deferred_;
};

// The name an OpenMetrics counter family is declared under when nothing
// clashes: its name without a trailing "_total".
std::string_view counter_stem(const Family& family) noexcept;

// Convenience: the whole set in one string.
std::string write_exposition(const MetricSet& set, ExpositionFormat format);

}  // namespace pe
