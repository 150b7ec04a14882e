// quoted.hpp — a string in double quotes with '"', '\' and newlines escaped,
// for the messages that tell a client what it sent wrong.
#pragma once

#include <string>
#include <string_view>

namespace pe::push {

inline std::string quoted(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') q.push_back('\\');
    q.push_back(c);
  }
  return q + "\"";
}

}  // namespace pe::push
