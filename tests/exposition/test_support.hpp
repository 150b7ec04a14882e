// test_support.hpp — helpers for the exposition tests and fuzzers: reading
// fixture files, parsing with options in one call, and a canonical dump of a
// MetricSet that two models can be compared by.
#pragma once

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"

namespace pe::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline ParseResult parse(std::string_view text, MetricSet& set, ExpositionFormat format,
                         bool strict = false) {
  ParseOptions o;
  o.format = format;
  o.strict = strict;
  return parse_exposition(text, set, o);
}

// Exact representation of a double (NaN payloads folded; -0 kept).
inline std::string exact(double v) {
  char buf[kMaxNumberChars];
  return std::string(buf, format_double(buf, v));
}

// One line per family and sample; equal dumps mean equal models. With
// `canonical_floats`, le/quantile values compare by numeric value (the
// writer canonicalises them).
inline std::string dump(const MetricSet& set, bool canonical_floats = false) {
  std::string out;
  for (const Family& f : set.families) {
    out += "family " + std::string(f.name) + " type=" + std::string(to_string(f.type));
    if (f.has_help || !f.help.empty()) out += " help=" + std::string(f.help);
    if (!f.unit.empty()) out += " unit=" + std::string(f.unit);
    out += "\n";
    for (const Sample& s : set.samples_of(f)) {
      out += "  " + std::string(s.name) + "{";
      for (const Label& l : set.labels_of(s)) {
        std::string value(l.value);
        double d = 0;
        if (canonical_floats && (l.name == "le" || l.name == "quantile") &&
            parse_double(l.value, d))
          value = exact(d);
        out += std::string(l.name) + "=" + value + ",";
      }
      out += "} " + exact(s.value);
      if (s.has_timestamp) out += " @" + std::to_string(s.timestamp_ms);
      if (s.exemplar >= 0) {
        const Exemplar& e = set.exemplars[static_cast<std::size_t>(s.exemplar)];
        out += " # {";
        for (const Label& l : set.labels_of(e))
          out += std::string(l.name) + "=" + std::string(l.value) + ",";
        out += "} " + exact(e.value);
        if (e.has_timestamp) out += " @" + exact(e.timestamp_seconds);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace pe::test
