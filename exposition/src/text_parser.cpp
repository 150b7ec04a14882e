// text_parser.cpp — one pass over Prometheus text 0.0.4 or OpenMetrics 1.0
// into a MetricSet.
//
// The input is split into lines with memchr; a sample line is scanned once,
// its strings are views into the input (or copied to the set's arena when the
// caller asked for copies, or when escapes had to be undone), and numbers go
// through from_chars. Nothing is allocated per sample once the set's vectors
// have grown.
//
// Grammar differences by mode:
//   text 0.0.4  blanks (space, tab) between tokens, leading blanks and empty
//               lines allowed, timestamps are integer milliseconds, a
//               trailing comma in a label set is fine, "# HELP"/"# TYPE" are
//               metadata and any other comment is ignored.
//   OpenMetrics single spaces, no blank lines, timestamps are float seconds
//               (converted to ms, truncated toward zero as Prometheus does),
//               exemplars, "# UNIT", and a final "# EOF".
// Strict mode adds what the specifications forbid and Prometheus tolerates:
// repeated or misplaced metadata, non-contiguous families, and for
// OpenMetrics every semantic rule in om_validator.hpp.
//
// Unknown escape sequences in label values and HELP (like "\z") are kept
// literally in every mode, as Prometheus and the OpenMetrics suite do.
#include "plugin_exporter/exposition/text_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "name_chars.hpp"
#include "om_validator.hpp"
#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/utf8.hpp"
#include "plugin_exporter/text.hpp"

namespace pe {

std::string ParseError::to_string() const {
  if (line == 0) return message;
  return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

constexpr std::string_view kEofLine = "# EOF";

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

bool ends_with_eof_marker(std::string_view in) noexcept {
  if (!in.empty() && in.back() == '\n') in.remove_suffix(1);
  const std::size_t nl = in.rfind('\n');
  return (nl == std::string_view::npos ? in : in.substr(nl + 1)) == kEofLine;
}

// Type names: text 0.0.4 knows counter, gauge, histogram, summary and
// untyped (as Prometheus's text parser); OpenMetrics adds gaugehistogram,
// info, stateset and calls untyped "unknown". Lenient mode accepts either
// spelling of untyped/unknown in both formats.
std::optional<MetricType> parse_type(std::string_view s, bool om, bool strict) noexcept {
  if (s == "counter") return MetricType::counter;
  if (s == "gauge") return MetricType::gauge;
  if (s == "histogram") return MetricType::histogram;
  if (s == "summary") return MetricType::summary;
  if (s == "untyped" && (!om || !strict)) return MetricType::unknown;
  if (s == "unknown" && (om || !strict)) return MetricType::unknown;
  if (om) {
    if (s == "gaugehistogram") return MetricType::gaugehistogram;
    if (s == "info") return MetricType::info;
    if (s == "stateset") return MetricType::stateset;
  }
  return std::nullopt;
}

// Integer milliseconds (text 0.0.4), optionally signed.
bool parse_ms_timestamp(std::string_view s, int64_t& out) noexcept {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b < e && *b == '+') ++b;
  if (b == e || *b == '+') return false;
  const auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

// Float seconds (OpenMetrics) to milliseconds, truncated toward zero and
// saturated at the int64 range. Plain decimals are converted exactly.
bool parse_seconds_timestamp(std::string_view s, int64_t& out) noexcept {
  double v = 0;
  if (!parse_double(s, v) || !std::isfinite(v)) return false;
  std::size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) ++i;
  while (i < s.size() && s[i] == '0') ++i;
  const std::size_t int_begin = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  const std::size_t int_end = i;
  std::size_t frac_begin = i, frac_end = i;
  if (i < s.size() && s[i] == '.') {
    frac_begin = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    frac_end = i;
  }
  if (i == s.size() && int_end - int_begin <= 16) {
    // At most 16 integer digits: seconds * 1000 + ms fits in uint64.
    uint64_t ms = 0;
    for (std::size_t k = int_begin; k < int_end; ++k)
      ms = ms * 10 + static_cast<uint64_t>(s[k] - '0');
    for (std::size_t k = 0; k < 3; ++k)
      ms = ms * 10 +
           (frac_begin + k < frac_end ? static_cast<uint64_t>(s[frac_begin + k] - '0') : 0);
    constexpr auto kMaxMs = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (negative)
      out = ms > kMaxMs ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(ms);
    else
      out = ms > kMaxMs ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(ms);
    return true;
  }
  const double ms = std::trunc(v * 1000.0);
  constexpr double kMax = 9223372036854775807.0;
  if (ms >= kMax)
    out = std::numeric_limits<int64_t>::max();
  else if (ms <= -kMax)
    out = std::numeric_limits<int64_t>::min();
  else
    out = static_cast<int64_t>(ms);
  return true;
}

// Whether a sample named `name` continues `family`. OpenMetrics: the suffixes
// of the family's type (a counter's samples always carry _total/_created).
// Text 0.0.4 names families like their samples: counters, gauges and untyped
// match exactly, histograms own _bucket/_sum/_count, summaries the name,
// _sum and _count; anything else (a "_created" too) is a metric of its own,
// as in Prometheus's and client_golang's text parsers.
bool belongs_to(std::string_view name, const Family& family, bool om) noexcept {
  if (om)
    return family.type == MetricType::counter
               ? name != family.name && sample_belongs_to_family(name, family.name, family.type)
               : sample_belongs_to_family(name, family.name, family.type);
  auto suffixed = [&](std::string_view suffix) {
    return name.size() == family.name.size() + suffix.size() && name.starts_with(family.name) &&
           name.ends_with(suffix);
  };
  switch (family.type) {
    case MetricType::histogram:
      return suffixed("_bucket") || suffixed("_sum") || suffixed("_count");
    case MetricType::summary:
      return name == family.name || suffixed("_sum") || suffixed("_count");
    case MetricType::counter:
    case MetricType::gauge:
    case MetricType::unknown:
      return name == family.name;
    default:
      break;
  }
  return sample_belongs_to_family(name, family.name, family.type);
}

bool is_om_generated_suffix(std::string_view s) noexcept {
  return s == "_total" || s == "_created" || s == "_bucket" || s == "_sum" || s == "_count" ||
         s == "_gsum" || s == "_gcount" || s == "_info";
}

class Parser {
 public:
  Parser(std::string_view input, MetricSet& out, const ParseOptions& options, bool om)
      : input_(input), out_(out), opt_(options), om_(om), strict_(options.strict) {
    if (om_ && strict_) validator_ = std::make_unique<OpenMetricsValidator>();
  }

