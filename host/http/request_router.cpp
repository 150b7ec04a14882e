// request_router.cpp — routing, access control and accounting of requests.
#include "http/request_router.hpp"

#include <cmath>
#include <optional>

#include "base/logging.hpp"
#include "http/endpoints.hpp"
#include "http/status_page.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

enum class Endpoint {
  metrics,
  landing,
  status_json,
  status_script,
  health,
  ready,
  configz,
  reload,
  quarantine_clear,
  plugin,
  agents,
  not_found,
  bad_method
};

const char* endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::metrics:
      return "metrics";
    case Endpoint::landing:
      return "landing";
    case Endpoint::status_json:
      return "status_json";
    case Endpoint::status_script:
      return "status_script";
    case Endpoint::health:
      return "health";
    case Endpoint::ready:
      return "ready";
    case Endpoint::configz:
      return "configz";
    case Endpoint::reload:
      return "reload";
    case Endpoint::quarantine_clear:
      return "quarantine_clear";
    case Endpoint::plugin:
      return "plugin";
    case Endpoint::agents:
      return "agents";
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

void not_found(HttpExchange& ex) {
  ex.send_text(404, "not found: " + ex.raw_path());
}

void refuse_method(HttpExchange& ex, const char* allowed) {
  ex.send(405, "text/plain; charset=utf-8", "method not allowed\n", false, {{"Allow", allowed}});
}

// The caller's identity if it may use an endpoint needing `role` (any
// identity when nullopt); otherwise nullopt after answering 401 or 403.
std::optional<Identity> authorize(HttpExchange& ex, const ServingState& state,
                                  std::optional<Role> role) {
  auto id = state.auth->authenticate(ex.header("Authorization"), ex.request().peer_sans);
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

// [web] max_body_bytes set by the operator wins; otherwise the route's own
// limit; otherwise the default.
uint64_t body_limit(const WebConfig& web, const MountedRoute& route) {
  if (web.max_body_bytes_explicit || !route.route.max_body_bytes) return web.max_body_bytes;
  return route.route.max_body_bytes;
}

// Routes one request; `endpoint` is set as soon as it is known (the
// accounting reads it when the answer goes out).
void route(const std::shared_ptr<HttpExchange>& exp,
           const std::shared_ptr<const ServingState>& state, const ListenerContext& listener,
           ServerContext& ctx, Endpoint& endpoint) {
  HttpExchange& ex = *exp;
  if (!listener.allow.allows(ex.client_ip())) {
    ex.send_text(403, "forbidden");
    return;
  }
  const std::string& path = ex.raw_path();
  const std::string& method = ex.method();
  const bool get = method == "GET" || method == "HEAD";

  if (is_health_path(path)) {
    bool ready_probe = path == "/readyz" || path == "/-/ready";
    endpoint = ready_probe ? Endpoint::ready : Endpoint::health;
    if (!listener.serves(EndpointGroup::health)) return not_found(ex);
    if (!get) {
      endpoint = Endpoint::bad_method;
      return refuse_method(ex, "GET, HEAD");
    }
    if (state && !state->config->auth.open_health_endpoints && !authorize(ex, *state, std::nullopt))
      return;
    if (ready_probe)
      serve_ready(ex, state.get(), ctx);
    else
      serve_health(ex);
    return;
  }
  if (!state) {
    ex.send_text(503, "not ready");
    return;
  }

  const std::string& telemetry = state->config->web.telemetry_path;
  const MountedRoute* mounted = nullptr;
  bool other_method = false;
  EndpointGroup group = EndpointGroup::metrics;
  Role role = Role::scrape;
  Endpoint e = Endpoint::not_found;
  if (path == telemetry && get) {
    e = Endpoint::metrics;
  } else if ((mounted = state->routes.match(method, path, other_method))) {
    e = Endpoint::plugin;
    group = EndpointGroup::plugins;
    role = role_from_string(mounted->route.role).value_or(Role::admin);
  } else if (path == telemetry) {
    e = Endpoint::bad_method;
  } else if (other_method) {
    e = Endpoint::bad_method;
    group = EndpointGroup::plugins;
  } else if (ctx.agents && path.rfind(kAgentsPathPrefix, 0) == 0) {
    e = get ? Endpoint::agents : Endpoint::bad_method;
  } else if (path == "/") {
    e = get ? Endpoint::landing : Endpoint::bad_method;
  } else if (path == kStatusJsonPath) {
    e = get ? Endpoint::status_json : Endpoint::bad_method;
  } else if (path == kStatusScriptPath) {
    e = get ? Endpoint::status_script : Endpoint::bad_method;
  } else if (path == "/configz") {
    e = get ? Endpoint::configz : Endpoint::bad_method;
    group = EndpointGroup::admin;
    role = Role::admin;
  } else if (path == "/-/reload") {
    e = (method == "POST" || method == "PUT") ? Endpoint::reload : Endpoint::bad_method;
    group = EndpointGroup::admin;
    role = Role::admin;
  } else if (path == "/-/quarantine/clear") {
    e = method == "POST" ? Endpoint::quarantine_clear : Endpoint::bad_method;
    group = EndpointGroup::admin;
    role = Role::admin;
  }
  if (e == Endpoint::not_found || !listener.serves(group)) return not_found(ex);
  endpoint = e;
  std::optional<Identity> identity = authorize(ex, *state, role);
  if (!identity) return;
  if (state->rate_limiter && state->rate_limiter->enabled()) {
    std::string key = state->auth->enabled() ? identity->name : "ip:" + ex.client_ip();
    if (!state->rate_limiter->allow(key)) {
      int after = static_cast<int>(std::ceil(state->rate_limiter->retry_after(key)));
      ex.send(429, "text/plain; charset=utf-8", "too many requests\n", false,
              {{"Retry-After", std::to_string(std::max(1, after))}});
      return;
    }
  }
  switch (endpoint) {
    case Endpoint::metrics:
      return serve_metrics(exp, state, ctx);
    case Endpoint::landing:
      return serve_landing_page(ex, *state, ctx);
    case Endpoint::status_json:
      return serve_status_json(ex, *state, ctx);
    case Endpoint::status_script:
      return serve_status_script(ex);
    case Endpoint::configz:
      return serve_configz(ex, *state);
    case Endpoint::reload:
      return serve_reload(ex, ctx);
    case Endpoint::agents:
      return ctx.agents->serve(exp);
    case Endpoint::quarantine_clear:
      return serve_quarantine_clear(ex, ctx);
    case Endpoint::plugin:
      return serve_plugin_route(exp, state, *mounted, identity->name,
                                body_limit(state->config->web, *mounted), ctx);
    default:
      ex.send_text(405, "method " + method + " not allowed on " + path);
      return;
  }
}

// Whether a request can be routed on the event loop: open health probes,
// and scrapes whose authentication cannot block (none configured, a bearer
// token or a client certificate; never a bcrypt check). A scrape only joins
// or starts a collect, which runs on the scrape pool, so it holds the loop
// no longer than a health probe and skips two trips between threads.
bool routes_inline(const HttpExchange& ex, const ServingState* state) {
  const std::string& path = ex.raw_path();
  if (is_health_path(path)) return !state || state->config->auth.open_health_endpoints;
  if (!state || path != state->config->web.telemetry_path) return false;
  if (ex.method() != "GET" && ex.method() != "HEAD") return false;
  if (!state->auth->enabled()) return true;
  std::string authorization = ex.header("Authorization");
  return !(authorization.size() >= 5 && iequals(authorization.substr(0, 5), "basic"));
}

}  // namespace

