// run_coalescer.hpp — single-flight by validated parameters: while a run for
// a key is in progress, collects with the same key wait for it (each until
// its own deadline) instead of starting another program. The host already
// coalesces scrapes with identical query strings; this also covers scrapes
// that differ only in parameters the allowlist drops, and the plugin's own
// concurrent collects (PE_CAP_CONCURRENT_COLLECT). The single-flight is the
// SDK's pe::SingleFlight; this adds the script's answers: a run that throws
// gives its waiters a failed outcome, a waiter whose deadline passes gets null.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "plugin_exporter/single_flight.hpp"
#include "run_outcome.hpp"

namespace pe::script {

class RunCoalescer {
 public:
  struct Shared {
    SharedOutcome outcome;  // null: the deadline passed while waiting for another's run
    bool led = false;       // this caller ran `fn` itself
  };

  // Deadlines are on `clock` (the host's: api->monotonic_ns).
  explicit RunCoalescer(pe::MonotonicClock clock) : flights_(clock) {}

  // Runs fn() (returning SharedOutcome) unless a run for `key` is in flight;
  // then waits for that one until deadline_ns. An exception from fn reaches
  // this caller; its waiters get a failed outcome.
  template <class Fn>
  Shared run(const std::string& key, int64_t deadline_ns, Fn&& fn) {
    auto ran = flights_.run(
        key, deadline_ns,
        [&]() -> SharedOutcome {
          SharedOutcome o = fn();
          return o ? o : failed_inside();
        },
        [](std::exception_ptr) noexcept { return failed_inside(); });
    return Shared{ran.result.value_or(nullptr), ran.led};
  }

  std::size_t in_flight() const { return flights_.in_flight(); }

 private:
  static SharedOutcome failed_inside() {
    auto failed = std::make_shared<RunOutcome>();
    failed->reason = "the run failed inside the plugin";
    return failed;
  }

  pe::SingleFlight<std::string, SharedOutcome> flights_;
};

}  // namespace pe::script
