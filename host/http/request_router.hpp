// request_router.hpp — routing of one listener's requests: the client
// allowlist, the endpoint (and whether this listener serves its group),
// authentication (health endpoints may stay open), the role the endpoint
// requires (401 without a valid identity, 403 with the wrong role — never a
// hint which part failed), the per-identity rate limit (429), dispatch, and
// accounting by handler and status code. Open health probes, and scrapes
// whose authentication cannot block (no bcrypt), are routed on the event loop
// at once (a scrape's collect runs on the scrape pool); everything else runs
// on the request pool.
//
// Thread-safety: dispatch() may be called from any thread; the router holds
// only references to thread-safe state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/http_exchange.hpp"
#include "http/listener_context.hpp"
#include "http/server_context.hpp"

namespace pe::host {

class RequestRouter {
 public:
  RequestRouter(ServerContext& ctx, const ListenerContext& listener)
      : ctx_(ctx), listener_(listener) {}
  // Takes a request whose headers have arrived; answers it now or later.
  void dispatch(std::shared_ptr<HttpExchange> ex);
  // The listener's settings (WebSocket upgrades check its allowlist too).
  const ListenerContext& listener() const noexcept { return listener_; }
  // The body limit of the plugin route `method` `path` (raw, without the
  // query) targets, or 0 when it targets none. Cheap: no authentication.
  uint64_t route_body_limit(const std::string& method, const std::string& path) const;

 private:
  void handle(const std::shared_ptr<HttpExchange>& ex);
  ServerContext& ctx_;
  const ListenerContext& listener_;
};

}  // namespace pe::host
