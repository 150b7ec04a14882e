// config_view_source.hpp — a ConfigSource over the host's configuration
// (pe::ConfigView): errors come out with the file, line and column of the
// collector's configuration, and keys read here count as known.
#pragma once

#include "config_source.hpp"
#include "plugin_exporter/config_view.hpp"

namespace pe::postgres {

class ConfigViewSource final : public ConfigSource {
 public:
  explicit ConfigViewSource(ConfigView view) : view_(std::move(view)) {}

  bool has(const char* key) const override { return view_.has(key); }
  std::optional<std::string> string(const char* key) const override {
    return view_.get(key).as_string();
  }
  std::optional<std::vector<std::string>> string_list(const char* key) const override;
  std::optional<std::vector<std::pair<std::string, std::string>>> string_table(
      const char* key) const override;
  std::optional<int64_t> integer(const char* key) const override { return view_.get(key).as_int(); }
  std::optional<std::chrono::nanoseconds> duration(const char* key) const override {
    return view_.get(key).as_duration();
  }
  void error(const char* key, const std::string& message) const override {
    if (key)
      view_.error_at(key, message);
    else
      view_.error(message);
  }

 private:
  ConfigView view_;
};

}  // namespace pe::postgres
