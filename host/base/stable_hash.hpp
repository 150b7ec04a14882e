// stable_hash.hpp — a 64-bit FNV-1a hash as 16 hex digits: the same for the
// same bytes in every build and process, so it can be stored on disk (e.g.
// which configuration of a collector was quarantined).
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace pe::host {

inline std::string stable_hash_hex(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace pe::host
