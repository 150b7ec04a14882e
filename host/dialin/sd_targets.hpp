// sd_targets.hpp — the hub's agents as a Prometheus target list: one entry
// per agent with the hub's address as target, __metrics_path__ pointing at
// /agents/<alias>/metrics, instance = alias, hostname, service and the
// agent's labels. The same JSON serves http_sd (GET /agents/sd) and file_sd
// (the [dialin] file_sd_path file): both formats are this list.
//
// Thread-safety: a free function without state; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dialin/agent_registry.hpp"

namespace pe::host::dialin {

std::string sd_targets_json(const std::vector<AgentEntry>& agents, std::string_view target);

}  // namespace pe::host::dialin
