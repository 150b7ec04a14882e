// quoted.hpp — internal: a name or value quoted for an error message, with
// control characters shown as \xNN so a message stays on one line.
#pragma once

#include <string>
#include <string_view>

namespace pe {

inline std::string quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('"');
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      q += "\\x";
      q += "0123456789abcdef"[(c >> 4) & 0xF];
      q += "0123456789abcdef"[c & 0xF];
    } else {
      q.push_back(c);
    }
  }
  q.push_back('"');
  return q;
}

}  // namespace pe
