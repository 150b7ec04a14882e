// text_writer.cpp — the model written as Prometheus text 0.0.4 or
// OpenMetrics 1.0.
//
// Numbers: shortest round-trip decimals in Go's %g layout (format_double),
// "NaN", "+Inf", "-Inf". Timestamps: integer milliseconds in text, exact
// decimal seconds in OpenMetrics.
//
// le and quantile label values (of histogram/gaugehistogram buckets and
// summary quantiles) are canonicalised the way client_golang writes them:
// parsed as a float and re-formatted — text 0.0.4 as %g ("1", "0.25",
// "1e+06", "+Inf"), OpenMetrics with a ".0" added to integral values ("1.0"),
// which is also the form Prometheus 3 normalises both formats to on
// ingestion. A value that is not a float is written unchanged.
//
// Mapping OpenMetrics-only concepts to text 0.0.4 (what client_python's
// text writer does, so nothing is lost and promtool accepts the result):
//   counter "x" with samples x_total   -> "# TYPE x_total counter"
//   info "x" (samples x_info)          -> gauge "x_info"
//   stateset                           -> gauge
//   gaugehistogram                     -> histogram
//   unknown                            -> no TYPE line (untyped), unless the
//                                         family has neither samples nor HELP
//   _created (counter/histogram/summary), _gsum/_gcount (gaugehistogram)
//                                      -> separate gauge families named after
//                                         those samples, written after the family
// Exemplars and UNIT exist only in OpenMetrics output.
//
// OpenMetrics output declares a counter family "x_total" whose samples are
// named "x_total" (text style) as "x"; a counter whose samples do not carry
// the _total suffix (a legacy text counter "x" with samples "x") is written
// as unknown, so the output stays valid OpenMetrics with unchanged series.
//
// Name clashes in OpenMetrics: a counter "x_total" beside another family
// named "x" (every Go exporter's gauge go_memstats_alloc_bytes and counter
// go_memstats_alloc_bytes_total) cannot be declared as "x" — two families
// may not share a name. The caller says so (family_header's
// `counter_stem_taken`); the counter is then written as an unknown family
// "x_total" (no TYPE line) with its samples unchanged, and its "x_created"
// samples, if any, as a gauge family "x_created" after it. Both series keep
// their names and values; only the counter's type is not declared. Text
// 0.0.4 output is unaffected (there the counter is declared as "x_total").
#include "plugin_exporter/exposition/text_writer.hpp"

#include <cmath>
#include <cstring>
#include <unordered_set>

#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"

namespace pe {
namespace {

constexpr std::string_view kTotal = "_total";

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() > suffix.size() && s.ends_with(suffix);
}

// Label values: backslash, double quote and newline are escaped.
void append_label_value(std::string& out, std::string_view v) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out.append(v.data() + run, i - run);
    out.push_back('\\');
    out.push_back(c == '\n' ? 'n' : c);
    run = i + 1;
  }
  out.append(v.data() + run, v.size() - run);
}

// HELP text: backslash and newline escaped; OpenMetrics also escapes '"'.
void append_help(std::string& out, std::string_view v, bool escape_quote) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '\n' && !(escape_quote && c == '"')) continue;
    out.append(v.data() + run, i - run);
    out.push_back('\\');
    out.push_back(c == '\n' ? 'n' : c);
    run = i + 1;
  }
  out.append(v.data() + run, v.size() - run);
}

void append_double(std::string& out, double v) {
  char buf[kMaxNumberChars];
  out.append(buf, format_double(buf, v));
}

// Milliseconds as exact decimal seconds: 1234 -> "1.234", -5 -> "-0.005".
void append_seconds_from_ms(std::string& out, int64_t ms) {
  char buf[kMaxNumberChars + 8];
  char* p = buf;
  uint64_t mag =
      ms < 0 ? static_cast<uint64_t>(0) - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (ms < 0) *p++ = '-';
  const uint64_t whole = mag / 1000;
  auto frac = static_cast<unsigned>(mag % 1000);
  char digits[24];
  int n = 0;
  uint64_t w = whole;
  do {
    digits[n++] = static_cast<char>('0' + w % 10);
    w /= 10;
  } while (w != 0);
  while (n > 0) *p++ = digits[--n];
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    frac %= 100;
    if (frac != 0) {
      *p++ = static_cast<char>('0' + frac / 10);
      frac %= 10;
      if (frac != 0) *p++ = static_cast<char>('0' + frac);
    }
  }
  out.append(buf, p);
}

