// duration.cpp — parsing and formatting of Prometheus-style durations.
#include "plugin_exporter/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace pe {
namespace {

struct Unit {
  std::string_view name;
  int64_t ns;
};

// Longest names first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 10> kUnits{{
    {"y", 365LL * 24 * 3600 * 1000000000LL},
    {"w", 7LL * 24 * 3600 * 1000000000LL},
    {"d", 24LL * 3600 * 1000000000LL},
    {"h", 3600LL * 1000000000LL},
    {"ms", 1000000LL},
    {"m", 60LL * 1000000000LL},
    {"s", 1000000000LL},
    {"us", 1000LL},
    {"\xC2\xB5s", 1000LL},
    {"ns", 1LL},
}};

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) noexcept {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  int64_t last_unit_ns = std::numeric_limits<int64_t>::max();  // units strictly decrease
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {  // "ms" is tried before "m"
        unit = &u;
        break;
      }
    }
    if (!unit) return std::nullopt;
    i += unit->name.size();
    if (unit->ns >= last_unit_ns) return std::nullopt;
    last_unit_ns = unit->ns;
    if (n != 0 && unit->ns > std::numeric_limits<int64_t>::max() / n) return std::nullopt;
    int64_t part = n * unit->ns;
    if (total > std::numeric_limits<int64_t>::max() - part) return std::nullopt;
    total += part;
  }
  return std::chrono::nanoseconds(total);
}

std::string format_duration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  // Sub-second durations that are not whole seconds: one unit only.
  if (ns % 1000000000LL != 0 && ns < 1000000000LL) {
    if (ns % 1000000LL == 0) return out + std::to_string(ns / 1000000LL) + "ms";
    if (ns % 1000LL == 0) return out + std::to_string(ns / 1000LL) + "us";
    return out + std::to_string(ns) + "ns";
  }
  static constexpr std::array<Unit, 4> big{
      {{"d", 86400000000000LL}, {"h", 3600000000000LL}, {"m", 60000000000LL}, {"s", 1000000000LL}}};
  for (const Unit& u : big) {
    if (ns >= u.ns) {
      out += std::to_string(ns / u.ns);
      out += u.name;
      ns %= u.ns;
    }
  }
  if (ns % 1000000LL == 0 && ns > 0)
    out += std::to_string(ns / 1000000LL) + "ms";
  else if (ns > 0)
    out += std::to_string(ns) + "ns";
  return out;
}

}  // namespace pe
