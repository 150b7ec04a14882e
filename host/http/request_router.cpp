// request_router.cpp — routing, access control and accounting of requests.
#include "http/request_router.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/SecureStreamSocket.h>

#include <cmath>

#include "app/logging.hpp"
#include "http/connection_watchdog.hpp"
#include "http/endpoints.hpp"
#include "http/tls_server_context.hpp"

namespace pe::host {
namespace {

enum class Endpoint {
  metrics,
  landing,
  health,
  ready,
  configz,
  reload,
  plugin,
  not_found,
  bad_method
};

const char* endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::metrics:
      return "metrics";
    case Endpoint::landing:
      return "landing";
    case Endpoint::health:
      return "health";
    case Endpoint::ready:
      return "ready";
    case Endpoint::configz:
      return "configz";
    case Endpoint::reload:
      return "reload";
    case Endpoint::plugin:
      return "plugin";
    case Endpoint::bad_method:
    case Endpoint::not_found:
      break;
  }
  return "other";
}

bool is_health_path(const std::string& path) {
  return path == "/healthz" || path == "/livez" || path == "/-/healthy" || path == "/readyz" ||
         path == "/-/ready";
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(ServerContext& ctx, const ListenerContext& listener) : ctx_(ctx), listener_(listener) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::shared_ptr<const ServingState> state = ctx_.state.get();
    HttpExchange ex(request, response, state ? &state->config->web.headers : nullptr,
                    state ? state->config->web.body_timeout : std::chrono::seconds(60));
    Endpoint endpoint = Endpoint::not_found;
    try {
      endpoint = handle(ex, state);
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
    // The next request on this connection: keep-alive idle time, then headers.
    if (ConnectionGuard* guard = ConnectionGuard::current()) {
      if (state)
        guard->arm(state->config->web.keep_alive_timeout + state->config->web.header_timeout);
    }
  }

 private:
  Endpoint handle(HttpExchange& ex, const std::shared_ptr<const ServingState>& state) {
    if (!listener_.allow.allows(ex.request().clientAddress().host().toString())) {
      ex.send_text(403, "forbidden");
      return Endpoint::not_found;
    }
    const std::string& path = ex.raw_path();
    const std::string& method = ex.method();
    const bool get = method == "GET" || method == "HEAD";

    if (is_health_path(path)) {
      bool ready_probe = path == "/readyz" || path == "/-/ready";
      Endpoint e = ready_probe ? Endpoint::ready : Endpoint::health;
      if (!listener_.serves(EndpointGroup::health)) return not_found(ex);
      if (!get) return refuse_method(ex, "GET, HEAD");
      if (state && !state->config->auth.open_health_endpoints &&
          !authorize(ex, *state, std::nullopt))
        return e;
      if (ready_probe)
        serve_ready(ex, state.get(), ctx_);
      else
        serve_health(ex);
      return e;
    }
    if (!state) {
      ex.send_text(503, "not ready");
      return Endpoint::not_found;
    }

    const std::string& telemetry = state->config->web.telemetry_path;
    const MountedRoute* route = nullptr;
    bool other_method = false;
    Endpoint endpoint = Endpoint::not_found;
    EndpointGroup group = EndpointGroup::metrics;
    Role role = Role::scrape;
    if (path == telemetry) {
      endpoint = get ? Endpoint::metrics : Endpoint::bad_method;
    } else if ((route = state->routes.match(method, path, other_method))) {
      endpoint = Endpoint::plugin;
      group = EndpointGroup::plugins;
      role = role_from_string(route->route.role).value_or(Role::admin);
    } else if (other_method) {
      endpoint = Endpoint::bad_method;
      group = EndpointGroup::plugins;
    } else if (path == "/") {
      endpoint = get ? Endpoint::landing : Endpoint::bad_method;
    } else if (path == "/configz") {
      endpoint = get ? Endpoint::configz : Endpoint::bad_method;
      group = EndpointGroup::admin;
      role = Role::admin;
    } else if (path == "/-/reload") {
      endpoint = (method == "POST" || method == "PUT") ? Endpoint::reload : Endpoint::bad_method;
      group = EndpointGroup::admin;
      role = Role::admin;
    }
    if (endpoint == Endpoint::not_found || !listener_.serves(group)) return not_found(ex);
    std::optional<Identity> identity = authorize(ex, *state, role);
    if (!identity) return endpoint;
    if (state->rate_limiter && state->rate_limiter->enabled()) {
      std::string key = state->auth->enabled()
                            ? identity->name
                            : "ip:" + ex.request().clientAddress().host().toString();
      if (!state->rate_limiter->allow(key)) {
        int after = static_cast<int>(std::ceil(state->rate_limiter->retry_after(key)));
        ex.send(429, "text/plain; charset=utf-8", "too many requests\n", false,
                {{"Retry-After", std::to_string(std::max(1, after))}});
        return endpoint;
      }
    }
    switch (endpoint) {
      case Endpoint::metrics:
        serve_metrics(ex, *state, ctx_);
        break;
      case Endpoint::landing:
        serve_landing_page(ex, *state);
        break;
      case Endpoint::configz:
        serve_configz(ex, *state);
        break;
      case Endpoint::reload:
        serve_reload(ex, ctx_);
        break;
      case Endpoint::plugin:
        serve_plugin_route(ex, *route, identity->name, state->config->web.max_body_bytes);
        break;
      default:
        ex.send_text(405, "method " + method + " not allowed on " + path);
        break;
    }
    return endpoint;
  }

  Endpoint not_found(HttpExchange& ex) {
    ex.send_text(404, "not found: " + ex.raw_path());
    return Endpoint::not_found;
  }

  Endpoint refuse_method(HttpExchange& ex, const char* allowed) {
    ex.send(405, "text/plain; charset=utf-8", "method not allowed\n", false, {{"Allow", allowed}});
    return Endpoint::bad_method;
  }

  // SANs of the client certificate the TLS layer verified, if any.
  std::vector<std::string> client_sans(HttpExchange& ex) {
    if (!listener_.tls) return {};
    try {
      auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(ex.request());
      Poco::Net::SecureStreamSocket secure(impl.socket());
      if (secure.havePeerCertificate()) return subject_alternative_names(secure.peerCertificate());
    } catch (const std::exception&) {
    }
    return {};
  }

  // The caller's identity if it may use an endpoint needing `role` (any
  // identity when nullopt); otherwise nullopt after answering 401 or 403.
  std::optional<Identity> authorize(HttpExchange& ex, const ServingState& state,
                                    std::optional<Role> role) {
    auto id = state.auth->authenticate(ex.header("Authorization"), client_sans(ex));
    if (!id) {
      ex.send(401, "text/plain; charset=utf-8", "unauthorized\n", false,
              {{"WWW-Authenticate", state.auth->challenge()}});
      return std::nullopt;
    }
    if (role && !id->roles.has(*role)) {
      ex.send_text(403, "forbidden");
      return std::nullopt;
    }
    return id;
  }

  ServerContext& ctx_;
  const ListenerContext& listener_;
};

}  // namespace

Poco::Net::HTTPRequestHandler* RequestRouter::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  // The headers are in: the header deadline is met.
  if (ConnectionGuard* guard = ConnectionGuard::current()) guard->disarm();
  return new Handler(ctx_, listener_);
}

}  // namespace pe::host
