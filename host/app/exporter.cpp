// exporter.cpp — startup, signal handling and graceful shutdown.
#include "app/exporter.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/self_metrics.hpp"
#include "app/serving_state.hpp"
#include "collect/collector_factory.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_document.hpp"
#include "config/config_loader.hpp"
#include "config/config_redaction.hpp"
#include "http/http_server.hpp"
#include "plugin/host_api.hpp"

namespace pe::host {
namespace {

ConfigOverrides overrides_of(const CliOptions& o) {
  return ConfigOverrides{o.listen_addresses, o.plugin_dir};
}

void print_errors(const ConfigErrors& errors) {
  for (const ConfigError& e : errors) std::cerr << e.to_string() << "\n";
}

std::size_t pool_size(const ExporterConfig& cfg) {
  if (cfg.collector_threads > 0) return static_cast<std::size_t>(cfg.collector_threads);
  // Each collector runs at most one collect per parameter set; leave room for
  // parameterised and stuck ones.
  return std::max<std::size_t>(8, cfg.collectors.size() * 4);
}

}  // namespace

int check_config(const CliOptions& options) {
  LoadResult loaded = load_config_file(options.config_file, overrides_of(options));
  if (!loaded.config) {
    print_errors(loaded.errors);
    return 1;
  }
  CreatedCollectors created = create_collectors(*loaded.config, /*check_only=*/true);
  if (!created.errors.empty()) {
    print_errors(created.errors);
    return 1;
  }
  std::cout << options.config_file << ": OK (" << loaded.config->collectors.size()
            << " collectors)\n";
  return 0;
}

int run_exporter(const CliOptions& options) {
  // Signals are taken synchronously by this thread; every thread started
  // from here on inherits the block.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  SelfMetrics self_metrics;
  LoadResult loaded = load_config_file(options.config_file, overrides_of(options));
  if (!loaded.config) {
    for (const ConfigError& e : loaded.errors)
      log(LogLevel::error, "invalid configuration", {{"error", e.to_string()}});
    return 1;
  }
  auto config = std::make_shared<const ExporterConfig>(std::move(*loaded.config));
  CreatedCollectors created = create_collectors(*config, /*check_only=*/false);
  if (!created.errors.empty()) {
    for (const ConfigError& e : created.errors)
      log(LogLevel::error, "invalid configuration", {{"error", e.to_string()}});
    return 1;
  }

  WorkerPool pool(pool_size(*config));
  auto state = std::make_shared<ServingState>();
  state->config = config;
  state->auth = std::make_unique<Authenticator>(config->auth);
  state->rate_limiter =
      std::make_unique<RateLimiter>(config->auth.rate_limit, config->auth.rate_limit_burst);
  for (const auto& c : created.collectors) {
    std::string error;
    if (!state->routes.add(c, error)) {
      log(LogLevel::error, "invalid configuration", {{"error", error}});
      for (auto& col : created.collectors) col->destroy(monotonic_now_ns());
      return 1;
    }
  }
  state->configz_json = redacted_config_json(*config->document);
  state->orchestrator = std::make_unique<ScrapeOrchestrator>(created.collectors, pool, self_metrics,
                                                             config->web.scrape_timeout_offset);
  self_metrics.config_loaded(true);

  ServingStateHolder holder;
  holder.set(state);
  ServerContext ctx(holder, self_metrics);
  HttpServer server(config->web, ctx);
  try {
    server.start();
  } catch (const std::exception& e) {
    log(LogLevel::error, "cannot start the HTTP server", {{"error", e.what()}});
    for (auto& c : created.collectors) c->destroy(monotonic_now_ns());
    return 1;
  }
  ctx.ready = true;
  for (const std::string& a : server.bound_addresses())
    log(LogLevel::info, "listening", {{"address", a}});
  log(LogLevel::info, "plugin_exporter started",
      {{"config", options.config_file}, {"collectors", std::to_string(created.collectors.size())}});

  int sig = 0;
  for (;;) {
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log(LogLevel::warn, "SIGHUP received; hot reload is not supported yet, restart to apply changes");
      continue;
    }
    break;
  }

  log(LogLevel::info, "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  const auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(config->web.shutdown_grace);
  const int64_t deadline = monotonic_now_ns() +
                           std::chrono::duration_cast<std::chrono::nanoseconds>(grace).count();
  ctx.stopping = true;
  server.stop(static_cast<long>(grace.count()));
  long left_ms = std::max<int64_t>(0, (deadline - monotonic_now_ns()) / 1000000);
  std::size_t stuck = pool.shutdown(left_ms);
  bool all_destroyed = true;
  holder.set(nullptr);
  state.reset();
  for (auto& c : created.collectors) all_destroyed &= c->destroy(deadline);
  created.collectors.clear();
  log(LogLevel::info, "stopped", {{"stuck_collects", std::to_string(stuck)}});
  if (stuck > 0 || !all_destroyed) {
    // A plugin call that never returned still runs: do not unwind globals
    // under it.
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}

}  // namespace pe::host
