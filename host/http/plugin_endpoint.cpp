// plugin_endpoint.cpp — hands a request on a plugin-registered route to the
// plugin (body already bounded, identity attached) and sends its answer.
#include <algorithm>
#include <cctype>

#include "collect/collector.hpp"
#include "http/endpoints.hpp"
#include "http/plugin_http_response.hpp"

namespace pe::host {

void serve_plugin_route(HttpExchange& ex, const MountedRoute& route, const std::string& identity,
                        uint64_t default_body_limit) {
  uint64_t limit = route.route.max_body_bytes ? route.route.max_body_bytes : default_body_limit;
  std::string body;
  if (!ex.read_body(limit, body)) return;

  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : ex.request()) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers.emplace_back(std::move(lower), v);
  }
  std::vector<pe_label> raw_headers;
  raw_headers.reserve(headers.size());
  for (const auto& [k, v] : headers) raw_headers.push_back(pe_label{k.c_str(), v.c_str()});
  std::string remote = ex.request().clientAddress().toString();

  pe_http_request req{};
  req.struct_size = sizeof req;
  req.method = ex.method().c_str();
  req.path = ex.raw_path().c_str();
  req.query = ex.raw_query().c_str();
  req.headers = raw_headers.data();
  req.header_count = raw_headers.size();
  req.body = body.data();
  req.body_size = body.size();
  req.identity = identity.c_str();
  req.remote_address = remote.c_str();

  pe_http_response resp;
  pe_status st = route.collector->handle_http(req, resp);
  if (st != PE_OK && resp.status == 0 && resp.body.empty()) {
    ex.send_text(st == PE_UNAVAILABLE ? 503 : 500,
                 st == PE_UNAVAILABLE ? "collector unavailable" : "internal error in the plugin");
    return;
  }
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> extra;
  for (auto& [k, v] : resp.headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "content-type")
      content_type = v;
    else if (lower != "content-length" && lower != "transfer-encoding" && lower != "connection")
      extra.emplace_back(k, v);
  }
  ex.send(resp.status ? resp.status : 200, content_type, std::move(resp.body), false, extra);
}

}  // namespace pe::host