// le / quantile value in the canonical form described at the top.
void append_canonical_float_label(std::string& out, std::string_view v, bool openmetrics) {
  double d = 0;
  if (!parse_double(v, d)) {
    append_label_value(out, v);
    return;
  }
  char buf[kMaxNumberChars + 2];
  char* end = format_double(buf, d);
  if (openmetrics && std::isfinite(d) &&
      std::memchr(buf, '.', static_cast<std::size_t>(end - buf)) == nullptr &&
      std::memchr(buf, 'e', static_cast<std::size_t>(end - buf)) == nullptr) {
    *end++ = '.';
    *end++ = '0';
  }
  out.append(buf, end);
}

// "# HELP name text" / "# TYPE name type" lines.
void append_help_line(std::string& out, std::string_view name, std::string_view help, bool om) {
  out.append("# HELP ");
  out.append(name);
  out.push_back(' ');
  append_help(out, help, om);
  out.push_back('\n');
}

void append_type_line(std::string& out, std::string_view name, std::string_view type) {
  out.append("# TYPE ");
  out.append(name);
  out.push_back(' ');
  out.append(type);
  out.push_back('\n');
}

// name="value" pairs, comma-separated (`first` tracks the comma across calls);
// the value of the label named `float_label` is canonicalised.
void append_labels(std::string& out, std::span<const Label> labels, std::string_view float_label,
                   bool om, bool& first) {
  for (const Label& l : labels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(l.name);
    out.append("=\"");
    if (!float_label.empty() && l.name == float_label)
      append_canonical_float_label(out, l.value, om);
    else
      append_label_value(out, l.value);
    out.push_back('"');
  }
}

std::string_view text_type_name(MetricType t) noexcept {
  switch (t) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
    case MetricType::info:
    case MetricType::stateset:
      return "gauge";
    case MetricType::histogram:
    case MetricType::gaugehistogram:
      return "histogram";
    case MetricType::summary:
      return "summary";
    case MetricType::unknown:
      break;
  }
  return {};
}

// Which label of a sample of `family` holds a float to canonicalise.
std::string_view float_label_of(const Family& family, std::string_view sample_name) noexcept {
  switch (family.type) {
    case MetricType::histogram:
    case MetricType::gaugehistogram:
      return ends_with(sample_name, "_bucket") ? "le" : std::string_view{};
    case MetricType::summary:
      return sample_name == family.name ? "quantile" : std::string_view{};
    default:
      break;
  }
  return {};
}

}  // namespace

// Index into deferred_ of a sample that text 0.0.4 writes as a separate gauge
// family after its own family, or -1.
int ExpositionWriter::deferred_slot(const Family& family, std::string_view sample_name) noexcept {
  if ((format_ != ExpositionFormat::text && !stem_taken_) || sample_name == family.name) return -1;
  // The family's own name plus `suffix` (a counter family may be named "x_total").
  auto is = [&](std::string_view suffix) {
    std::string_view stem = family.name;
    if (family.type == MetricType::counter && ends_with(stem, kTotal))
      stem.remove_suffix(kTotal.size());
    return sample_name.size() == stem.size() + suffix.size() && sample_name.starts_with(stem) &&
           sample_name.ends_with(suffix);
  };
  switch (family.type) {
    case MetricType::counter:
    case MetricType::histogram:
    case MetricType::summary:
      if (is("_created")) return 0;
      break;
    case MetricType::gaugehistogram:
      if (is("_gsum")) return 1;
      if (is("_gcount")) return 2;
      break;
    default:
      break;
  }
  return -1;
}

void ExpositionWriter::write_header(const Family& family, std::string_view first_sample_name) {
  const bool om = format_ == ExpositionFormat::openmetrics;
  std::string_view name = family.name;
  std::string_view type;
  if (om) {
    type = to_string(family.type);
    if (family.type == MetricType::counter && stem_taken_ &&
        !(first_sample_name == family.name && !ends_with(name, kTotal))) {
      // "x" is taken by another family: unknown "x_total" (a legacy counter
      // "x" with samples "x" is unknown "x" either way).
      if (!ends_with(name, kTotal)) {
        scratch_name_.assign(name);
        scratch_name_.append(kTotal);
        name = scratch_name_;
      }
      type = {};
    } else if (family.type == MetricType::counter && first_sample_name == family.name) {
      if (ends_with(name, kTotal))
        name.remove_suffix(kTotal.size());  // text-style "x_total" family: declared as "x"
      else
        type = {};  // legacy counter without _total: declared as unknown
    } else if (family.type == MetricType::unknown) {
      type = {};
    }
  } else {
    type = text_type_name(family.type);
    if (family.type == MetricType::counter && !ends_with(name, kTotal) &&
        first_sample_name.size() == name.size() + kTotal.size() &&
        first_sample_name.starts_with(name) && first_sample_name.ends_with(kTotal)) {
      name = first_sample_name;
    } else if (family.type == MetricType::info && !first_sample_name.empty()) {
      name = first_sample_name;
    }
  }
  const bool help_line = family.has_help || !family.help.empty();
  const bool unit_line = om && is_unit_suffix_of(name, family.unit);
  // A family with nothing else to show is declared explicitly, so it survives
  // a round trip instead of vanishing.
  if (type.empty() && !help_line && !unit_line && first_sample_name.empty())
    type = om ? "unknown" : "untyped";
  if (help_line) append_help_line(out_, name, family.help, om);
  if (!type.empty()) append_type_line(out_, name, type);
  if (unit_line) {
    out_.append("# UNIT ");
    out_.append(name);
    out_.push_back(' ');
    out_.append(family.unit);
    out_.push_back('\n');
  }
}

