// plugin_endpoint.cpp — hands a request on a plugin-registered route to the
// plugin (body complete and bounded, identity attached) and sends its answer.
#include <algorithm>

#include "collect/collector.hpp"
#include "http/endpoints.hpp"
#include "plugin/plugin_http_response.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

void call_plugin(HttpExchange& ex, ServerContext& ctx, const MountedRoute& route,
                 const std::string& identity, const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(ex.request().headers.size());
  for (const auto& [k, v] : ex.request().headers) headers.emplace_back(ascii_lower(k), v);
  std::vector<pe_label> raw_headers;
  raw_headers.reserve(headers.size());
  for (const auto& [k, v] : headers) raw_headers.push_back(pe_label{k.c_str(), v.c_str()});

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
  req.remote_address = ex.request().client_address.c_str();

  pe_http_response resp;
  pe_status st = route.collector->handle_http(req, resp);
  if (st == PE_UNAVAILABLE && route.collector->retired()) {
    // A reload retired the collector between routing and now (the body may
    // have taken a while): the request was not applied, so its successor in
    // the current configuration takes it, if it serves the route with the
    // same role.
    bool other_method = false;
    auto current = ctx.state.get();
    const MountedRoute* next =
        current ? current->routes.match(req.method, req.path, other_method) : nullptr;
    if (next && next->collector != route.collector && next->route.role == route.route.role) {
      resp = pe_http_response();
      st = next->collector->handle_http(req, resp);
    }
  }
  if (st != PE_OK && resp.status == 0 && resp.body.empty()) {
    ex.send_text(st == PE_UNAVAILABLE ? 503 : 500,
                 st == PE_UNAVAILABLE ? "collector unavailable" : "internal error in the plugin");
    return;
  }
  std::string content_type = "text/plain; charset=utf-8";
  HeaderList extra;
  for (auto& [k, v] : resp.headers) {
    std::string lower = ascii_lower(k);
    if (lower == "content-type")
      content_type = v;
    else if (lower != "content-length" && lower != "transfer-encoding" && lower != "connection")
      extra.emplace_back(k, v);
  }
  ex.send(resp.status ? resp.status : 200, content_type, std::move(resp.body), false, extra);
}

}  // namespace

void serve_plugin_route(const std::shared_ptr<HttpExchange>& ex,
                        const std::shared_ptr<const ServingState>& state, const MountedRoute& route,
                        const std::string& identity, uint64_t body_limit, ServerContext& ctx) {
  // The body is read only now, after authentication; the plugin sees it
  // only when it arrived whole.
  ex->read_body(body_limit, [ex, state, &route, identity, &ctx](std::string body) {
    try {
      call_plugin(*ex, ctx, route, identity, body);
    } catch (const std::exception&) {
      if (!ex->sent()) ex->send_text(500, "internal error");
    }
  });
}

}  // namespace pe::host
