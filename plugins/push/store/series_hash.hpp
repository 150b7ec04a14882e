// series_hash.hpp — the 64-bit identity hash of a series (sample name plus
// its labels in name order) and of grouping keys. Strings are separated by a
// byte that cannot occur in valid UTF-8 (0xff), so ("ab","c") and ("a","bc")
// differ.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace pe::push {

class SeriesHasher {
 public:
  void add(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size();
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      mix(w);
      p += 8;
      n -= 8;
    }
    uint64_t tail = 0xff;  // the separator, folded into the last word
    for (std::size_t i = 0; i < n; ++i) tail = (tail << 8) | p[i];
    mix(tail ^ (static_cast<uint64_t>(n) << 56));
  }
  uint64_t value() const noexcept {
    uint64_t h = h_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

 private:
  void mix(uint64_t w) noexcept {
    w *= 0x87c37b91114253d5ULL;
    w = (w << 31) | (w >> 33);
    w *= 0x4cf5ad432745937fULL;
    h_ ^= w;
    h_ = ((h_ << 27) | (h_ >> 37)) * 5 + 0x52dce729;
  }
  uint64_t h_ = 0x9e3779b97f4a7c15ULL;
};

}  // namespace pe::push
