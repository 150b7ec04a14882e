// deadline.hpp — the point in time (on the host's monotonic clock, the clock
// of the collect deadlines) by which a backend exchange must be over.
// Thread-safety: a value; const members may be called from any thread.
#pragma once

#include <cstdint>

#include "plugin_exporter/host_clock.hpp"

namespace pe::proxy {

class Deadline {
 public:
  // `clock` is the host's (api->monotonic_ns), so a fake host's clock drives it.
  Deadline(int64_t monotonic_ns, pe::MonotonicClock clock) : at_ns_(monotonic_ns), clock_(clock) {}

  int64_t at_ns() const noexcept { return at_ns_; }
  int64_t remaining_ns() const { return at_ns_ - clock_(); }
  bool passed() const { return remaining_ns() <= 0; }

 private:
  int64_t at_ns_;
  pe::MonotonicClock clock_;
};

}  // namespace pe::proxy
