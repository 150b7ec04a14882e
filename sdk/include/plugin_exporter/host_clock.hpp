// host_clock.hpp — the host's clocks as values a plugin keeps, and waiting on
// one. pe_host_api's monotonic_ns and realtime_ms take no handle, so code
// that measures deadlines, ages or TTLs can hold the function itself
// (api->monotonic_ns) instead of reading the system clock; a fake host's
// settable clock (testing/fake_host.hpp) then drives it in tests.
//
// Thread-safety: the clocks may be called from any thread; wait_until is
// called with the caller's lock held, like std::condition_variable's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace pe {

// Nanoseconds on CLOCK_MONOTONIC, the clock of every deadline: api->monotonic_ns.
using MonotonicClock = int64_t (*)();
// Milliseconds since the Unix epoch: api->realtime_ms.
using RealtimeClock = int64_t (*)();

// Waits on `cv` (with `lock` held) until `done()` or until `clock` reaches
// `deadline_ns`; returns done(). The time left is measured on `clock` and
// waited for in real time, then measured again: with the host's clock this is
// condition_variable::wait_until on CLOCK_MONOTONIC; a fake clock's deadline
// passes when the test moves the clock (noticed at the next wake-up).
template <class Done>
bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                MonotonicClock clock, int64_t deadline_ns, Done done) {
  // At most this long per wait, so a far deadline (INT64_MAX) never
  // overflows the condition variable's clock arithmetic.
  constexpr int64_t kMaxWaitNs = int64_t{3600} * 1'000'000'000;
  while (!done()) {
    const int64_t left = deadline_ns - clock();
    if (left <= 0) return false;
    cv.wait_for(lock, std::chrono::nanoseconds(left < kMaxWaitNs ? left : kMaxWaitNs));
  }
  return true;
}

}  // namespace pe
