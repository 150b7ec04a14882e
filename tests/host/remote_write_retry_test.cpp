// remote_write_retry_test.cpp — the spec's retry rules: which statuses are
// retried, Retry-After in both forms (and garbage), backoff bounds.
#include <gtest/gtest.h>

#include "remote_write/retry_policy.hpp"

using namespace pe::host::remote_write;
using namespace std::chrono_literals;

TEST(RemoteWriteRetry, StatusVerdicts) {
  EXPECT_EQ(verdict_for(200), SendVerdict::sent);
  EXPECT_EQ(verdict_for(204), SendVerdict::sent);
  EXPECT_EQ(verdict_for(0), SendVerdict::retry);  // no answer
  EXPECT_EQ(verdict_for(429), SendVerdict::retry);
  EXPECT_EQ(verdict_for(500), SendVerdict::retry);
  EXPECT_EQ(verdict_for(503), SendVerdict::retry);
  EXPECT_EQ(verdict_for(400), SendVerdict::drop);
  EXPECT_EQ(verdict_for(401), SendVerdict::drop);
  EXPECT_EQ(verdict_for(404), SendVerdict::drop);
  EXPECT_EQ(verdict_for(413), SendVerdict::drop);
  EXPECT_EQ(verdict_for(302), SendVerdict::drop);
}

TEST(RemoteWriteRetry, RetryAfterSecondsAndDates) {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00
  EXPECT_EQ(parse_retry_after("120", now), 120000ms);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), 0ms);  // past
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("1.5", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT trailing", now));
  EXPECT_TRUE(parse_retry_after("99999999999999999999", now));  // clamped, not overflowed
  // Dates far outside the clock's range (found by the fuzzer): no overflow.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct  000 07:28:00 GMT", now), 0ms);
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), 999999999000ms);
}

TEST(RemoteWriteRetry, BackoffDoublesWithJitterUpToTheMaximum) {
  Backoff b(100ms, 1s);
  EXPECT_EQ(b.next(0.0), 50ms);              // step 100ms, jitter in [50, 100]
  EXPECT_EQ(b.next(0.999999), 199999900ns);  // step 200ms
  EXPECT_EQ(b.next(0.5), 300ms);             // step 400ms
  EXPECT_EQ(b.next(0.0), 400ms);             // step 800ms
  EXPECT_EQ(b.next(0.0), 500ms);             // step 1s (capped)
  EXPECT_EQ(b.next(0.0), 500ms);
  b.reset();
  EXPECT_EQ(b.next(1.0), 100ms);
}
