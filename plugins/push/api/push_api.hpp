// push_api.hpp — the HTTP API of the push collector, behind the host's
// routes (paths below are relative to the configured path_prefix):
//   PUT|POST|DELETE /metrics/job[@base64]/<job>{/<label>[@base64]/<value>}
//                                      pushgateway-compatible push / delete
//   PATCH  /metrics/<metric>?<label>=<value>&value=N&job=J   counter increment
//   DELETE /api/v1/groups?<label>=<value>...   groups whose grouping labels include these
//   DELETE /api/v1/metrics/<metric>[?<label>=<value>...]     one family from (matching) groups
//   PUT|DELETE /api/v1/admin/wipe               everything (admin role)
//   POST   /metrics                  a body aggregated into the group {job=post_job}
//   DELETE /metrics/<metric>[?<label>=<value>...]  the matching series of a family
//   DELETE /metrics/__all                          everything (admin role)
// (the last three are the API of the serverless gateway this one replaces)
//   GET    /api/v1/metrics, /api/v1/status      JSON for tooling
// Status codes follow pushgateway: 200 for a push, 202 for deletes, 400 with
// a message for invalid input; 413/429 for limits, 503 when the state cannot
// be persisted.
#pragma once

#include <string>

#include "api/push_stats.hpp"
#include "config/push_config.hpp"
#include "durable/write_ahead_log.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

class PushApi {
 public:
  PushApi(const PushConfig& config, MetricStore& store, WriteAheadLog* wal, PushStats& stats,
          const pe_host_api* api, HostLog log);

  // Every route the API serves, for registration.
  struct RouteSpec {
    const char* method;
    std::string path;
    const char* role;
  };
  std::vector<RouteSpec> routes() const { return routes(config_.path_prefix); }
  // The same for a path prefix, without an instance (--check-config).
  static std::vector<RouteSpec> routes(const std::string& path_prefix);

  void handle(const HttpRequest& request, HttpResponse& response);

 private:
  void push(const HttpRequest& request, std::string_view rest, HttpResponse& response);
  void patch(const HttpRequest& request, std::string_view rest, HttpResponse& response);
  void delete_groups(const HttpRequest& request, HttpResponse& response);
  void delete_metric(const HttpRequest& request, std::string_view rest, HttpResponse& response);
  void post_default_group(const HttpRequest& request, HttpResponse& response);
  void delete_series(const HttpRequest& request, std::string_view rest, HttpResponse& response);
  void wipe(HttpResponse& response);
  void status(HttpResponse& response);
  std::string activity_json() const;
  // Reads the body into `cmd` under the push limits (400/413 on refusal).
  void decode_body(const HttpRequest& request, PushCommand& cmd) const;
  void wait_durable(uint64_t ticket);
  int64_t now_ms() const { return api_->realtime_ms(); }

  const PushConfig& config_;
  MetricStore& store_;
  WriteAheadLog* wal_;
  PushStats& stats_;
  const pe_host_api* api_;
  HostLog log_;
};

}  // namespace pe::push
