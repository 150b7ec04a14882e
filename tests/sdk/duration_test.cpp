// duration_test.cpp — the SDK's durations (configuration, plugin settings,
// push's ?ttl=): accepted spellings, refusals, formatting.
#include "plugin_exporter/duration.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using pe::format_duration;
using pe::parse_duration;

TEST(Duration, ParsesPrometheusSpellings) {
  EXPECT_EQ(parse_duration("15s"), 15s);
  EXPECT_EQ(parse_duration("1m30s"), 90s);
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("1s500ms"), 1500ms);
  EXPECT_EQ(parse_duration("2h"), 2h);
  EXPECT_EQ(parse_duration("1d"), 24h);
  EXPECT_EQ(parse_duration("1w"), 168h);
  EXPECT_EQ(parse_duration("0"), 0s);
  EXPECT_EQ(parse_duration("10us"), 10us);
  EXPECT_EQ(parse_duration("7ns"), 7ns);
}

TEST(Duration, RefusesWhatIsNotADuration) {
  for (const char* bad : {"", "15", "s", "1.5s", "-1s", "1s1m", "1m1m", "1 s", "1sec", "abc",
                          "99999999999999999999s", "1msx", "1s1h", "1s1s"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsShortestExactSpelling) {
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_duration(26h), "1d2h");
  for (std::chrono::nanoseconds d : {std::chrono::nanoseconds(1ns), std::chrono::nanoseconds(999us),
                                     std::chrono::nanoseconds(10s), std::chrono::nanoseconds(61min),
                                     std::chrono::nanoseconds(1500ms)})
    EXPECT_EQ(parse_duration(format_duration(d)), d);
}
