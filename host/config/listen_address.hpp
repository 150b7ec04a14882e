// listen_address.hpp — checks a listen address as the configuration and
// --web.listen-address spell it ("host:port", "[v6]:port", ":port") before
// anything binds: a numeric port in 0-65535, a host part where one is needed.
#pragma once

#include <optional>
#include <string>

namespace pe::host {

// Why `address` cannot be listened on, or nullopt when it is well-formed.
std::optional<std::string> listen_address_problem(const std::string& address);

}  // namespace pe::host
