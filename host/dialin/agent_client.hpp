// agent_client.hpp — agent mode ([agent]): dials out to each configured hub
// over wss:// (the hub authenticated by a CA file or a pinned public-key
// hash), registers with a hello, and answers every scrape the hub forwards
// with what this exporter's /metrics would serve (the producer), several at
// once (request ids). WebSocket pings every ping_interval keep NAT state
// alive; a connection silent for two intervals counts as lost. Reconnects
// with full-jitter exponential backoff (min_backoff .. max_backoff).
// reconfigure() applies a reloaded [agent] section: a session per hub URL,
// kept as it is when neither its URL nor the settings it registers with
// changed, else ended and started anew (a removed hub: ended; no hubs:
// agent mode off).
//
// Thread-safety: start(), reconfigure() and stop() are called by one thread
// at a time; the producer
// is called from the agent's pool threads, concurrently; hub_status() may be
// called from any thread (one mutex over the per-hub states), export_to() too.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "config/agent_config.hpp"
#include "dialin/dialin_frame.hpp"
#include "http/status_board.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::dialin {

class AgentClient {
 public:
  // Produces the reply to one scrape (blocking); its id is filled in here.
  using Producer = std::function<ScrapeReply(const ScrapeRequest&)>;

  AgentClient(AgentConfig config, Producer producer);
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Each configured hub with its connection state (for the status page).
  std::vector<HubLinkStatus> hub_status() const;
  // plugin_exporter_agent_hub_* (agent_metrics.hpp), for the agent's /metrics.
  void export_to(MetricSet& set) const;

  void start();
  // Applies a reloaded [agent] section (empty hubs: every session ends).
  void reconfigure(const AgentConfig& next);
  // Closes the connections and waits for scrapes being produced.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::host::dialin
