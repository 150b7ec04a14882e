// status_snapshot.hpp — everything the status page and its JSON twin show,
// taken once per request: the exporter, each collector's health, the status
// document of every collector that serves one (the push plugin's
// GET <prefix>/api/v1/status, asked through the C ABI like any HTTP request,
// so the host needs no plugin header), the remote write endpoints and the
// dial-in agents. Counts
// and the newest few items only, never every series; no secret (the config
// file's contents are not part of it; passwords in URLs and conninfo strings
// inside errors are redacted as /configz redacts them).
//
// Thread-safety: a snapshot is a plain value; take_status_snapshot may run
// on any request thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collect/collector.hpp"
#include "http/json_value.hpp"
#include "http/serving_state.hpp"
#include "http/status_board.hpp"

namespace pe::host {

struct CollectorStatus {
  std::string name;
  std::string plugin;
  CollectorHealth health;
  uint64_t plugin_calls = 0;
  std::string quarantine;  // why it is quarantined (not created); empty = it is not
  // or "process" (host/isolation/), or "process (after crash)": on_crash =
  // "isolate" demoted it (collect/quarantine.hpp)
  std::string isolation = "in_process";
};

// "up", "down" (last collect failed), "source_down" (collected, but the
// plugin's source_up was 0) or "unknown" (not collected yet).
std::string health_word(const CollectorHealth& h);
// health_word, or "quarantined".
std::string health_word(const CollectorStatus& c);

// A collector's own status document (push: groups, series, durability,
// limits, request counts, newest pushes).
struct PluginStatusDocument {
  std::string collector;
  std::string plugin;
  std::string path;                   // the route it was read from
  std::optional<JsonValue> document;  // the document's "data" (or the whole document)
  std::string error;                  // why there is none
};

struct StatusSnapshot {
  int64_t now_unix_ms = 0;
  std::string version, revision, abi;
  int64_t started_unix_ms = 0;
  std::string config_file;
  ReloadRecord last_reload;
  std::vector<std::string> listeners;
  std::string telemetry_path = "/metrics";
  std::vector<CollectorStatus> collectors;
  std::vector<PluginStatusDocument> plugin_documents;
  std::vector<RemoteWriteStatus> remote_writes;
  std::optional<std::vector<AgentStatus>> agents;  // nullopt: this process is no hub
  std::optional<std::vector<HubLinkStatus>> hubs;  // nullopt: this process is no agent
};

// The routes (GET, ending in /api/v1/status) a collector serves its status document on.
std::optional<std::string> status_route_of(const Collector& collector);

StatusSnapshot take_status_snapshot(const ServingState& state, const StatusBoard* board);

}  // namespace pe::host
