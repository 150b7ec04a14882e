// retry_policy.cpp — status classification, Retry-After parsing, backoff.
#include "remote_write/retry_policy.hpp"

#include <algorithm>
#include <ctime>
#include <string>

#include "plugin_exporter/text.hpp"

namespace pe::host::remote_write {

SendVerdict verdict_for(int status) noexcept {
  if (status >= 200 && status < 300) return SendVerdict::sent;
  if (status == 0 || status == 429 || (status >= 500 && status < 600)) return SendVerdict::retry;
  return SendVerdict::drop;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  bool digits = true;
  for (char c : value) digits &= c >= '0' && c <= '9';
  if (digits) {
    if (value.size() > 9) return std::chrono::milliseconds(999'999'999LL * 1000);
    long long s = 0;
    for (char c : value) s = s * 10 + (c - '0');
    return std::chrono::milliseconds(s * 1000);
  }
  // IMF-fixdate, the only form HTTP/1.1 senders generate.
  if (value.size() > 64) return std::nullopt;
  std::string text(value);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // In whole seconds (time_t): a date of year 0 or 99999 must not overflow
  // a nanosecond clock (found by fuzz_remote_write_answer).
  const time_t when = timegm(&tm);
  const time_t now_s = std::chrono::system_clock::to_time_t(now);
  if (when <= now_s) return std::chrono::milliseconds(0);
  const long long delta_s = std::min<long long>(static_cast<long long>(when - now_s), 999'999'999);
  return std::chrono::milliseconds(delta_s * 1000);
}

std::chrono::nanoseconds Backoff::next(double random01) noexcept {
  step_ = step_ == std::chrono::nanoseconds::zero() ? min_ : std::min(step_ * 2, max_);
  auto half = step_ / 2;
  return half + std::chrono::nanoseconds(
                    static_cast<int64_t>(static_cast<double>((step_ - half).count()) * random01));
}

}  // namespace pe::host::remote_write
