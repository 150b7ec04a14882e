// plugin.hpp — write a collector plugin in C++ against the C ABI without
// touching it: derive from pe::PluginInstance, then PE_DEFINE_CPP_PLUGIN(...).
// The adapter catches every exception at the boundary (a throw from collect
// becomes PE_ERROR with the message as the reason; from handle_http, a 500
// and the message in the host's log) and builds the descriptor at compile
// time, so no plugin code runs before the host has checked the ABI.
//
// Threads (plugin.h's contract, per member below): the constructor and the
// destructor run on the host's main thread; collect on a collector-pool
// thread, never concurrently with itself for one instance unless the plugin
// declares PE_CAP_CONCURRENT_COLLECT; handle_http on request threads,
// concurrently with itself AND with collect.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_exporter/config_view.hpp"
#include "plugin_exporter/metric_sink.hpp"
#include "plugin_exporter/plugin.h"

namespace pe {

// Thrown from collect (or handle_http) to fail with a given status and reason.
// Thread-safety: an exception object; not shared.
class CollectFailure : public std::runtime_error {
 public:
  CollectFailure(pe_status status, const std::string& reason)
      : std::runtime_error(reason), status_(status) {}
  pe_status status() const noexcept { return status_; }

 private:
  pe_status status_;
};

// Logging attributed to one collector. Thread-safe.
class HostLog {
 public:
  HostLog(const pe_host_api* api, pe_host* host) : api_(api), host_(host) {}
  bool enabled(pe_log_level level) const { return api_->log_enabled(host_, level) != 0; }
  void log(pe_log_level level, const std::string& message) const {
    api_->log(host_, level, message.c_str());
  }
  void error(const std::string& m) const { log(PE_LOG_ERROR, m); }
  void warn(const std::string& m) const { log(PE_LOG_WARN, m); }
  void info(const std::string& m) const { log(PE_LOG_INFO, m); }
  void debug(const std::string& m) const {
    if (enabled(PE_LOG_DEBUG)) log(PE_LOG_DEBUG, m);
  }

 private:
  const pe_host_api* api_;
  pe_host* host_;
};

// What a plugin's constructor receives. `config` is valid only during the
// constructor; `api` and `host` for the instance's lifetime.
struct CreateContext {
  const pe_host_api* api;
  pe_host* host;
  ConfigView config;
  std::string collector_name;
  bool check_only;        // validate only: open no file, socket or thread
  std::string state_dir;  // empty if none
  HostLog log;
};

struct CollectRequest {
  int64_t deadline_monotonic_ns = 0;
  std::vector<std::pair<std::string, std::string>> params;

  // Nanoseconds left until the deadline (negative once passed).
  int64_t remaining_ns(const pe_host_api* api) const {
    return deadline_monotonic_ns - api->monotonic_ns();
  }
  std::optional<std::string> param(std::string_view name) const;
};

struct HttpRequest {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // names lower-case
  std::string_view body;
  std::string_view identity;
  std::string_view remote_address;
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

// The answer handle_http builds. Thread-safety: one request's, on its thread.
class HttpResponse {
 public:
  HttpResponse(const pe_host_api* api, pe_http_response* r) : api_(api), r_(r) {}
  void status(int code) { api_->http_status(r_, code); }
  void header(const std::string& name, const std::string& value) {
    api_->http_header(r_, name.c_str(), value.c_str());
  }
  void write(std::string_view data) { api_->http_write(r_, data.data(), data.size()); }

