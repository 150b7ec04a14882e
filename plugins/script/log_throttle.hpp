// log_throttle.hpp — at most one log message per interval for one kind of
// event (a program's stderr, unknown scrape parameters), counting what was
// held back so the next message can say so. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

namespace pe::script {

class LogThrottle {
 public:
  explicit LogThrottle(int64_t interval_ns) : interval_ns_(interval_ns) {}

  // True if a message may be written now; `suppressed` then receives how
  // many were held back since the last one.
  bool allow(int64_t now_ns, uint64_t& suppressed) {
    std::lock_guard lock(mu_);
    if (logged_once_ && now_ns - last_ns_ < interval_ns_) {
      ++suppressed_;
      return false;
    }
    logged_once_ = true;
    last_ns_ = now_ns;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  const int64_t interval_ns_;
  std::mutex mu_;
  bool logged_once_ = false;
  int64_t last_ns_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace pe::script
