// request_router.hpp — Poco's handler factory for every listener: decides the
// endpoint for a request, checks authentication (health endpoints may stay
// open), dispatches, and counts the answer by handler and status code.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "http/server_context.hpp"

namespace pe::host {

class RequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RequestRouter(ServerContext& ctx) : ctx_(ctx) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  ServerContext& ctx_;
};

}  // namespace pe::host
