// restart_policy.cpp — the backoff and quarantine arithmetic.
#include "isolation/restart_policy.hpp"

#include <algorithm>

namespace pe::host::isolation {

bool RestartPolicy::died(int64_t now_ns) {
  if (now_ns - started_ns_ >= kHealthyResetNs) consecutive_ = 0;  // it ran long enough
  deaths_.push_back(now_ns);
  while (!deaths_.empty() && now_ns - deaths_.front() >= kWindowNs) deaths_.pop_front();
  if (!ever_succeeded_) ++deaths_before_success_;
  if (deaths_.size() >= kDeathsInWindow || deaths_before_success_ >= kDeathsBeforeSuccess)
    quarantined_ = true;
  if (consecutive_ == 0) {
    last_delay_ns_ = 0;
  } else {
    int64_t d = kFirstBackoffNs;
    for (int i = 1; i < consecutive_ && d < kMaxBackoffNs; ++i) d *= 2;
    last_delay_ns_ = std::min(d, kMaxBackoffNs);
  }
  ++consecutive_;
  restart_at_ns_ = now_ns + last_delay_ns_;
  return quarantined_;
}

}  // namespace pe::host::isolation
