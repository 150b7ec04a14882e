// in_flight_collect.hpp — one running plugin collect that every concurrent
// scrape of the same collector (and parameters) waits on: single-flight.
// Each waiter waits only until its own deadline.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include "collect/collect_outcome.hpp"

namespace pe::host {

class InFlightCollect {
 public:
  InFlightCollect(int64_t started_ns, int64_t deadline_ns)
      : started_ns_(started_ns), deadline_ns_(deadline_ns) {}

  void complete(CollectOutcome outcome);
  // The outcome, if the collect finished by `deadline_ns` (CLOCK_MONOTONIC).
  std::optional<CollectOutcome> wait_until(int64_t deadline_ns);
  bool done() const;

  int64_t started_ns() const noexcept { return started_ns_; }
  int64_t deadline_ns() const noexcept { return deadline_ns_; }

 private:
  const int64_t started_ns_;
  const int64_t deadline_ns_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  CollectOutcome outcome_;
};

}  // namespace pe::host
