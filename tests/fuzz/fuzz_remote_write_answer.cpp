// fuzz_remote_write_answer.cpp — what the remote write sender reads from a
// receiver's answer: Retry-After (delta-seconds or an HTTP date) and the
// status verdict. Never crashes; a delay is never negative.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "remote_write/retry_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace pe::host::remote_write;
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::from_time_t(1700000000);
  if (auto d = parse_retry_after(value, now); d && d->count() < 0) std::abort();
  int status = size >= 2 ? (data[0] << 8 | data[1]) % 1000 : 0;
  SendVerdict v = verdict_for(status);
  if (v != SendVerdict::sent && v != SendVerdict::retry && v != SendVerdict::drop) std::abort();
  return 0;
}
