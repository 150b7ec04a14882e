// fake_host.hpp — a fake of the host side of the C ABI (pe_host_api), so a
// plugin is unit-tested in a plain test binary, out of tree, without the
// host: captured logging, clocks the test sets, configuration from an
// in-memory tree (FakeConfig) with the host's error messages, key paths and
// "unknown key" check, a sink that records what collect emits (RecordingSink,
// the host's rules), sink_stat figures, registered routes and an HTTP request
// driver. Header-only; link plugin_exporter::sdk (C++20, as the C++ layer).
//
//   pe::testing::FakeHost host;
//   host.config().set("target", "x");
//   auto inst = host.create(plugin_exporter_entry());
//   pe::testing::CollectResult r = host.collect(inst);
//   EXPECT_EQ(r.value("my_metric"), 1.0);
//   host.destroy(inst);
//
// ABI misuse — what the host refuses or a plugin must not do (a sample before
// any family, struct_size not set, the sink used after collect or from
// another thread, configuration read after create, a route registered outside
// create or without PE_CAP_HTTP_ROUTES, a bad descriptor) — gets the host's
// answer and is reported: by default on stderr followed by std::abort(), so
// the test fails where the bug is; set_abort_on_misuse(false) records it in
// misuses() instead. Data the host would drop (invalid names or labels, ...)
// is not misuse: it lands in CollectResult::dropped.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "plugin_exporter/duration.hpp"
#include "plugin_exporter/plugin.h"
#include "plugin_exporter/testing/fake_config.hpp"
#include "plugin_exporter/testing/fake_sink.hpp"
#include "plugin_exporter/text.hpp"

// The entry point (PE_PLUGIN_ENTRY) of the plugin whose sources are linked
// into the test: host.create(plugin_exporter_entry()).
PE_EXTERN_C PE_EXPORT const struct pe_plugin_descriptor* plugin_exporter_entry(void);

namespace pe::testing {

struct LogEntry {
  std::string collector;
  pe_log_level level = PE_LOG_INFO;
  std::string message;
};

struct ConfigError {
  std::string path;  // "" = the plugin table itself
  std::string message;
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

struct RegisteredRoute {
  std::string method;
  std::string path_prefix;  // trailing '/' removed, as the host does
  std::string role;
  uint64_t max_body_bytes = 0;
};

struct CreateOptions {
  std::string collector_name = "test";
  bool check_only = false;  // --check-config: validate only
  std::string state_dir;    // "" = none configured
};

namespace detail {
struct Collector;
}

// One create's outcome; the instance stays alive until FakeHost::destroy (or
// the FakeHost's destructor).
class Instance {
 public:
  pe_status status = PE_ERROR;      // what create returned
  std::vector<ConfigError> errors;  // config_error calls, type errors, unknown keys
  pe_instance* handle() const noexcept;
  // Created: the host would run it (PE_OK and no configuration error).
  explicit operator bool() const noexcept { return collector_ != nullptr; }

 private:
  friend class FakeHost;
  detail::Collector* collector_ = nullptr;
};

struct HttpCall {
  std::string method = "GET";
  std::string path = "/";
  std::string query;  // without '?'
  Labels headers;     // names are lower-cased on the way in, as the host does
  std::string body;
  std::string identity = "anonymous";
  std::string remote_address = "127.0.0.1:50000";
};

struct HttpResult {
  pe_status status = PE_OK;  // what handle_http returned (PE_NOT_FOUND: no route matched)
  int code = 0;              // what the host would answer
  Labels headers;
  std::string body;
  std::vector<std::string> dropped;  // headers or status codes the host ignores, and why

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (iequals(n, name)) return v;
    return std::nullopt;
  }
};

// plugin.h's clock functions take no handle, so the fake clocks are one pair
// per process, shared by every FakeHost. They move only when the test moves
// them. Thread-safe.
class FakeClock {
 public:
  static constexpr int64_t kStartMonotonicNs = 1'000'000'000'000;  // 1000 s of uptime
  static constexpr int64_t kStartRealtimeMs = 1'700'000'000'000;   // 2023-11-14T22:13:20Z

