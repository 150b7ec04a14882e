// status_endpoints.cpp — landing page, liveness, readiness, /configz.
#include <string>

#include "http/endpoints.hpp"

namespace pe::host {
namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

void serve_landing_page(HttpExchange& ex, const ServingState& state) {
  const std::string& path = state.config->web.telemetry_path;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>plugin_exporter</title><style>body{font-family:sans-serif;margin:2em}"
      "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;"
      "text-align:left}.ok{color:#070}.bad{color:#b00}</style></head><body>\n"
      "<h1>plugin_exporter</h1>\n<p>Version " PE_VERSION ". <a href=\"" +
      html_escape(path) +
      "\">All metrics</a> &middot; <a href=\"/configz\">Configuration</a>"
      " &middot; <a href=\"/readyz\">Readiness</a></p>\n"
      "<table><tr><th>Collector</th><th>Plugin</th><th>Last collect</th><th>Last error</th></tr>\n";
  for (const auto& c : state.orchestrator->collectors()) {
    CollectorHealth h = c->health();
    std::string status = !h.collected ? "<td>not yet</td>"
                         : h.last_ok  ? "<td class=\"ok\">ok</td>"
                                      : "<td class=\"bad\">failed</td>";
    html += "<tr><td><a href=\"" + html_escape(path) + "?collector=" + url_escape(c->name()) +
            "\">" + html_escape(c->name()) + "</a></td><td>" + html_escape(c->plugin_name()) +
            "</td>" + status + "<td>" + html_escape(h.last_error) + "</td></tr>\n";
  }
  html += "</table>\n</body></html>\n";
  ex.send(200, "text/html; charset=utf-8", std::move(html), true);
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
  ex.send(200, "application/json", state.configz_json + "\n", true);
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

}  // namespace pe::host
