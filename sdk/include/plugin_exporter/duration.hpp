// duration.hpp — Prometheus-style durations ("1h30m", "15s", "250ms", "2d"):
// the one grammar of the host's configuration, plugin settings and request
// parameters (e.g. push's ?ttl=), so a duration means the same everywhere.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pe {

// Units: y (365d), w, d, h, m, s, ms, us/µs, ns; components in decreasing
// order, each at most once ("1h30m"); "0" alone is zero. nullopt otherwise.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) noexcept;

// The shortest exact spelling, e.g. "1m30s", "250ms", "0s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace pe
