// monotonic_clock.hpp — CLOCK_MONOTONIC in nanoseconds, the clock the host's
// collect deadlines are expressed in.
#pragma once

#include <time.h>

#include <cstdint>

namespace pe::postgres {

inline int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace pe::postgres
