// bearer_auth_test.cpp — bearer token parsing and constant-time comparison.
#include "http/bearer_auth.hpp"

#include <gtest/gtest.h>

using pe::host::BearerAuth;
using pe::host::constant_time_equals;

TEST(BearerAuth, AcceptsEachConfiguredTokenWithItsIdentity) {
  BearerAuth auth({"first-token-123", "second-token-456"});
  EXPECT_EQ(auth.authenticate("Bearer first-token-123"), "bearer#1");
  EXPECT_EQ(auth.authenticate("bearer second-token-456"), "bearer#2");
  EXPECT_EQ(auth.authenticate("BEARER   second-token-456  "), "bearer#2");
}

TEST(BearerAuth, RefusesEverythingElse) {
  BearerAuth auth({"first-token-123"});
  for (const char* h : {"", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer first-token-12",
                        "Bearer first-token-1234", "Bearer FIRST-TOKEN-123", "first-token-123"}) {
    EXPECT_FALSE(auth.authenticate(h).has_value()) << h;
  }
}

TEST(BearerAuth, ConstantTimeEqualsIsEquality) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}