  ParseResult run();

 private:
  enum class Meta { help, type, unit };

  bool parse_line(const char* b, const char* e);
  bool parse_comment(const char* b, const char* e);
  bool parse_metadata(Meta kind, const char* p, const char* e);
  bool parse_sample(const char* b, const char* e);
  bool parse_labels(const char*& p, const char* e, uint32_t& count);
  bool parse_label_value(const char*& p, const char* e, std::string_view& value);
  bool parse_exemplar(const char*& p, const char* e, Exemplar& ex);
  bool check_strict_text_sample(const Family& f, const Sample& s, const char* at);

  bool fail(const char* at, std::string message) {
    error_.line = line_no_;
    error_.column = static_cast<std::size_t>(at - line_begin_) + 1;
    error_.message = std::move(message);
    return false;
  }
  std::string_view stable(std::string_view s) {
    return opt_.reference_input ? s : out_.arena.store(s);
  }
  std::string_view unescape(const char* b, const char* e, bool help);

  Family* current() noexcept {
    return cur_ >= 0 ? &out_.families[static_cast<std::size_t>(cur_)] : nullptr;
  }
  bool start_family(std::string_view name, MetricType type, const char* at);
  bool close_family(const char* at);

  std::string_view input_;
  MetricSet& out_;
  const ParseOptions& opt_;
  const bool om_;
  const bool strict_;
  std::unique_ptr<OpenMetricsValidator> validator_;
  std::unordered_set<std::string_view> strict_text_names_;
  static constexpr uint32_t kLinearDuplicateCheck = 16;
  std::vector<std::string_view> sorted_names_;  // duplicate check of long label sets

