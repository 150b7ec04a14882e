// status_snapshot.cpp — gathers the status page's figures.
#include "http/status_snapshot.hpp"

#include <algorithm>

#include "base/build_info.hpp"
#include "config/config_redaction.hpp"
#include "plugin/host_api.hpp"
#include "plugin/plugin_http_response.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host {
namespace {

constexpr std::string_view kStatusSuffix = "/api/v1/status";

PluginStatusDocument read_document(const std::shared_ptr<Collector>& c, const std::string& path) {
  PluginStatusDocument d{c->name(), c->plugin_name(), path, std::nullopt, {}};
  pe_http_request req{};
  req.struct_size = sizeof req;
  req.method = "GET";
  req.path = path.c_str();
  req.query = "";
  req.headers = nullptr;
  req.header_count = 0;
  req.body = "";
  req.body_size = 0;
  req.identity = "status-page";
  req.remote_address = "";
  pe_http_response resp;
  pe_status st = c->handle_http(req, resp);
  if (st != PE_OK || (resp.status != 0 && resp.status != 200)) {
    d.error = "the collector answered " + std::to_string(resp.status ? resp.status : 500);
    return d;
  }
  std::string error;
  std::optional<JsonValue> doc = parse_json(resp.body, error);
  if (!doc) {
    d.error = "the collector's status is not JSON: " + error;
    return d;
  }
  const JsonValue* data = doc->find("data");
  if (data && data->kind == JsonValue::Kind::object)
    d.document = *data;
  else
    d.document = std::move(doc);
  return d;
}

}  // namespace

std::string health_word(const CollectorHealth& h) {
  if (!h.collected) return "unknown";
  if (!h.last_ok) return "down";
  if (h.source_down) return "source_down";
  return "up";
}

std::string health_word(const CollectorStatus& c) {
  return c.quarantine.empty() ? health_word(c.health) : "quarantined";
}

// "in_process", "process", or "process (after crash)" for a collector
// on_crash = "isolate" demoted (collect/quarantine.hpp).
std::string isolation_of(const CollectorConfig& config) {
  if (config.demoted) return "process (after crash)";
  return config.isolated ? "process" : "in_process";
}

std::optional<std::string> status_route_of(const Collector& collector) {
  for (const RouteRegistration& r : collector.context().routes) {
    const std::string& p = r.path_prefix;
    if (r.method == "GET" && p.size() >= kStatusSuffix.size() &&
        p.compare(p.size() - kStatusSuffix.size(), kStatusSuffix.size(), kStatusSuffix) == 0)
      return p;
  }
  return std::nullopt;
}

StatusSnapshot take_status_snapshot(const ServingState& state, const StatusBoard* board) {
  StatusSnapshot s;
  s.now_unix_ms = unix_now_ms();
  s.version = PE_VERSION;
  s.revision = build_revision();
  s.abi = std::to_string(PE_ABI_MAJOR) + "." + std::to_string(PE_ABI_MINOR);
  s.telemetry_path = state.config->web.telemetry_path;
  for (const auto& c : state.orchestrator->collectors()) {
    CollectorHealth health = c->health();
    health.last_error = redact_secrets_in_text(health.last_error);
    s.collectors.push_back({c->name(),
                            c->plugin_name(),
                            std::move(health),
                            c->calls(),
                            {},
                            isolation_of(c->config())});
    if (auto path = status_route_of(*c)) s.plugin_documents.push_back(read_document(c, *path));
  }
  for (const QuarantineEntry& q : state.quarantined) {
    auto cc = std::find_if(state.config->collectors.begin(), state.config->collectors.end(),
                           [&](const CollectorConfig& c) { return c.name == q.collector; });
    const bool isolated = cc != state.config->collectors.end() && cc->isolated;
    // Member by member: GCC 12 at -O3 takes the braced temporary's default
    // CollectorHealth for uninitialized (-Werror=maybe-uninitialized).
    CollectorStatus& quarantined = s.collectors.emplace_back();
    quarantined.name = q.collector;
    quarantined.plugin = q.plugin;
    quarantined.quarantine = quarantine_reason(q);
    quarantined.isolation = isolated ? "process" : "in_process";
  }
  if (!board) return s;
  s.started_unix_ms = board->started_unix_ms();
  s.config_file = board->config_file();
  s.last_reload = board->last_reload();
  s.listeners = board->listeners();
  s.remote_writes = board->remote_writes();
  s.agents = board->agents();
  s.hubs = board->hubs();
  if (s.hubs)
    for (HubLinkStatus& h : *s.hubs) {
      h.url = redact_secrets_in_text(h.url);
      h.last_error = redact_secrets_in_text(h.last_error);
    }
  return s;
}

}  // namespace pe::host
