// name_chars.hpp — internal: character classes of metric and label names as
// lookup tables, shared by name validation and the parser's hot loop.
#pragma once

#include <array>
#include <cstdint>

namespace pe::name_chars {

enum : uint8_t {
  kMetricStart = 1,  // [a-zA-Z_:]
  kMetricChar = 2,   // [a-zA-Z0-9_:]
  kLabelStart = 4,   // [a-zA-Z_]
  kLabelChar = 8,    // [a-zA-Z0-9_]
};

inline constexpr std::array<uint8_t, 256> kTable = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == ':') v |= kMetricStart | kMetricChar;
    if (digit) v |= kMetricChar | kLabelChar;
    if (alpha) v |= kLabelStart | kLabelChar;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}();

inline bool has(char c, uint8_t cls) noexcept {
  return (kTable[static_cast<unsigned char>(c)] & cls) != 0;
}
inline bool is_metric_start(char c) noexcept {
  return has(c, kMetricStart);
}
inline bool is_metric_char(char c) noexcept {
  return has(c, kMetricChar);
}
inline bool is_label_start(char c) noexcept {
  return has(c, kLabelStart);
}
inline bool is_label_char(char c) noexcept {
  return has(c, kLabelChar);
}

}  // namespace pe::name_chars
