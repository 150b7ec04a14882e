// text_parser_test.cpp — the text 0.0.4 parser: model built, Prometheus
// quirks accepted in lenient mode, what strict mode adds, error positions and
// messages, limits, skipping bad lines, and string ownership.
#include "plugin_exporter/exposition/text_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace pe {
namespace {

using test::dump;

MetricSet parse_ok(std::string_view text, bool strict = false) {
  MetricSet set;
  const ParseResult r = test::parse(text, set, ExpositionFormat::text, strict);
  EXPECT_TRUE(r.ok) << r.error.to_string();
  return set;
}

std::string parse_error(std::string_view text, bool strict = false) {
  MetricSet set;
  const ParseResult r = test::parse(text, set, ExpositionFormat::text, strict);
  EXPECT_FALSE(r.ok) << "accepted: " << text;
  return r.error.to_string();
}

TEST(TextParser, FamiliesAndSamples) {
  const MetricSet set = parse_ok(
      "# HELP http_requests_total Requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\",method=\"get\"} 1027 1395066363000\n"
      "http_requests_total{code=\"400\",method=\"post\"} 3\n"
      "# TYPE rpc histogram\n"
      "rpc_bucket{le=\"0.5\"} 1\n"
      "rpc_bucket{le=\"+Inf\"} 2\n"
      "rpc_sum 1.5\n"
      "rpc_count 2\n"
      "# TYPE q summary\n"
      "q{quantile=\"0.5\"} 0.2\n"
      "q_sum 3\n"
      "q_count 4\n"
      "untyped_thing -1.5e-3\n");
  EXPECT_EQ(dump(set),
            "family http_requests_total type=counter help=Requests.\n"
            "  http_requests_total{code=200,method=get,} 1027 @1395066363000\n"
            "  http_requests_total{code=400,method=post,} 3\n"
            "family rpc type=histogram\n"
            "  rpc_bucket{le=0.5,} 1\n"
            "  rpc_bucket{le=+Inf,} 2\n"
            "  rpc_sum{} 1.5\n"
            "  rpc_count{} 2\n"
            "family q type=summary\n"
            "  q{quantile=0.5,} 0.2\n"
            "  q_sum{} 3\n"
            "  q_count{} 4\n"
            "family untyped_thing type=unknown\n"
            "  untyped_thing{} -0.0015\n");
}

TEST(TextParser, SampleOutsideItsFamilyStartsAnUntypedFamily) {
  const MetricSet set = parse_ok("# TYPE a gauge\na 1\nb 2\na_total 3\n");
  EXPECT_EQ(dump(set),
            "family a type=gauge\n  a{} 1\n"
            "family b type=unknown\n  b{} 2\n"
            "family a_total type=unknown\n  a_total{} 3\n");
}

TEST(TextParser, TextFamiliesAreNamedLikeTheirSamples) {
  // In text 0.0.4 a counter is named like its samples; "a_total" under
  // "# TYPE a counter" and a histogram's "_created" are metrics of their own.
  const MetricSet set = parse_ok(
      "# TYPE a counter\na_total 1\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_created 5\n");
  EXPECT_EQ(dump(set),
            "family a type=counter\n"
            "family a_total type=unknown\n  a_total{} 1\n"
            "family h type=histogram\n  h_bucket{le=+Inf,} 1\n"
            "family h_created type=unknown\n  h_created{} 5\n");
}

TEST(TextParser, PrometheusQuirksAreAccepted) {
  const MetricSet set = parse_ok(
      "\n"
      "   # HELP x  first \\\\ line\\nsecond \\\"q\\\" \\t\n"
      "# TYPE x untyped\n"
      "# a comment\n"
      "#HELP not metadata\n"
      "\t x { a = \"1\" , b=\"2\", } \t 1\t 5 \n"
      "x{a=\"\\\\\\\"\\n\\z\"} +Inf -5\n"
      "x{} NaN\n"
      "# HELP only_meta Declared without samples.\n"
      "# TYPE only_meta gauge\n"
      "y{a=\"1\"}2\n");
  EXPECT_EQ(dump(set),
            "family x type=unknown help=first \\ line\nsecond \\\"q\\\" \\t\n"
            "  x{a=1,b=2,} 1 @5\n"
            "  x{a=\\\"\n\\z,} +Inf @-5\n"
            "  x{} NaN\n"
            "family only_meta type=gauge help=Declared without samples.\n"
            "family y type=unknown\n  y{a=1,} 2\n");
}

TEST(TextParser, CrLfLineEndsInLenientMode) {
  const MetricSet set = parse_ok("# TYPE a gauge\r\na 1\r\n");
  EXPECT_EQ(dump(set), "family a type=gauge\n  a{} 1\n");
}

TEST(TextParser, ErrorsSayLineColumnAndWhy) {
  EXPECT_EQ(parse_error("a 1\nb{c=\"d\"} x\n"), "2:10: invalid sample value \"x\"");
  EXPECT_EQ(parse_error("a{b=\"1\",b=\"2\"} 1\n"), "1:9: duplicate label name \"b\"");
  EXPECT_EQ(parse_error("a{b=\"1} 1\n"), "1:5: unterminated label value");
  EXPECT_EQ(parse_error("a{b} 1\n"), "1:4: expected '=' after label name \"b\"");
  EXPECT_EQ(parse_error("a{b=1} 1\n"), "1:5: expected '\"' to start the value of label \"b\"");
  EXPECT_EQ(parse_error("a{b=\"1\" c=\"2\"} 1\n"), "1:9: expected ',' or '}' after a label value");
  EXPECT_EQ(parse_error("a{1=\"x\"} 1\n"), "1:3: expected a label name");
  EXPECT_EQ(parse_error("a{b=\"x\" 1\n"), "1:9: expected ',' or '}' after a label value");
  EXPECT_EQ(parse_error("a\n"), "1:2: missing sample value");
  EXPECT_EQ(parse_error("a.b 1\n"), "1:2: invalid character in metric name");
  EXPECT_EQ(parse_error("0a 1\n"), "1:1: expected a metric name");
  EXPECT_EQ(parse_error("a 1 1.5\n"),
            "1:5: invalid timestamp \"1.5\" (text format timestamps are integer milliseconds)");
  EXPECT_EQ(parse_error("a 1 2 3\n"), "1:7: unexpected text after the timestamp");
  EXPECT_EQ(parse_error("# TYPE a gauges\n"), "1:10: invalid metric type \"gauges\"");
  EXPECT_EQ(parse_error("# TYPE a info\n"),
            "1:10: invalid metric type \"info\"");  // OpenMetrics only
  EXPECT_EQ(parse_error("a{b=\"\xff\"} 1\n"), "1:6: label value is not valid UTF-8");
  EXPECT_EQ(parse_error("{\"a.b\"} 1\n"),
            "1:1: quoted (UTF-8) metric names are not supported; expected a metric name");
}

TEST(TextParser, DuplicateLabelInALongLabelSet) {
  std::string line = "a{";
  for (int i = 0; i < 40; ++i) line += "l" + std::to_string(i) + "=\"v\",";
  parse_ok(line + "} 1\n");
  EXPECT_EQ(parse_error(line + "l7=\"w\"} 1\n"), "1:2: duplicate label name \"l7\"");
}

TEST(TextParser, StrictTextRejectsWhatTheFormatForbids) {
  // Each is accepted in lenient mode.
  const char* cases[][2] = {
      {"# TYPE a gauge\n# TYPE a gauge\na 1\n", "2:8: repeated TYPE for \"a\""},
      {"# HELP a x\n# HELP a y\na 1\n", "2:8: repeated HELP for \"a\""},
      {"a 1\n# TYPE a gauge\n", "2:8: TYPE for \"a\" after its samples"},
      {"a 1\nb 1\na 2\n",
       "3:1: metric family \"a\" appears again after other families (families must be contiguous)"},
      {"# TYPE h histogram\nh_bucket 1\n", "2:1: \"h_bucket\" has no le label"},
      {"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "2:1: invalid le value \"x\""},
      {"# TYPE s summary\ns{quantile=\"x\"} 1\n", "2:1: invalid quantile value \"x\""},
      {"# TYPE a unknown\n", "1:10: invalid metric type \"unknown\""},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(parse_error(text, /*strict=*/true), want) << text;
    parse_ok(text, /*strict=*/false);
  }
  // A trailing comma is fine even in strict text (as in client_golang's parser).
  parse_ok("a{b=\"1\",} 1\n", /*strict=*/true);
}

TEST(TextParser, LenientLateMetadata) {
  const MetricSet set = parse_ok("a 1\n# HELP a late help\n# TYPE a gauge\n# TYPE a counter\n");
  EXPECT_EQ(dump(set), "family a type=gauge help=late help\n  a{} 1\n");
}

TEST(TextParser, SkipInvalidLines) {
  MetricSet set;
  ParseOptions o;
  o.skip_invalid_lines = true;
  const ParseResult r = parse_exposition("a 1\nb{ 2\nc 3\nd x\ne 5\n", set, o);
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.skipped_lines, 2u);
  EXPECT_EQ(r.first_skipped.line, 2u);
  EXPECT_EQ(r.samples, 3u);
  EXPECT_EQ(dump(set),
            "family a type=unknown\n  a{} 1\nfamily c type=unknown\n  c{} 3\nfamily e "
            "type=unknown\n  e{} 5\n");
  // Strict mode never skips.
  MetricSet strict_set;
  o.strict = true;
  EXPECT_FALSE(parse_exposition("a 1\nb{ 2\n", strict_set, o).ok);
}

