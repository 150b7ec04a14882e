// rate_limiter.hpp — a token bucket per identity: `rate` requests per second
// on average, bursts up to `burst`. Requests beyond are answered 429.
// Buckets of identities idle for a minute are forgotten.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pe::host {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}
  bool enabled() const noexcept { return rate_ > 0; }
  // Takes one token for `identity`; false when its bucket is empty.
  bool allow(const std::string& identity);
  // Seconds until `identity` has a token again (for Retry-After).
  double retry_after(const std::string& identity);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  void refill(Bucket& b, std::chrono::steady_clock::time_point now) const;
  double rate_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::chrono::steady_clock::time_point last_sweep_{};
};

}  // namespace pe::host