uint64_t RequestRouter::route_body_limit(const std::string& method, const std::string& path) const {
  std::shared_ptr<const ServingState> state = ctx_.state.get();
  if (!state) return 0;
  bool other_method = false;
  const MountedRoute* mounted = state->routes.match(method, path, other_method);
  return mounted ? body_limit(state->config->web, *mounted) : 0;
}

void RequestRouter::dispatch(std::shared_ptr<HttpExchange> ex) {
  if (routes_inline(*ex, ctx_.state.get().get())) {
    handle(ex);
    return;
  }
  ctx_.request_pool->post([this, ex = std::move(ex)] { handle(ex); });
}

void RequestRouter::handle(const std::shared_ptr<HttpExchange>& ex) {
  std::shared_ptr<const ServingState> state = ctx_.state.get();
  if (state) ex->set_default_headers(&state->config->web.headers);
  // Accounting happens when the answer goes out (perhaps later, on another
  // thread); the endpoint is known by then.
  auto endpoint = std::make_shared<Endpoint>(Endpoint::not_found);
  ServerContext& ctx = ctx_;
  ex->on_sent([&ctx, endpoint, state](int status) {
    ctx.metrics.http_request(endpoint_name(*endpoint), status);
  });
  try {
    route(ex, state, listener_, ctx_, *endpoint);
  } catch (const std::exception& e) {
    log(LogLevel::error, "request failed", {{"path", ex->raw_path()}, {"error", e.what()}});
    if (!ex->sent()) ex->send_text(500, "internal error");
  }
}

}  // namespace pe::host
