// merged_scrape.hpp — the agents merged into the hub's own /metrics (the
// reverse_exporter way; a token's `merge = true`): one scrape is sent to each
// connected agent of such a token at once, each answer parsed (text or
// OpenMetrics, gzip undone) and labelled alias / hostname / service (the
// agent's own labels of those names move to exported_<name>). wait() returns
// what arrived by the deadline: an agent that is slow, failing or gone
// contributes nothing and never fails the hub's scrape.
//
// Thread-safety: the agents' answers arrive on any thread (one mutex and a
// condition variable); wait() is called once, by the scrape's thread. Late
// answers after wait() returned are dropped (the state is shared, so they are
// safe).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "dialin/agent_registry.hpp"
#include "dialin/hub_metrics.hpp"
#include "http/agent_routes.hpp"

namespace pe::host::dialin {

class MergedScrape : public MergedAgentScrape {
 public:
  // Scrapes every entry of `agents` that has a live link in `registry`,
  // each with `timeout_s`; counted in `metrics` like scrapes through the hub.
  MergedScrape(AgentRegistry& registry, HubMetrics& metrics, const std::vector<AgentEntry>& agents,
               double timeout_s);
  std::vector<Agent> wait() override;

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t pending = 0;
    bool waited = false;  // wait() returned: later answers are dropped
    std::vector<Agent> answered;
  };
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace pe::host::dialin
