// dialin_config.hpp — the [dialin] section: this exporter is a hub that
// agents behind NAT dial into (docs/dialin-protocol.md). Tokens and client
// certificate names with the aliases each may claim, the registry's expiry,
// and limits. Read strictly by read_dialin_section.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pe::host {

class TableView;

struct DialinToken {
  std::string id;             // the part of "<id>.<secret>" before the first '.'
  std::string secret_sha256;  // 32 raw bytes: SHA-256 of the secret
  // Aliases this token may claim: exact names, or a prefix ending in '*'
  // ("edge-*"); "*" alone allows any alias.
  std::vector<std::string> aliases;
  // The agents of this token are also scraped into the hub's own /metrics,
  // each series with alias, hostname and service labels (default off).
  bool merge = false;
};

// [[dialin.client]]: an agent that sends no token is identified by a SAN of
// the client certificate its hub listener verified. It binds aliases like a
// token does; the registry knows it by the id "cert:<san>" (token ids have no
// ':', so the two never meet).
struct DialinClient {
  std::string san;  // a subject alternative name, compared as [auth.client_cert] does
  std::vector<std::string> aliases;  // as DialinToken::aliases
  bool merge = false;
};

inline constexpr std::string_view kClientIdPrefix = "cert:";

struct DialinConfig {
  std::vector<DialinToken> tokens;    // unique ids
  std::vector<DialinClient> clients;  // unique SANs
  std::chrono::nanoseconds agent_expiry = std::chrono::minutes(10);
  std::chrono::nanoseconds hello_timeout = std::chrono::seconds(10);
  // A scrape's timeout when the scraper sends no X-Prometheus-Scrape-Timeout-Seconds.
  std::chrono::nanoseconds scrape_timeout = std::chrono::seconds(10);
  uint32_t max_agents = 10000;
  uint32_t max_in_flight = 16;  // scrapes in flight per agent
  uint64_t max_message_bytes = 16u << 20;
  // The address /agents/sd lists as every agent's target; empty = the Host
  // header of the SD request (the address Prometheus reached the hub by).
  std::string sd_target;
  // Where the registry is kept across restarts: <state_dir>/dialin/agents.json,
  // set by the loader when the top level has a state_dir; empty = not kept.
  std::string state_file;
  // A Prometheus file_sd file of the agents, rewritten atomically when the
  // registry changes; empty = none. Needs sd_target.
  std::string file_sd_path;
};

// Reads [dialin] of `top` if present; errors go to the document, located.
std::optional<DialinConfig> read_dialin_section(TableView top);

// Whether `alias` matches one of the token's patterns.
bool token_allows_alias(const DialinToken& token, const std::string& alias);

}  // namespace pe::host
