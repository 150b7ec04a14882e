// exporter.cpp — startup, signal handling and graceful shutdown.
#include "app/exporter.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/agent_mode.hpp"
#include "app/exporter_runtime.hpp"
#include "app/service_notifier.hpp"
#include "collect/collector_factory.hpp"
#include "collect/self_metrics.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_loader.hpp"
#include "dialin/dialin_hub.hpp"
#include "http/endpoints.hpp"
#include "http/http_server.hpp"
#include "http/serving_state.hpp"
#include "plugin/host_api.hpp"

namespace pe::host {
namespace {

ConfigOverrides overrides_of(const CliOptions& o) {
  return ConfigOverrides{o.listen_addresses, o.plugin_dir};
}

// An agent answers a hub's scrape the way /metrics answers a scraper.
dialin::ScrapeReply agent_scrape(const dialin::ScrapeRequest& req, ServingStateHolder& holder,
                                 ServerContext& ctx) {
  dialin::ScrapeReply reply;
  std::shared_ptr<const ServingState> state = holder.get();
  if (!state) {
    reply.status = 503;
    reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    reply.body = "not ready\n";
    return reply;
  }
  HeaderList query;
  for (const std::string& c : req.collectors) query.emplace_back("collector", c);
  const bool gzip = req.accept_encoding.find("gzip") != std::string::npos;
  ScrapeResponse r = produce_scrape(query, std::to_string(req.timeout_s),
                                    negotiate_format(req.accept), gzip, *state, ctx);
  reply.status = r.status;
  reply.headers = {{"Content-Type", r.content_type}};
  if (r.gzipped) reply.headers.emplace_back("Content-Encoding", "gzip");
  if (r.body) reply.body = *r.body;
  return reply;
}

// Blocks the signals this thread takes synchronously (SIGINT, SIGTERM,
// SIGHUP; every thread started afterwards inherits the block) and ignores
// SIGPIPE. Returns the set to wait on.
sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

// Reloads on SIGHUP until SIGINT or SIGTERM arrives; returns that signal.
int serve_until_stopped(const sigset_t& signals, ServerContext& ctx) {
  int sig = 0;
  for (;;) {
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig != SIGHUP) return sig;
    std::string error;
    ctx.reload(error);  // logs and notifies either way
  }
}

// Drains the collect pool and destroys the collectors by `deadline`; a
// plugin call that never returned still runs, so the process then exits
// without unwinding globals under it.
void stop_collectors(ExporterRuntime& runtime, ServingStateHolder& holder, int64_t deadline) {
  long left_ms = std::max<int64_t>(0, (deadline - monotonic_now_ns()) / 1000000);
  std::size_t stuck = runtime.pool().shutdown(left_ms);
  holder.set(nullptr);
  bool all_destroyed = runtime.shutdown(deadline);
  log(LogLevel::info, "stopped", {{"stuck_collects", std::to_string(stuck)}});
  if (stuck > 0 || !all_destroyed) {
    std::fflush(nullptr);
    std::_Exit(0);
  }
}

void print_errors(const ConfigErrors& errors) {
  for (const ConfigError& e : errors) std::cerr << e.to_string() << "\n";
}

}  // namespace

int check_config(const CliOptions& options) {
  LoadResult loaded = load_config_file(options.config_file, overrides_of(options));
  ConfigErrors errors = check_configuration(loaded);
  if (!errors.empty()) {
    print_errors(errors);
    return 1;
  }
  const std::size_t n = loaded.config->collectors.size();
  std::cout << options.config_file << ": OK (" << n << (n == 1 ? " collector" : " collectors")
            << ")\n";
  return 0;
}

int run_exporter(const CliOptions& options) {
  const sigset_t signals = block_signals();

  SelfMetrics self_metrics;
  ServingStateHolder holder;
  ExporterRuntime runtime(options, self_metrics, holder);
  if (!runtime.start()) return 1;
  std::shared_ptr<const ExporterConfig> config = runtime.config();

  ServerContext ctx(holder, self_metrics);
  ctx.reload = [&runtime](std::string& error) {
    notify_service_manager("RELOADING=1\nSTATUS=reloading the configuration");
    bool ok = runtime.reload(error);
    notify_service_manager(ok ? "READY=1\nSTATUS=serving"
                              : "READY=1\nSTATUS=serving; the last reload failed, see the log");
    return ok;
  };
  ctx.clear_quarantine = [&runtime](const std::string& collector, std::string& message) {
    return runtime.clear_quarantine(collector, message);
  };
  ctx.status = &runtime.status_board();
  // [dialin]: agents dial in on /agents/connect; the hub outlives the server.
  std::unique_ptr<dialin::DialinHub> hub;
  if (config->dialin) {
    hub = std::make_unique<dialin::DialinHub>(*config->dialin, config->web.scrape_timeout_offset);
    ctx.agents = hub.get();
    self_metrics.set_extra_exporter("dialin",
                                    [h = hub.get()](MetricSet& set) { h->export_to(set); });
  }
  if (hub) runtime.status_board().set_agents([h = hub.get()] { return h->agent_status(); });
  // [agent]: dial out to the hubs; made once the server runs, reconfigured
  // by every reload, stopped before the collectors go.
  AgentMode agent(
      [&holder, &ctx](const dialin::ScrapeRequest& req) { return agent_scrape(req, holder, ctx); },
      self_metrics, runtime.status_board());
  ctx.reload = [&runtime, &agent, h = hub.get(), reload = ctx.reload](std::string& error) {
    if (!reload(error)) return false;
    const auto reloaded = runtime.config();
    if (h && reloaded->dialin)
      h->reconfigure(*reloaded->dialin);  // the tokens and clients apply to the running hub
    else if (h)
      log(LogLevel::warn, "[dialin] was removed; the hub keeps serving until the next start");
    agent.apply(reloaded->agent);
    return true;
  };
  struct ExporterRemoval {
    SelfMetrics& metrics;
    StatusBoard& board;
    ~ExporterRemoval() {
      metrics.set_extra_exporter("dialin", nullptr);
      board.set_agents(nullptr);
    }
  } remove_hub_exporter{self_metrics, runtime.status_board()};
  HttpServer server(config->web, ctx);
  if (hub) server.add_websocket(dialin::kConnectPath, hub->websocket_handler());
  try {
    server.start();
  } catch (const std::exception& e) {
    log(LogLevel::error, "cannot start the HTTP server", {{"error", e.what()}});
    runtime.shutdown(monotonic_now_ns());
    return 1;
  }
  runtime.status_board().set_listeners(server.bound_addresses());
  agent.apply(runtime.config()->agent);
  ctx.ready = true;
  notify_service_manager("READY=1\nSTATUS=serving");
  for (const std::string& a : server.bound_addresses())
    log(LogLevel::info, "listening", {{"address", a}});
  log(LogLevel::info, "plugin_exporter started",
      {{"config", options.config_file}, {"collectors", std::to_string(config->collectors.size())}});

  const int sig = serve_until_stopped(signals, ctx);
  log(LogLevel::info, "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  notify_service_manager("STOPPING=1");
  const auto grace =
      std::chrono::duration_cast<std::chrono::milliseconds>(runtime.config()->web.shutdown_grace);
  const int64_t deadline =
      monotonic_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(grace).count();
  ctx.stopping = true;
  server.stop(static_cast<long>(grace.count()));
  agent.stop();
  runtime.stop_remote_write();
  stop_collectors(runtime, holder, deadline);
  return 0;
}

}  // namespace pe::host
