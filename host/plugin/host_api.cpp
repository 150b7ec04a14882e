// host_api.cpp — the implementation behind every pe_host_api function.
#include "plugin/host_api.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "base/logging.hpp"
#include "config/config_document.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin/collector_context.hpp"
#include "plugin/plugin_http_response.hpp"

namespace pe::host {
namespace {

// --- logging ---------------------------------------------------------------

LogLevel to_level(pe_log_level l) {
  switch (l) {
    case PE_LOG_ERROR:
      return LogLevel::error;
    case PE_LOG_WARN:
      return LogLevel::warn;
    case PE_LOG_INFO:
      return LogLevel::info;
    default:
      return LogLevel::debug;
  }
}

void api_log(pe_host* host, pe_log_level level, const char* message) {
  if (!host) return;
  log(to_level(level), message ? message : "",
      {{"collector", host->collector_name}, {"plugin", host->plugin_name}});
}

int32_t api_log_enabled(pe_host*, pe_log_level level) {
  return log_enabled(to_level(level));
}

// --- clock -----------------------------------------------------------------

int64_t api_monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int64_t api_realtime_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- configuration ---------------------------------------------------------

pe_config_kind api_config_kind(const pe_config* c) {
  if (!c || !c->node) return PE_CONFIG_NONE;
  switch (c->node->type()) {
    case toml::node_type::table:
      return PE_CONFIG_TABLE;
    case toml::node_type::array:
      return PE_CONFIG_ARRAY;
    case toml::node_type::string:
      return PE_CONFIG_STRING;
    case toml::node_type::integer:
      return PE_CONFIG_INTEGER;
    case toml::node_type::floating_point:
      return PE_CONFIG_FLOAT;
    case toml::node_type::boolean:
      return PE_CONFIG_BOOLEAN;
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return PE_CONFIG_DATETIME;
    case toml::node_type::none:
      break;
  }
  return PE_CONFIG_NONE;
}

// Keys of a table in file order (toml++ keeps them sorted by name).
std::vector<std::pair<const toml::key*, const toml::node*>> ordered_entries(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (auto&& [k, v] : t) out.emplace_back(&k, &v);
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return a.second->source().begin < b.second->source().begin; });
  return out;
}

const pe_config* api_config_get(const pe_config* c, const char* key) {
  if (!c || !c->node || !key) return nullptr;
  const toml::table* t = c->node->as_table();
  if (!t) {
    c->doc->error(c->node, c->path, "expected a table, got " + ConfigDocument::kind_name(*c->node));
    return nullptr;
  }
  const toml::node* child = c->doc->child(*t, key);
  return c->doc->handle(child, ConfigDocument::child_path(c->path, key));
}

size_t api_config_size(const pe_config* c) {
  if (!c || !c->node) return 0;
  if (auto a = c->node->as_array()) return a->size();
  if (auto t = c->node->as_table()) return t->size();
  return 0;
}

const pe_config* api_config_at(const pe_config* c, size_t index) {
  if (!c || !c->node) return nullptr;
  if (auto a = c->node->as_array()) {
    if (index >= a->size()) return nullptr;
    const toml::node* e = a->get(index);
    c->doc->mark_used(e);
    return c->doc->handle(e, ConfigDocument::index_path(c->path, index));
  }
  if (auto t = c->node->as_table()) {
    auto entries = ordered_entries(*t);
    if (index >= entries.size()) return nullptr;
    c->doc->mark_used(entries[index].second);
    return c->doc->handle(entries[index].second,
                          ConfigDocument::child_path(c->path, entries[index].first->str()));
  }
  return nullptr;
}

const char* api_config_key_at(const pe_config* c, size_t index) {
  if (!c || !c->node) return nullptr;
  auto t = c->node->as_table();
  if (!t) return nullptr;
  auto entries = ordered_entries(*t);
  if (index >= entries.size()) return nullptr;
  c->doc->mark_used(entries[index].second);
  return entries[index].first->str().data();
}

pe_status api_config_string(const pe_config* c, const char** out, size_t* out_len) {
  if (!c || !c->node) return PE_NOT_FOUND;
  auto s = c->node->as_string();
  if (!s) {
    c->doc->error(c->node, c->path,
                  "expected a string, got " + ConfigDocument::kind_name(*c->node));
    return PE_INVALID_CONFIG;
  }
  if (out) *out = s->get().c_str();
  if (out_len) *out_len = s->get().size();
  return PE_OK;
}

pe_status api_config_int(const pe_config* c, int64_t* out) {
  if (!c || !c->node) return PE_NOT_FOUND;
  auto v = c->doc->read_int(*c->node, c->path);
  if (!v) return PE_INVALID_CONFIG;
  *out = *v;
  return PE_OK;
}

pe_status api_config_double(const pe_config* c, double* out) {
  if (!c || !c->node) return PE_NOT_FOUND;
  auto v = c->doc->read_double(*c->node, c->path);
  if (!v) return PE_INVALID_CONFIG;
  *out = *v;
  return PE_OK;
}

pe_status api_config_bool(const pe_config* c, int32_t* out) {
  if (!c || !c->node) return PE_NOT_FOUND;
  auto v = c->doc->read_bool(*c->node, c->path);
  if (!v) return PE_INVALID_CONFIG;
  *out = *v ? 1 : 0;
  return PE_OK;
}

pe_status api_config_duration(const pe_config* c, int64_t* out_ns) {
  if (!c || !c->node) return PE_NOT_FOUND;
  auto v = c->doc->read_duration(*c->node, c->path);
  if (!v) return PE_INVALID_CONFIG;
  *out_ns = v->count();
  return PE_OK;
}

