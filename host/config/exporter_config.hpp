// exporter_config.hpp — the validated configuration the host runs with:
// [web], [auth], plugin and state directories, global relabelling, and the
// collectors, each pointing at its plugin table in the retained document.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/auth_config.hpp"
#include "auth/tls_config.hpp"
#include "config/agent_config.hpp"
#include "config/dialin_config.hpp"
#include "config/remote_write_config.hpp"
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

// Endpoint groups a listener may serve.
enum class EndpointGroup : uint8_t { health = 1, metrics = 2, plugins = 4, admin = 8 };

struct ListenerConfig {
  std::string address;  // "host:port", "[::1]:port", ":port"
  std::optional<TlsConfig> tls;
  std::vector<std::string> allow_cidrs;  // client networks allowed; empty = all
  uint8_t serve = 0xff;                  // EndpointGroup bits
  uint32_t max_connections = 0;          // this listener's own cap; 0 = only [web]'s
};

struct WebConfig {
  std::vector<std::string> listen_addresses{":9777"};  // plain listeners, shorthand
  std::vector<ListenerConfig> listeners;               // all listeners (shorthand included)
  std::string telemetry_path = "/metrics";
  int max_concurrent_scrapes = 16;         // beyond: 503 and a lockout counted
  Duration scrape_timeout_offset = 500ms;  // subtracted from X-Prometheus-Scrape-Timeout-Seconds
  int http_threads = 16;        // threads running request work (auth, push, status pages)
  int io_threads = 0;           // event-loop threads; 0 = one per core (at most 4)
  int http_queue = 64;          // ignored since the event-driven server (kept so old files load)
  Duration read_timeout = 15s;  // ignored since the event-driven server (kept so old files load)
  uint32_t max_connections = 16384;          // all listeners; at the cap the oldest idle closes
  uint32_t max_connections_per_client = 64;  // per client IP address; 0 = no cap
  uint32_t max_header_bytes = 32768;         // request line + headers
  Duration header_timeout = 10s;         // from accept (TLS handshake included) to the last header
  Duration body_timeout = 60s;           // a request's body must arrive within this
  Duration write_timeout = 30s;          // a response must be sent within this
  Duration keep_alive_timeout = 60s;     // an idle kept-alive connection closes after this
  uint64_t max_body_bytes = 16u << 20;   // request body limit (routes may set theirs)
  bool max_body_bytes_explicit = false;  // set in the file: wins over a route's own limit
  Duration shutdown_grace = 10s;         // how long in-flight work may finish on SIGTERM
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
};

struct CollectorConfig {
  std::string name;
  std::string plugin;       // as written: a name in plugin_dir, or a path
  std::string plugin_path;  // resolved file
  Duration timeout = 10s;
  std::vector<std::pair<std::string, std::string>> labels;  // static labels, in file order
  bool honor_labels = false;  // on a clash keep the source's label instead of ours
  std::vector<RelabelRule> relabel;
  uint64_t max_samples = 5'000'000;
  std::string state_dir;                      // empty when no state directory is configured
  const toml::table* table = nullptr;         // this [[collector]] table, in ConfigDocument
  std::string path;                           // "collector[0]"
  const toml::table* plugin_table = nullptr;  // [collector.config], in ConfigDocument
  std::string plugin_table_path;              // "collector[0].config"
  std::string fingerprint;  // canonical text of this collector's config (reload diffing)
  // isolation = "process": the plugin runs in a child process (host/isolation/).
  bool isolated = false;
  uint64_t memory_limit = 0;  // child's address-space limit, bytes; 0 = none
  std::string user;           // child runs as this user (exporter must be root)
  uint64_t max_collects = 0;  // child replaced after this many collects; 0 = never
  uint64_t rss_limit = 0;     // child replaced above this resident size, bytes; 0 = never
  // on_crash = "isolate": when an in-process crash record names this collector,
  // the next start creates it isolated instead of quarantining it
  // (collect/quarantine.hpp). No effect on an isolated collector.
  bool isolate_on_crash = false;
  // Set only on a created collector's own copy (Collector::config()): it runs
  // isolated because on_crash = "isolate" demoted it after a crash.
  bool demoted = false;
};

struct ExporterConfig {
  std::string file;
  std::shared_ptr<ConfigDocument> document;  // keeps plugin tables alive
  std::string plugin_dir;
  std::string state_dir;
  WebConfig web;
  AuthConfig auth;
  std::vector<RelabelRule> relabel;      // applied to every collector after its own rules
  int collector_threads = 0;             // 0 = automatic
  uint32_t ready_min_collectors_up = 0;  // /readyz needs this many healthy collectors
  std::vector<CollectorConfig> collectors;
  bool default_isolated = false;                 // [defaults] isolation = "process"
  bool default_isolate_on_crash = false;         // [defaults] on_crash = "isolate"
  std::vector<RemoteWriteConfig> remote_writes;  // [[remote_write]]
  std::optional<DialinConfig> dialin;            // [dialin]: agents dial in (hub)
  std::optional<AgentConfig> agent;              // [agent]: dial out to hubs
};

}  // namespace pe::host
