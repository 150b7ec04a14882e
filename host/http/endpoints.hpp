// endpoints.hpp — the host's HTTP endpoints, each a function of the exchange,
// the serving state and the shared context. Those taking the exchange by
// shared_ptr may answer later, from another thread.
#pragma once

#include <memory>

#include "http/http_exchange.hpp"
#include "http/server_context.hpp"
#include "http/serving_state.hpp"
#include "plugin_exporter/exposition/exposition_format.hpp"

namespace pe::host {

void serve_metrics(const std::shared_ptr<HttpExchange>& ex,
                   const std::shared_ptr<const ServingState>& state, ServerContext& ctx);
// One scrape as /metrics produces it: the collects (`query`: collector= and
// the plugins' parameters), the merge with the self-metrics, the writer for
// `format`, gzip when asked. Blocks until the collects are done. Also what an
// agent ([agent]) answers each hub's scrape with.
ScrapeResponse produce_scrape(const HeaderList& query, const std::string& timeout_header,
                              ExpositionFormat format, bool gzip, const ServingState& state,
                              ServerContext& ctx);
void serve_landing_page(HttpExchange& ex, const ServingState& state, const ServerContext& ctx);
void serve_status_json(HttpExchange& ex, const ServingState& state, const ServerContext& ctx);
void serve_status_script(HttpExchange& ex);
void serve_health(HttpExchange& ex);
void serve_ready(HttpExchange& ex, const ServingState* state, ServerContext& ctx);
void serve_configz(HttpExchange& ex, const ServingState& state);
void serve_reload(HttpExchange& ex, ServerContext& ctx);
void serve_quarantine_clear(HttpExchange& ex, ServerContext& ctx);
void serve_plugin_route(const std::shared_ptr<HttpExchange>& ex,
                        const std::shared_ptr<const ServingState>& state, const MountedRoute& route,
                        const std::string& identity, uint64_t body_limit, ServerContext& ctx);

}  // namespace pe::host
