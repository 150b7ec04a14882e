// agent_config.hpp — the [agent] section: this exporter dials out to one or
// more hubs (docs/dialin-protocol.md) and serves its own /metrics to the
// scrapes they forward. Read strictly by read_agent_section.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pe::host {

class TableView;

struct AgentHub {
  std::string url;  // as configured: wss://host:port/agents/connect
  bool tls = true;  // wss (false: ws://, tests and loopback sidecars only)
  std::string host;
  std::string port;
  std::string path;
};

struct AgentConfig {
  std::vector<AgentHub> hubs;
  std::string token;  // resolved secret "<id>.<secret>"; empty: the client certificate identifies
  // A client certificate (PEM, chain after it) and key for the TLS handshake
  // with every hub; both or neither. With a token as well, the hub goes by the
  // token (docs/dialin-protocol.md).
  std::string cert_file;
  std::string key_file;
  std::string alias;
  std::string hostname;  // default gethostname()
  std::string service;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  std::string hub_ca_file;  // verify the hub's certificate with this CA (and its name)
  std::string hub_pin;      // 32 raw bytes: SHA-256 of the hub's SubjectPublicKeyInfo
  std::chrono::nanoseconds ping_interval = std::chrono::seconds(20);
  std::chrono::nanoseconds min_backoff = std::chrono::seconds(1);
  std::chrono::nanoseconds max_backoff = std::chrono::seconds(60);
};

// Whether the session with a hub would differ (everything but the hub list).
bool same_session_settings(const AgentConfig& a, const AgentConfig& b);

// Reads [agent] of `top` if present; errors go to the document, located.
std::optional<AgentConfig> read_agent_section(TableView top);

}  // namespace pe::host
