// plugin_http_response.hpp — the C ABI's pe_http_response: what a plugin's
// handle_http builds (status, headers, body) before the host sends it.
#pragma once

#include <string>
#include <utility>
#include <vector>

struct pe_http_response {
  int status = 0;  // 0 = not set (200)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
