// hub_metrics.cpp — counters of the dial-in hub and their export.
#include "dialin/hub_metrics.hpp"

#include <chrono>
#include <string>

namespace pe::host::dialin {

std::string_view refusal_name(Refusal r) noexcept {
  switch (r) {
    case Refusal::bad_hello:
      return "bad_hello";
    case Refusal::bad_token:
      return "bad_token";
    case Refusal::alias_not_allowed:
      return "alias_not_allowed";
    case Refusal::alias_taken:
      return "alias_taken";
    case Refusal::too_many_agents:
      return "too_many_agents";
    case Refusal::hello_timeout:
      return "hello_timeout";
    case Refusal::bad_certificate:
      return "bad_certificate";
    case Refusal::count_:
      break;
  }
  return "other";
}

std::string_view scrape_result_name(ScrapeResult r) noexcept {
  switch (r) {
    case ScrapeResult::success:
      return "success";
    case ScrapeResult::error:
      return "error";
    case ScrapeResult::timeout:
      return "timeout";
    case ScrapeResult::disconnected:
      return "disconnected";
    case ScrapeResult::busy:
      return "busy";
    case ScrapeResult::unknown_agent:
      return "unknown_agent";
    case ScrapeResult::count_:
      break;
  }
  return "other";
}

void HubMetrics::scraped(ScrapeResult r, double seconds) {
  scrapes_[static_cast<std::size_t>(r)].fetch_add(1);
  scrape_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6));
}

void HubMetrics::export_to(MetricSet& set, const std::vector<AgentEntry>& agents,
                           std::size_t connected) const {
  std::vector<Label> labels;
  auto single = [&](std::string_view name, MetricType type, std::string_view help, double v) {
    set.add_family(name, type, help, true);
    set.add_sample(name, {}, v);
  };
  single("plugin_exporter_agents_connected", MetricType::gauge,
         "Agents with a live connection to this hub.", static_cast<double>(connected));
  single("plugin_exporter_agents_registered", MetricType::gauge,
         "Agents listed by /agents/sd: connected, or disconnected for less than agent_expiry.",
         static_cast<double>(agents.size()));
  single("plugin_exporter_agent_registrations_total", MetricType::counter,
         "Agents whose hello the hub accepted.", static_cast<double>(registrations_.load()));
  single("plugin_exporter_agent_connections_opened_total", MetricType::counter,
         "WebSocket connections of agents opened.", static_cast<double>(opened_.load()));
  single("plugin_exporter_agent_connections_closed_total", MetricType::counter,
         "WebSocket connections of agents closed.", static_cast<double>(closed_.load()));

  set.add_family("plugin_exporter_agent_refusals_total", MetricType::counter,
                 "Agent connections the hub refused, by reason.", true);
  for (std::size_t i = 0; i < refusals_.size(); ++i) {
    labels = {Label{"reason", refusal_name(static_cast<Refusal>(i))}};
    set.add_sample("plugin_exporter_agent_refusals_total", labels,
                   static_cast<double>(refusals_[i].load()));
  }
  set.add_family("plugin_exporter_agent_scrapes_total", MetricType::counter,
                 "Scrapes of /agents/<alias>/metrics, by result.", true);
  for (std::size_t i = 0; i < scrapes_.size(); ++i) {
    labels = {Label{"result", scrape_result_name(static_cast<ScrapeResult>(i))}};
    set.add_sample("plugin_exporter_agent_scrapes_total", labels,
                   static_cast<double>(scrapes_[i].load()));
  }
  single("plugin_exporter_agent_registry_write_errors_total", MetricType::counter,
         "Failed writes of the agent registry's state file or file_sd file (retried every "
         "second).",
         static_cast<double>(registry_write_errors_.load()));
  single("plugin_exporter_agent_scrape_duration_seconds_total", MetricType::counter,
         "Time scrapes through the hub took, summed over all results.",
         static_cast<double>(scrape_micros_.load()) / 1e6);

  if (agents.empty()) return;
  set.add_family("plugin_exporter_agent_connected", MetricType::gauge,
                 "1 while the agent's connection is live, 0 while it is listed but disconnected.",
                 true);
  for (const AgentEntry& a : agents) {
    labels = {Label{"alias", set.intern(a.alias)}};
    set.add_sample("plugin_exporter_agent_connected", labels, a.connected ? 1 : 0);
  }
  set.add_family("plugin_exporter_agent_last_seen_timestamp_seconds", MetricType::gauge,
                 "When the agent last connected, or disconnected (Unix time).", true);
  for (const AgentEntry& a : agents) {
    labels = {Label{"alias", set.intern(a.alias)}};
    set.add_sample("plugin_exporter_agent_last_seen_timestamp_seconds", labels,
                   std::chrono::duration<double>(a.last_seen.time_since_epoch()).count());
  }
}

}  // namespace pe::host::dialin
