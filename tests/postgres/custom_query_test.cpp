// custom_query_test.cpp — reading custom query definitions: what is
// required, what is derived (names, counter families, bucket order), and the
// problems reported against the right key.
#include <gtest/gtest.h>

#include <cmath>

#include "config_source_fixture.hpp"
#include "custom_query.hpp"

namespace pe::postgres {
namespace {

using test::MapSource;
using namespace std::chrono_literals;

const QueryDefaults kDefaults{5s, 100};

TEST(CustomQuery, GaugeWithDefaults) {
  MapSource src;
  src.set("metric", std::string("app_rows")).set("sql", std::string("SELECT 1 AS v"))
      .set("values", MapSource::StringList{"v"});
  auto q = read_custom_query(src, kDefaults);
  ASSERT_TRUE(q) << (src.problems.empty() ? "" : src.problems[0].second);
  EXPECT_EQ(q->name, "app_rows");
  EXPECT_EQ(q->family, "app_rows");
  EXPECT_EQ(q->sample_name(), "app_rows");
  EXPECT_EQ(q->type, MetricType::gauge);
  EXPECT_EQ(q->timeout, 5s);
  EXPECT_EQ(q->max_series, 100);
  EXPECT_EQ(q->min_interval, 0s);
  EXPECT_EQ(q->help, "Custom query app_rows.");
}

TEST(CustomQuery, CounterFamilyLosesTotal) {
  MapSource src;
  src.set("metric", std::string("app_events_total")).set("type", std::string("counter"))
      .set("sql", std::string("SELECT 1 AS v")).set("values", MapSource::StringList{"v"});
  auto q = read_custom_query(src, kDefaults);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->family, "app_events");
  EXPECT_EQ(q->sample_name(), "app_events_total");
  EXPECT_EQ(q->name, "app_events_total");
}

TEST(CustomQuery, HistogramBucketsSortedAndFormatted) {
  MapSource src;
  src.set("metric", std::string("lat_seconds")).set("type", std::string("histogram"))
      .set("sql", std::string("SELECT 1"))
      .set("buckets", MapSource::StringTable{{"+Inf", "all"}, {"0.5", "b2"}, {"1e-1", "b1"}})
      .set("sum_column", std::string("s"));
  auto q = read_custom_query(src, kDefaults);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->buckets.size(), 3u);
  EXPECT_EQ(q->buckets[0].le_text, "0.1");
  EXPECT_EQ(q->buckets[0].column, "b1");
  EXPECT_EQ(q->buckets[1].le_text, "0.5");
  EXPECT_TRUE(std::isinf(q->buckets[2].le));
  EXPECT_EQ(q->buckets[2].le_text, "+Inf");
}

TEST(CustomQuery, ProblemsAreReportedAtTheirKey) {
  MapSource src;
  src.set("metric", std::string("bad-name")).set("type", std::string("summary"))
      .set("values", MapSource::StringList{"a", "b", "a"})
      .set("labels", MapSource::StringList{"ok", "__reserved", "ok", "bad-label"})
      .set("max_series", int64_t{0}).set("timeout", std::chrono::nanoseconds(0));
  EXPECT_FALSE(read_custom_query(src, kDefaults));
  EXPECT_TRUE(src.has_problem("metric", "not a valid metric name"));
  EXPECT_TRUE(src.has_problem("type", "not one of gauge, counter, histogram"));
  EXPECT_TRUE(src.has_problem("", "needs \"sql\""));
  EXPECT_TRUE(src.has_problem("values", "given twice"));
  EXPECT_TRUE(src.has_problem("values", "value_label"));
  EXPECT_TRUE(src.has_problem("labels", "reserved"));
  EXPECT_TRUE(src.has_problem("labels", "label \"ok\" is given twice"));
  EXPECT_TRUE(src.has_problem("labels", "\"bad-label\" is not a valid label name"));
  EXPECT_TRUE(src.has_problem("max_series", "at least 1"));
  EXPECT_TRUE(src.has_problem("timeout", "positive"));
}

TEST(CustomQuery, LabelClashesAndReservedNames) {
  MapSource src;
  src.set("metric", std::string("pg_exporter_mine")).set("sql", std::string("SELECT 1"))
      .set("values", MapSource::StringList{"a", "b"}).set("value_label", std::string("kind"))
      .set("labels", MapSource::StringList{"kind"});
  EXPECT_FALSE(read_custom_query(src, kDefaults));
  EXPECT_TRUE(src.has_problem("metric", "reserved for the plugin's own metrics"));
  EXPECT_TRUE(src.has_problem("value_label", "label \"kind\" is given twice"));
}

TEST(CustomQuery, HistogramNeedsBucketsAndATotal) {
  MapSource src;
  src.set("metric", std::string("h_bucket")).set("type", std::string("histogram"))
      .set("sql", std::string("SELECT 1")).set("values", MapSource::StringList{"v"})
      .set("labels", MapSource::StringList{"le"});
  EXPECT_FALSE(read_custom_query(src, kDefaults));
  EXPECT_TRUE(src.has_problem("metric", "must not end in _bucket"));
  EXPECT_TRUE(src.has_problem("values", "not \"values\""));
  EXPECT_TRUE(src.has_problem("", "needs \"buckets\""));
  EXPECT_TRUE(src.has_problem("labels", "\"le\" is the bucket label"));

  MapSource no_total;
  no_total.set("metric", std::string("h")).set("type", std::string("histogram"))
      .set("sql", std::string("SELECT 1"))
      .set("buckets", MapSource::StringTable{{"1", "a"}, {"x", "b"}, {"1.0", "c"}});
  EXPECT_FALSE(read_custom_query(no_total, kDefaults));
  EXPECT_TRUE(no_total.has_problem("buckets", "\"x\" is not a number"));
  EXPECT_TRUE(no_total.has_problem("buckets", "bucket bound 1 is given twice"));
  EXPECT_TRUE(no_total.has_problem("buckets", "\"+Inf\" bucket or a \"count_column\""));
}

}  // namespace
}  // namespace pe::postgres
