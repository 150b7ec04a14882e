// query_result_mapper_test.cpp — rows to samples: labels, value labels,
// static labels, NULLs, duplicates, the series cap, non-numbers, missing
// columns, histograms from bucket columns.
#include <gtest/gtest.h>

#include <cmath>

#include "query_result_mapper.hpp"
#include "table_fixture.hpp"

namespace pe::postgres {
namespace {

using test::Table;

CustomQuery gauge_query() {
  CustomQuery q;
  q.name = "q";
  q.family = "app_orders";
  q.help = "h";
  q.type = MetricType::gauge;
  q.label_columns = {"region"};
  q.value_columns = {"n", "amount"};
  q.value_label = "measure";
  q.static_labels = {{"source", "shop"}};
  q.max_series = 100;
  return q;
}

std::string render(const OutputSample& s) {
  std::string out = s.name + "{";
  for (const auto& [k, v] : s.labels) out += k + "=" + v + ",";
  return out + "} " + std::to_string(s.value);
}

TEST(QueryResultMapper, LabelsValuesAndStaticLabels) {
  Table t({"region", "n", "amount"}, {{"north", "2", "15.5"}, {"south", "1", "7"}});
  MappedResult m = map_query_result(gauge_query(), t);
  ASSERT_EQ(m.error, "");
  ASSERT_EQ(m.family.samples.size(), 4u);
  EXPECT_EQ(render(m.family.samples[0]), "app_orders{region=north,source=shop,measure=n,} 2.000000");
  EXPECT_EQ(render(m.family.samples[1]),
            "app_orders{region=north,source=shop,measure=amount,} 15.500000");
  EXPECT_EQ(m.rows, 2);
}

TEST(QueryResultMapper, NullsSkippedAndCountedNullLabelsAbsent) {
  Table t({"region", "n", "amount"}, {{std::nullopt, "2", std::nullopt}, {"x", std::nullopt, "1"}});
  MappedResult m = map_query_result(gauge_query(), t);
  ASSERT_EQ(m.error, "");
  EXPECT_EQ(m.null_values, 2);
  ASSERT_EQ(m.family.samples.size(), 2u);
  EXPECT_EQ(render(m.family.samples[0]), "app_orders{source=shop,measure=n,} 2.000000");
}

TEST(QueryResultMapper, DuplicatesAndCapDropped) {
  CustomQuery q = gauge_query();
  q.value_columns = {"n"};
  q.value_label.clear();
  q.max_series = 2;
  Table t({"region", "n"}, {{"a", "1"}, {"a", "2"}, {"b", "3"}, {"c", "4"}, {"d", "5"}});
  MappedResult m = map_query_result(q, t);
  ASSERT_EQ(m.error, "");
  EXPECT_EQ(m.family.samples.size(), 2u);
  EXPECT_EQ(m.dropped_duplicate, 1);
  EXPECT_EQ(m.dropped_max_series, 2);
  EXPECT_EQ(m.family.samples[0].value, 1);  // the first row of a label set wins
}

TEST(QueryResultMapper, NonNumberFailsTheWholeQuery) {
  Table t({"region", "n", "amount"}, {{"a", "1", "2"}, {"b", "lots", "3"}});
  MappedResult m = map_query_result(gauge_query(), t);
  EXPECT_EQ(m.error, "row 2, column \"n\": \"lots\" is not a number (cast it, e.g. extract(epoch "
                     "from ...) for times)");
  EXPECT_TRUE(m.family.samples.empty());
}

TEST(QueryResultMapper, MissingColumnNamesTheColumnsThere) {
  Table t({"region", "count"}, {});
  MappedResult m = map_query_result(gauge_query(), t);
  EXPECT_EQ(m.error, "value column \"n\" is not in the result (columns: region, count)");
}

TEST(QueryResultMapper, CounterSamplesEndInTotal) {
  CustomQuery q;
  q.family = "app_events";
  q.type = MetricType::counter;
  q.value_columns = {"v"};
  q.max_series = 10;
  Table t({"v"}, {{"1234"}});
  MappedResult m = map_query_result(q, t);
  ASSERT_EQ(m.family.samples.size(), 1u);
  EXPECT_EQ(m.family.samples[0].name, "app_events_total");
  EXPECT_EQ(m.family.samples[0].value, 1234);
}

CustomQuery histogram_query(bool with_inf) {
  CustomQuery q;
  q.family = "lat_seconds";
  q.type = MetricType::histogram;
  q.label_columns = {"route"};
  q.buckets = {{0.1, "0.1", "b1"}, {1, "1", "b2"}};
  if (with_inf) q.buckets.push_back({INFINITY, "+Inf", "all"});
  else q.count_column = "all";
  q.sum_column = "s";
  q.max_series = 10;
  return q;
}

TEST(QueryResultMapper, HistogramFromBucketColumns) {
  Table t({"route", "b1", "b2", "all", "s"}, {{"/a", "1", "3", "4", "2.5"}});
  for (bool with_inf : {true, false}) {
    MappedResult m = map_query_result(histogram_query(with_inf), t);
    ASSERT_EQ(m.error, "");
    std::vector<std::string> got;
    for (const auto& s : m.family.samples) got.push_back(render(s));
    EXPECT_EQ(got, (std::vector<std::string>{
                       "lat_seconds_bucket{route=/a,le=0.1,} 1.000000",
                       "lat_seconds_bucket{route=/a,le=1,} 3.000000",
                       "lat_seconds_bucket{route=/a,le=+Inf,} 4.000000",
                       "lat_seconds_sum{route=/a,} 2.500000",
                       "lat_seconds_count{route=/a,} 4.000000"}));
  }
}

TEST(QueryResultMapper, HistogramMustBeCumulative) {
  Table t({"route", "b1", "b2", "all", "s"}, {{"/a", "5", "3", "6", "1"}});
  MappedResult m = map_query_result(histogram_query(true), t);
  EXPECT_NE(m.error.find("breaks the cumulative order"), std::string::npos) << m.error;
  Table over({"route", "b1", "b2", "all", "s"}, {{"/a", "1", "9", "6", "1"}});
  EXPECT_NE(map_query_result(histogram_query(false), over).error.find("cumulative"),
            std::string::npos);
  Table null_row({"route", "b1", "b2", "all", "s"}, {{"/a", std::nullopt, "3", "6", "1"}});
  MappedResult n = map_query_result(histogram_query(true), null_row);
  EXPECT_EQ(n.error, "");
  EXPECT_EQ(n.null_values, 1);
  EXPECT_TRUE(n.family.samples.empty());
}

}  // namespace
}  // namespace pe::postgres
