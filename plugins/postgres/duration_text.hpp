// duration_text.hpp — Prometheus-style durations ("250ms", "1m30s", "2h")
// for settings the plugin reads itself (query files).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace pe::postgres {

// Units ms, s, m, h, d, w (largest first when combined); "0" alone is zero.
std::optional<std::chrono::nanoseconds> parse_duration_text(std::string_view text);

}  // namespace pe::postgres
