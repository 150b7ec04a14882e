// listener_context.hpp — what the router needs to know about the listener a
// request arrived on: its configuration, its client allowlist, whether it is
// TLS, and the endpoint groups it serves.
#pragma once

#include <memory>

#include "auth/cidr_allowlist.hpp"
#include "config/exporter_config.hpp"

namespace pe::host {

class TlsServerContext;

struct ListenerContext {
  ListenerConfig config;
  CidrAllowlist allow;
  std::unique_ptr<TlsServerContext> tls;  // null for plain HTTP

  bool serves(EndpointGroup g) const noexcept {
    return (config.serve & static_cast<uint8_t>(g)) != 0;
  }
};

}  // namespace pe::host
