// exporter_config.hpp — the validated configuration the host runs with:
// [web], [auth], plugin and state directories, global relabelling, and the
// collectors, each pointing at its plugin table in the retained document.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugin_exporter/exposition/relabel.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace pe::host {

class ConfigDocument;

using Duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

struct WebConfig {
  std::vector<std::string> listen_addresses{":9777"};  // "host:port", "[::1]:port", ":port"
  std::string telemetry_path = "/metrics";
  int max_concurrent_scrapes = 16;      // beyond: 503 and a lockout counted
  Duration scrape_timeout_offset = 500ms;  // subtracted from X-Prometheus-Scrape-Timeout-Seconds
  int http_threads = 16;                // HTTP worker threads (per listener)
  int http_queue = 64;                  // accepted connections waiting for a thread
  Duration read_timeout = 15s;          // socket receive timeout (headers and body)
  Duration write_timeout = 30s;         // socket send timeout
  Duration keep_alive_timeout = 60s;
  uint64_t max_body_bytes = 16u << 20;  // default request body limit (routes may set theirs)
  Duration shutdown_grace = 10s;        // how long in-flight work may finish on SIGTERM
};

struct AuthConfig {
  std::vector<std::string> bearer_tokens;  // resolved secret values
  bool open_health_endpoints = true;       // /healthz /livez /readyz /-/healthy /-/ready
  bool enabled() const noexcept { return !bearer_tokens.empty(); }
};

struct CollectorConfig {
  std::string name;
  std::string plugin;       // as written: a name in plugin_dir, or a path
  std::string plugin_path;  // resolved file
  Duration timeout = 10s;
  std::vector<std::pair<std::string, std::string>> labels;  // static labels, in file order
  bool honor_labels = false;   // on a clash keep the source's label instead of ours
  std::vector<RelabelRule> relabel;
  uint64_t max_samples = 5'000'000;
  std::string state_dir;       // empty when no state directory is configured
  const toml::table* table = nullptr;         // this [[collector]] table, in ConfigDocument
  std::string path;                           // "collector[0]"
  const toml::table* plugin_table = nullptr;  // [collector.config], in ConfigDocument
  std::string plugin_table_path;              // "collector[0].config"
  std::string fingerprint;     // canonical text of this collector's config (reload diffing)
};

struct ExporterConfig {
  std::string file;
  std::shared_ptr<ConfigDocument> document;  // keeps plugin tables alive
  std::string plugin_dir;
  std::string state_dir;
  WebConfig web;
  AuthConfig auth;
  std::vector<RelabelRule> relabel;  // applied to every collector after its own rules
  int collector_threads = 0;         // 0 = automatic
  uint32_t ready_min_collectors_up = 0;  // /readyz needs this many healthy collectors
  std::vector<CollectorConfig> collectors;
  std::string redacted_json;  // the effective configuration for /configz
};

}  // namespace pe::host
