// retry_policy.hpp — what the remote write spec says to do with an answer:
// 2xx sent; 5xx and 429 (and transport failures) retried with exponential
// backoff and jitter, or after the receiver's Retry-After; every other status
// dropped and never retried. Also parses Retry-After (untrusted input).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pe::host::remote_write {

enum class SendVerdict { sent, retry, drop };

// `status` 0 means the request never got an answer (connect, TLS, timeout).
SendVerdict verdict_for(int status) noexcept;

// Retry-After as delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015
// 07:28:00 GMT", relative to `now`). nullopt when absent or malformed; a
// date in the past is zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Exponential backoff: starts at min, doubles per failed attempt up to max.
// Not thread-safe (one per sender).
class Backoff {
 public:
  Backoff(std::chrono::nanoseconds min, std::chrono::nanoseconds max) : min_(min), max_(max) {}
  // The delay before the next attempt: the current step with full jitter in
  // [step/2, step], then the step doubles. `random01` is in [0, 1).
  std::chrono::nanoseconds next(double random01) noexcept;
  void reset() noexcept { step_ = std::chrono::nanoseconds::zero(); }

 private:
  std::chrono::nanoseconds min_, max_;
  std::chrono::nanoseconds step_{0};
};

}  // namespace pe::host::remote_write
