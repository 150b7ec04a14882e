// sd_targets.cpp — http_sd / file_sd JSON of the hub's agents.
#include "dialin/sd_targets.hpp"

#include "http/agent_routes.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {

std::string sd_targets_json(const std::vector<AgentEntry>& agents, std::string_view target) {
  const std::string quoted_target = json_quoted(target);
  std::string out = "[";
  for (const AgentEntry& a : agents) {
    if (out.size() > 1) out += ',';
    out += "{\"targets\":[" + quoted_target + "],\"labels\":{";
    out += "\"__metrics_path__\":" +
           json_quoted(std::string(kAgentsPathPrefix) + a.alias + "/metrics");
    out += ",\"instance\":" + json_quoted(a.alias);
    out += ",\"hostname\":" + json_quoted(a.hostname);
    out += ",\"service\":" + json_quoted(a.service);
    for (const auto& [k, v] : a.labels) out += "," + json_quoted(k) + ":" + json_quoted(v);
    out += "}}";
  }
  out += "]\n";
  return out;
}

}  // namespace pe::host::dialin
