// config_view.cpp — ConfigView over the host's pe_config functions.
#include "plugin_exporter/config_view.hpp"

#include <string>

namespace pe {

ConfigView::ConfigView(const pe_host_api* api, pe_host* host, const pe_config* node)
    : ConfigView(api, host, node, std::make_shared<int>(0)) {}

ConfigView::ConfigView(const pe_host_api* api, pe_host* host, const pe_config* node,
                       std::shared_ptr<int> errors)
    : api_(api), host_(host), node_(node), errors_(std::move(errors)) {}

pe_config_kind ConfigView::kind() const noexcept {
  return api_->config_kind(node_);
}

ConfigView ConfigView::get(const char* key) const {
  const pe_config* child = node_ ? api_->config_get(node_, key) : nullptr;
  return ConfigView(api_, host_, child, errors_);
}

std::vector<ConfigView> ConfigView::array(const char* key) const {
  std::vector<ConfigView> out;
  ConfigView a = get(key);
  if (!a.present()) return out;
  if (a.kind() != PE_CONFIG_ARRAY) {
    a.error("expected an array");
    return out;
  }
  std::size_t n = api_->config_size(a.node_);
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(ConfigView(api_, host_, api_->config_at(a.node_, i), errors_));
  return out;
}

std::vector<std::string> ConfigView::keys() const {
  std::vector<std::string> out;
  if (!node_ || kind() != PE_CONFIG_TABLE) return out;
  std::size_t n = api_->config_size(node_);
  for (std::size_t i = 0; i < n; ++i) {
    const char* k = api_->config_key_at(node_, i);
    if (k) out.emplace_back(k);
  }
  return out;
}

std::vector<std::string> ConfigView::string_array(const char* key) const {
  std::vector<std::string> out;
  for (const ConfigView& v : array(key)) {
    if (auto s = v.as_string()) out.push_back(std::move(*s));
  }
  return out;
}

std::optional<std::string> ConfigView::as_string() const {
  const char* s = nullptr;
  std::size_t len = 0;
  if (!node_) return std::nullopt;
  if (api_->config_string(node_, &s, &len) != PE_OK) {
    ++*errors_;
    return std::nullopt;
  }
  return std::string(s, len);
}

std::optional<int64_t> ConfigView::as_int() const {
  int64_t v = 0;
  if (!node_) return std::nullopt;
  if (api_->config_int(node_, &v) != PE_OK) {
    ++*errors_;
    return std::nullopt;
  }
  return v;
}

std::optional<double> ConfigView::as_double() const {
  double v = 0;
  if (!node_) return std::nullopt;
  if (api_->config_double(node_, &v) != PE_OK) {
    ++*errors_;
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ConfigView::as_bool() const {
  int32_t v = 0;
  if (!node_) return std::nullopt;
  if (api_->config_bool(node_, &v) != PE_OK) {
    ++*errors_;
    return std::nullopt;
  }
  return v != 0;
}

std::optional<std::chrono::nanoseconds> ConfigView::as_duration() const {
  int64_t v = 0;
  if (!node_) return std::nullopt;
  if (api_->config_duration(node_, &v) != PE_OK) {
    ++*errors_;
    return std::nullopt;
  }
  return std::chrono::nanoseconds(v);
}

std::string ConfigView::string(const char* key, std::string fallback) const {
  return get(key).as_string().value_or(std::move(fallback));
}
int64_t ConfigView::integer(const char* key, int64_t fallback) const {
  return get(key).as_int().value_or(fallback);
}
double ConfigView::number(const char* key, double fallback) const {
  return get(key).as_double().value_or(fallback);
}
bool ConfigView::boolean(const char* key, bool fallback) const {
  return get(key).as_bool().value_or(fallback);
}
std::chrono::nanoseconds ConfigView::duration(const char* key,
                                              std::chrono::nanoseconds fallback) const {
  return get(key).as_duration().value_or(fallback);
}

std::string ConfigView::required_string(const char* key) const {
  ConfigView v = get(key);
  if (!v.present()) {
    error(std::string("missing required key \"") + key + "\"");
    return {};
  }
  return v.as_string().value_or(std::string());
}

std::optional<std::string> ConfigView::secret(const char* key) const {
  if (!node_) return std::nullopt;
  std::string buf(256, '\0');
  std::size_t len = 0;
  pe_status st = api_->config_secret(node_, key, buf.data(), buf.size(), &len);
  if (st == PE_LIMIT_EXCEEDED) {
    buf.assign(len + 1, '\0');
    st = api_->config_secret(node_, key, buf.data(), buf.size(), &len);
  }
  if (st == PE_NOT_FOUND) return std::nullopt;
  if (st != PE_OK) {
    ++*errors_;
    return std::nullopt;
  }
  buf.resize(len);
  return buf;
}

void ConfigView::error(const std::string& message) const {
  ++*errors_;
  api_->config_error(host_, node_, message.c_str());
}

void ConfigView::error_at(const char* key, const std::string& message) const {
  ConfigView child = get(key);
  if (child.present()) {
    child.error(message);
  } else {
    error(message);
  }
}

}  // namespace pe
