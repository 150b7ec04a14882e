// in_flight_collect.cpp — completion and bounded waiting of a shared collect.
#include "collect/in_flight_collect.hpp"

#include <chrono>

namespace pe::host {

std::string_view to_string(CollectStatus s) noexcept {
  switch (s) {
    case CollectStatus::ok:
      return "ok";
    case CollectStatus::error:
      return "error";
    case CollectStatus::timeout:
      return "timeout";
    case CollectStatus::bad_request:
      return "bad_request";
    case CollectStatus::busy:
      return "busy";
    case CollectStatus::unavailable:
      return "unavailable";
  }
  return "error";
}

void InFlightCollect::complete(CollectOutcome outcome) {
  {
    std::lock_guard lock(mu_);
    outcome_ = std::move(outcome);
    done_ = true;
  }
  cv_.notify_all();
}

std::optional<CollectOutcome> InFlightCollect::wait_until(int64_t deadline_ns) {
  // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux, the deadlines' clock.
  std::chrono::steady_clock::time_point until{std::chrono::nanoseconds(deadline_ns)};
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, until, [&] { return done_; })) return std::nullopt;
  return outcome_;
}

bool InFlightCollect::done() const {
  std::lock_guard lock(mu_);
  return done_;
}

}  // namespace pe::host