void ExpositionWriter::flush_pending() {
  if (header_pending_) {
    write_header(pending_family_, {});
    header_pending_ = false;
  }
  for (std::string& d : deferred_) {
    out_.append(d);
    d.clear();
  }
}

void ExpositionWriter::family_header(const Family& family, bool counter_stem_taken) {
  flush_pending();
  pending_family_ = family;
  header_pending_ = true;
  stem_taken_ = counter_stem_taken && format_ == ExpositionFormat::openmetrics &&
                family.type == MetricType::counter;
}

void ExpositionWriter::sample(const Family& family, const Sample& s, std::span<const Label> labels,
                              std::span<const Label> extra, const MetricSet* exemplars) {
  const bool om = format_ == ExpositionFormat::openmetrics;
  const int slot = deferred_slot(family, s.name);
  if (header_pending_ && slot < 0) {
    write_header(family, s.name);
    header_pending_ = false;
  }
  std::string& out = slot < 0 ? out_ : deferred_[static_cast<std::size_t>(slot)];
  if (slot >= 0 && out.empty()) {
    // First sample of a deferred gauge family: its own header.
    if (family.has_help || !family.help.empty()) append_help_line(out, s.name, family.help, om);
    append_type_line(out, s.name, "gauge");
  }
  out.append(s.name);
  if (!labels.empty() || !extra.empty()) {
    const std::string_view float_label = float_label_of(family, s.name);
    out.push_back('{');
    bool first = true;
    append_labels(out, extra, float_label, om, first);
    append_labels(out, labels, float_label, om, first);
    out.push_back('}');
  }
  out.push_back(' ');
  append_double(out, s.value);
  if (s.has_timestamp) {
    out.push_back(' ');
    if (om) {
      append_seconds_from_ms(out, s.timestamp_ms);
    } else {
      char buf[kMaxNumberChars];
      out.append(buf, format_int64(buf, s.timestamp_ms));
    }
  }
  if (om && exemplars != nullptr && s.exemplar >= 0 &&
      static_cast<std::size_t>(s.exemplar) < exemplars->exemplars.size()) {
    const Exemplar& e = exemplars->exemplars[static_cast<std::size_t>(s.exemplar)];
    out.append(" # {");
    bool first = true;
    append_labels(out, exemplars->labels_of(e), {}, om, first);
    out.append("} ");
    append_double(out, e.value);
    if (e.has_timestamp) {
      out.push_back(' ');
      append_double(out, e.timestamp_seconds);
    }
  }
  out.push_back('\n');
}

std::string_view counter_stem(const Family& family) noexcept {
  std::string_view stem = family.name;
  if (ends_with(stem, kTotal)) stem.remove_suffix(kTotal.size());
  return stem;
}

void ExpositionWriter::write_all(const MetricSet& set) {
  std::unordered_set<std::string_view> names;  // non-counter families, for stem clashes
  if (format_ == ExpositionFormat::openmetrics)
    for (const Family& f : set.families)
      if (f.type != MetricType::counter) names.insert(f.name);
  for (const Family& f : set.families) {
    family_header(f, f.type == MetricType::counter && names.contains(counter_stem(f)));
    for (const Sample& s : set.samples_of(f)) sample(f, s, set.labels_of(s), {}, &set);
  }
}

std::size_t ExpositionWriter::flush() {
  flush_pending();
  return out_.size();
}

void ExpositionWriter::append_written(std::string_view bytes) {
  flush_pending();
  out_.append(bytes);
}

void ExpositionWriter::finish() {
  flush_pending();
  if (format_ == ExpositionFormat::openmetrics) out_.append("# EOF\n");
}

std::string write_exposition(const MetricSet& set, ExpositionFormat format) {
  std::string out;
  ExpositionWriter w(format, out);
  w.write_all(set);
  w.finish();
  return out;
}

}  // namespace pe
