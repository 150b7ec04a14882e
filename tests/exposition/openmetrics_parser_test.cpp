// openmetrics_parser_test.cpp — OpenMetrics specifics: counters declared
// without _total, timestamps in seconds, exemplars, UNIT, # EOF, and what
// lenient mode accepts that strict mode (the specification) does not.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "plugin_exporter/exposition/text_parser.hpp"
#include "test_support.hpp"

namespace pe {
namespace {

using test::dump;

MetricSet parse_ok(std::string_view text, bool strict = true) {
  MetricSet set;
  const ParseResult r = test::parse(text, set, ExpositionFormat::openmetrics, strict);
  EXPECT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.format, ExpositionFormat::openmetrics);
  return set;
}

std::string parse_error(std::string_view text, bool strict = true) {
  MetricSet set;
  const ParseResult r = test::parse(text, set, ExpositionFormat::openmetrics, strict);
  EXPECT_FALSE(r.ok) << "accepted: " << text;
  return r.error.to_string();
}

TEST(OpenMetricsParser, CountersExemplarsUnits) {
  const MetricSet set = parse_ok(
      "# TYPE req counter\n"
      "# UNIT req_seconds seconds\n"  // a different family: req_seconds
      "# HELP req_seconds Time \\\"spent\\\".\n"
      "# TYPE req_seconds counter\n"
      "req_seconds_total{path=\"/\"} 3 1.5 # {trace_id=\"abc\"} 0.25 1700000000.123\n"
      "req_seconds_created{path=\"/\"} 1700000000\n"
      "# EOF\n");
  EXPECT_EQ(dump(set),
            "family req type=counter\n"
            "family req_seconds type=counter help=Time \"spent\". unit=seconds\n"
            "  req_seconds_total{path=/,} 3 @1500 # {trace_id=abc,} 0.25 @1.700000000123e+09\n"
            "  req_seconds_created{path=/,} 1.7e+09\n");
}

TEST(OpenMetricsParser, TimestampsAreSecondsConvertedToMilliseconds) {
  const MetricSet set = parse_ok(
      "a{i=\"1\"} 1 1726839814.223\n"
      "a{i=\"2\"} 1 -1.1\n"
      "a{i=\"3\"} 1 1.5e3\n"
      "a{i=\"4\"} 1 0.0009\n"
      "a{i=\"5\"} 1 12345678901234567890.5\n"
      "a{i=\"6\"} 1 -12345678901234567890.5\n"
      "# EOF\n");
  ASSERT_EQ(set.samples.size(), 6u);
  EXPECT_EQ(set.samples[0].timestamp_ms, 1726839814223);  // exact, no float rounding
  EXPECT_EQ(set.samples[1].timestamp_ms, -1100);
  EXPECT_EQ(set.samples[2].timestamp_ms, 1500000);
  EXPECT_EQ(set.samples[3].timestamp_ms, 0);  // truncated toward zero
  EXPECT_EQ(set.samples[4].timestamp_ms, std::numeric_limits<int64_t>::max());  // saturated
  EXPECT_EQ(set.samples[5].timestamp_ms, std::numeric_limits<int64_t>::min());
}

TEST(OpenMetricsParser, EofIsRequiredAndFinal) {
  EXPECT_EQ(parse_error("a 1\n"), "1:1: OpenMetrics input must end with a \"# EOF\" line");
  EXPECT_EQ(parse_error("a 1\n", /*strict=*/false),
            "1:1: OpenMetrics input must end with a \"# EOF\" line");
  EXPECT_EQ(parse_error("a 1\n# EOF\n\n"), "3:1: content after # EOF");
  parse_ok("a 1\n# EOF");
}

TEST(OpenMetricsParser, StrictRejectsWhatClientGolangEmits) {
  // client_golang writes a _sum for histograms with negative buckets, which
  // OpenMetrics 1.0 forbids; Prometheus (lenient) accepts it.
  const std::string fixture = test::read_file(std::string(PE_TESTDATA) +
                                              "/prometheus-textparse/alltypes.5mfs.om.txt");
  EXPECT_EQ(parse_error(fixture, /*strict=*/true), "33:1: histogram _sum must not be negative");
  const MetricSet set = parse_ok(fixture, /*strict=*/false);
  EXPECT_EQ(set.families.size(), 5u);
  EXPECT_EQ(set.exemplars.size(), 6u);
}

TEST(OpenMetricsParser, LenientAcceptsPrometheusTolerances) {
  // Comments, legacy counters, interleaved metrics: Prometheus scrapes them.
  const char* text =
      "# just a comment\n"
      "# TYPE c counter\n"
      "c 1\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 5\n"
      "h_bucket{le=\"+Inf\"} 3\n"
      "# EOF\n";
  const MetricSet set = parse_ok(text, /*strict=*/false);
  // "c 1" is not a sample of counter c (that would be c_total): it becomes an
  // unknown family of its own, after the (empty) counter declaration.
  EXPECT_EQ(dump(set),
            "family c type=counter\n"
            "family c type=unknown\n  c{} 1\n"
            "family h type=histogram\n  h_bucket{le=1,} 5\n  h_bucket{le=+Inf,} 3\n");
  MetricSet strict_set;
  EXPECT_FALSE(test::parse(text, strict_set, ExpositionFormat::openmetrics, /*strict=*/true).ok);
}

TEST(OpenMetricsParser, SingleSpacesOnly) {
  EXPECT_EQ(parse_error("a  1\n# EOF\n"), "1:3: missing sample value");
  EXPECT_EQ(parse_error("a 1 \n# EOF\n"), "1:4: trailing space after the value");
  EXPECT_EQ(parse_error("a{b=\"c\", d=\"e\"} 1\n# EOF\n"), "1:9: expected a label name");
  EXPECT_EQ(parse_error("a\t1\n# EOF\n"), "1:2: invalid character in metric name");
}

}  // namespace
}  // namespace pe
