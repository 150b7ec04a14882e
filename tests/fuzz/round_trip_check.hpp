// round_trip_check.hpp — shared by the parser fuzzers: a parsed model,
// written and parsed again with the same options, must give the same model,
// and writing that must give the same bytes. Aborts with both sides printed
// on a mismatch.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>

#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"
#include "test_support.hpp"

namespace pe::fuzz {

// What the writer preserves: everything but a unit that is not the family
// name's suffix (OpenMetrics would reject it), units in text 0.0.4, and
// exemplars in text 0.0.4; le/quantile values compare as numbers.
inline std::string preserved_model(const MetricSet& set, ExpositionFormat format) {
  MetricSet copy;
  for (const Family& f : set.families) {
    const bool unit_written =
        format == ExpositionFormat::openmetrics && is_unit_suffix_of(f.name, f.unit);
    Family& nf = copy.add_family(f.name, f.type, f.help, f.has_help || !f.help.empty(),
                                 unit_written ? f.unit : std::string_view{});
    (void)nf;
    for (const Sample& s : set.samples_of(f)) {
      Sample& ns = copy.add_sample(s.name, set.labels_of(s), s.value);
      ns.has_timestamp = s.has_timestamp;
      ns.timestamp_ms = s.timestamp_ms;
      if (s.exemplar >= 0 && format == ExpositionFormat::openmetrics) {
        Exemplar e = set.exemplars[static_cast<std::size_t>(s.exemplar)];
        const auto ls = set.labels_of(e);
        e.label_begin = static_cast<uint32_t>(copy.labels.size());
        copy.labels.insert(copy.labels.end(), ls.begin(), ls.end());
        ns.exemplar = static_cast<int32_t>(copy.exemplars.size());
        copy.exemplars.push_back(e);
      }
    }
  }
  return test::dump(copy, /*canonical_floats=*/true);
}

[[noreturn]] inline void mismatch(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "round trip mismatch: %s\n--- first\n%s\n--- second\n%s\n", what, a.c_str(),
               b.c_str());
  std::abort();
}

// Two neighbouring families of one name (lenient input such as
// "# TYPE x_total counter" followed by an unknown "x_total" sample) make
// metadata placement ambiguous: the writer's HELP for the second attaches to
// the first on re-parse. For those the writer output only has to be stable
// after one normalising round.
inline bool has_adjacent_namesakes(const MetricSet& set) {
  for (std::size_t i = 1; i < set.families.size(); ++i)
    if (set.families[i].name == set.families[i - 1].name) return true;
  return false;
}

// In OpenMetrics a counter "x" beside another family named "x" (anywhere in
// the set) is written as an unknown "x_total" by design (text_writer.cpp,
// "Name clashes"): its type and name change, so for those too only
// stability after one normalising round is checked.
inline bool has_counter_stem_clash(const MetricSet& set, ExpositionFormat format) {
  if (format != ExpositionFormat::openmetrics) return false;
  std::unordered_set<std::string_view> others;
  for (const Family& f : set.families)
    if (f.type != MetricType::counter) others.insert(f.name);
  for (const Family& f : set.families)
    if (f.type == MetricType::counter && others.contains(counter_stem(f))) return true;
  return false;
}

inline MetricSet reparse(const std::string& written, const ParseOptions& options) {
  MetricSet again;
  ParseOptions o = options;
  o.skip_invalid_lines = false;
  o.max_samples = 0;
  o.max_bytes = 0;
  const ParseResult r = parse_exposition(written, again, o);
  if (!r.ok)
    mismatch(("writer output does not parse: " + r.error.to_string()).c_str(), written, "");
  return again;
}

inline void check_round_trip(const MetricSet& parsed, const ParseOptions& options) {
  const ExpositionFormat format = options.format;
  std::string written = write_exposition(parsed, format);
  MetricSet again = reparse(written, options);
  if (has_adjacent_namesakes(parsed) || has_counter_stem_clash(parsed, format)) {
    written = write_exposition(again, format);
    again = reparse(written, options);
  } else {
    const std::string before = preserved_model(parsed, format);
    const std::string after = preserved_model(again, format);
    if (before != after) mismatch("model", before, after);
  }
  const std::string rewritten = write_exposition(again, format);
  if (rewritten != written) mismatch("bytes", written, rewritten);
}

}  // namespace pe::fuzz
