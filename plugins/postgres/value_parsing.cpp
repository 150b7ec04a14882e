// value_parsing.cpp — see value_parsing.hpp.
#include "value_parsing.hpp"

#include <charconv>
#include <limits>

namespace pe::postgres {

std::optional<double> parse_sql_number(std::string_view text) {
  if (text == "t" || text == "true") return 1.0;
  if (text == "f" || text == "false") return 0.0;
  std::string_view s = text;
  bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);  // "+Inf" in configuration; from_chars takes no '+'
  if (s.empty() || (plus && s.front() == '-')) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (end != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Beyond double range: +-Inf, or 0 for tiny magnitudes.
    bool negative = s.front() == '-';
    bool tiny =
        s.find_first_of("eE") != std::string_view::npos && s[s.find_first_of("eE") + 1] == '-';
    if (tiny) return negative ? -0.0 : 0.0;
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (ec != std::errc()) return std::nullopt;
  return v;
}

}  // namespace pe::postgres
