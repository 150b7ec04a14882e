// run_coalescer.hpp — single-flight by validated parameters: while a run for
// a key is in progress, collects with the same key wait for it (each until
// its own deadline) instead of starting another program. The host already
// coalesces scrapes with identical query strings; this also covers scrapes
// that differ only in parameters the allowlist drops, and the plugin's own
// concurrent collects (PE_CAP_CONCURRENT_COLLECT).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "run_outcome.hpp"

namespace pe::script {

class RunCoalescer {
 public:
  struct Shared {
    SharedOutcome outcome;  // null: the deadline passed while waiting for another's run
    bool led = false;       // this caller ran `fn` itself
  };

  // Runs fn() (returning SharedOutcome) unless a run for `key` is in flight;
  // then waits for that one until deadline_ns (CLOCK_MONOTONIC).
  template <class Fn>
  Shared run(const std::string& key, int64_t deadline_ns, Fn&& fn) {
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      std::lock_guard lock(mu_);
      auto [it, inserted] = flights_.try_emplace(key);
      if (inserted) it->second = std::make_shared<Flight>();
      flight = it->second;
      leader = inserted;
    }
    if (!leader) return Shared{flight->wait_until(deadline_ns), false};

    // Completes the flight even if fn throws, so no waiter hangs.
    struct Completion {
      RunCoalescer& self;
      const std::string& key;
      Flight& flight;
      SharedOutcome outcome;
      ~Completion() {
        {
          std::lock_guard lock(self.mu_);
          self.flights_.erase(key);
        }
        if (!outcome) {
          auto failed = std::make_shared<RunOutcome>();
          failed->reason = "the run failed inside the plugin";
          outcome = std::move(failed);
        }
        flight.complete(outcome);
      }
    } completion{*this, key, *flight, nullptr};
    completion.outcome = fn();
    return Shared{completion.outcome, true};
  }

  std::size_t in_flight() const {
    std::lock_guard lock(mu_);
    return flights_.size();
  }

 private:
  class Flight {
   public:
    void complete(SharedOutcome outcome) {
      {
        std::lock_guard lock(mu_);
        outcome_ = std::move(outcome);
      }
      cv_.notify_all();
    }
    SharedOutcome wait_until(int64_t deadline_ns) {
      // steady_clock is CLOCK_MONOTONIC on Linux.
      std::chrono::steady_clock::time_point until{std::chrono::nanoseconds(deadline_ns)};
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, until, [&] { return outcome_ != nullptr; });
      return outcome_;
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    SharedOutcome outcome_;
  };

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace pe::script
