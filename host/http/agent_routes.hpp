// agent_routes.hpp — the dial-in hub's HTTP endpoints under /agents/ as the
// router sees them: an interface http/ defines and dialin/ implements, so
// the router reaches the hub without including a layer above it. The router
// has already applied the listener's allowlist, authentication (role
// scrape) and the rate limit.
//
// Thread-safety: serve() is called from request threads, concurrently.
#pragma once

#include <memory>

#include "http/http_exchange.hpp"

namespace pe::host {

inline constexpr const char* kAgentsPathPrefix = "/agents/";

class AgentRoutes {
 public:
  virtual ~AgentRoutes() = default;
  // GET/HEAD of a path starting with kAgentsPathPrefix; answers now or later.
  virtual void serve(const std::shared_ptr<HttpExchange>& ex) = 0;
};

}  // namespace pe::host