 private:
  const pe_host_api* api_;
  pe_http_response* r_;
};

// Base class of one plugin instance: the object the host creates for one
// [[collector]] section. Constructor signature: T(CreateContext&), run on the
// host's main thread (also for --check-config, with ctx.check_only: then
// validate, start nothing). The destructor runs on the main thread after every
// collect and handle_http call returned.
// Thread-safety: see each member; members shared by collect and handle_http
// need the plugin's own synchronization.
class PluginInstance {
 public:
  virtual ~PluginInstance() = default;
  // A collector-pool thread; never concurrently with itself for this instance
  // unless PE_CAP_CONCURRENT_COLLECT. Return PE_OK, or throw CollectFailure /
  // any std::exception.
  virtual pe_status collect(const CollectRequest& request, MetricSink& sink) = 0;
  // Request threads (PE_CAP_HTTP_ROUTES), concurrently with itself and with
  // collect. A throw answers 500 and logs the message.
  virtual pe_status handle_http(const HttpRequest&, HttpResponse&) { return PE_ERROR; }
};

// The name before 1.0 (kept for a release; new code derives from PluginInstance).
using Plugin = PluginInstance;

namespace detail {

pe_status create_failed(const pe_create_params* params, const char* what);
CollectRequest to_collect_request(const pe_collect_request* request);
HttpRequest to_http_request(const pe_http_request* request);
const pe_host_api* api_of(const pe_create_params* params);

// The instance handle the host sees: the plugin object plus the host table.
struct InstanceBox {
  PluginInstance* plugin;
  const pe_host_api* api;
  pe_host* host;  // for the log of handle_http failures
};

void log_http_failure(const InstanceBox& box, const char* what);

template <class T>
struct PluginAdapter {
  static pe_status create(const pe_create_params* params, pe_instance** out) noexcept {
    try {
      CreateContext ctx{params->api,
                        params->host,
                        ConfigView(params->api, params->host, params->config),
                        params->collector_name ? params->collector_name : "",
                        params->check_only != 0,
                        params->state_dir ? params->state_dir : "",
                        HostLog(params->api, params->host)};
      auto* plugin = new T(ctx);
      if (ctx.config.has_errors()) {
        delete plugin;
        return PE_INVALID_CONFIG;
      }
      *out = reinterpret_cast<pe_instance*>(new InstanceBox{plugin, params->api, params->host});
      return PE_OK;
    } catch (const std::exception& e) {
      return create_failed(params, e.what());
    } catch (...) {
      return create_failed(params, "unknown exception");
    }
  }

  static pe_status collect(pe_instance* instance, const pe_collect_request* request,
                           pe_sink* sink) noexcept {
    auto* box = reinterpret_cast<InstanceBox*>(instance);
    try {
      MetricSink s(box->api, sink);
      return box->plugin->collect(to_collect_request(request), s);
    } catch (const CollectFailure& e) {
      box->api->sink_error(sink, e.what());
      return e.status();
    } catch (const std::exception& e) {
      box->api->sink_error(sink, e.what());
      return PE_ERROR;
    } catch (...) {
      box->api->sink_error(sink, "unknown exception");
      return PE_ERROR;
    }
  }

  static void destroy(pe_instance* instance) noexcept {
    auto* box = reinterpret_cast<InstanceBox*>(instance);
    try {
      delete box->plugin;
    } catch (...) {
    }
    delete box;
  }

  static pe_status handle_http(pe_instance* instance, const pe_http_request* request,
                               pe_http_response* response) noexcept {
    auto* box = reinterpret_cast<InstanceBox*>(instance);
    try {
      HttpResponse r(box->api, response);
      return box->plugin->handle_http(to_http_request(request), r);
    } catch (const std::exception& e) {
      log_http_failure(*box, e.what());
      return PE_ERROR;
    } catch (...) {
      log_http_failure(*box, "unknown exception");
      return PE_ERROR;
    }
  }
};

}  // namespace detail

template <class T>
constexpr pe_plugin_descriptor make_descriptor(const char* name, const char* version,
                                               const char* description, uint64_t capabilities) {
  pe_plugin_descriptor d{};
  d.struct_size = sizeof(pe_plugin_descriptor);
  d.abi_major = PE_ABI_MAJOR;
  d.abi_minor = PE_TARGET_ABI_MINOR;
  d.name = name;
  d.version = version;
  d.description = description;
  d.capabilities = capabilities;
  d.create = &detail::PluginAdapter<T>::create;
  d.collect = &detail::PluginAdapter<T>::collect;
  d.destroy = &detail::PluginAdapter<T>::destroy;
  d.handle_http =
      (capabilities & PE_CAP_HTTP_ROUTES) ? &detail::PluginAdapter<T>::handle_http : nullptr;
  return d;
}

}  // namespace pe

// Defines the plugin's descriptor (constant-initialized) and its entry symbol.
#define PE_DEFINE_CPP_PLUGIN(Class, name, version, description, capabilities) \
  namespace {                                                                 \
  constinit const pe_plugin_descriptor pe_plugin_descriptor_instance =        \
      pe::make_descriptor<Class>(name, version, description, capabilities);   \
  }                                                                           \
  PE_PLUGIN_ENTRY {                                                           \
    return &pe_plugin_descriptor_instance;                                    \
  }
