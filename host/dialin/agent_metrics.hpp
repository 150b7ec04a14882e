// agent_metrics.hpp — agent mode's own events as counters, per hub (the
// events dht-prom-client emits, agent side; the hub side is hub_metrics.hpp):
// registrations by result, connection events (open, close, error), scrapes
// served by result, whether the agent is registered now and when it last
// registered. Exported into the agent's own /metrics, which is what the hub
// scrapes over the connection, as plugin_exporter_agent_hub_* families (not
// the hub's plugin_exporter_agent_* names, so one process may be both).
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

  explicit AgentMetrics(std::vector<std::string> hubs);
  void registration(std::size_t hub, Registration r, bool connected_now, int64_t unix_ms);
  void connection(std::size_t hub, Connection c);
  // Ends a registered connection: the agent is no longer connected there.
  void disconnected(std::size_t hub);
  void served(std::size_t hub, Served s);
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
  mutable std::mutex mu_;
  std::vector<PerHub> hubs_;
};

}  // namespace pe::host::dialin
