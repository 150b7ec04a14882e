// float_format.hpp — number formatting and parsing as the exposition formats
// spell them: shortest representation that round-trips exactly, "NaN",
// "+Inf", "-Inf".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pe {

// Buffer large enough for any formatted double or int64.
inline constexpr std::size_t kMaxNumberChars = 32;

// Writes `v` into buf (at least kMaxNumberChars) and returns the end pointer.
char* format_double(char* buf, double v) noexcept;
char* format_int64(char* buf, int64_t v) noexcept;
// The same, as a string.
std::string format_double(double v);

// Parses a sample value: decimal or exponent notation, "NaN", "+Inf", "-Inf",
// "Inf" (case-insensitive as Prometheus accepts). False on anything else or
// trailing bytes.
bool parse_double(std::string_view s, double& out) noexcept;

}  // namespace pe