TEST(TextParser, SampleLimit) {
  ParseOptions o;
  o.max_samples = 3;
  MetricSet set;
  EXPECT_TRUE(parse_exposition("a 1\na 2\na 3\n", set, o).ok);
  set.clear();
  const ParseResult r = parse_exposition("a 1\na 2\na 3\na 4\n", set, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.to_string(), "4:1: too many samples: the limit is 3");
  // The limit is not a skippable line error.
  o.skip_invalid_lines = true;
  set.clear();
  EXPECT_FALSE(parse_exposition("a 1\na 2\na 3\na 4\n", set, o).ok);
}

TEST(TextParser, ByteLimit) {
  ParseOptions o;
  o.max_bytes = 8;
  MetricSet set;
  EXPECT_TRUE(parse_exposition("a 1\nb 2\n", set, o).ok);
  const ParseResult r = parse_exposition("a 1\nb 2\nc 3\n", set, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.to_string(), "input of 12 bytes exceeds the limit of 8 bytes");
}

bool points_into(std::string_view view, const std::string& buffer) {
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

TEST(TextParser, ReferenceInputOrCopies) {
  const std::string text = "# HELP a h\na{b=\"c\",d=\"e\\\\f\"} 1\n";
  for (bool reference : {true, false}) {
    MetricSet set;
    ParseOptions o;
    o.reference_input = reference;
    ASSERT_TRUE(parse_exposition(text, set, o).ok);
    const Sample& s = set.samples[0];
    const auto labels = set.labels_of(s);
    EXPECT_EQ(points_into(s.name, text), reference);
    EXPECT_EQ(points_into(set.families[0].help, text), reference);
    EXPECT_EQ(points_into(labels[0].value, text), reference);
    EXPECT_FALSE(points_into(labels[1].value, text)) << "unescaped values live in the arena";
    EXPECT_EQ(labels[1].value, "e\\f");
  }
}

TEST(TextParser, ReusedSetGivesTheSameModel) {
  const std::string text = test::read_file(std::string(PE_TESTDATA) +
                                           "/prometheus-textparse/alltypes.237mfs.prom.txt");
  MetricSet set;
  ASSERT_TRUE(test::parse(text, set, ExpositionFormat::text).ok);
  const std::string first = dump(set);
  EXPECT_EQ(set.families.size(), 237u);
  for (int i = 0; i < 3; ++i) {
    set.clear();
    ASSERT_TRUE(test::parse(text, set, ExpositionFormat::text).ok);
    EXPECT_EQ(dump(set), first);
  }
}

TEST(TextParser, AppendsToExistingContent) {
  MetricSet set;
  ASSERT_TRUE(test::parse("# TYPE a gauge\na 1\n", set, ExpositionFormat::text).ok);
  const ParseResult r = test::parse("a 2\n", set, ExpositionFormat::text);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.samples, 1u);
  EXPECT_EQ(set.families.size(), 2u);
}

TEST(TextParser, DetectsOpenMetricsByEof) {
  MetricSet set;
  ParseOptions o;
  o.detect_format = true;
  ParseResult r = parse_exposition("# TYPE a counter\na_total 1 1.5\n# EOF\n", set, o);
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.format, ExpositionFormat::openmetrics);
  EXPECT_EQ(set.samples[0].timestamp_ms, 1500);
  set.clear();
  r = parse_exposition("a 1 1500\n", set, o);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.format, ExpositionFormat::text);
}

}  // namespace
}  // namespace pe