pe_status api_config_secret(const pe_config* c, const char* key, char* buf, size_t buf_size,
                            size_t* out_len) {
  if (!c || !c->node || !key) return PE_NOT_FOUND;
  auto t = c->node->as_table();
  if (!t) {
    c->doc->error(c->node, c->path, "expected a table, got " + ConfigDocument::kind_name(*c->node));
    return PE_INVALID_CONFIG;
  }
  bool found = false;
  auto v = c->doc->read_secret(*t, c->path, key, found);
  if (!found) return PE_NOT_FOUND;
  if (!v) return PE_INVALID_CONFIG;
  if (out_len) *out_len = v->size();
  if (!buf || buf_size <= v->size()) return PE_LIMIT_EXCEEDED;
  std::memcpy(buf, v->data(), v->size());
  buf[v->size()] = '\0';
  return PE_OK;
}

void api_config_error(pe_host* host, const pe_config* c, const char* message) {
  if (!host || !host->doc) return;
  if (!c) c = host->plugin_table;
  std::string msg = message ? message : "invalid configuration";
  if (c)
    host->doc->error(c->node, c->path, msg);
  else
    host->doc->error(nullptr, "", msg);
}

// --- sink ------------------------------------------------------------------

pe_status api_sink_family(pe_sink* s, const pe_family* f) {
  if (!s || !f) return PE_ERROR;
  pe_family copy{};
  std::memcpy(&copy, f, std::min<std::size_t>(f->struct_size, sizeof copy));
  return s->family(copy);
}

pe_status api_sink_sample(pe_sink* s, const pe_sample* sample) {
  if (!s || !sample) return PE_ERROR;
  pe_sample copy{};
  std::memcpy(&copy, sample, std::min<std::size_t>(sample->struct_size, sizeof copy));
  return s->sample(copy);
}

pe_status api_sink_text(pe_sink* s, const char* data, size_t len,
                        const pe_text_options* options) {
  if (!s || (!data && len)) return PE_ERROR;
  pe_text_options o{};
  if (options) std::memcpy(&o, options, std::min<std::size_t>(options->struct_size, sizeof o));
  return s->text(data ? data : "", len, o.format, o.skip_invalid_lines != 0);
}

pe_status api_sink_stat(pe_sink* s, const char* name, const char* help, double value) {
  if (!s) return PE_ERROR;
  return s->stat(name, help, value);
}

void api_sink_error(pe_sink* s, const char* message) {
  if (s) s->set_error(message);
}

// --- HTTP routes -----------------------------------------------------------

bool valid_method(std::string_view m) {
  return m == "GET" || m == "PUT" || m == "POST" || m == "DELETE" || m == "PATCH" || m == "HEAD";
}

pe_status api_register_route(pe_host* host, const pe_route* route) {
  if (!host || !route || !host->creating) return PE_ERROR;
  pe_route r{};
  std::memcpy(&r, route, std::min<std::size_t>(route->struct_size, sizeof r));
  std::string method = r.method ? r.method : "";
  std::string prefix = r.path_prefix ? r.path_prefix : "";
  std::string role = r.role ? r.role : "";
  if (!valid_method(method) || prefix.empty() || prefix[0] != '/' ||
      (role != "scrape" && role != "push" && role != "admin")) {
    log(LogLevel::error, "plugin registered an invalid HTTP route",
        {{"collector", host->collector_name},
         {"method", method},
         {"path", prefix},
         {"role", role}});
    return PE_ERROR;
  }
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  host->routes.push_back(RouteRegistration{method, prefix, role, r.max_body_bytes});
  return PE_OK;
}

void api_http_status(pe_http_response* r, int32_t code) {
  if (r && code >= 100 && code <= 599) r->status = code;
}

void api_http_header(pe_http_response* r, const char* name, const char* value) {
  if (!r || !name || !value) return;
  std::string_view n(name), v(value);
  // No header injection: CR/LF are refused.
  if (n.find_first_of("\r\n:") != std::string_view::npos ||
      v.find_first_of("\r\n") != std::string_view::npos)
    return;
  r->headers.emplace_back(n, v);
}

pe_status api_http_write(pe_http_response* r, const char* data, size_t len) {
  if (!r || (!data && len)) return PE_ERROR;
  r->body.append(data ? data : "", len);
  return PE_OK;
}

const pe_host_api kHostApi = [] {
  pe_host_api a{};
  a.struct_size = sizeof(pe_host_api);
  a.abi_major = PE_ABI_MAJOR;
  a.abi_minor = PE_ABI_MINOR;
  a.log = api_log;
  a.log_enabled = api_log_enabled;
  a.monotonic_ns = api_monotonic_ns;
  a.realtime_ms = api_realtime_ms;
  a.config_kind = api_config_kind;
  a.config_get = api_config_get;
  a.config_size = api_config_size;
  a.config_at = api_config_at;
  a.config_key_at = api_config_key_at;
  a.config_string = api_config_string;
  a.config_int = api_config_int;
  a.config_double = api_config_double;
  a.config_bool = api_config_bool;
  a.config_duration = api_config_duration;
  a.config_secret = api_config_secret;
  a.config_error = api_config_error;
  a.sink_family = api_sink_family;
  a.sink_sample = api_sink_sample;
  a.sink_text = api_sink_text;
  a.sink_error = api_sink_error;
  a.sink_stat = api_sink_stat;
  a.register_route = api_register_route;
  a.http_status = api_http_status;
  a.http_header = api_http_header;
  a.http_write = api_http_write;
  return a;
}();

}  // namespace

const pe_host_api* host_api() noexcept {
  return &kHostApi;
}

int64_t monotonic_now_ns() noexcept {
  return api_monotonic_ns();
}

int64_t unix_now_ms() noexcept {
  return api_realtime_ms();
}

}  // namespace pe::host
