// registry_file.hpp — the hub's agent registry as a file in state_dir, so a
// restarted hub still lists its agents (/agents/sd, file_sd) until they
// reconnect or expire. One JSON document:
//
//   {"version":1,"agents":[{"alias":"edge-17","token_id":"edge",
//     "hostname":"edge-17.lan","service":"pos","labels":{"site":"berlin"},
//     "connected":true,"last_seen":1796512345.250}]}
//
// No secrets: a token is named by its id only. last_seen is Unix time in
// seconds. Decoding checks every field as the protocol checks a hello
// (alias, label names, sizes), so a damaged or hand-edited file cannot put
// anything into the registry that an agent could not have registered.
//
// Thread-safety: free functions without state; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialin/agent_registry.hpp"

namespace pe::host::dialin {

inline constexpr int kRegistryFileVersion = 1;

std::string encode_registry_file(const std::vector<AgentEntry>& agents);

// The entries of a registry file; nullopt with `error` (one line) when the
// file is not one (the peer address is not kept, so it comes back empty).
std::optional<std::vector<AgentEntry>> decode_registry_file(std::string_view text,
                                                            std::string& error);

}  // namespace pe::host::dialin
