// agent_routes.hpp — the dial-in hub's HTTP endpoints under /agents/ as the
// router sees them: an interface http/ defines and dialin/ implements, so
// the router reaches the hub without including a layer above it. The router
// has already applied the listener's allowlist, authentication (role
// scrape) and the rate limit.
//
// Thread-safety: serve() and start_merged_scrape() are called from request
// threads, concurrently; a MergedAgentScrape is used by one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "http/http_exchange.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host {

// The scrapes of the agents merged into the hub's own /metrics, in flight.
class MergedAgentScrape {
 public:
  struct Agent {
    std::string name;                // "agent:<alias>", for the merge statistics
    std::shared_ptr<MetricSet> set;  // alias, hostname and service labels applied
  };
  virtual ~MergedAgentScrape() = default;
  // The agents that answered by the scrape's deadline (or all, when all
  // answered earlier); the others contribute nothing.
  virtual std::vector<Agent> wait() = 0;
};

inline constexpr const char* kAgentsPathPrefix = "/agents/";

class AgentRoutes {
 public:
  virtual ~AgentRoutes() = default;
  // GET/HEAD of a path starting with kAgentsPathPrefix; answers now or later.
  virtual void serve(const std::shared_ptr<HttpExchange>& ex) = 0;
  // Starts scraping the connected agents whose token has merge = true, with
  // the deadline of a /metrics scrape whose scraper sent `timeout_header`
  // (X-Prometheus-Scrape-Timeout-Seconds, may be empty); null = none to merge.
  virtual std::shared_ptr<MergedAgentScrape> start_merged_scrape(
      const std::string& timeout_header) = 0;
};

}  // namespace pe::host
