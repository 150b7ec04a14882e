// constant_time.cpp — constant-time comparison.
#include "auth/constant_time.hpp"

#include <algorithm>

namespace pe::host {

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  // Walk the longer length so no early exit reveals a prefix; the length
  // difference itself is folded into the result.
  std::size_t n = std::max(a.size(), b.size());
  volatile unsigned char diff = static_cast<unsigned char>(a.size() != b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

}  // namespace pe::host
