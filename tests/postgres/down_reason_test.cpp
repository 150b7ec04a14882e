// down_reason_test.cpp — connection failures become a small, fixed set of
// pg_down_reason values (messages as libpq 15 and PostgreSQL 15 word them).
#include <gtest/gtest.h>

#include "down_reason.hpp"

namespace pe::postgres {
namespace {

TEST(DownReason, ClassifiesLibpqAndServerMessages) {
  EXPECT_EQ(classify_connect_failure(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs "
                "the server running on that host and accepting TCP/IP connections?",
                false),
            "unreachable");
  EXPECT_EQ(classify_connect_failure("connection to server on socket \"/tmp/.s.PGSQL.5432\" "
                                     "failed: No such file or directory",
                                     false),
            "unreachable");
  EXPECT_EQ(classify_connect_failure("connection to server at \"127.0.0.1\", port 5432 failed: "
                                     "FATAL:  password authentication failed for user \"mon\"",
                                     false),
            "auth_failed");
  EXPECT_EQ(classify_connect_failure("FATAL:  no pg_hba.conf entry for host \"127.0.0.1\"", false),
            "auth_failed");
  EXPECT_EQ(classify_connect_failure("FATAL:  role \"nobody\" does not exist", false), "auth_failed");
  EXPECT_EQ(classify_connect_failure("FATAL:  database \"nodb\" does not exist", false),
            "database_missing");
  EXPECT_EQ(classify_connect_failure("FATAL:  the database system is starting up", false),
            "starting_up");
  EXPECT_EQ(classify_connect_failure("FATAL:  the database system is shutting down", false),
            "shutting_down");
  EXPECT_EQ(classify_connect_failure("FATAL:  the database system is in recovery mode", false),
            "in_recovery");
  EXPECT_EQ(classify_connect_failure("FATAL:  the database system is not yet accepting "
                                     "connections",
                                     false),
            "in_recovery");
  EXPECT_EQ(classify_connect_failure("FATAL:  sorry, too many clients already", false),
            "too_many_connections");
  EXPECT_EQ(classify_connect_failure("FATAL:  remaining connection slots are reserved for "
                                     "non-replication superuser connections",
                                     false),
            "too_many_connections");
  EXPECT_EQ(classify_connect_failure("SSL error: certificate verify failed", false), "ssl");
  EXPECT_EQ(classify_connect_failure("anything at all", true), "timeout");
  EXPECT_EQ(classify_connect_failure("something new", false), "other");
}

TEST(DownReason, EveryReasonIsListed) {
  std::vector<std::string> listed;
  for (const char* const* r = down_reasons(); *r; ++r) listed.emplace_back(*r);
  for (const char* m : {"password authentication failed", "does not exist", "starting up",
                        "Connection refused", "too many clients", "SSL", "?"}) {
    std::string reason = classify_connect_failure(m, false);
    EXPECT_NE(std::find(listed.begin(), listed.end(), reason), listed.end()) << reason;
  }
}

}  // namespace
}  // namespace pe::postgres
