// http_request.hpp — the GET request sent to an HTTP target: request line
// with the URL's own query plus the scrape parameters on the forwarding
// allowlist, and a header block computed once (Host, Accept, Accept-Encoding,
// Authorization, configured headers). Per scrape only the target and the
// scrape-timeout header change.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy_config.hpp"

namespace pe::proxy {

// What we ask backends for: the format the exposition engine parses best
// first (see README, "Formats"), then the other one, then anything.
extern const char* const kAcceptHeader;

class HttpRequest {
 public:
  explicit HttpRequest(const HttpTarget& target);

  // The request for one scrape. `params` are the scrape's query parameters;
  // only those named in forward_params are passed on, replacing parameters
  // of the same name in the URL. `timeout_seconds` is sent as
  // X-Prometheus-Scrape-Timeout-Seconds (blackbox_exporter & co. size their
  // own work by it).
  void render(const std::vector<std::pair<std::string, std::string>>& params,
              double timeout_seconds, std::string& out) const;

  // The request target ("/path?query") render() would use.
  std::string target(const std::vector<std::pair<std::string, std::string>>& params) const;

 private:
  std::string path_;
  std::vector<std::string> query_;  // raw items of the URL's query
  std::vector<std::string> forward_params_;
  std::string headers_;  // complete header lines (CRLF-terminated), without the timeout
};

}  // namespace pe::proxy
