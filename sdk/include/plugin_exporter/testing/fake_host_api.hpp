// fake_host_api.hpp — the pe_host_api function table a pe::testing::FakeHost
// hands to plugins: each entry checks its handle and the contract plugin.h
// states for it (when and on which thread it may be called, struct_size),
// then does what the host does. Included by fake_host.hpp; not used alone.
//
// Thread-safety: as plugin.h says per function; the state is the FakeHost's.
#pragma once

#include "plugin_exporter/testing/fake_host.hpp"

namespace pe::testing::detail {

struct Api {
  // --- handle checks: the handle, or nullptr after reporting the misuse ---
  static HostHandle* host_of(pe_host* h, const char* fn) {
    auto* host = reinterpret_cast<HostHandle*>(h);
    if (!host || host->magic != kHostMagic) {
      std::fprintf(stderr, "pe::testing::FakeHost: %s with a pe_host it never gave\n", fn);
      std::abort();
    }
    return host;
  }
  static HostHandle* creating_host(HostHandle* host, const char* fn) {
    if (!host->creating) {
      host->fake->misuse(std::string(fn) +
                         " outside create (plugin.h: configuration and routes only during create)");
      return nullptr;
    }
    if (host->create_thread != std::this_thread::get_id()) {
      host->fake->misuse(std::string(fn) + " from another thread than create's");
      return nullptr;
    }
    return host;
  }
  // nullptr for a NULL node (allowed: an absent key) or after a misuse.
  static const ConfigNode* node_of(const pe_config* c, const char* fn) {
    if (!c) return nullptr;
    auto* h = reinterpret_cast<const ConfigHandle*>(c);
    if (h->magic != kConfigMagic) {
      std::fprintf(stderr, "pe::testing::FakeHost: %s with a pe_config it never gave\n", fn);
      std::abort();
    }
    return creating_host(h->host, fn) ? h->node : nullptr;
  }
  static HostHandle& owner(const pe_config* c) {
    return *reinterpret_cast<const ConfigHandle*>(c)->host;
  }
  static SinkHandle* sink_of(pe_sink* s, const char* fn) {
    auto* sink = reinterpret_cast<SinkHandle*>(s);
    if (!sink || sink->magic != kSinkMagic) {
      std::fprintf(stderr, "pe::testing::FakeHost: %s with a pe_sink it never gave\n", fn);
      std::abort();
    }
    bool open, same_thread;
    {
      std::lock_guard lock(sink->fake->mutex());
      open = sink->open;
      same_thread = sink->thread == std::this_thread::get_id();
    }
    if (!open) {
      sink->fake->misuse(std::string(fn) +
                         " after collect returned (the sink is valid only during it)");
      return nullptr;
    }
    if (!same_thread) {
      sink->fake->misuse(std::string(fn) + " from another thread than collect's");
      return nullptr;
    }
    return sink;
  }
  static ResponseHandle* response_of(pe_http_response* r, const char* fn) {
    auto* resp = reinterpret_cast<ResponseHandle*>(r);
    if (!resp || resp->magic != kResponseMagic) {
      std::fprintf(stderr, "pe::testing::FakeHost: %s with a pe_http_response it never gave\n", fn);
      std::abort();
    }
    bool open, same_thread;
    {
      std::lock_guard lock(resp->fake->mutex());
      open = resp->open;
      same_thread = resp->thread == std::this_thread::get_id();
    }
    if (!open || !same_thread) {
      resp->fake->misuse(std::string(fn) + (open ? " from another thread than handle_http's"
                                                 : " after handle_http returned"));
      return nullptr;
    }
    return resp;
  }
  // A struct the plugin filled: present, and at least as large as in 1.0.
  template <class T>
  static bool declared(FakeHost& fake, const T* in, uint32_t min_size, const char* fn,
                       const char* type) {
    if (!in) {
      fake.misuse(std::string(fn) + " with a NULL " + type);
      return false;
    }
    if (in->struct_size < min_size) {
      fake.misuse(std::string(fn) + ": " + type + ".struct_size is " +
                  std::to_string(in->struct_size) + " (set it to sizeof(" + type + "))");
      return false;
    }
    return true;
  }

