// value_parsing_test.cpp — numbers as PostgreSQL prints them (durations in
// query files use the SDK's grammar: tests/sdk/duration_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "value_parsing.hpp"

namespace pe::postgres {
namespace {

TEST(SqlNumber, AcceptsWhatPostgresPrints) {
  EXPECT_EQ(parse_sql_number("42"), 42.0);
  EXPECT_EQ(parse_sql_number("-7"), -7.0);
  EXPECT_EQ(parse_sql_number("3.25"), 3.25);
  EXPECT_EQ(parse_sql_number("1.5e+20"), 1.5e20);
  EXPECT_EQ(parse_sql_number("123456789012345678901234567890"), 1.2345678901234568e29);
  EXPECT_EQ(parse_sql_number("t"), 1.0);
  EXPECT_EQ(parse_sql_number("f"), 0.0);
  EXPECT_TRUE(std::isnan(*parse_sql_number("NaN")));
  EXPECT_EQ(parse_sql_number("Infinity"), INFINITY);
  EXPECT_EQ(parse_sql_number("-Infinity"), -INFINITY);
  EXPECT_EQ(parse_sql_number("+Inf"), INFINITY);
  EXPECT_EQ(parse_sql_number("1e999"), INFINITY);
  EXPECT_EQ(parse_sql_number("-1e999"), -INFINITY);
  EXPECT_EQ(parse_sql_number("1e-999"), 0.0);
}

TEST(SqlNumber, RefusesAnythingElse) {
  for (const char* bad : {"", "abc", "1.5 ", " 1", "12abc", "0x10", "+-1", "+", "2024-01-01",
                          "1,5", "--1"})
    EXPECT_FALSE(parse_sql_number(bad).has_value()) << bad;
}

}  // namespace
}  // namespace pe::postgres
