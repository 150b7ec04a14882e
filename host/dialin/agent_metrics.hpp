// agent_metrics.hpp — agent mode's own events as counters, per hub (the
// events dht-prom-client emits, agent side; the hub side is hub_metrics.hpp):
// registrations by result, connection events (open, close, error), scrapes
// served by result, whether the agent is registered now and when it last
// registered. Exported into the agent's own /metrics, which is what the hub
// scrapes over the connection, as plugin_exporter_agent_hub_* families (not
// the hub's plugin_exporter_agent_* names, so one process may be both).
// Hubs are named by URL; a reload that keeps a hub keeps its counters.
//
// Thread-safety: one mutex; every member may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::dialin {

class AgentMetrics {
 public:
  enum class Registration : uint8_t { success, refused, error, count_ };
  enum class Connection : uint8_t { open, close, error, count_ };
  enum class Served : uint8_t { success, error, count_ };

  explicit AgentMetrics(const std::vector<std::string>& hubs) { set_hubs(hubs); }
  // The hubs now configured: kept ones keep their counts, removed ones go.
  void set_hubs(const std::vector<std::string>& hubs);
  // Events of a hub that is not configured (any more) are not counted.
  void registration(const std::string& hub, Registration r, bool connected_now, int64_t unix_ms);
  void connection(const std::string& hub, Connection c);
  // Ends a registered connection: the agent is no longer connected there.
  void disconnected(const std::string& hub);
  void served(const std::string& hub, Served s);
  // Nothing without hubs (agent mode off).
  void export_to(MetricSet& set) const;

 private:
  struct PerHub {
    std::string url;
    bool connected = false;
    int64_t last_registration_unix_ms = 0;
    uint64_t registrations[static_cast<int>(Registration::count_)] = {};
    uint64_t connections[static_cast<int>(Connection::count_)] = {};
    uint64_t served[static_cast<int>(Served::count_)] = {};
  };
  PerHub* find(const std::string& url);  // null when not configured; under mu_
  mutable std::mutex mu_;
  std::vector<PerHub> hubs_;  // in configuration order
};

}  // namespace pe::host::dialin
