// config_error.hpp — one configuration problem, located: file, line, column,
// the key path ("collector[1].config.url") and what is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pe::host {

struct ConfigError {
  std::string file;
  uint32_t line = 0;    // 1-based; 0 = unknown
  uint32_t column = 0;  // 1-based; 0 = unknown
  std::string key_path;
  std::string message;

  // "file:line:column: key.path: message" (parts that are unknown omitted).
  std::string to_string() const;
};

using ConfigErrors = std::vector<ConfigError>;

}  // namespace pe::host
