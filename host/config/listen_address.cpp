// listen_address.cpp — syntax and port range of listen addresses.
#include "config/listen_address.hpp"

#include <string_view>

namespace pe::host {

std::optional<std::string> listen_address_problem(const std::string& address) {
  const std::string forms = " (host:port, [ipv6]:port or :port)";
  std::string_view a(address);
  std::size_t colon;
  if (!a.empty() && a[0] == '[') {
    std::size_t close = a.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= a.size() ||
        a[close + 1] != ':')
      return "\"" + address + "\" is not an address" + forms;
    colon = close + 1;
  } else {
    colon = a.rfind(':');
    if (colon == std::string_view::npos || a.substr(0, colon).find(':') != std::string_view::npos)
      return "\"" + address + "\" is not an address" + forms;
  }
  std::string_view port = a.substr(colon + 1);
  if (port.empty()) return "\"" + address + "\" has no port" + forms;
  unsigned long value = 0;
  for (char c : port) {
    if (c < '0' || c > '9')
      return "port \"" + std::string(port) + "\" of \"" + address + "\" is not a number";
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535) break;
  }
  if (value > 65535)
    return "port " + std::string(port) + " of \"" + address + "\" is out of range (0-65535)";
  return std::nullopt;
}

}  // namespace pe::host
