// request_router.cpp — routing, authentication and accounting of requests.
#include "http/request_router.hpp"

#include <Poco/Net/HTTPRequestHandler.h>

#include "app/logging.hpp"
#include "http/endpoints.hpp"

namespace pe::host {
namespace {

enum class Endpoint { metrics, landing, health, ready, configz, plugin, not_found, bad_method };

const char* endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::metrics: return "metrics";
    case Endpoint::landing: return "landing";
    case Endpoint::health: return "health";
    case Endpoint::ready: return "ready";
    case Endpoint::configz: return "configz";
    case Endpoint::plugin: return "plugin";
    case Endpoint::bad_method: return "other";
    case Endpoint::not_found: break;
  }
  return "other";
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(ServerContext& ctx) : ctx_(ctx) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    HttpExchange ex(request, response);
    Endpoint endpoint = Endpoint::not_found;
    try {
      endpoint = handle(ex);
    } catch (const std::exception& e) {
      log(LogLevel::error, "request failed", {{"path", ex.raw_path()}, {"error", e.what()}});
      if (!ex.sent()) {
        try {
          ex.send_text(500, "internal error");
        } catch (...) {
        }
      }
    }
    ctx_.metrics.http_request(endpoint_name(endpoint), ex.status_sent() ? ex.status_sent() : 500);
  }

 private:
  Endpoint handle(HttpExchange& ex) {
    std::shared_ptr<const ServingState> state = ctx_.state.get();
    const std::string& path = ex.raw_path();
    const std::string& method = ex.method();
    const bool get = method == "GET" || method == "HEAD";

    if (path == "/healthz" || path == "/livez" || path == "/-/healthy" || path == "/readyz" ||
        path == "/-/ready") {
      bool ready_probe = path == "/readyz" || path == "/-/ready";
      if (!get) return refuse_method(ex, "GET");
      if (state && !state->config->auth.open_health_endpoints && !authenticate(ex, *state))
        return ready_probe ? Endpoint::ready : Endpoint::health;
      if (ready_probe) serve_ready(ex, state.get(), ctx_);
      else serve_health(ex);
      return ready_probe ? Endpoint::ready : Endpoint::health;
    }
    if (!state) {
      ex.send_text(503, "not ready");
      return Endpoint::not_found;
    }

    const std::string& telemetry = state->config->web.telemetry_path;
    Endpoint endpoint = Endpoint::not_found;
    const MountedRoute* route = nullptr;
    bool other_method = false;
    if (path == telemetry && get) endpoint = Endpoint::metrics;
    else if ((route = state->routes.match(method, path, other_method))) endpoint = Endpoint::plugin;
    else if (path == telemetry || other_method) endpoint = Endpoint::bad_method;
    else if (path == "/" && get) endpoint = Endpoint::landing;
    else if (path == "/configz" && get) endpoint = Endpoint::configz;
    else if (path == "/" || path == "/configz") endpoint = Endpoint::bad_method;

    if (endpoint == Endpoint::not_found) {
      ex.send_text(404, "not found: " + path);
      return endpoint;
    }
    std::optional<std::string> identity = authenticate(ex, *state);
    if (!identity) return endpoint;
    switch (endpoint) {
      case Endpoint::metrics: serve_metrics(ex, *state, ctx_); break;
      case Endpoint::landing: serve_landing_page(ex, *state); break;
      case Endpoint::configz: serve_configz(ex, *state); break;
      case Endpoint::plugin:
        serve_plugin_route(ex, *route, *identity, state->config->web.max_body_bytes);
        break;
      default: ex.send_text(405, "method " + method + " not allowed on " + path); break;
    }
    return endpoint;
  }

  Endpoint refuse_method(HttpExchange& ex, const char* allowed) {
    ex.send(405, "text/plain; charset=utf-8", "method not allowed\n", false, {{"Allow", allowed}});
    return Endpoint::bad_method;
  }

  // The caller's identity, or nullopt after answering 401.
  std::optional<std::string> authenticate(HttpExchange& ex, const ServingState& state) {
    if (!state.auth.enabled()) return std::string();
    auto id = state.auth.authenticate(ex.header("Authorization"));
    if (!id) {
      ex.send(401, "text/plain; charset=utf-8", "unauthorized\n", false,
              {{"WWW-Authenticate", "Bearer realm=\"plugin_exporter\""}});
    }
    return id;
  }

  ServerContext& ctx_;
};

}  // namespace

Poco::Net::HTTPRequestHandler* RequestRouter::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  return new Handler(ctx_);
}

}  // namespace pe::host