  static int64_t monotonic_ns() noexcept { return monotonic().load(); }
  static int64_t realtime_ms() noexcept { return realtime().load(); }
  static void set_monotonic_ns(int64_t ns) noexcept { monotonic().store(ns); }
  static void set_realtime_ms(int64_t ms) noexcept { realtime().store(ms); }
  // Both clocks move forward by `d`.
  static void advance(std::chrono::nanoseconds d) noexcept {
    monotonic().fetch_add(d.count());
    realtime().fetch_add(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }
  static void reset() noexcept {
    set_monotonic_ns(kStartMonotonicNs);
    set_realtime_ms(kStartRealtimeMs);
  }

 private:
  static std::atomic<int64_t>& monotonic() noexcept {
    static std::atomic<int64_t> v{kStartMonotonicNs};
    return v;
  }
  static std::atomic<int64_t>& realtime() noexcept {
    static std::atomic<int64_t> v{kStartRealtimeMs};
    return v;
  }
};

class FakeHost;

namespace detail {
constexpr uint32_t kHostMagic = 0x70654801, kConfigMagic = 0x70654302, kSinkMagic = 0x70655303,
                   kResponseMagic = 0x70655204;

// Behind pe_host: one collector.
struct HostHandle {
  uint32_t magic = kHostMagic;
  FakeHost* fake = nullptr;
  std::string collector_name;
  uint64_t capabilities = 0;
  bool creating = false;
  std::thread::id create_thread;
  std::vector<RegisteredRoute> routes;
};

// Behind pe_config: one node of the FakeConfig, read during one create.
struct ConfigHandle {
  uint32_t magic = kConfigMagic;
  HostHandle* host = nullptr;
  const ConfigNode* node = nullptr;
};

// Behind pe_sink: one collect. Kept until the FakeHost goes, so a plugin
// that keeps the pointer is caught instead of reading freed memory.
struct SinkHandle {
  SinkHandle(FakeHost* f, uint64_t limit) : fake(f), sink(result, limit) {}
  uint32_t magic = kSinkMagic;
  FakeHost* fake;
  CollectResult result;
  RecordingSink sink;
  bool open = true;
  std::thread::id thread = std::this_thread::get_id();
};

// Behind pe_http_response: one handle_http call (kept like SinkHandle).
struct ResponseHandle {
  uint32_t magic = kResponseMagic;
  FakeHost* fake = nullptr;
  HttpResult result;
  int status = 0;
  bool open = true;
  std::thread::id thread = std::this_thread::get_id();
};

// The smallest struct_size each struct had in ABI 1.0: a plugin built for
// 1.0 may pass that much and no less.
template <class T, class Last>
constexpr uint32_t size_through(std::size_t offset) {
  return static_cast<uint32_t>(offset + sizeof(Last));
}
constexpr uint32_t kFamily10 = size_through<pe_family, const char*>(offsetof(pe_family, unit));
constexpr uint32_t kSample10 = size_through<pe_sample, int32_t>(offsetof(pe_sample, has_timestamp));
constexpr uint32_t kTextOptions10 =
    size_through<pe_text_options, int32_t>(offsetof(pe_text_options, skip_invalid_lines));
constexpr uint32_t kRoute10 = size_through<pe_route, uint64_t>(offsetof(pe_route, max_body_bytes));
constexpr uint32_t kDescriptor10 =
    size_through<pe_plugin_descriptor, void*>(offsetof(pe_plugin_descriptor, destroy));

// A struct the plugin wrote, copied the host's way (zero-filled, then what
// the plugin declared).
template <class T>
T copy_declared(const T& in) {
  T out{};
  std::memcpy(&out, &in, std::min<std::size_t>(in.struct_size, sizeof out));
  return out;
}

inline const pe_host_api* api_table() noexcept;

// One created (or refused) collector: the descriptor as loaded, the
// instance, and the pe_host behind it.
struct Collector {
  pe_plugin_descriptor descriptor{};
  pe_instance* instance = nullptr;
  detail::HostHandle host;
  bool destroyed = false;
};
}  // namespace detail

inline pe_instance* Instance::handle() const noexcept {
  return collector_ && !collector_->destroyed ? collector_->instance : nullptr;
}

// Thread-safety: create, destroy and config() from one test thread at a time
// (the host's main thread); collect and http of a created instance may run on
// other test threads, concurrently with each other as on the host (collect
// not concurrently with itself); the functions plugin.h allows on any thread
// (log, log_enabled, the clocks) are safe from the plugin's own threads.
class FakeHost {
 public:
  FakeHost() = default;
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;
  // Destroys the instances still alive, as the host does at shutdown.
  ~FakeHost() {
    for (auto& c : collectors_)
      if (c->instance && !c->destroyed) destroy_collector(*c);
  }

