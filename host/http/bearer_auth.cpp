// bearer_auth.cpp — constant-time bearer token verification.
#include "http/bearer_auth.hpp"

#include <algorithm>
#include <cctype>

namespace pe::host {

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  // Walk the longer length so timing does not reveal the token's length
  // through an early exit; the length difference itself is folded in.
  std::size_t n = std::max(a.size(), b.size());
  volatile unsigned char diff = static_cast<unsigned char>(a.size() != b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

std::optional<std::string> BearerAuth::authenticate(std::string_view header) const {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  std::string_view presented = header.substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  while (!presented.empty() && presented.back() == ' ') presented.remove_suffix(1);
  std::optional<std::string> identity;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    // Every token is compared, whichever matches.
    if (constant_time_equals(presented, tokens_[i]) && !identity)
      identity = "bearer#" + std::to_string(i + 1);
  }
  return identity;
}

}  // namespace pe::host
