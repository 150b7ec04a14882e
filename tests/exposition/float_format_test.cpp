// float_format_test.cpp — number formatting (Go %g shortest layout, NaN,
// +Inf, -Inf) and parsing (what Prometheus's float parsing accepts).
#include "plugin_exporter/exposition/float_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace pe {
namespace {

std::string fmt(double v) {
  char buf[kMaxNumberChars];
  return std::string(buf, format_double(buf, v));
}

TEST(FormatDouble, SpecialValues) {
  EXPECT_EQ(fmt(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(fmt(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(fmt(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(fmt(0.0), "0");
  EXPECT_EQ(fmt(-0.0), "-0");
}

TEST(FormatDouble, MatchesGoShortestG) {
  // Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) gives.
  EXPECT_EQ(fmt(1), "1");
  EXPECT_EQ(fmt(-1), "-1");
  EXPECT_EQ(fmt(190932), "190932");
  EXPECT_EQ(fmt(999999), "999999");
  EXPECT_EQ(fmt(1e6), "1e+06");
  EXPECT_EQ(fmt(123456789), "1.23456789e+08");
  EXPECT_EQ(fmt(2.279966416e+09), "2.279966416e+09");
  EXPECT_EQ(fmt(100000.5), "100000.5");
  EXPECT_EQ(fmt(0.5), "0.5");
  EXPECT_EQ(fmt(0.1), "0.1");
  EXPECT_EQ(fmt(0.0001), "0.0001");
  EXPECT_EQ(fmt(0.00001), "1e-05");
  EXPECT_EQ(fmt(7.6238e-05), "7.6238e-05");
  EXPECT_EQ(fmt(0.013300656000000001), "0.013300656000000001");
  EXPECT_EQ(fmt(-8.452185437166741e-05), "-8.452185437166741e-05");
  EXPECT_EQ(fmt(8.999999999999998), "8.999999999999998");
  EXPECT_EQ(fmt(1e21), "1e+21");
  EXPECT_EQ(fmt(1.5e300), "1.5e+300");
  EXPECT_EQ(fmt(5e-324), "5e-324");
  EXPECT_EQ(fmt(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(fmt(9223372036854775808.0), "9.223372036854776e+18");
}

TEST(FormatDouble, RoundTripsExactly) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isnan(v)) continue;
    double back = 0;
    const std::string s = fmt(v);
    ASSERT_TRUE(parse_double(s, back)) << s;
    ASSERT_EQ(std::memcmp(&v, &back, sizeof v), 0) << s;
  }
}

TEST(FormatInt64, Extremes) {
  char buf[kMaxNumberChars];
  EXPECT_EQ(std::string(buf, format_int64(buf, 0)), "0");
  EXPECT_EQ(std::string(buf, format_int64(buf, -1234)), "-1234");
  EXPECT_EQ(std::string(buf, format_int64(buf, std::numeric_limits<int64_t>::min())),
            "-9223372036854775808");
}

TEST(ParseDouble, AcceptsWhatPrometheusAccepts) {
  const std::pair<const char*, double> cases[] = {
      {"1", 1},          {"+1", 1},
      {"-1.5e3", -1500}, {".5", 0.5},
      {"5.", 5},         {"1E2", 100},
      {"1e+2", 100},     {"0001.2e-1", 0.12},
      {"-0", -0.0},      {"9223372036854775808", 9223372036854775808.0},
      {"1e-400", 0.0},
  };
  for (const auto& [text, want] : cases) {
    double got = -42;
    EXPECT_TRUE(parse_double(text, got)) << text;
    EXPECT_EQ(got, want) << text;
  }
  double v = 0;
  ASSERT_TRUE(parse_double("-0", v));
  EXPECT_TRUE(std::signbit(v));
}

TEST(ParseDouble, SpecialsAreCaseInsensitive) {
  for (const char* s : {"Inf", "+Inf", "inf", "+INF", "Infinity", "+infinity"}) {
    double v = 0;
    EXPECT_TRUE(parse_double(s, v)) << s;
    EXPECT_EQ(v, std::numeric_limits<double>::infinity()) << s;
  }
  for (const char* s : {"-Inf", "-inf", "-Infinity"}) {
    double v = 0;
    EXPECT_TRUE(parse_double(s, v)) << s;
    EXPECT_EQ(v, -std::numeric_limits<double>::infinity()) << s;
  }
  for (const char* s : {"NaN", "nan", "NAN"}) {
    double v = 0;
    EXPECT_TRUE(parse_double(s, v)) << s;
    EXPECT_TRUE(std::isnan(v)) << s;
  }
}

TEST(ParseDouble, RejectsEverythingElse) {
  for (const char* s :
       {"",    "+",   "-",     ".",       "e5",   "1e",     "1e+",    "0x1p-3", "0x1",
        "0b1", "0o1", "1_000", "+nan",    "-NaN", "nan(1)", " 1",     "1 ",     "1\t",
        "--1", "+-1", "1.1.1", "infinit", "Infx", "1e400",  "-1e400", "z",      "1z"}) {
    double v = 0;
    EXPECT_FALSE(parse_double(s, v)) << '"' << s << '"';
  }
}

}  // namespace
}  // namespace pe
