// metric_names_test.cpp — legacy metric/label name character sets and the
// sample names each metric type owns.
#include "plugin_exporter/exposition/metric_names.hpp"

#include <gtest/gtest.h>

namespace pe {
namespace {

TEST(MetricNames, MetricNameCharset) {
  for (const char* ok : {"a", "_", ":", "a:b_c9", "http_requests_total", "A1"})
    EXPECT_TRUE(is_valid_metric_name(ok)) << ok;
  for (const char* bad : {"", "0a", "a-b", "a.b", "a b", "é", "a{"})
    EXPECT_FALSE(is_valid_metric_name(bad)) << bad;
}

TEST(MetricNames, LabelNameCharset) {
  for (const char* ok : {"a", "_", "__name__", "le", "a9_"})
    EXPECT_TRUE(is_valid_label_name(ok)) << ok;
  for (const char* bad : {"", "0a", "a:b", "a-b", ":", "a b"})
    EXPECT_FALSE(is_valid_label_name(bad)) << bad;
  EXPECT_TRUE(is_reserved_label_name("__name__"));
  EXPECT_FALSE(is_reserved_label_name("_a"));
}

TEST(MetricNames, UnitSuffix) {
  EXPECT_TRUE(is_unit_suffix_of("request_seconds", "seconds"));
  EXPECT_FALSE(is_unit_suffix_of("seconds", "seconds"));
  EXPECT_FALSE(is_unit_suffix_of("requestseconds", "seconds"));
  EXPECT_FALSE(is_unit_suffix_of("request_seconds", ""));
}

TEST(MetricNames, SampleSuffixesPerType) {
  EXPECT_TRUE(sample_belongs_to_family("x_total", "x", MetricType::counter));
  EXPECT_TRUE(sample_belongs_to_family("x_created", "x", MetricType::counter));
  EXPECT_TRUE(sample_belongs_to_family("x_total", "x_total", MetricType::counter));
  EXPECT_TRUE(sample_belongs_to_family("x_created", "x_total", MetricType::counter));
  EXPECT_TRUE(sample_belongs_to_family("x", "x", MetricType::counter));  // legacy text counter
  EXPECT_FALSE(sample_belongs_to_family("x_sum", "x", MetricType::counter));

  for (const char* s : {"x_bucket", "x_sum", "x_count", "x_created"})
    EXPECT_TRUE(sample_belongs_to_family(s, "x", MetricType::histogram)) << s;
  EXPECT_FALSE(sample_belongs_to_family("x", "x", MetricType::histogram));
  for (const char* s : {"x", "x_sum", "x_count", "x_created"})
    EXPECT_TRUE(sample_belongs_to_family(s, "x", MetricType::summary)) << s;
  EXPECT_FALSE(sample_belongs_to_family("x_bucket", "x", MetricType::summary));
  for (const char* s : {"x_bucket", "x_gsum", "x_gcount"})
    EXPECT_TRUE(sample_belongs_to_family(s, "x", MetricType::gaugehistogram)) << s;
  EXPECT_FALSE(sample_belongs_to_family("x_sum", "x", MetricType::gaugehistogram));
  EXPECT_TRUE(sample_belongs_to_family("x_info", "x", MetricType::info));
  EXPECT_FALSE(sample_belongs_to_family("x", "x", MetricType::info));
  EXPECT_TRUE(sample_belongs_to_family("x", "x", MetricType::stateset));
  EXPECT_TRUE(sample_belongs_to_family("x", "x", MetricType::gauge));
  EXPECT_FALSE(sample_belongs_to_family("x_total", "x", MetricType::gauge));
  EXPECT_FALSE(sample_belongs_to_family("xy", "x", MetricType::unknown));
}

}  // namespace
}  // namespace pe
