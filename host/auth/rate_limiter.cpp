// rate_limiter.cpp — token buckets keyed by identity.
#include "auth/rate_limiter.hpp"

#include <algorithm>

namespace pe::host {

void RateLimiter::refill(Bucket& b, std::chrono::steady_clock::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
  b.last = now;
}

bool RateLimiter::allow(const std::string& identity) {
  if (!enabled()) return true;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (now - last_sweep_ > std::chrono::minutes(1)) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      if (now - it->second.last > std::chrono::minutes(1))
        it = buckets_.erase(it);
      else
        ++it;
    }
    last_sweep_ = now;
  }
  auto [it, fresh] = buckets_.try_emplace(identity, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) refill(b, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

double RateLimiter::retry_after(const std::string& identity) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(identity);
  if (it == buckets_.end() || it->second.tokens >= 1 || rate_ <= 0) return 0;
  return (1 - it->second.tokens) / rate_;
}

}  // namespace pe::host