  // The plugin table the next create reads.
  FakeConfig& config() noexcept { return config_; }

  // --- settings ---
  void set_abort_on_misuse(bool abort) { abort_on_misuse_ = abort; }
  // Messages above `level` are not captured and log_enabled says 0.
  void set_log_level(pe_log_level level) { log_level_ = level; }
  // The collector's max_samples (the host's default is large; so is this).
  void set_sample_limit(uint64_t limit) { sample_limit_ = limit; }
  static FakeClock& clock() noexcept {
    static FakeClock c;
    return c;
  }

  // --- the plugin's lifecycle ---
  // Checks the descriptor as the host's loader does, then runs create with
  // config(). Misuse (a descriptor the host refuses) gives an empty Instance.
  Instance create(const pe_plugin_descriptor* descriptor, const CreateOptions& options = {}) {
    Instance out;
    detail::Collector* collector = nullptr;
    {
      std::lock_guard lock(mu_);
      collector = collectors_.emplace_back(std::make_unique<detail::Collector>()).get();
    }
    if (!load(descriptor, collector->descriptor)) return out;
    collector->host.fake = this;
    collector->host.collector_name = options.collector_name;
    collector->host.capabilities = collector->descriptor.capabilities;
    collector->host.creating = true;
    collector->host.create_thread = std::this_thread::get_id();
    config_.reset_used();
    errors_.clear();

    pe_create_params params{};
    params.struct_size = sizeof params;
    params.api = detail::api_table();
    params.host = reinterpret_cast<pe_host*>(&collector->host);
    params.config = handle_of(collector->host, &config_);
    params.collector_name = options.collector_name.c_str();
    params.check_only = options.check_only ? 1 : 0;
    params.state_dir = options.state_dir.empty() ? nullptr : options.state_dir.c_str();
    pe_instance* instance = nullptr;
    out.status = collector->descriptor.create(&params, &instance);
    collector->host.creating = false;

    std::vector<const ConfigNode*> unused;
    config_.collect_unused(unused);
    for (const ConfigNode* n : unused) errors_.push_back(ConfigError{n->path(), "unknown key"});
    out.errors = errors_;
    if (out.status == PE_OK && !instance) {
      misuse("create returned PE_OK without an instance");
      return out;
    }
    if (out.status != PE_OK || !out.errors.empty()) {
      if (out.status == PE_OK) collector->descriptor.destroy(instance);
      if (out.errors.empty())
        out.errors.push_back(ConfigError{"", "plugin " + std::string(collector->descriptor.name) +
                                                 " failed to create the collector (status " +
                                                 std::to_string(out.status) + "; see the log)"});
      return out;
    }
    collector->instance = instance;
    out.collector_ = collector;
    return out;
  }

