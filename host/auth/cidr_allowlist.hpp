// cidr_allowlist.hpp — which client addresses a listener accepts: a list of
// IPv4 and IPv6 networks in CIDR notation (an IPv4-mapped IPv6 address is
// matched as IPv4). Empty = everyone.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pe::host {

class CidrAllowlist {
 public:
  // Parses "10.0.0.0/8", "::1/128", "192.168.1.5" (a single host). On a bad
  // entry returns nullopt and sets `error`.
  static std::optional<CidrAllowlist> parse(const std::vector<std::string>& entries,
                                            std::string& error);
  bool empty() const noexcept { return nets_.empty(); }
  // `address` is a numeric IP (no port), v4 or v6.
  bool allows(std::string_view address) const;

 private:
  struct Net {
    std::array<uint8_t, 16> bytes{};  // v4 stored as v4-mapped v6
    int prefix = 0;                   // in bits of the 128
  };
  std::vector<Net> nets_;
};

}  // namespace pe::host
