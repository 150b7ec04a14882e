// restart_policy.hpp — when an isolated collector's child process may be
// started again after it died, and when the collector is quarantined
// instead. Pure arithmetic over the times it is given (an injectable clock:
// unit tests need no sleeps):
//   - the first death restarts at once, each further one waits twice as long
//     as the last, from 1 s up to 5 min;
//   - a child that ran 10 min without dying resets the doubling;
//   - 5 deaths within 10 min, or 2 before the first successful collect,
//     quarantine the collector.
//
// Thread-safety: none; the owner (ProcessSupervisor) guards it.
#pragma once

#include <cstdint>
#include <deque>

namespace pe::host::isolation {

class RestartPolicy {
 public:
  static constexpr int64_t kSecond = 1'000'000'000;
  static constexpr int64_t kFirstBackoffNs = 1 * kSecond;
  static constexpr int64_t kMaxBackoffNs = 300 * kSecond;
  static constexpr int64_t kHealthyResetNs = 600 * kSecond;
  static constexpr int64_t kWindowNs = 600 * kSecond;
  static constexpr std::size_t kDeathsInWindow = 5;
  static constexpr std::size_t kDeathsBeforeSuccess = 2;

  // A child started (at creation or a restart) at `now_ns`.
  void started(int64_t now_ns) noexcept { started_ns_ = now_ns; }
  // A collect of the child succeeded.
  void succeeded() noexcept { ever_succeeded_ = true; }
  // The child died at `now_ns` (crash, deadline kill, protocol error).
  // Returns true when the collector is to be quarantined now.
  bool died(int64_t now_ns);
  // The child was replaced on purpose (max_collects / rss_limit): no backoff.
  void recycled() noexcept {}

  // Earliest time a new child may start (meaningful after died()).
  int64_t restart_at_ns() const noexcept { return restart_at_ns_; }
  // The delay the last died() chose (0 for an immediate restart).
  int64_t last_delay_ns() const noexcept { return last_delay_ns_; }
  bool quarantined() const noexcept { return quarantined_; }
  std::size_t deaths_in_window() const noexcept { return deaths_.size(); }

 private:
  int64_t started_ns_ = 0;
  int64_t restart_at_ns_ = 0;
  int64_t last_delay_ns_ = 0;
  int consecutive_ = 0;  // deaths since the last healthy stretch
  bool ever_succeeded_ = false;
  std::size_t deaths_before_success_ = 0;
  bool quarantined_ = false;
  std::deque<int64_t> deaths_;  // within kWindowNs of the last one
};

}  // namespace pe::host::isolation