  const char* line_begin_ = nullptr;
  std::size_t line_no_ = 0;
  ParseError error_;
  bool fatal_ = false;  // error that skip_invalid_lines must not skip
  bool saw_eof_ = false;
  std::size_t samples_ = 0;

  long cur_ = -1;  // current family (index into out_.families), -1 before the first
  bool type_declared_ = false;
  bool help_declared_ = false;
  bool unit_declared_ = false;
  std::string_view last_name_;  // last sample's name as written in the input
  std::string_view last_stable_name_;
  uint32_t prev_label_begin_ = 0;
  uint32_t prev_label_count_ = 0;
};

std::string_view Parser::unescape(const char* b, const char* e, bool help) {
  char* const dst = out_.arena.allocate(static_cast<std::size_t>(e - b));
  char* d = dst;
  for (const char* p = b; p < e; ++p) {
    if (*p != '\\' || p + 1 == e) {
      *d++ = *p;
      continue;
    }
    const char n = p[1];
    if (n == '\\' || n == 'n' || (n == '"' && (!help || om_))) {
      *d++ = n == 'n' ? '\n' : n;
      ++p;
    } else {
      *d++ = '\\';  // unknown escape: kept literally
    }
  }
  return {dst, static_cast<std::size_t>(d - dst)};
}

bool Parser::close_family(const char* at) {
  if (!validator_ || cur_ < 0) return true;
  std::string err = validator_->end_family(*current());
  if (!err.empty()) {
    fatal_ = true;
    return fail(at, std::move(err));
  }
  return true;
}

bool Parser::start_family(std::string_view name, MetricType type, const char* at) {
  if (!close_family(at)) return false;
  if (validator_) {
    std::string err = validator_->begin_family(name);
    if (!err.empty()) return fail(at, std::move(err));
  } else if (strict_ && !strict_text_names_.insert(name).second) {
    return fail(at, "metric family " + quoted(name) +
                        " appears again after other families (families must be contiguous)");
  }
  out_.add_family(name, type);
  cur_ = static_cast<long>(out_.families.size()) - 1;
  type_declared_ = help_declared_ = unit_declared_ = false;
  last_name_ = {};
  return true;
}

ParseResult Parser::run() {
  ParseResult result;
  result.format = om_ ? ExpositionFormat::openmetrics : ExpositionFormat::text;
  if (opt_.max_bytes != 0 && input_.size() > opt_.max_bytes) {
    result.ok = false;
    result.error.message = "input of " + std::to_string(input_.size()) +
                           " bytes exceeds the limit of " + std::to_string(opt_.max_bytes) +
                           " bytes";
    return result;
  }
  const char* p = input_.data();
  const char* const end = p + input_.size();
  const bool may_skip = opt_.skip_invalid_lines && !strict_;
  while (p < end) {
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* eol = nl != nullptr ? nl : end;
    ++line_no_;
    line_begin_ = p;
    const std::size_t labels_before = out_.labels.size();
    const std::size_t exemplars_before = out_.exemplars.size();
    if (!parse_line(p, eol)) {
      if (!may_skip || fatal_) {
        result.ok = false;
        result.error = std::move(error_);
        result.samples = samples_;
        return result;
      }
      out_.labels.resize(labels_before);
      out_.exemplars.resize(exemplars_before);
      if (result.skipped_lines++ == 0) result.first_skipped = error_;
    }
    p = nl != nullptr ? nl + 1 : end;
    if (saw_eof_ && p < end) {
      result.ok = false;
      result.error = {line_no_ + 1, 1, "content after # EOF"};
      result.samples = samples_;
      return result;
    }
  }
  result.samples = samples_;
  if (om_ && !saw_eof_) {
    result.ok = false;
    result.error = {line_no_ == 0 ? 1 : line_no_, 1,
                    "OpenMetrics input must end with a \"# EOF\" line"};
    return result;
  }
  line_begin_ = end;
  if (!close_family(end)) {
    result.ok = false;
    result.error = std::move(error_);
  }
  return result;
}

bool Parser::parse_line(const char* b, const char* e) {
  if (om_) {
    if (b == e) return fail(b, "blank line (not allowed in OpenMetrics)");
    if (*b == '#') return parse_comment(b, e);
    if (is_blank(*b)) return fail(b, "line starts with whitespace");
    return parse_sample(b, e);
  }
  if (!strict_)
    while (e > b && e[-1] == '\r') --e;  // tolerate CRLF line ends
  while (b < e && is_blank(*b)) ++b;
  if (b == e) return true;
  if (*b == '#') return parse_comment(b, e);
  return parse_sample(b, e);
}

bool Parser::parse_comment(const char* b, const char* e) {
  const std::string_view line(b, static_cast<std::size_t>(e - b));
  if (om_) {
    if (line == kEofLine) {
      saw_eof_ = true;
      return true;
    }
    if (line.starts_with("# HELP ")) return parse_metadata(Meta::help, b + 7, e);
    if (line.starts_with("# TYPE ")) return parse_metadata(Meta::type, b + 7, e);
    if (line.starts_with("# UNIT ")) return parse_metadata(Meta::unit, b + 7, e);
    if (line.starts_with("# EOF")) return fail(b, "unexpected text after # EOF");
    if (strict_)
      return fail(
          b, "invalid comment line (OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF)");
    return true;
  }
  // Text: "#" blanks keyword blanks ...; anything else is a comment.
  const char* p = b + 1;
  while (p < e && is_blank(*p)) ++p;
  if (p == b + 1) return true;
  const std::string_view rest(p, static_cast<std::size_t>(e - p));
  Meta kind;
  if (rest.starts_with("HELP"))
    kind = Meta::help;
  else if (rest.starts_with("TYPE"))
    kind = Meta::type;
  else
    return true;
  p += 4;
  if (p < e && !is_blank(*p)) return true;  // e.g. "# HELPFUL"
  while (p < e && is_blank(*p)) ++p;
  return parse_metadata(kind, p, e);
}

bool Parser::parse_metadata(Meta kind, const char* p, const char* e) {
  const char* name_begin = p;
  if (p == e || !name_chars::is_metric_start(*p)) return fail(p, "expected a metric name");
  while (p < e && name_chars::is_metric_char(*p)) ++p;
  const std::string_view name(name_begin, static_cast<std::size_t>(p - name_begin));
  std::string_view payload;
  if (om_) {
    if (p == e || *p != ' ') return fail(p, "expected a single space after the metric name");
    ++p;
    payload = {p, static_cast<std::size_t>(e - p)};
  } else {
    if (p < e && !is_blank(*p)) return fail(p, "invalid character in metric name");
    while (p < e && is_blank(*p)) ++p;
    payload = {p, static_cast<std::size_t>(e - p)};
    if (kind == Meta::type)
      while (!payload.empty() && is_blank(payload.back())) payload.remove_suffix(1);
  }
  const char* const payload_at = p;

  // Parse the payload before touching the model.
  std::string_view help;
  MetricType type = MetricType::unknown;
  std::string_view unit;
  switch (kind) {
    case Meta::help:
      help = std::memchr(payload.data(), '\\', payload.size()) != nullptr
                 ? unescape(payload.data(), payload.data() + payload.size(), true)
                 : stable(payload);
      break;
    case Meta::type: {
      const auto t = parse_type(payload, om_, strict_);
      if (!t) return fail(payload_at, "invalid metric type " + quoted(payload));
      type = *t;
      break;
    }
    case Meta::unit:
      for (char c : payload)
        if (!name_chars::is_metric_char(c))
          return fail(payload_at, "invalid unit " + quoted(payload));
      unit = stable(payload);
      break;
  }

  Family* f = current();
  if (f == nullptr || f->name != name) {
    if (!start_family(stable(name), MetricType::unknown, name_begin)) return false;
    f = current();
  } else if (f->sample_count > 0) {
    if (strict_) {
      const char* what = kind == Meta::help ? "HELP" : kind == Meta::type ? "TYPE" : "UNIT";
      return fail(name_begin, std::string(what) + " for " + quoted(name) + " after its samples");
    }
    // Lenient: late HELP fills a gap; a late TYPE applies only if every sample fits it.
    if (kind == Meta::help && !help_declared_) {
      f->help = help;
      f->has_help = help_declared_ = true;
    } else if (kind == Meta::type && !type_declared_) {
      bool fits = true;
      Family retyped = *f;
      retyped.type = type;
      for (const Sample& s : out_.samples_of(*f)) fits = fits && belongs_to(s.name, retyped, om_);
      if (fits) {
        f->type = type;
        type_declared_ = true;
      }
    }
    return true;
  }
  switch (kind) {
    case Meta::help:
      if (help_declared_ && strict_) return fail(name_begin, "repeated HELP for " + quoted(name));
      if (!help_declared_) {
        f->help = help;
        f->has_help = help_declared_ = true;
      }
      break;
    case Meta::type:
      if (type_declared_ && strict_) return fail(name_begin, "repeated TYPE for " + quoted(name));
      f->type = type;
      type_declared_ = true;
      break;
    case Meta::unit:
      if (unit_declared_ && strict_) return fail(name_begin, "repeated UNIT for " + quoted(name));
      f->unit = unit;
      unit_declared_ = true;
      break;
  }
  return true;
}

bool Parser::parse_label_value(const char*& p, const char* e, std::string_view& value) {
  // *p is the opening quote.
  const char* const b = ++p;
  const char* q = static_cast<const char*>(std::memchr(b, '"', static_cast<std::size_t>(e - b)));
  if (q == nullptr) return fail(b - 1, "unterminated label value");
  const char* bs = static_cast<const char*>(std::memchr(b, '\\', static_cast<std::size_t>(q - b)));
  if (bs == nullptr) {
    value = {b, static_cast<std::size_t>(q - b)};
    if (!is_valid_utf8(value)) return fail(b, "label value is not valid UTF-8");
    value = stable(value);
    p = q + 1;
    return true;
  }
  // Escapes: find the closing quote that is not escaped.
  q = bs;
  while (q < e && *q != '"') q += (*q == '\\' && q + 1 < e) ? 2 : 1;
  if (q >= e) return fail(b - 1, "unterminated label value");
  value = unescape(b, q, false);
  if (!is_valid_utf8(value)) return fail(b, "label value is not valid UTF-8");
  p = q + 1;
  return true;
}

bool Parser::parse_labels(const char*& p, const char* e, uint32_t& count) {
  // *p is '{'.
  const char* const open = p++;
  bool need_separator = false;
  bool after_comma = false;
  const std::size_t first = out_.labels.size();
  for (;;) {
    if (!om_)
      while (p < e && is_blank(*p)) ++p;
    if (p == e) return fail(open, "unterminated label set (missing '}')");
    if (*p == '}') {
      if (after_comma && om_) return fail(p, "trailing comma in label set");
      ++p;
      break;
    }
    if (need_separator) {
      if (*p != ',') return fail(p, "expected ',' or '}' after a label value");
      ++p;
      need_separator = false;
      after_comma = true;
      continue;
    }
    const char* name_begin = p;
    if (!name_chars::is_label_start(*p)) {
      if (*p == '"')
        return fail(p, "quoted (UTF-8) names are not supported; expected a label name");
      return fail(p, "expected a label name");
    }
    ++p;
    while (p < e && name_chars::is_label_char(*p)) ++p;
    std::string_view name(name_begin, static_cast<std::size_t>(p - name_begin));
    if (!om_)
      while (p < e && is_blank(*p)) ++p;
    if (p == e || *p != '=') return fail(p, "expected '=' after label name " + quoted(name));
    ++p;
    if (!om_)
      while (p < e && is_blank(*p)) ++p;
    if (p == e || *p != '"')
      return fail(p, "expected '\"' to start the value of label " + quoted(name));
    std::string_view value;
    if (!parse_label_value(p, e, value)) return false;
    // Names repeat from sample to sample: reuse the previous sample's copy.
    const uint32_t index = count;
    if (!opt_.reference_input) {
      if (index < prev_label_count_ && out_.labels[prev_label_begin_ + index].name == name)
        name = out_.labels[prev_label_begin_ + index].name;
      else
        name = out_.arena.store(name);
    }
    // Duplicate names: a linear check for the usual few labels; long label
    // sets are checked once, sorted, at the end (no quadratic blow-up).
    if (count < kLinearDuplicateCheck) {
      for (std::size_t i = first; i < out_.labels.size(); ++i)
        if (out_.labels[i].name == name)
          return fail(name_begin, "duplicate label name " + quoted(name));
    }
    out_.labels.push_back({name, value});
    ++count;
    need_separator = true;
    after_comma = false;
  }
  if (count > kLinearDuplicateCheck) {
    sorted_names_.clear();
    for (std::size_t i = first; i < out_.labels.size(); ++i)
      sorted_names_.push_back(out_.labels[i].name);
    std::sort(sorted_names_.begin(), sorted_names_.end());
    const auto dup = std::adjacent_find(sorted_names_.begin(), sorted_names_.end());
    if (dup != sorted_names_.end()) return fail(open, "duplicate label name " + quoted(*dup));
  }
  return true;
}

bool Parser::parse_exemplar(const char*& p, const char* e, Exemplar& ex) {
  // p is at "# {".
  if (e - p < 3 || p[1] != ' ' || p[2] != '{')
    return fail(p, "expected \"# {\" to start an exemplar");
  p += 2;
  ex.label_begin = static_cast<uint32_t>(out_.labels.size());
  uint32_t count = 0;
  const uint32_t saved_begin = prev_label_begin_, saved_count = prev_label_count_;
  prev_label_count_ = 0;  // no name sharing with the sample's labels
  const bool ok = parse_labels(p, e, count);
  prev_label_begin_ = saved_begin;
  prev_label_count_ = saved_count;
  if (!ok) return false;
  ex.label_count = count;
  if (p == e || *p != ' ') return fail(p, "expected a space before the exemplar value");
  ++p;
  const char* vb = p;
  while (p < e && *p != ' ') ++p;
  if (!parse_double({vb, static_cast<std::size_t>(p - vb)}, ex.value))
    return fail(vb, "invalid exemplar value " + quoted({vb, static_cast<std::size_t>(p - vb)}));
  if (p < e) {
    ++p;
    const char* tb = p;
    while (p < e && *p != ' ') ++p;
    double ts = 0;
    if (!parse_double({tb, static_cast<std::size_t>(p - tb)}, ts) || !std::isfinite(ts))
      return fail(tb,
                  "invalid exemplar timestamp " + quoted({tb, static_cast<std::size_t>(p - tb)}));
    ex.timestamp_seconds = ts;
    ex.has_timestamp = true;
    if (p < e) return fail(p, "unexpected text after the exemplar");
  }
  return true;
}

bool Parser::check_strict_text_sample(const Family& f, const Sample& s, const char* at) {
  std::string_view want;
  if (f.type == MetricType::histogram && s.name.ends_with("_bucket"))
    want = "le";
  else if (f.type == MetricType::summary && s.name == f.name)
    want = "quantile";
  else
    return true;
  for (const Label& l : out_.labels_of(s)) {
    if (l.name != want) continue;
    double v = 0;
    if (!parse_double(l.value, v))
      return fail(at, "invalid " + std::string(want) + " value " + quoted(l.value));
    return true;
  }
  return fail(at, quoted(s.name) + " has no " + std::string(want) + " label");
}

bool Parser::parse_sample(const char* b, const char* e) {
  const char* p = b;
  if (!name_chars::is_metric_start(*p)) {
    if (*p == '{')
      return fail(p, "quoted (UTF-8) metric names are not supported; expected a metric name");
    return fail(p, "expected a metric name");
  }
  ++p;
  while (p < e && name_chars::is_metric_char(*p)) ++p;
  const std::string_view raw_name(b, static_cast<std::size_t>(p - b));

  Sample s;
  s.label_begin = static_cast<uint32_t>(out_.labels.size());
  const char* const after_name = p;
  if (!om_)
    while (p < e && is_blank(*p)) ++p;  // text allows "name {labels}"
  if (p < e && *p == '{') {
    if (!parse_labels(p, e, s.label_count)) return false;
  } else {
    p = after_name;
  }
  // Value.
  if (om_) {
    if (p == e) return fail(p, "missing sample value");
    if (*p != ' ')
      return fail(p, p[-1] == '}' ? "expected a space before the value"
                                  : "invalid character in metric name");
    ++p;
  } else {
    const char* before = p;
    while (p < e && is_blank(*p)) ++p;
    if (p == e) return fail(p, "missing sample value");
    if (p == before && p[-1] != '}') return fail(p, "invalid character in metric name");
  }
  const char* vb = p;
  if (om_)
    while (p < e && *p != ' ') ++p;
  else
    while (p < e && !is_blank(*p)) ++p;
  if (!parse_double({vb, static_cast<std::size_t>(p - vb)}, s.value))
    return fail(vb, vb == p
                        ? "missing sample value"
                        : "invalid sample value " + quoted({vb, static_cast<std::size_t>(p - vb)}));
  // Timestamp and exemplar.
  Exemplar ex;
  bool has_exemplar = false;
  if (om_) {
    if (p < e) {
      ++p;  // the space after the value
      if (p == e) return fail(p - 1, "trailing space after the value");
      if (*p != '#') {
        const char* tb = p;
        while (p < e && *p != ' ') ++p;
        if (!parse_seconds_timestamp({tb, static_cast<std::size_t>(p - tb)}, s.timestamp_ms))
          return fail(tb, "invalid timestamp " + quoted({tb, static_cast<std::size_t>(p - tb)}));
        s.has_timestamp = true;
        if (p < e && ++p == e) return fail(p - 1, "trailing space after the timestamp");
      }
      if (p < e) {
        if (*p != '#') return fail(p, "unexpected text after the sample");
        if (!parse_exemplar(p, e, ex)) return false;
        has_exemplar = true;
      }
    }
  } else {
    while (p < e && is_blank(*p)) ++p;
    if (p < e) {
      const char* tb = p;
      while (p < e && !is_blank(*p)) ++p;
      if (!parse_ms_timestamp({tb, static_cast<std::size_t>(p - tb)}, s.timestamp_ms))
        return fail(tb, "invalid timestamp " + quoted({tb, static_cast<std::size_t>(p - tb)}) +
                            " (text format timestamps are integer milliseconds)");
      s.has_timestamp = true;
      while (p < e && is_blank(*p)) ++p;
      if (p < e) return fail(p, "unexpected text after the timestamp");
    }
  }

  if (opt_.max_samples != 0 && samples_ >= opt_.max_samples) {
    fatal_ = true;
    return fail(b, "too many samples: the limit is " + std::to_string(opt_.max_samples));
  }

  // The family: the current one if the name fits it, else a new one.
  Family* f = current();
  const bool same_as_last = f != nullptr && raw_name == last_name_;
  if (!same_as_last) {
    if (f == nullptr || !belongs_to(raw_name, *f, om_)) {
      if (f != nullptr && om_ && strict_ && raw_name.starts_with(f->name) &&
          (raw_name.size() == f->name.size() ||
           is_om_generated_suffix(raw_name.substr(f->name.size()))))
        return fail(b, "sample name " + quoted(raw_name) + " is not valid in " +
                           std::string(to_string(f->type)) + " family " + quoted(f->name));
      const std::string_view name = stable(raw_name);
      if (!start_family(name, MetricType::unknown, b)) return false;
      f = current();
      last_stable_name_ = name;
    } else {
      last_stable_name_ = stable(raw_name);
    }
    last_name_ = raw_name;
  }
  s.name = last_stable_name_;
  if (has_exemplar) {
    s.exemplar = static_cast<int32_t>(out_.exemplars.size());
    out_.exemplars.push_back(ex);
  }
  out_.samples.push_back(s);
  ++f->sample_count;
  ++samples_;
  prev_label_begin_ = s.label_begin;
  prev_label_count_ = s.label_count;

  if (validator_) {
    std::string err =
        validator_->on_sample(*f, s, out_.labels_of(s), has_exemplar ? &ex : nullptr,
                              has_exemplar ? out_.labels_of(ex) : std::span<const Label>{});
    if (!err.empty()) return fail(b, std::move(err));
  } else if (strict_) {
    return check_strict_text_sample(*f, s, b);
  }
  return true;
}

}  // namespace

ParseResult parse_exposition(std::string_view input, MetricSet& out, const ParseOptions& options) {
  bool om = options.format == ExpositionFormat::openmetrics;
  if (options.detect_format) om = ends_with_eof_marker(input);
  Parser parser(input, out, options, om);
  return parser.run();
}

}  // namespace pe