  // One collect with the scrape's query parameters and a deadline `timeout`
  // from FakeClock's now.
  CollectResult collect(const Instance& inst, const Labels& params = {},
                        std::chrono::nanoseconds timeout = std::chrono::seconds(10)) {
    detail::Collector& c = live(inst, "collect");
    std::vector<pe_label> raw;
    for (const auto& [k, v] : params) raw.push_back(pe_label{k.c_str(), v.c_str()});
    pe_collect_request req{};
    req.struct_size = sizeof req;
    req.deadline_monotonic_ns = FakeClock::monotonic_ns() + timeout.count();
    req.params = raw.data();
    req.param_count = raw.size();
    detail::SinkHandle* sink = keep(std::make_unique<detail::SinkHandle>(this, sample_limit_));
    sink->result.status = c.descriptor.collect(c.instance, &req, reinterpret_cast<pe_sink*>(sink));
    std::lock_guard lock(mu_);
    sink->open = false;
    return sink->result;
  }

  // One HTTP request, routed like the host: the longest registered prefix
  // whose method matches (none: 404 without calling the plugin), the route's
  // body limit (413), then handle_http and the host's answer.
  HttpResult http(const Instance& inst, const HttpCall& call) {
    detail::Collector& c = live(inst, "http");
    const RegisteredRoute* route = nullptr;
    for (const RegisteredRoute& r : c.host.routes) {
      const bool under = call.path == r.path_prefix || r.path_prefix == "/" ||
                         call.path.compare(0, r.path_prefix.size() + 1, r.path_prefix + "/") == 0;
      if (r.method == call.method && under &&
          (!route || r.path_prefix.size() > route->path_prefix.size()))
        route = &r;
    }
    HttpResult out;
    if (!route || !c.descriptor.handle_http) {
      out.status = PE_NOT_FOUND;
      out.code = 404;
      return out;
    }
    if (route->max_body_bytes && call.body.size() > route->max_body_bytes) {
      out.code = 413;
      return out;
    }
    std::vector<std::string> names;
    for (const auto& h : call.headers) names.push_back(ascii_lower(h.first));
    std::vector<pe_label> headers;
    for (std::size_t i = 0; i < names.size(); ++i)
      headers.push_back(pe_label{names[i].c_str(), call.headers[i].second.c_str()});
    pe_http_request req{};
    req.struct_size = sizeof req;
    req.method = call.method.c_str();
    req.path = call.path.c_str();
    req.query = call.query.c_str();
    req.headers = headers.data();
    req.header_count = headers.size();
    req.body = call.body.data();
    req.body_size = call.body.size();
    req.identity = call.identity.c_str();
    req.remote_address = call.remote_address.c_str();
    auto owned = std::make_unique<detail::ResponseHandle>();
    owned->fake = this;
    detail::ResponseHandle* r = keep(std::move(owned));
    const pe_status st =
        c.descriptor.handle_http(c.instance, &req, reinterpret_cast<pe_http_response*>(r));
    std::lock_guard lock(mu_);
    r->open = false;
    r->result.status = st;
    if (st != PE_OK && r->status == 0 && r->result.body.empty())
      r->result.code = st == PE_UNAVAILABLE ? 503 : 500;
    else
      r->result.code = r->status ? r->status : 200;
    return r->result;
  }

  void destroy(Instance& inst) {
    detail::Collector& c = live(inst, "destroy");
    destroy_collector(c);
  }

  // --- what the plugin did ---
  std::vector<LogEntry> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }
  // True if a captured message contains `text`.
  bool logged(std::string_view text) const {
    std::lock_guard lock(mu_);
    for (const LogEntry& e : logs_)
      if (e.message.find(text) != std::string::npos) return true;
    return false;
  }
  std::vector<RegisteredRoute> routes(const Instance& inst) const {
    return inst.collector_ ? inst.collector_->host.routes : std::vector<RegisteredRoute>{};
  }
  std::vector<std::string> misuses() const {
    std::lock_guard lock(mu_);
    return misuses_;
  }

