// network_policy_test.cpp — per-listener CIDR allowlists (v4, v6, mapped)
// and the per-identity token-bucket rate limit.
#include <gtest/gtest.h>

#include <thread>

#include "auth/cidr_allowlist.hpp"
#include "auth/rate_limiter.hpp"

using namespace pe::host;

TEST(CidrAllowlist, MatchesV4AndV6Networks) {
  std::string error;
  auto list = CidrAllowlist::parse({"127.0.0.0/8", "10.1.2.3", "fd00::/8", "::1/128"}, error);
  ASSERT_TRUE(list) << error;
  EXPECT_TRUE(list->allows("127.0.0.1"));
  EXPECT_TRUE(list->allows("127.255.0.9"));
  EXPECT_TRUE(list->allows("10.1.2.3"));
  EXPECT_FALSE(list->allows("10.1.2.4"));
  EXPECT_TRUE(list->allows("::1"));
  EXPECT_TRUE(list->allows("[::1]"));
  EXPECT_TRUE(list->allows("fd12:3456::1"));
  EXPECT_FALSE(list->allows("fe80::1"));
  EXPECT_TRUE(list->allows("::ffff:127.0.0.1"));  // IPv4-mapped
  EXPECT_FALSE(list->allows("192.168.0.1"));
  EXPECT_FALSE(list->allows("not-an-ip"));
}

TEST(CidrAllowlist, EmptyAllowsEveryoneAndBadEntriesAreErrors) {
  std::string error;
  auto empty = CidrAllowlist::parse({}, error);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->allows("203.0.113.1"));
  EXPECT_FALSE(CidrAllowlist::parse({"10.0.0.0/33"}, error));
  EXPECT_NE(error.find("prefix length must be 0-32"), std::string::npos) << error;
  EXPECT_FALSE(CidrAllowlist::parse({"example.com"}, error));
  EXPECT_NE(error.find("not an IP address"), std::string::npos);
  EXPECT_FALSE(CidrAllowlist::parse({"::/129"}, error));
}

TEST(CidrAllowlist, PrefixBoundaries) {
  std::string error;
  auto list = CidrAllowlist::parse({"192.168.4.0/22"}, error);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->allows("192.168.4.0"));
  EXPECT_TRUE(list->allows("192.168.7.255"));
  EXPECT_FALSE(list->allows("192.168.8.0"));
  EXPECT_FALSE(list->allows("192.168.3.255"));
}

TEST(RateLimiter, BurstThenRefill) {
  RateLimiter limiter(20, 3);
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
  EXPECT_GT(limiter.retry_after("a"), 0.0);
  EXPECT_TRUE(limiter.allow("b"));                              // buckets are per identity
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // 20/s: 2 tokens back
  EXPECT_TRUE(limiter.allow("a"));
  RateLimiter off(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.allow("x"));
}
