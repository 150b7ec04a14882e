// float_format.cpp — numbers as the exposition formats spell them.
//
// format_double writes the shortest decimal that parses back to the same
// double, laid out the way Go's strconv.FormatFloat(v, 'g', -1, 64) does
// (which is what client_golang, node_exporter and Prometheus itself write):
// exponent notation when the decimal exponent is < -4 or >= 6 ("1e+06",
// "1.5e-05"), plain notation otherwise ("123456", "0.25"). Byte-identical
// output with the Go exporters makes proxied payloads diff cleanly.
#include "plugin_exporter/exposition/float_format.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace pe {
namespace {

char* copy_literal(char* buf, std::string_view s) noexcept {
  std::memcpy(buf, s.data(), s.size());
  return buf + s.size();
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Case-insensitive comparison of `s` with a lowercase ASCII literal.
bool equals_lower(std::string_view s, std::string_view lower) noexcept {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Decimal order of magnitude of a syntactically valid decimal number that
// std::from_chars reported as out of range: > 0 means overflow, otherwise
// underflow. Only called on the rare out-of-range path.
long decimal_magnitude(std::string_view s) noexcept {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  long magnitude = 0;
  bool seen_nonzero = false;
  bool after_point = false;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      after_point = true;
    } else if (!seen_nonzero) {
      if (s[i] != '0') {
        seen_nonzero = true;
        if (!after_point) ++magnitude;
      } else if (after_point) {
        --magnitude;
      }
    } else if (!after_point) {
      ++magnitude;
    }
  }
  long exponent = 0;
  if (i < s.size()) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    for (; i < s.size(); ++i) {
      if (exponent < 1000000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent;
}

}  // namespace

char* format_int64(char* buf, int64_t v) noexcept {
  return std::to_chars(buf, buf + kMaxNumberChars, v).ptr;
}

std::string format_double(double v) {
  char buf[kMaxNumberChars];
  return std::string(buf, format_double(buf, v));
}

char* format_double(char* buf, double v) noexcept {
  if (std::isnan(v)) return copy_literal(buf, "NaN");
  if (std::isinf(v)) return copy_literal(buf, v > 0 ? "+Inf" : "-Inf");
  // Fast path: integral values below 1e6 are written as integers by both
  // notations' rules (decimal exponent < 6).
  if (v > -1e6 && v < 1e6) {
    const auto i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) {
      if (i == 0 && std::signbit(v)) return copy_literal(buf, "-0");
      return format_int64(buf, i);
    }
  }
  char sci[kMaxNumberChars];
  const auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  // sci: [-]D[.DDD]e(+|-)XX — the shortest round-trip digits.
  const char* p = sci;
  const char* const end = res.ptr;
  char* out = buf;
  if (*p == '-') *out++ = *p++;
  char digits[kMaxNumberChars];
  int ndigits = 0;
  while (p < end && *p != 'e') {
    if (*p != '.') digits[ndigits++] = *p;
    ++p;
  }
  int exponent = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), end, exponent);  // p points at 'e'
  if (exponent < -4 || exponent >= 6) {
    // Go's %e layout equals to_chars' scientific one (two-digit exponent minimum).
    const char* const unsigned_begin = sci + (sci[0] == '-' ? 1 : 0);
    const auto n = static_cast<std::size_t>(end - unsigned_begin);
    std::memcpy(out, unsigned_begin, n);
    return out + n;
  }
  if (exponent < 0) {
    *out++ = '0';
    *out++ = '.';
    for (int i = -1; i > exponent; --i) *out++ = '0';
    std::memcpy(out, digits, static_cast<std::size_t>(ndigits));
    return out + ndigits;
  }
  // 0 <= exponent < 6: integer part has exponent+1 digits.
  const int int_digits = exponent + 1;
  for (int i = 0; i < int_digits; ++i) *out++ = i < ndigits ? digits[i] : '0';
  if (ndigits > int_digits) {
    *out++ = '.';
    std::memcpy(out, digits + int_digits, static_cast<std::size_t>(ndigits - int_digits));
    out += ndigits - int_digits;
  }
  return out;
}

bool parse_double(std::string_view s, double& out) noexcept {
  if (s.empty()) return false;
  const char* p = s.data();
  const char* const end = p + s.size();
  // Fast path: up to 15 plain digits are exact in a double.
  if (s.size() <= 15) {
    int64_t acc = 0;
    const char* q = p;
    while (q < end && is_digit(*q)) acc = acc * 10 + (*q++ - '0');
    if (q == end) {
      out = static_cast<double>(acc);
      return true;
    }
  }
  // Specials, as Go's strconv.ParseFloat accepts them: [+-]inf, [+-]infinity,
  // nan, case-insensitively.
  std::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (!body.empty() && (body[0] == 'i' || body[0] == 'I' || body[0] == 'n' || body[0] == 'N')) {
    if (equals_lower(body, "inf") || equals_lower(body, "infinity")) {
      out = negative ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
      return true;
    }
    if (body.size() == s.size() && equals_lower(body, "nan")) {
      out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    return false;
  }
  // Decimal: [sign] digits [. digits] [(e|E) [sign] digits]; no hex, no '_'.
  for (const char* q = p; q < end; ++q) {
    const char c = *q;
    if (!is_digit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') return false;
  }
  const char* start = p;
  if (*start == '+') {
    ++start;
    if (start == end || *start == '-' || *start == '+') return false;
  }
  double v = 0;
  const auto res = std::from_chars(start, end, v, std::chars_format::general);
  if (res.ptr != end) return false;
  if (res.ec == std::errc::result_out_of_range) {
    if (decimal_magnitude(s) > 0) return false;  // overflow: rejected, as Prometheus does
    v = s[0] == '-' ? -0.0 : 0.0;                // underflow: rounds to zero
  } else if (res.ec != std::errc()) {
    return false;
  }
  out = v;
  return true;
}

}  // namespace pe
