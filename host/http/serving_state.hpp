// serving_state.hpp — everything a request needs from one loaded
// configuration: the collectors, the orchestrator, plugin routes, auth and
// the redacted config. Swapped as a whole (a reload replaces the pointer;
// requests in flight keep the state they started with).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/rate_limiter.hpp"
#include "collect/collector.hpp"
#include "collect/quarantine.hpp"
#include "collect/scrape_orchestrator.hpp"
#include "config/exporter_config.hpp"
#include "http/plugin_route_table.hpp"

namespace pe::host {

// The authenticator and rate limiter keep caches and counters, so the
// (otherwise immutable) state owns them behind pointers.
struct ServingState {
  std::shared_ptr<const ExporterConfig> config;
  std::unique_ptr<ScrapeOrchestrator> orchestrator;
  PluginRouteTable routes;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<RateLimiter> rate_limiter;
  std::string configz_json;
  std::vector<QuarantineEntry> quarantined;  // configured but not created (collect/quarantine.hpp)
};

class ServingStateHolder {
 public:
  std::shared_ptr<const ServingState> get() const {
    std::lock_guard lock(mu_);
    return state_;
  }
  void set(std::shared_ptr<const ServingState> s) {
    std::lock_guard lock(mu_);
    state_ = std::move(s);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ServingState> state_;
};

}  // namespace pe::host
