// cidr_allowlist.cpp — CIDR parsing and matching with inet_pton.
#include "auth/cidr_allowlist.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace pe::host {
namespace {

// Any address as 16 bytes; IPv4 as ::ffff:a.b.c.d. Sets is_v4.
bool to_bytes(const std::string& ip, std::array<uint8_t, 16>& out, bool& is_v4) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    out.fill(0);
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    is_v4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    is_v4 = std::memcmp(out.data(), mapped, 12) == 0;
    return true;
  }
  return false;
}

}  // namespace

std::optional<CidrAllowlist> CidrAllowlist::parse(const std::vector<std::string>& entries,
                                                  std::string& error) {
  CidrAllowlist list;
  for (const std::string& e : entries) {
    auto slash = e.find('/');
    std::string ip = e.substr(0, slash);
    Net net;
    bool v4 = false;
    if (!to_bytes(ip, net.bytes, v4)) {
      error = "\"" + e + "\" is not an IP address or CIDR network";
      return std::nullopt;
    }
    int max = v4 ? 32 : 128;
    int prefix = max;
    if (slash != std::string::npos) {
      std::string p = e.substr(slash + 1);
      if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(p) > max) {
        error = "\"" + e + "\": prefix length must be 0-" + std::to_string(max);
        return std::nullopt;
      }
      prefix = std::stoi(p);
    }
    net.prefix = v4 ? prefix + 96 : prefix;
    list.nets_.push_back(net);
  }
  return list;
}

bool CidrAllowlist::allows(std::string_view address) const {
  if (nets_.empty()) return true;
  std::string ip(address);
  if (!ip.empty() && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (auto pct = ip.find('%'); pct != std::string::npos) ip.resize(pct);  // zone index
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
  if (!to_bytes(ip, bytes, v4)) return false;
  for (const Net& n : nets_) {
    int full = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(bytes.data(), n.bytes.data(), static_cast<std::size_t>(full)) != 0) continue;
    if (rest) {
      auto mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((bytes[static_cast<std::size_t>(full)] & mask) !=
          (n.bytes[static_cast<std::size_t>(full)] & mask))
        continue;
    }
    return true;
  }
  return false;
}

}  // namespace pe::host
