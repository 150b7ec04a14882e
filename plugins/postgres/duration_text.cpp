// duration_text.cpp — see duration_text.hpp.
#include "duration_text.hpp"

#include <cstdint>
#include <limits>

namespace pe::postgres {

std::optional<std::chrono::nanoseconds> parse_duration_text(std::string_view s) {
  if (s == "0") return std::chrono::nanoseconds::zero();
  if (s.empty()) return std::nullopt;
  struct Unit {
    std::string_view name;
    int64_t ns;
  };
  static constexpr Unit units[] = {{"w", 7 * 86400'000'000'000LL}, {"d", 86400'000'000'000LL},
                                   {"h", 3600'000'000'000LL},      {"m", 60'000'000'000LL},
                                   {"s", 1'000'000'000LL},         {"ms", 1'000'000LL}};
  int64_t total = 0;
  std::size_t last_unit = 0;  // units must come in decreasing order
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n > std::numeric_limits<int64_t>::max() / 10) return std::nullopt;
      n = n * 10 + (s[i] - '0');
      ++i;
    }
    std::size_t u = 0;
    for (; u < std::size(units); ++u) {
      std::string_view name = units[u].name;
      // "m" must not swallow the "m" of "ms".
      if (s.substr(i, name.size()) == name &&
          !(name == "m" && i + 1 < s.size() && s[i + 1] == 's'))
        break;
    }
    if (u == std::size(units) || u + 1 <= last_unit) return std::nullopt;
    last_unit = u + 1;
    i += units[u].name.size();
    if (n > std::numeric_limits<int64_t>::max() / units[u].ns) return std::nullopt;
    int64_t part = n * units[u].ns;
    if (total > std::numeric_limits<int64_t>::max() - part) return std::nullopt;
    total += part;
  }
  return std::chrono::nanoseconds(total);
}

}  // namespace pe::postgres
