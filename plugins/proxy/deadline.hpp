// deadline.hpp — the point in time (CLOCK_MONOTONIC, the clock of the host's
// collect deadlines) by which a backend exchange must be over.
#pragma once

#include <chrono>
#include <cstdint>

namespace pe::proxy {

class Deadline {
 public:
  explicit Deadline(int64_t monotonic_ns) : at_ns_(monotonic_ns) {}
  static Deadline in(std::chrono::nanoseconds d) { return Deadline(now_ns() + d.count()); }

  // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux, as the host's is.
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t at_ns() const noexcept { return at_ns_; }
  int64_t remaining_ns() const { return at_ns_ - now_ns(); }
  bool passed() const { return remaining_ns() <= 0; }

 private:
  int64_t at_ns_;
};

}  // namespace pe::proxy
