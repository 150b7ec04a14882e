// config_source.hpp — one table of settings as the custom query reader sees
// it, whether it comes from the collector's own configuration (the host's
// config functions) or from a shared query file the plugin reads itself.
// Accessors return nullopt when the key is absent or has the wrong type (the
// type error is then already recorded).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pe::postgres {

class ConfigSource {
 public:
  virtual ~ConfigSource() = default;
  virtual bool has(const char* key) const = 0;
  virtual std::optional<std::string> string(const char* key) const = 0;
  virtual std::optional<std::vector<std::string>> string_list(const char* key) const = 0;
  // A table of string values, in file order.
  virtual std::optional<std::vector<std::pair<std::string, std::string>>> string_table(
      const char* key) const = 0;
  virtual std::optional<int64_t> integer(const char* key) const = 0;
  virtual std::optional<std::chrono::nanoseconds> duration(const char* key) const = 0;
  // Records a problem at `key` (or at the table itself when key is null).
  virtual void error(const char* key, const std::string& message) const = 0;
};

}  // namespace pe::postgres
