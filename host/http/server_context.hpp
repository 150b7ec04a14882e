// server_context.hpp — process-wide state the HTTP handlers share: the
// current serving state, self-metrics, the scrape coalescer, the pools that
// run request work, and the readiness flags.
//
// Thread-safety: the members are themselves thread-safe (atomics, the
// holder's mutex, the coalescer's); `requests`, `scrapes` and `reload` are
// set before the server starts and not changed while it runs.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "collect/self_metrics.hpp"
#include "http/agent_routes.hpp"
#include "http/scrape_coalescer.hpp"
#include "http/serving_state.hpp"
#include "http/status_board.hpp"
#include "http/task_runner.hpp"

namespace pe::host {

struct ServerContext {
  ServerContext(ServingStateHolder& s, SelfMetrics& m) : state(s), metrics(m) {}

  ServingStateHolder& state;
  SelfMetrics& metrics;
  std::atomic<int> scrapes_in_flight{0};  // scrapes producing a response (not joiners)
  std::atomic<bool> ready{false};         // configuration loaded, collectors created
  std::atomic<bool> stopping{false};      // shutdown began: /readyz says so
  ScrapeCoalescer scrapes;                // one response for concurrent identical scrapes
  TaskRunner* request_pool = nullptr;     // set by HttpServer::start
  TaskRunner* scrape_pool = nullptr;      // set by HttpServer::start
  // Hot reload (POST /-/reload); false with the reason when the running
  // configuration was kept.
  std::function<bool(std::string& error)> reload;
  // POST /-/quarantine/clear[?collector=NAME] (empty name: all); returns the
  // HTTP status, the answer's text in `message`.
  std::function<int(const std::string& collector, std::string& message)> clear_quarantine;
  // What the status page shows beyond the serving state; null = not shown.
  const StatusBoard* status = nullptr;
  // GET /agents/...: the dial-in hub ([dialin]); null = no hub.
  AgentRoutes* agents = nullptr;

  // Logs a message once per key (e.g. a type conflict per collector+family).
  bool first_time(const std::string& key) {
    std::lock_guard lock(once_mu_);
    if (once_.size() > 10000) return false;
    return once_.insert(key).second;
  }

 private:
  std::mutex once_mu_;
  std::set<std::string> once_;
};

}  // namespace pe::host
