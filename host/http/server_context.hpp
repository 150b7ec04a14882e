// server_context.hpp — process-wide state the HTTP handlers share: the
// current serving state, self-metrics, the concurrent-scrape gate and the
// readiness flags.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "app/self_metrics.hpp"
#include "app/serving_state.hpp"
#include "auth/rate_limiter.hpp"
#include "http/connection_watchdog.hpp"
#include "http/scrape_coalescer.hpp"

namespace pe::host {

struct ServerContext {
  ServerContext(ServingStateHolder& s, SelfMetrics& m) : state(s), metrics(m) {}

  ServingStateHolder& state;
  SelfMetrics& metrics;
  std::atomic<int> scrapes_in_flight{0};
  std::atomic<bool> ready{false};     // configuration loaded, collectors created
  std::atomic<bool> stopping{false};  // shutdown began: /readyz says so
  ConnectionWatchdog watchdog;        // header/body deadlines of every connection
  ScrapeCoalescer scrapes;            // one response for concurrent identical scrapes
  // Hot reload (POST /-/reload); false with the reason when the running
  // configuration was kept.
  std::function<bool(std::string& error)> reload;

  // Logs a message once per key (e.g. a type conflict per collector+family).
  bool first_time(const std::string& key) {
    std::lock_guard lock(once_mu_);
    if (once_.size() > 10000) return false;
    return once_.insert(key).second;
  }

 private:
  std::mutex once_mu_;
  std::set<std::string> once_;
};

}  // namespace pe::host
