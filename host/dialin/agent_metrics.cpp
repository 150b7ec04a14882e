// agent_metrics.cpp — agent mode's counters per hub and their export.
#include "dialin/agent_metrics.hpp"

namespace pe::host::dialin {

void AgentMetrics::set_hubs(const std::vector<std::string>& hubs) {
  std::lock_guard lock(mu_);
  std::vector<PerHub> next;
  for (const std::string& url : hubs) {
    PerHub* kept = find(url);
    next.push_back(kept ? *kept : PerHub{url});
  }
  hubs_ = std::move(next);
}

AgentMetrics::PerHub* AgentMetrics::find(const std::string& url) {
  for (PerHub& h : hubs_)
    if (h.url == url) return &h;
  return nullptr;
}

void AgentMetrics::registration(const std::string& hub, Registration r, bool connected_now,
                                int64_t unix_ms) {
  std::lock_guard lock(mu_);
  PerHub* h = find(hub);
  if (!h) return;
  ++h->registrations[static_cast<int>(r)];
  h->connected = connected_now;
  if (r == Registration::success) h->last_registration_unix_ms = unix_ms;
}

void AgentMetrics::connection(const std::string& hub, Connection c) {
  std::lock_guard lock(mu_);
  if (PerHub* h = find(hub)) ++h->connections[static_cast<int>(c)];
}

void AgentMetrics::disconnected(const std::string& hub) {
  std::lock_guard lock(mu_);
  if (PerHub* h = find(hub)) h->connected = false;
}

void AgentMetrics::served(const std::string& hub, Served s) {
  std::lock_guard lock(mu_);
  if (PerHub* h = find(hub)) ++h->served[static_cast<int>(s)];
}

void AgentMetrics::export_to(MetricSet& set) const {
  std::lock_guard lock(mu_);
  if (hubs_.empty()) return;
  std::vector<Label> labels;
  auto per_hub = [&](std::string_view name, MetricType type, std::string_view help, auto value) {
    set.add_family(name, type, help, true);
    for (const PerHub& h : hubs_) {
      labels = {{"hub", set.intern(h.url)}};
      set.add_sample(name, labels, value(h));
    }
  };
  auto per_hub_by = [&](std::string_view name, std::string_view help, std::string_view label,
                        std::initializer_list<std::string_view> values, auto count) {
    set.add_family(name, MetricType::counter, help, true);
    for (const PerHub& h : hubs_) {
      std::size_t i = 0;
      for (std::string_view v : values) {
        labels = {{"hub", set.intern(h.url)}, {label, v}};
        set.add_sample(name, labels, static_cast<double>(count(h, i++)));
      }
    }
  };
  per_hub("plugin_exporter_agent_hub_connected", MetricType::gauge,
          "Whether this agent is registered with the hub now (1) or not (0).",
          [](const PerHub& h) { return h.connected ? 1.0 : 0.0; });
  per_hub("plugin_exporter_agent_hub_last_registration_timestamp_seconds", MetricType::gauge,
          "When this agent last registered with the hub (Unix seconds; 0 = never).",
          [](const PerHub& h) { return static_cast<double>(h.last_registration_unix_ms) / 1000; });
  per_hub_by("plugin_exporter_agent_hub_registrations_total",
             "Hellos this agent sent to the hub, by result (success, refused, error: no valid "
             "answer).",
             "result", {"success", "refused", "error"},
             [](const PerHub& h, std::size_t i) { return h.registrations[i]; });
  per_hub_by("plugin_exporter_agent_hub_connection_events_total",
             "Connections to the hub by event: open (WebSocket up), close (ended by the hub), "
             "error (failed or lost).",
             "event", {"open", "close", "error"},
             [](const PerHub& h, std::size_t i) { return h.connections[i]; });
  per_hub_by("plugin_exporter_agent_hub_scrapes_total",
             "Scrapes the hub forwarded to this agent, by result (success: 2xx answered).",
             "result", {"success", "error"},
             [](const PerHub& h, std::size_t i) { return h.served[i]; });
}

}  // namespace pe::host::dialin