  // --- logging and clocks ---
  static void log(pe_host* h, pe_log_level level, const char* message) {
    HostHandle* host = host_of(h, "log");
    if (level < PE_LOG_ERROR || level > PE_LOG_DEBUG)
      host->fake->misuse("log with an unknown level " + std::to_string(level));
    host->fake->log(*host, level, message);
  }
  static int32_t log_enabled(pe_host* h, pe_log_level level) {
    return host_of(h, "log_enabled")->fake->log_enabled(level) ? 1 : 0;
  }
  static int64_t monotonic_ns() { return FakeClock::monotonic_ns(); }
  static int64_t realtime_ms() { return FakeClock::realtime_ms(); }

  // --- configuration ---
  static void type_error(const pe_config* c, const ConfigNode& n, const std::string& what) {
    owner(c).fake->config_error(n.path(), what + ", got " + ConfigNode::kind_name(n.kind()));
  }
  static pe_config_kind config_kind(const pe_config* c) {
    const ConfigNode* n = node_of(c, "config_kind");
    return n ? n->kind() : PE_CONFIG_NONE;
  }
  static const pe_config* config_get(const pe_config* c, const char* key) {
    const ConfigNode* n = node_of(c, "config_get");
    if (!n || !key) return nullptr;
    if (n->kind() != PE_CONFIG_TABLE) {
      type_error(c, *n, "expected a table");
      return nullptr;
    }
    const ConfigNode* child = n->child(key);
    if (child) child->mark_used();
    return owner(c).fake->handle_of(owner(c), child);
  }
  static size_t config_size(const pe_config* c) {
    const ConfigNode* n = node_of(c, "config_size");
    return n && (n->kind() == PE_CONFIG_TABLE || n->kind() == PE_CONFIG_ARRAY) ? n->size() : 0;
  }
  static const pe_config* config_at(const pe_config* c, size_t index) {
    const ConfigNode* n = node_of(c, "config_at");
    const ConfigNode* child = n ? n->at(index) : nullptr;
    if (!child) return nullptr;
    child->mark_used();
    return owner(c).fake->handle_of(owner(c), child);
  }
  static const char* config_key_at(const pe_config* c, size_t index) {
    const ConfigNode* n = node_of(c, "config_key_at");
    const std::string* key = n ? n->key_at(index) : nullptr;
    if (!key) return nullptr;
    n->at(index)->mark_used();
    return key->c_str();
  }
  static pe_status config_string(const pe_config* c, const char** out, size_t* out_len) {
    const ConfigNode* n = node_of(c, "config_string");
    if (!n) return PE_NOT_FOUND;
    if (n->kind() != PE_CONFIG_STRING) {
      type_error(c, *n, "expected a string");
      return PE_INVALID_CONFIG;
    }
    if (out) *out = n->value().string().c_str();
    if (out_len) *out_len = n->value().string().size();
    return PE_OK;
  }
  static pe_status config_int(const pe_config* c, int64_t* out) {
    const ConfigNode* n = node_of(c, "config_int");
    if (!n) return PE_NOT_FOUND;
    if (n->kind() != PE_CONFIG_INTEGER) {
      type_error(c, *n, "expected an integer");
      return PE_INVALID_CONFIG;
    }
    *out = n->value().integer();
    return PE_OK;
  }
  static pe_status config_double(const pe_config* c, double* out) {
    const ConfigNode* n = node_of(c, "config_double");
    if (!n) return PE_NOT_FOUND;
    if (n->kind() == PE_CONFIG_INTEGER) {
      *out = static_cast<double>(n->value().integer());
      return PE_OK;
    }
    if (n->kind() != PE_CONFIG_FLOAT) {
      type_error(c, *n, "expected a number");
      return PE_INVALID_CONFIG;
    }
    *out = n->value().number();
    return PE_OK;
  }
  static pe_status config_bool(const pe_config* c, int32_t* out) {
    const ConfigNode* n = node_of(c, "config_bool");
    if (!n) return PE_NOT_FOUND;
    if (n->kind() != PE_CONFIG_BOOLEAN) {
      type_error(c, *n, "expected a boolean");
      return PE_INVALID_CONFIG;
    }
    *out = n->value().boolean() ? 1 : 0;
    return PE_OK;
  }
  static pe_status config_duration(const pe_config* c, int64_t* out_ns) {
    const ConfigNode* n = node_of(c, "config_duration");
    if (!n) return PE_NOT_FOUND;
    if (n->kind() != PE_CONFIG_STRING) {
      type_error(c, *n, "expected a duration string such as \"15s\" or \"1m30s\"");
      return PE_INVALID_CONFIG;
    }
    const std::string& text = n->value().string();
    const auto d = parse_duration(text);
    if (!d) {
      owner(c).fake->config_error(n->path(),
                                  "bad duration \"" + text +
                                      "\": use a number with a unit (ms, s, m, h, d), e.g. "
                                      "\"1m30s\"");
      return PE_INVALID_CONFIG;
    }
    *out_ns = d->count();
    return PE_OK;
  }
  // `key` inline, `key_file` (a file's content, trailing newlines stripped;
  // the host also refuses world-readable files) or `key_env`.
  static std::optional<std::string> read_secret(const pe_config* c, const ConfigNode& table,
                                                const std::string& k) {
    FakeHost& fake = *owner(c).fake;
    const ConfigNode* forms[] = {table.child(k), table.child(k + "_file"), table.child(k + "_env")};
    int given = 0;
    for (const ConfigNode* f : forms)
      if (f) given += (f->mark_used(), 1);
    if (given > 1) {
      fake.config_error(
          ConfigNode::child_path(table.path(), k),
          "give the secret one way only: \"" + k + "\", \"" + k + "_file\" or \"" + k + "_env\"");
      return std::nullopt;
    }
    const ConfigNode* n = forms[0] ? forms[0] : forms[1] ? forms[1] : forms[2];
    if (n->kind() != PE_CONFIG_STRING) {
      type_error(c, *n, "expected a string");
      return std::nullopt;
    }
    const std::string& text = n->value().string();
    if (n == forms[0]) return text;
    if (n == forms[2]) {
      const char* value = std::getenv(text.c_str());
      if (!value) fake.config_error(n->path(), "environment variable " + text + " is not set");
      return value ? std::optional<std::string>(value) : std::nullopt;
    }
    std::ifstream in(text, std::ios::binary);
    if (!in) {
      fake.config_error(n->path(), "cannot read secret file \"" + text + "\"");
      return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string value = ss.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
  }
  static pe_status config_secret(const pe_config* c, const char* key, char* buf, size_t buf_size,
                                 size_t* out_len) {
    const ConfigNode* n = node_of(c, "config_secret");
    if (!n || !key) return PE_NOT_FOUND;
    if (n->kind() != PE_CONFIG_TABLE) {
      type_error(c, *n, "expected a table");
      return PE_INVALID_CONFIG;
    }
    const std::string k(key);
    if (!n->child(k) && !n->child(k + "_file") && !n->child(k + "_env")) return PE_NOT_FOUND;
    const auto value = read_secret(c, *n, k);
    if (!value) return PE_INVALID_CONFIG;
    if (out_len) *out_len = value->size();
    if (!buf || buf_size <= value->size()) return PE_LIMIT_EXCEEDED;
    std::memcpy(buf, value->data(), value->size());
    buf[value->size()] = '\0';
    return PE_OK;
  }
  static void config_error(pe_host* h, const pe_config* c, const char* message) {
    HostHandle* host = creating_host(host_of(h, "config_error"), "config_error");
    if (!host) return;
    const ConfigNode* n = c ? node_of(c, "config_error") : nullptr;
    host->fake->config_error(n ? n->path() : std::string(),
                             message ? message : "invalid configuration");
  }

  // --- the sink ---
  static pe_status sink_family(pe_sink* s, const pe_family* f) {
    SinkHandle* sink = sink_of(s, "sink_family");
    if (!sink || !declared(*sink->fake, f, kFamily10, "sink_family", "pe_family")) return PE_ERROR;
    return sink->sink.family(copy_declared(*f));
  }
  static pe_status sink_sample(pe_sink* s, const pe_sample* sample) {
    SinkHandle* sink = sink_of(s, "sink_sample");
    if (!sink || !declared(*sink->fake, sample, kSample10, "sink_sample", "pe_sample"))
      return PE_ERROR;
    std::string misuse;
    const pe_status st = sink->sink.sample(copy_declared(*sample), misuse);
    if (!misuse.empty()) sink->fake->misuse(misuse);
    return st;
  }
  static void sink_error(pe_sink* s, const char* message) {
    if (SinkHandle* sink = sink_of(s, "sink_error")) sink->sink.error(message);
  }
  static pe_status sink_text(pe_sink* s, const char* data, size_t len,
                             const pe_text_options* options) {
    SinkHandle* sink = sink_of(s, "sink_text");
    if (!sink) return PE_ERROR;
    if (!data && len) {
      sink->fake->misuse("sink_text with NULL data and a length");
      return PE_ERROR;
    }
    pe_text_options o{};
    if (options) {
      if (!declared(*sink->fake, options, kTextOptions10, "sink_text", "pe_text_options"))
        return PE_ERROR;
      o = copy_declared(*options);
    }
    return sink->sink.text(std::string_view(data ? data : "", len), o.format,
                           o.skip_invalid_lines != 0);
  }
  static pe_status sink_stat(pe_sink* s, const char* name, const char* help, double value) {
    SinkHandle* sink = sink_of(s, "sink_stat");
    return sink ? sink->sink.stat(name, help, value) : PE_ERROR;
  }

  // --- HTTP routes ---
  static pe_status register_route(pe_host* h, const pe_route* route) {
    HostHandle* host = creating_host(host_of(h, "register_route"), "register_route");
    if (!host || !declared(*host->fake, route, kRoute10, "register_route", "pe_route"))
      return PE_ERROR;
    if (!(host->capabilities & PE_CAP_HTTP_ROUTES)) {
      host->fake->misuse("register_route without PE_CAP_HTTP_ROUTES in the descriptor");
      return PE_ERROR;
    }
    const pe_route r = copy_declared(*route);
    std::string method = r.method ? r.method : "", prefix = r.path_prefix ? r.path_prefix : "",
                role = r.role ? r.role : "";
    const bool method_ok = method == "GET" || method == "PUT" || method == "POST" ||
                           method == "DELETE" || method == "PATCH" || method == "HEAD";
    if (!method_ok || prefix.empty() || prefix[0] != '/' ||
        (role != "scrape" && role != "push" && role != "admin")) {
      host->fake->log(
          *host, PE_LOG_ERROR,
          ("plugin registered an invalid HTTP route: " + method + " " + prefix + " role " + role)
              .c_str());
      return PE_ERROR;
    }
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    host->routes.push_back(RegisteredRoute{method, prefix, role, r.max_body_bytes});
    return PE_OK;
  }
  static void http_status(pe_http_response* r, int32_t code) {
    ResponseHandle* resp = response_of(r, "http_status");
    if (!resp) return;
    if (code >= 100 && code <= 599)
      resp->status = code;
    else
      resp->result.dropped.push_back("status " + std::to_string(code) + " is not 100..599");
  }
  static void http_header(pe_http_response* r, const char* name, const char* value) {
    ResponseHandle* resp = response_of(r, "http_header");
    if (!resp) return;
    const std::string_view n = name ? name : "", v = value ? value : "";
    if (!name || !value || n.find_first_of("\r\n:") != std::string_view::npos ||
        v.find_first_of("\r\n") != std::string_view::npos) {
      resp->result.dropped.push_back("header \"" + std::string(n) +
                                     "\": NULL, or CR/LF (or ':' in the name)");
      return;
    }
    resp->result.headers.emplace_back(n, v);
  }
  static pe_status http_write(pe_http_response* r, const char* data, size_t len) {
    ResponseHandle* resp = response_of(r, "http_write");
    if (!resp) return PE_ERROR;
    if (!data && len) {
      resp->fake->misuse("http_write with NULL data and a length");
      return PE_ERROR;
    }
    resp->result.body.append(data ? data : "", len);
    return PE_OK;
  }
};

inline const pe_host_api* api_table() noexcept {
  static const pe_host_api table = [] {
    pe_host_api a{};
    a.struct_size = sizeof a;
    a.abi_major = PE_ABI_MAJOR;
    a.abi_minor = PE_ABI_MINOR;
    a.log = &Api::log;
    a.log_enabled = &Api::log_enabled;
    a.monotonic_ns = &Api::monotonic_ns;
    a.realtime_ms = &Api::realtime_ms;
    a.config_kind = &Api::config_kind;
    a.config_get = &Api::config_get;
    a.config_size = &Api::config_size;
    a.config_at = &Api::config_at;
    a.config_key_at = &Api::config_key_at;
    a.config_string = &Api::config_string;
    a.config_int = &Api::config_int;
    a.config_double = &Api::config_double;
    a.config_bool = &Api::config_bool;
    a.config_duration = &Api::config_duration;
    a.config_secret = &Api::config_secret;
    a.config_error = &Api::config_error;
    a.sink_family = &Api::sink_family;
    a.sink_sample = &Api::sink_sample;
    a.sink_text = &Api::sink_text;
    a.sink_error = &Api::sink_error;
    a.sink_stat = &Api::sink_stat;
    a.register_route = &Api::register_route;
    a.http_status = &Api::http_status;
    a.http_header = &Api::http_header;
    a.http_write = &Api::http_write;
    return a;
  }();
  return &table;
}

}  // namespace pe::testing::detail
