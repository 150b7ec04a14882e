// running_program_cap.cpp — a lock-free counter against the smallest
// registered limit.
#include "running_program_cap.hpp"

namespace pe::script {

RunningProgramCap& RunningProgramCap::process() {
  static RunningProgramCap cap;
  return cap;
}

std::optional<RunningProgramCap::Slot> RunningProgramCap::try_acquire() {
  int current = running_.load(std::memory_order_acquire);
  for (;;) {
    if (current >= limit()) return std::nullopt;
    if (running_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel))
      return Slot(this);
  }
}

void RunningProgramCap::register_limit(int limit) {
  std::lock_guard lock(mu_);
  ++limits_[limit];
  limit_.store(limits_.begin()->first, std::memory_order_release);
}

void RunningProgramCap::unregister_limit(int limit) {
  std::lock_guard lock(mu_);
  auto it = limits_.find(limit);
  if (it != limits_.end() && --it->second == 0) limits_.erase(it);
  limit_.store(limits_.empty() ? kDefaultLimit : limits_.begin()->first, std::memory_order_release);
}

}  // namespace pe::script
