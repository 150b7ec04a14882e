// request_router.hpp — Poco's handler factory for one listener: the client
// allowlist, the endpoint (and whether this listener serves its group),
// authentication (health endpoints may stay open), the role the endpoint
// requires (401 without a valid identity, 403 with the wrong role — never a
// hint which part failed), the per-identity rate limit (429), dispatch, and
// accounting by handler and status code.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "http/listener_context.hpp"
#include "http/server_context.hpp"

namespace pe::host {

class RequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RequestRouter(ServerContext& ctx, const ListenerContext& listener)
      : ctx_(ctx), listener_(listener) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  ServerContext& ctx_;
  const ListenerContext& listener_;
};

}  // namespace pe::host
