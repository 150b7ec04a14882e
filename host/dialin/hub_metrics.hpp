// hub_metrics.hpp — the hub's events as counters (the events
// dht-prom-client names, hub side): registrations, refusals by reason,
// connections opened and closed, scrapes through the hub by result, and
// their durations; exported with the per-agent gauges the registry gives.
//
// Thread-safety: counters are atomics; every member may be called from any
// thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dialin/agent_registry.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::dialin {

enum class Refusal : uint8_t {
  bad_hello,
  bad_token,
  alias_not_allowed,
  alias_taken,
  too_many_agents,
  hello_timeout,
  bad_certificate,  // no token, and no verified client certificate a [[dialin.client]] names
  count_
};
std::string_view refusal_name(Refusal r) noexcept;

enum class ScrapeResult : uint8_t {
  success,        // the agent answered 2xx
  error,          // the agent answered another status
  timeout,        // no answer in time (504)
  disconnected,   // the agent went away, or is not connected (503)
  busy,           // max_in_flight reached (503)
  unknown_agent,  // no such alias (404)
  count_
};
std::string_view scrape_result_name(ScrapeResult r) noexcept;

class HubMetrics {
 public:
  void refused(Refusal r) { refusals_[static_cast<std::size_t>(r)].fetch_add(1); }
  void registered() { registrations_.fetch_add(1); }
  void connection_opened() { opened_.fetch_add(1); }
  void connection_closed() { closed_.fetch_add(1); }
  void registry_write_failed() { registry_write_errors_.fetch_add(1); }
  void scraped(ScrapeResult r, double seconds);

  // Appends the hub's families; `agents` is the registry's snapshot.
  void export_to(MetricSet& set, const std::vector<AgentEntry>& agents,
                 std::size_t connected) const;

 private:
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(Refusal::count_)> refusals_{};
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(ScrapeResult::count_)> scrapes_{};
  std::atomic<uint64_t> scrape_micros_{0};
  std::atomic<uint64_t> registrations_{0}, opened_{0}, closed_{0}, registry_write_errors_{0};
};

}  // namespace pe::host::dialin
