// exporter.cpp — startup, signal handling and graceful shutdown.
#include "app/exporter.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/exporter_runtime.hpp"
#include "app/service_notifier.hpp"
#include "collect/collector_factory.hpp"
#include "collect/self_metrics.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_loader.hpp"
#include "http/http_server.hpp"
#include "http/serving_state.hpp"
#include "plugin/host_api.hpp"

namespace pe::host {
namespace {

ConfigOverrides overrides_of(const CliOptions& o) {
  return ConfigOverrides{o.listen_addresses, o.plugin_dir};
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
  HttpServer server(config->web, ctx);
  try {
    server.start();
  } catch (const std::exception& e) {
    log(LogLevel::error, "cannot start the HTTP server", {{"error", e.what()}});
    runtime.shutdown(monotonic_now_ns());
    return 1;
  }
  runtime.status_board().set_listeners(server.bound_addresses());
  ctx.ready = true;
  notify_service_manager("READY=1\nSTATUS=serving");
  for (const std::string& a : server.bound_addresses())
    log(LogLevel::info, "listening", {{"address", a}});
  log(LogLevel::info, "plugin_exporter started",
      {{"config", options.config_file}, {"collectors", std::to_string(config->collectors.size())}});

  int sig = 0;
  for (;;) {
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      std::string error;
      ctx.reload(error);  // logs and notifies either way
      continue;
    }
    break;
  }

  log(LogLevel::info, "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  notify_service_manager("STOPPING=1");
  config = runtime.config();
  const auto grace =
      std::chrono::duration_cast<std::chrono::milliseconds>(config->web.shutdown_grace);
  const int64_t deadline =
      monotonic_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(grace).count();
  ctx.stopping = true;
  server.stop(static_cast<long>(grace.count()));
  runtime.stop_remote_write();
  long left_ms = std::max<int64_t>(0, (deadline - monotonic_now_ns()) / 1000000);
  std::size_t stuck = runtime.pool().shutdown(left_ms);
  holder.set(nullptr);
  bool all_destroyed = runtime.shutdown(deadline);
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
