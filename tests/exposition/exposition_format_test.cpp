// exposition_format_test.cpp — content types and Accept-header negotiation
// with the headers real Prometheus servers send.
#include "plugin_exporter/exposition/exposition_format.hpp"

#include <gtest/gtest.h>

namespace pe {
namespace {

TEST(ExpositionFormat, ContentTypes) {
  EXPECT_EQ(content_type(ExpositionFormat::text), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(ExpositionFormat::openmetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(ExpositionFormat, PrometheusServersGetOpenMetrics) {
  // Prometheus 2.x
  EXPECT_EQ(
      negotiate_format(
          "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
          "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
      ExpositionFormat::openmetrics);
  // Prometheus 3.x
  EXPECT_EQ(
      negotiate_format(
          "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,application/"
          "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=1.0.0;escaping=allow-utf-8;"
          "q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"),
      ExpositionFormat::openmetrics);
  // scrape_protocols: [PrometheusText0.0.4] only
  EXPECT_EQ(negotiate_format("text/plain;version=0.0.4;q=1,*/*;q=0.1"), ExpositionFormat::text);
}

TEST(ExpositionFormat, TextUnlessOpenMetricsRanksAtLeastAsHigh) {
  EXPECT_EQ(negotiate_format(""), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("*/*"), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("text/plain"), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("application/openmetrics-text"), ExpositionFormat::openmetrics);
  EXPECT_EQ(negotiate_format("APPLICATION/OpenMetrics-Text; Version=1.0.0"),
            ExpositionFormat::openmetrics);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.4,text/plain;q=0.5"),
            ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.5,text/plain;q=0.5"),
            ExpositionFormat::openmetrics);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=2.0.0"), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0"), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("application/json"), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=banana"), ExpositionFormat::text);
  EXPECT_EQ(negotiate_format(",,;;==,"), ExpositionFormat::text);
}

TEST(ExpositionFormat, FromContentType) {
  EXPECT_EQ(format_from_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            ExpositionFormat::openmetrics);
  EXPECT_EQ(format_from_content_type("text/plain; version=0.0.4"), ExpositionFormat::text);
  EXPECT_EQ(format_from_content_type(""), ExpositionFormat::text);
}

}  // namespace
}  // namespace pe