  // --- for the api table (detail::api_table) ---
  void misuse(const std::string& what) {
    std::lock_guard lock(mu_);
    misuses_.push_back(what);
    if (abort_on_misuse_) {
      std::fprintf(stderr, "pe::testing::FakeHost: ABI misuse: %s\n", what.c_str());
      std::abort();
    }
  }
  void log(const detail::HostHandle& h, pe_log_level level, const char* message) {
    std::lock_guard lock(mu_);
    if (level <= log_level_)
      logs_.push_back(LogEntry{h.collector_name, level, message ? message : ""});
  }
  bool log_enabled(pe_log_level level) const { return level <= log_level_; }
  void config_error(const std::string& path, std::string message) {
    errors_.push_back(ConfigError{path, std::move(message)});
  }
  const pe_config* handle_of(detail::HostHandle& h, const ConfigNode* node) {
    if (!node) return nullptr;
    for (const detail::ConfigHandle& c : config_handles_)
      if (c.node == node && c.host == &h) return reinterpret_cast<const pe_config*>(&c);
    config_handles_.push_back(detail::ConfigHandle{detail::kConfigMagic, &h, node});
    return reinterpret_cast<const pe_config*>(&config_handles_.back());
  }
  std::mutex& mutex() const noexcept { return mu_; }

 private:
  bool load(const pe_plugin_descriptor* d, pe_plugin_descriptor& out) {
    const std::size_t version_end = offsetof(pe_plugin_descriptor, abi_minor) + sizeof(uint32_t);
    if (!d) return misuse("the entry returned no descriptor"), false;
    if (d->struct_size < version_end) return misuse("descriptor struct_size too small"), false;
    if (d->abi_major != PE_ABI_MAJOR || d->abi_minor > PE_ABI_MINOR)
      return misuse("descriptor built for ABI " + std::to_string(d->abi_major) + "." +
                    std::to_string(d->abi_minor) + ", the SDK speaks " +
                    std::to_string(PE_ABI_MAJOR) + "." + std::to_string(PE_ABI_MINOR)),
             false;
    if (d->struct_size < detail::kDescriptor10)
      return misuse("descriptor struct_size " + std::to_string(d->struct_size) +
                    " is smaller than ABI 1.0's (set it to sizeof(pe_plugin_descriptor))"),
             false;
    out = detail::copy_declared(*d);
    const char* missing = !out.name || !*out.name ? "name"
                          : !out.create           ? "create"
                          : !out.collect          ? "collect"
                          : !out.destroy          ? "destroy"
                          : (out.capabilities & PE_CAP_HTTP_ROUTES) && !out.handle_http
                              ? "handle_http"
                              : nullptr;
    if (missing) return misuse(std::string("descriptor has no ") + missing), false;
    return true;
  }
  detail::Collector& live(const Instance& inst, const char* what) {
    if (!inst.collector_ || inst.collector_->destroyed)
      throw std::invalid_argument(std::string("pe::testing::FakeHost::") + what +
                                  ": the instance was not created or is destroyed");
    return *inst.collector_;
  }
  void destroy_collector(detail::Collector& c) {
    c.descriptor.destroy(c.instance);
    c.destroyed = true;
  }
  template <class T>
  T* keep(std::unique_ptr<T> handle) {
    std::lock_guard lock(mu_);
    T* raw = handle.get();
    if constexpr (std::is_same_v<T, detail::SinkHandle>)
      sinks_.push_back(std::move(handle));
    else
      responses_.push_back(std::move(handle));
    return raw;
  }

  FakeConfig config_;
  std::atomic<bool> abort_on_misuse_{true};
  std::atomic<pe_log_level> log_level_{PE_LOG_DEBUG};
  uint64_t sample_limit_ = UINT64_MAX;
  std::vector<ConfigError> errors_;                             // of the create running
  std::deque<detail::ConfigHandle> config_handles_;             // stable addresses
  mutable std::mutex mu_;                                       // guards what follows
  std::vector<std::unique_ptr<detail::Collector>> collectors_;  // kept: plugins may keep pe_host
  std::vector<std::unique_ptr<detail::SinkHandle>> sinks_;
  std::vector<std::unique_ptr<detail::ResponseHandle>> responses_;
  std::vector<LogEntry> logs_;
  std::vector<std::string> misuses_;
};

}  // namespace pe::testing

// The function table behind pe_host_api, which needs FakeHost complete.
#include "plugin_exporter/testing/fake_host_api.hpp"
