// config_error.cpp — formatting of located configuration errors.
#include "config/config_error.hpp"

namespace pe::host {

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

}  // namespace pe::host
