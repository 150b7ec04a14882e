// config_view.hpp — C++ reading of a collector's plugin configuration over the
// C ABI's config functions. Wrong types, bad durations and missing required
// keys are recorded as configuration errors (with file:line:column) by the
// host; the accessors then return the default so create can report every
// problem in one pass. Valid only during create.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin_exporter/plugin.h"

namespace pe {

class ConfigView {
 public:
  ConfigView(const pe_host_api* api, pe_host* host, const pe_config* node);

  bool present() const noexcept { return node_ != nullptr; }
  pe_config_kind kind() const noexcept;
  const pe_config* node() const noexcept { return node_; }

  // Child views (absent children give views with present() == false).
  ConfigView get(const char* key) const;
  bool has(const char* key) const { return get(key).present(); }
  std::vector<ConfigView> array(const char* key) const;  // elements of an array
  std::vector<std::string> keys() const;                 // keys of this table
  std::vector<std::string> string_array(const char* key) const;

  // Values of this node.
  std::optional<std::string> as_string() const;
  std::optional<int64_t> as_int() const;
  std::optional<double> as_double() const;
  std::optional<bool> as_bool() const;
  std::optional<std::chrono::nanoseconds> as_duration() const;

  // Values of a child key; the fallback when absent (or wrong, after the error
  // has been recorded).
  std::string string(const char* key, std::string fallback = {}) const;
  int64_t integer(const char* key, int64_t fallback) const;
  double number(const char* key, double fallback) const;
  bool boolean(const char* key, bool fallback) const;
  std::chrono::nanoseconds duration(const char* key, std::chrono::nanoseconds fallback) const;
  // Records "missing required key" when absent.
  std::string required_string(const char* key) const;
  // A secret given as `key`, `key_file` or `key_env` (see pe_host_api).
  std::optional<std::string> secret(const char* key) const;

  // Records a configuration error at this node (or at the plugin table).
  void error(const std::string& message) const;
  // Records an error at child `key` if present, else at this node.
  void error_at(const char* key, const std::string& message) const;

  // True once any error was recorded through any view sharing this root.
  bool has_errors() const noexcept { return *errors_ > 0; }

 private:
  ConfigView(const pe_host_api* api, pe_host* host, const pe_config* node,
             std::shared_ptr<int> errors);
  const pe_host_api* api_;
  pe_host* host_;
  const pe_config* node_;
  std::shared_ptr<int> errors_;
};

}  // namespace pe
