// collect_sink.hpp — the C ABI's pe_sink: receives one collect's families and
// samples (structured, or as exposition text it parses) into a MetricSet,
// validating as it goes. Invalid names, reserved or duplicate labels and
// invalid UTF-8 are dropped and counted, never served; a sample limit stops a
// runaway collector.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host {
// A figure a plugin reported with sink_stat.
struct PluginStat {
  std::string name;  // becomes plugin_exporter_collector_<name>
  std::string help;
  double value = 0;
};
// One label of a sample given with its lengths (the isolation replay's
// records carry them): no strlen, otherwise checked like a pe_label.
struct LabelView {
  std::string_view name;
  std::string_view value;
};
}  // namespace pe::host

// Thread-safety: none; one collect fills one sink.
struct pe_sink {
  pe_sink(pe::MetricSet& target, uint64_t sample_limit) : set(target), max_samples(sample_limit) {}

  pe_status family(const pe_family& f);
  pe_status sample(const pe_sample& s);
  // The same as sample() for a sample given as views; `name` null (no
  // data) means the family's name, as a null pe_sample.name does.
  // `names_checked`: every label name came from checked_label_name;
  // `values_checked` (counted with names_checked only): every value is
  // valid UTF-8 in memory the set keeps (from checked_label_values).
  pe_status sample(std::string_view name, std::span<const pe::host::LabelView> labels, double value,
                   bool has_timestamp, int64_t timestamp_ms, bool names_checked = false,
                   bool values_checked = false);
  // A label name checked (valid, not reserved) and interned once, for a
  // caller that gives it again and again (the isolation replay): the view
  // to give sample() with names_checked, or nullopt when a sample with this
  // label would be dropped (give such a sample unchecked, for the reason).
  std::optional<std::string_view> checked_label_name(std::string_view name);
  // Label values that come as one block (the isolation replay's parts):
  // checked as valid UTF-8 without a NUL and copied into the set once; the
  // copy, or nullopt when they are not all that (or no sample is taken any
  // more). A value inside the copy that starts and ends on a character
  // boundary is then checked.
  std::optional<std::string_view> checked_label_values(std::string_view block);
  pe_status text(const char* data, std::size_t len, pe_format format, bool skip_invalid_lines);
  pe_status stat(const char* name, const char* help, double value);
  void set_error(const char* message);

  pe::MetricSet& set;
  uint64_t max_samples;
  uint64_t invalid_samples = 0;      // dropped: bad names, labels, UTF-8
  std::string first_invalid_reason;  // the first drop's reason, for the log
  std::string error;                 // set by sink_error or a failed text parse
  bool limit_reached = false;
  std::vector<pe::host::PluginStat> stats;

 private:
  void drop(const std::string& reason);
  // sample()'s body for both label forms: label_at(i) gives label i;
  // kNamesChecked, kValuesChecked: sample()'s names_checked, values_checked.
  template <bool kNamesChecked, bool kValuesChecked, typename LabelAt>
  pe_status add_sample(std::string_view name, bool has_name, std::size_t label_count,
                       LabelAt label_at, double value, bool has_timestamp, int64_t timestamp_ms);
  // Label names repeat across samples: intern each distinct one once.
  std::string_view intern_label_name(std::string_view name);
  bool family_open_ = false;  // the last sink_family call was accepted
  std::vector<pe::Label> scratch_;
  std::vector<std::string_view> name_scratch_;  // duplicate-label check of long label sets
  std::vector<std::string_view> label_names_;   // interned, most recent last
};

namespace pe::host {
using CollectSink = ::pe_sink;
}
