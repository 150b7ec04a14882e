// dialin_hub.hpp — the hub of the dial-in protocol ([dialin]): accepts agents
// on the WebSocket path /agents/connect of every listener, keeps their
// registry, and serves GET /agents/<alias>/metrics (a scrape forwarded over
// the agent's connection, honouring X-Prometheus-Scrape-Timeout-Seconds, gzip
// and format passed through end to end) and GET /agents/sd (Prometheus
// http_sd JSON). Owns a clock thread that runs the connections' timers and,
// once a second, expires agents and writes the registry's files when it
// changed (registry_persistence.hpp): the state file read back at start, so
// a restarted hub lists its agents as disconnected until they reconnect.
//
// Thread-safety: serve(), start_merged_scrape(), export_to() and agent_status() may be
// called from any thread,
// concurrently; the hub must outlive the HttpServer it was added to.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "config/dialin_config.hpp"
#include "dialin/hub_connection.hpp"
#include "dialin/registry_persistence.hpp"
#include "http/agent_routes.hpp"
#include "http/http_server.hpp"
#include "http/status_board.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::dialin {

inline constexpr const char* kConnectPath = "/agents/connect";

class DialinHub : public AgentRoutes {
 public:
  // `scrape_timeout_offset`: [web]'s, subtracted from the scraper's timeout.
  DialinHub(const DialinConfig& config, std::chrono::nanoseconds scrape_timeout_offset);
  ~DialinHub() override;
  DialinHub(const DialinHub&) = delete;
  DialinHub& operator=(const DialinHub&) = delete;

  // The handler to mount at kConnectPath (HttpServer::add_websocket).
  WebSocketHandler websocket_handler();
  void serve(const std::shared_ptr<HttpExchange>& ex) override;
  std::shared_ptr<MergedAgentScrape> start_merged_scrape(
      const std::string& timeout_header) override;
  void export_to(MetricSet& set);
  // A reload: the tokens (and their aliases, merge) of `next` apply at once,
  // and connected agents whose token is gone or no longer allows their alias
  // are closed; the other [dialin] settings apply at the next start (logged).
  void reconfigure(const DialinConfig& next);
  // The agents as the status page shows them (StatusBoard::set_agents).
  std::vector<AgentStatus> agent_status();

 private:
  void serve_agent_metrics(const std::shared_ptr<HttpExchange>& ex, const std::string& alias);
  void serve_sd(HttpExchange& ex);
  // Every second on the clock thread: expiry, then the files if changed.
  void tick();
  void publish();

  boost::asio::io_context clock_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  HubCore core_;
  const std::chrono::nanoseconds offset_;
  RegistryPersistence persistence_;  // used on the clock thread (and before/after it runs)
  boost::asio::steady_timer tick_;
  std::thread clock_thread_;
};

}  // namespace pe::host::dialin
