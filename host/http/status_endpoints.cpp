// status_endpoints.cpp — status page (/, its JSON twin and script), liveness,
// readiness, /configz.
#include <string>

#include "http/endpoints.hpp"
#include "http/status_json.hpp"
#include "http/status_page.hpp"
#include "http/status_snapshot.hpp"

namespace pe::host {

void serve_landing_page(HttpExchange& ex, const ServingState& state, const ServerContext& ctx) {
  ex.send(200, "text/html; charset=utf-8",
          status_page_html(take_status_snapshot(state, ctx.status)), true,
          {{"Content-Security-Policy", std::string(kStatusPageCsp)}});
}

void serve_status_json(HttpExchange& ex, const ServingState& state, const ServerContext& ctx) {
  ex.send(200, "application/json", status_json(take_status_snapshot(state, ctx.status)), true);
}

void serve_status_script(HttpExchange& ex) {
  ex.send(200, "text/javascript; charset=utf-8", std::string(status_page_script()), true,
          {{"Cache-Control", "no-cache"}});
}

void serve_health(HttpExchange& ex) {
  ex.send_text(200, "OK");
}

void serve_ready(HttpExchange& ex, const ServingState* state, ServerContext& ctx) {
  if (ctx.stopping) {
    ex.send_text(503, "shutting down");
    return;
  }
  if (!ctx.ready || !state) {
    ex.send_text(503, "not ready: configuration not loaded or collectors not created");
    return;
  }
  uint32_t need = state->config->ready_min_collectors_up;
  if (need > 0) {
    uint32_t up = 0;
    for (const auto& c : state->orchestrator->collectors())
      if (c->health().up()) ++up;
    if (up < need) {
      ex.send_text(503, "not ready: " + std::to_string(up) + " collectors healthy, " +
                            std::to_string(need) + " required");
      return;
    }
  }
  ex.send_text(200, "OK");
}

void serve_configz(HttpExchange& ex, const ServingState& state) {
  // A browser (Accept: text/html first) gets the JSON in a readable page.
  if (ex.header("Accept").starts_with("text/html")) {
    ex.send(200, "text/html; charset=utf-8", configz_html(state.configz_json), true,
            {{"Content-Security-Policy", std::string(kStatusPageCsp)}, {"Vary", "Accept"}});
    return;
  }
  ex.send(200, "application/json", state.configz_json + "\n", true, {{"Vary", "Accept"}});
}

}  // namespace pe::host

namespace pe::host {

void serve_reload(HttpExchange& ex, ServerContext& ctx) {
  std::string error;
  if (!ctx.reload) {
    ex.send_text(503, "reload is not available");
  } else if (ctx.reload(error)) {
    ex.send_text(200, "configuration reloaded");
  } else {
    ex.send_text(500, "reload failed; the running configuration stays:\n" + error);
  }
}

void serve_quarantine_clear(HttpExchange& ex, ServerContext& ctx) {
  if (!ex.query_error().empty()) {
    ex.send_text(400, ex.query_error());
    return;
  }
  std::string collector;
  for (const auto& [key, value] : ex.query()) {
    if (key != "collector") {
      ex.send_text(400, "unknown parameter " + key + " (only collector=NAME)");
      return;
    }
    collector = value;
  }
  if (!ctx.clear_quarantine) {
    ex.send_text(503, "quarantine clearing is not available");
    return;
  }
  std::string message;
  const int status = ctx.clear_quarantine(collector, message);
  ex.send_text(status, message);
}

}  // namespace pe::host
