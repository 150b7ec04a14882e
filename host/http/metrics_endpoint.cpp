// metrics_endpoint.cpp — the telemetry path: collector selection and
// parameters, the scrape, merge with self-metrics, format negotiation, gzip.
// Concurrent identical scrapes share one response: the first produces it on
// the scrape pool (at most max_concurrent_scrapes at once, beyond that 503),
// the others wait holding no thread.
#include <string>
#include <vector>

#include "base/logging.hpp"
#include "collect/metric_merger.hpp"
#include "http/endpoints.hpp"
#include "plugin_exporter/exposition/exposition_format.hpp"
#include "plugin_exporter/exposition/gzip_decoder.hpp"

namespace pe::host {
namespace {

// Query keys the host consumes itself; everything else goes to the plugins.
bool host_param(const std::string& key) {
  return key == "collector";
}

ScrapeResponse error_response(int status, std::string text) {
  ScrapeResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::make_shared<const std::string>(std::move(text) + "\n");
  return r;
}

}  // namespace

ScrapeResponse produce_scrape(const std::vector<std::pair<std::string, std::string>>& query,
                              const std::string& timeout_header, ExpositionFormat format, bool gzip,
                              const ServingState& state, ServerContext& ctx) {
  std::vector<std::string> selected;
  Params params;
  for (const auto& [k, v] : query) {
    if (host_param(k))
      selected.push_back(v);
    else
      params.emplace_back(k, v);
  }
  std::optional<double> scrape_timeout;
  if (!timeout_header.empty()) {
    char* end = nullptr;
    double v = std::strtod(timeout_header.c_str(), &end);
    if (end && *end == '\0' && v > 0) scrape_timeout = v;
  }

  // The agents merged into /metrics ([[dialin.token]] merge = true) are
  // scraped meanwhile, under the same deadline; none when collectors are chosen.
  std::shared_ptr<MergedAgentScrape> merged;
  if (ctx.agents && selected.empty()) merged = ctx.agents->start_merged_scrape(timeout_header);
  ScrapeResult result = state.orchestrator->scrape(selected, params, scrape_timeout);
  std::vector<MergedAgentScrape::Agent> agents;
  if (merged) agents = merged->wait();
  if (!result.unknown_collector.empty()) {
    for (const QuarantineEntry& q : state.quarantined)  // configured, but not created
      if (q.collector == result.unknown_collector)
        return error_response(
            503, "collector \"" + q.collector + "\" is quarantined: it " + quarantine_reason(q));
    return error_response(400, "unknown collector \"" + result.unknown_collector + "\"");
  }
  for (const CollectorScrape& cs : result.collectors) {
    if (cs.outcome.status == CollectStatus::bad_request)
      return error_response(400, "collector " + cs.collector->name() + ": " + cs.outcome.reason);
  }

  MetricSet self;
  ctx.metrics.export_to(self);
  export_process_metrics(self);
  export_collector_metrics(result, self);
  self.add_family("plugin_exporter_scrapes_shared_total", MetricType::counter,
                  "Scrapes answered with the response of a concurrent identical scrape.", true);
  self.add_sample("plugin_exporter_scrapes_shared_total", {},
                  static_cast<double>(ctx.scrapes.shared_total()));

  std::vector<MergeSource> sources;
  sources.reserve(result.collectors.size() + 1 + agents.size());
  sources.push_back(MergeSource{&self, "plugin_exporter"});
  for (const CollectorScrape& cs : result.collectors)
    if (cs.outcome.metrics)
      sources.push_back(
          MergeSource{cs.outcome.metrics.get(), cs.collector->name(), cs.outcome.memo.get()});
  const std::size_t collector_sources = sources.size();  // the merged agents' are not counted
  for (const MergedAgentScrape::Agent& a : agents)
    sources.push_back(MergeSource{a.set.get(), a.name});

  ScrapeResponse response;
  response.content_type = std::string(content_type(format));
  std::string body;
  ExpositionWriter writer(format, body);
  MergeStats stats;
  thread_local MetricMerger merger;
  merger.write(sources, writer, stats);
  writer.finish();
  if (gzip && body.size() > 1024) {
    std::string compressed;
    gzip_compress(body, compressed, 1);
    body.swap(compressed);
    response.gzipped = true;
  }
  response.body = std::make_shared<const std::string>(std::move(body));

  for (std::size_t i = 1; i < collector_sources; ++i) {
    const auto& ps = stats.sources[i];
    std::string collector(sources[i].name);
    ctx.metrics.samples_dropped(collector, "duplicate", static_cast<double>(ps.duplicates));
    ctx.metrics.samples_dropped(collector, "type_conflict",
                                static_cast<double>(ps.conflict_samples));
    for (std::string_view family : ps.conflicting_families) {
      if (ctx.first_time("conflict\x1f" + collector + "\x1f" + std::string(family)))
        log(LogLevel::warn, "metric family type differs from an earlier collector's; dropped",
            {{"collector", collector}, {"family", family}});
    }
  }
  return response;
}

void serve_metrics(const std::shared_ptr<HttpExchange>& ex,
                   const std::shared_ptr<const ServingState>& state, ServerContext& ctx) {
  if (!ex->query_error().empty()) {
    ex->send_text(400, ex->query_error());
    return;
  }
  std::string timeout_header = ex->header("X-Prometheus-Scrape-Timeout-Seconds");
  const ExpositionFormat format = negotiate_format(ex->header("Accept"));
  const bool gzip = ex->accepts_gzip();
  // Concurrent scrapes asking the same thing the same way share one response.
  std::string key = ex->raw_query();
  key += '\n';
  key += timeout_header;
  key += format == ExpositionFormat::openmetrics ? "\nom" : "\ntext";
  key += gzip ? "\ngzip" : "\nidentity";
  bool leader = ctx.scrapes.join_or_lead(key, [ex](std::shared_ptr<const ScrapeResponse> r) {
    ex->send_prepared(r->status, r->content_type, r->body, r->gzipped, r->status == 200);
  });
  if (!leader) return;  // answered when the scrape in flight completes

  const int limit = state->config->web.max_concurrent_scrapes;
  if (ctx.scrapes_in_flight.fetch_add(1) >= limit) {
    ctx.scrapes_in_flight.fetch_sub(1);
    ctx.metrics.scrape_lockout();
    ctx.scrapes.produce(key, [limit] {
      return error_response(503, "too many concurrent scrapes (limit " + std::to_string(limit) +
                                     "); try again later");
    });
    return;
  }
  ctx.scrape_pool->post([ex, state, &ctx, key = std::move(key), timeout_header, format, gzip] {
    ctx.scrapes.produce(key, [&] {
      return produce_scrape(ex->query(), timeout_header, format, gzip, *state, ctx);
    });
    ctx.scrapes_in_flight.fetch_sub(1);
  });
}

}  // namespace pe::host
