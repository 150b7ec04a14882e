// text_writer_test.cpp — exact writer output: escaping, numbers, timestamps,
// canonical le/quantile, family declarations per format, the mapping of
// OpenMetrics-only types to text 0.0.4, exemplars, extra labels, # EOF.
#include "plugin_exporter/exposition/text_writer.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace pe {
namespace {

std::string write(std::string_view om_input, ExpositionFormat format) {
  MetricSet set;
  const ParseResult r = test::parse(om_input, set, ExpositionFormat::openmetrics);
  EXPECT_TRUE(r.ok) << r.error.to_string();
  return write_exposition(set, format);
}

std::string write_text_input(std::string_view text_input, ExpositionFormat format) {
  MetricSet set;
  const ParseResult r = test::parse(text_input, set, ExpositionFormat::text);
  EXPECT_TRUE(r.ok) << r.error.to_string();
  return write_exposition(set, format);
}

TEST(TextWriter, EscapingNumbersTimestamps) {
  MetricSet set;
  set.add_family("a", MetricType::gauge, "back\\slash \"quote\"\nnewline", true);
  const Label l1[] = {{"v", "a\\b\"c\nd"}};
  set.add_sample("a", l1, std::numeric_limits<double>::quiet_NaN());
  Sample& s2 = set.add_sample("a", {}, -std::numeric_limits<double>::infinity());
  s2.has_timestamp = true;
  s2.timestamp_ms = -1500;
  Sample& s3 = set.add_sample("a", {}, 1e-7);
  s3.has_timestamp = true;
  s3.timestamp_ms = 1726839814223;
  EXPECT_EQ(write_exposition(set, ExpositionFormat::text),
            "# HELP a back\\\\slash \"quote\"\\nnewline\n"
            "# TYPE a gauge\n"
            "a{v=\"a\\\\b\\\"c\\nd\"} NaN\n"
            "a -Inf -1500\n"
            "a 1e-07 1726839814223\n");
  EXPECT_EQ(write_exposition(set, ExpositionFormat::openmetrics),
            "# HELP a back\\\\slash \\\"quote\\\"\\nnewline\n"
            "# TYPE a gauge\n"
            "a{v=\"a\\\\b\\\"c\\nd\"} NaN\n"
            "a -Inf -1.5\n"
            "a 1e-07 1726839814.223\n"
            "# EOF\n");
}

TEST(TextWriter, CanonicalLeAndQuantile) {
  const char* in =
      "# TYPE h histogram\n"
      "h_bucket{le=\"0.50\"} 1\n"
      "h_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"1e3\"} 1\n"
      "h_bucket{le=\"1000000\"} 1\n"
      "h_bucket{le=\"+Inf\"} 1\n"
      "h_count 1\n"
      "h_sum 0\n"
      "# TYPE s summary\n"
      "s{quantile=\"0.990\"} 1\n"
      "s{quantile=\"1\"} 1\n"
      "# TYPE g gauge\n"
      "g{le=\"1.0\"} 1\n"
      "# EOF\n";
  EXPECT_EQ(write(in, ExpositionFormat::text),
            "# TYPE h histogram\n"
            "h_bucket{le=\"0.5\"} 1\n"
            "h_bucket{le=\"1\"} 1\n"
            "h_bucket{le=\"1000\"} 1\n"
            "h_bucket{le=\"1e+06\"} 1\n"
            "h_bucket{le=\"+Inf\"} 1\n"
            "h_count 1\n"
            "h_sum 0\n"
            "# TYPE s summary\n"
            "s{quantile=\"0.99\"} 1\n"
            "s{quantile=\"1\"} 1\n"
            "# TYPE g gauge\n"
            "g{le=\"1.0\"} 1\n");  // not a histogram bucket: untouched
  EXPECT_EQ(write(in, ExpositionFormat::openmetrics),
            "# TYPE h histogram\n"
            "h_bucket{le=\"0.5\"} 1\n"
            "h_bucket{le=\"1.0\"} 1\n"
            "h_bucket{le=\"1000.0\"} 1\n"
            "h_bucket{le=\"1e+06\"} 1\n"
            "h_bucket{le=\"+Inf\"} 1\n"
            "h_count 1\n"
            "h_sum 0\n"
            "# TYPE s summary\n"
            "s{quantile=\"0.99\"} 1\n"
            "s{quantile=\"1.0\"} 1\n"
            "# TYPE g gauge\n"
            "g{le=\"1.0\"} 1\n"
            "# EOF\n");
}

TEST(TextWriter, CountersPerFormat) {
  // Text-declared "x_total" is declared as "x" in OpenMetrics.
  EXPECT_EQ(write_text_input("# HELP x_total Help.\n# TYPE x_total counter\nx_total 1\n",
                             ExpositionFormat::openmetrics),
            "# HELP x Help.\n# TYPE x counter\nx_total 1\n# EOF\n");
  // A legacy counter without _total stays valid OpenMetrics as unknown.
  EXPECT_EQ(
      write_text_input("# HELP x Help.\n# TYPE x counter\nx 1\n", ExpositionFormat::openmetrics),
      "# HELP x Help.\nx 1\n# EOF\n");
  EXPECT_EQ(write_text_input("# HELP x Help.\n# TYPE x counter\nx 1\n", ExpositionFormat::text),
            "# HELP x Help.\n# TYPE x counter\nx 1\n");
  // OpenMetrics "x" with x_total/x_created becomes text "x_total" plus a gauge "x_created".
  const char* om =
      "# HELP x Help.\n# TYPE x counter\n"
      "x_total{a=\"1\"} 1\nx_created{a=\"1\"} 1.7e+09\n"
      "x_total{a=\"2\"} 2\nx_created{a=\"2\"} 1.8e+09\n"
      "# EOF\n";
  EXPECT_EQ(write(om, ExpositionFormat::text),
            "# HELP x_total Help.\n# TYPE x_total counter\n"
            "x_total{a=\"1\"} 1\nx_total{a=\"2\"} 2\n"
            "# HELP x_created Help.\n# TYPE x_created gauge\n"
            "x_created{a=\"1\"} 1.7e+09\nx_created{a=\"2\"} 1.8e+09\n");
  EXPECT_EQ(write(om, ExpositionFormat::openmetrics), om);
}

TEST(TextWriter, OpenMetricsOnlyTypesInText) {
  const char* om =
      "# TYPE i info\ni_info{v=\"1\"} 1\n"
      "# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n"
      "# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 1\ng_bucket{le=\"+Inf\"} 2\ng_gcount 2\ng_gsum "
      "3\n"
      "# TYPE u unknown\nu 1\n"
      "# EOF\n";
  EXPECT_EQ(write(om, ExpositionFormat::text),
            "# TYPE i_info gauge\ni_info{v=\"1\"} 1\n"
            "# TYPE s gauge\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n"
            "# TYPE g histogram\ng_bucket{le=\"1\"} 1\ng_bucket{le=\"+Inf\"} 2\n"
            "# TYPE g_gsum gauge\ng_gsum 3\n"
            "# TYPE g_gcount gauge\ng_gcount 2\n"
            "u 1\n");
  EXPECT_EQ(write(om, ExpositionFormat::openmetrics),
            "# TYPE i info\ni_info{v=\"1\"} 1\n"
            "# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n"
            "# TYPE g gaugehistogram\ng_bucket{le=\"1.0\"} 1\ng_bucket{le=\"+Inf\"} 2\ng_gcount "
            "2\ng_gsum 3\n"
            "u 1\n"
            "# EOF\n");
}

TEST(TextWriter, UnitOnlyWhenItIsTheNameSuffix) {
  MetricSet set;
  set.add_family("d_seconds", MetricType::gauge, "", false, "seconds");
  set.add_sample("d_seconds", {}, 1);
  set.add_family("d", MetricType::gauge, "", false, "seconds");
  set.add_sample("d", {}, 1);
  EXPECT_EQ(write_exposition(set, ExpositionFormat::openmetrics),
            "# TYPE d_seconds gauge\n# UNIT d_seconds seconds\nd_seconds 1\n# TYPE d gauge\nd 1\n# "
            "EOF\n");
  EXPECT_EQ(write_exposition(set, ExpositionFormat::text),
            "# TYPE d_seconds gauge\nd_seconds 1\n# TYPE d gauge\nd 1\n");
}

TEST(TextWriter, ExemplarsOnlyInOpenMetrics) {
  const char* om = "# TYPE c counter\nc_total 1 # {t=\"x\"} 0.5 12.25\n# EOF\n";
  EXPECT_EQ(write(om, ExpositionFormat::openmetrics), om);
  EXPECT_EQ(write(om, ExpositionFormat::text), "# TYPE c_total counter\nc_total 1\n");
}

TEST(TextWriter, BareUnknownFamilyIsDeclaredSoItSurvives) {
  MetricSet set;
  set.add_family("bare", MetricType::unknown);
  set.add_family("x", MetricType::unknown);
  set.add_sample("x", {}, 1);
  EXPECT_EQ(write_exposition(set, ExpositionFormat::text), "# TYPE bare untyped\nx 1\n");
  EXPECT_EQ(write_exposition(set, ExpositionFormat::openmetrics),
            "# TYPE bare unknown\nx 1\n# EOF\n");
}

// Issue 16/1: a Go exporter's gauge go_memstats_alloc_bytes and counter
// go_memstats_alloc_bytes_total. OpenMetrics would declare both as
// "go_memstats_alloc_bytes"; the counter is written as unknown "..._total"
// instead, and the output parses back as strict OpenMetrics with both series.
TEST(TextWriter, CounterWhoseStemIsTakenIsUnknownInOpenMetrics) {
  const char* text =
      "# HELP m_bytes In use.\n# TYPE m_bytes gauge\nm_bytes 1\n"
      "# HELP m_bytes_total Allocated.\n# TYPE m_bytes_total counter\nm_bytes_total 2\n";
  const std::string om = write_text_input(text, ExpositionFormat::openmetrics);
  EXPECT_EQ(om,
            "# HELP m_bytes In use.\n# TYPE m_bytes gauge\nm_bytes 1\n"
            "# HELP m_bytes_total Allocated.\nm_bytes_total 2\n# EOF\n");
  MetricSet back;
  const ParseResult r = test::parse(om, back, ExpositionFormat::openmetrics);
  EXPECT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(back.samples.size(), 2u);
  // Text 0.0.4 keeps the counter's type.
  EXPECT_EQ(write_text_input(text, ExpositionFormat::text), text);

  // An OpenMetrics-style counter "c" (samples c_total, c_created) beside a
  // gauge "c": unknown "c_total", and c_created as a gauge family after it.
  MetricSet set;
  set.add_family("c", MetricType::gauge);
  set.add_sample("c", {}, 1);
  set.add_family("c", MetricType::counter, "Calls.", true);
  set.add_sample("c_total", {}, 3);
  set.add_sample("c_created", {}, 1700000000);
  const std::string om2 = write_exposition(set, ExpositionFormat::openmetrics);
  EXPECT_EQ(om2,
            "# TYPE c gauge\nc 1\n# HELP c_total Calls.\nc_total 3\n"
            "# HELP c_created Calls.\n# TYPE c_created gauge\nc_created 1.7e+09\n# EOF\n");
  MetricSet back2;
  const ParseResult r2 = test::parse(om2, back2, ExpositionFormat::openmetrics);
  EXPECT_TRUE(r2.ok) << r2.error.to_string();
}

TEST(TextWriter, StreamingWithExtraLabelsAndEmptyFamilies) {
  MetricSet set;
  set.add_family("meta_only", MetricType::gauge, "Nothing yet.", true);
  Family& f = set.add_family("up", MetricType::gauge, "Up.", true);
  (void)f;
  const Label own[] = {{"instance", "a"}};
  set.add_sample("up", own, 1);
  std::string out;
  ExpositionWriter w(ExpositionFormat::text, out);
  const Label extra[] = {{"collector", "db"}};
  for (const Family& fam : set.families) {
    w.family_header(fam);
    for (const Sample& s : set.samples_of(fam)) w.sample(fam, s, set.labels_of(s), extra);
  }
  w.finish();
  EXPECT_EQ(out,
            "# HELP meta_only Nothing yet.\n# TYPE meta_only gauge\n"
            "# HELP up Up.\n# TYPE up gauge\nup{collector=\"db\",instance=\"a\"} 1\n");
}

}  // namespace
}  // namespace pe
