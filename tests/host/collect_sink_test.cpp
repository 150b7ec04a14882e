// collect_sink_test.cpp — the sink keeps what is valid, drops and counts what
// is not, enforces the sample limit, and parses text all-or-nothing.
#include "plugin/collect_sink.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

pe_family family(const char* name, pe_metric_type type, const char* help = nullptr) {
  pe_family f{};
  f.struct_size = sizeof f;
  f.name = name;
  f.type = type;
  f.help = help;
  return f;
}

pe_sample sample(const char* name, const pe_label* labels, size_t n, double v) {
  pe_sample s{};
  s.struct_size = sizeof s;
  s.name = name;
  s.labels = labels;
  s.label_count = n;
  s.value = v;
  return s;
}

}  // namespace

TEST(CollectSink, KeepsValidFamiliesAndSamples) {
  pe::MetricSet set;
  pe_sink sink(set, 100);
  ASSERT_EQ(sink.family(family("http_requests_total", PE_TYPE_COUNTER, "Requests.")), PE_OK);
  pe_label l[] = {{"code", "200"}, {"method", "get"}};
  ASSERT_EQ(sink.sample(sample(nullptr, l, 2, 5)), PE_OK);
  ASSERT_EQ(sink.sample(sample("http_requests_total", l, 1, 7)), PE_OK);
  ASSERT_EQ(set.families.size(), 1u);
  EXPECT_EQ(set.families[0].name, "http_requests_total");
  EXPECT_EQ(set.families[0].type, pe::MetricType::counter);
  EXPECT_EQ(set.families[0].help, "Requests.");
  ASSERT_EQ(set.samples.size(), 2u);
  EXPECT_EQ(set.samples[0].name, "http_requests_total");
  EXPECT_EQ(set.labels_of(set.samples[0]).size(), 2u);
  EXPECT_EQ(set.labels_of(set.samples[0])[1].value, "get");
  EXPECT_EQ(sink.invalid_samples, 0u);
}

TEST(CollectSink, DropsAndCountsInvalidInput) {
  pe::MetricSet set;
  pe_sink sink(set, 100);
  EXPECT_EQ(sink.family(family("1bad", PE_TYPE_GAUGE)), PE_ERROR);
  EXPECT_EQ(sink.sample(sample(nullptr, nullptr, 0, 1)), PE_ERROR);  // no open family
  EXPECT_EQ(sink.family(family("ok_gauge", 99)), PE_ERROR);          // unknown type
  ASSERT_EQ(sink.family(family("ok_gauge", PE_TYPE_GAUGE)), PE_OK);
  pe_label bad_name[] = {{"bad-name", "x"}};
  pe_label reserved[] = {{"__name__", "x"}};
  pe_label dup[] = {{"a", "1"}, {"a", "2"}};
  pe_label bad_utf8[] = {{"a", "\xc3\x28"}};
  EXPECT_EQ(sink.sample(sample(nullptr, bad_name, 1, 1)), PE_ERROR);
  EXPECT_EQ(sink.sample(sample(nullptr, reserved, 1, 1)), PE_ERROR);
  EXPECT_EQ(sink.sample(sample(nullptr, dup, 2, 1)), PE_ERROR);
  EXPECT_EQ(sink.sample(sample(nullptr, bad_utf8, 1, 1)), PE_ERROR);
  EXPECT_EQ(sink.sample(sample("other_metric", nullptr, 0, 1)), PE_ERROR);
  // NaN and infinities are valid values.
  EXPECT_EQ(sink.sample(sample(nullptr, nullptr, 0, std::numeric_limits<double>::quiet_NaN())),
            PE_OK);
  EXPECT_EQ(sink.sample(sample(nullptr, nullptr, 0, -std::numeric_limits<double>::infinity())),
            PE_OK);
  EXPECT_EQ(sink.invalid_samples, 8u);
  EXPECT_EQ(sink.first_invalid_reason, "invalid metric family name \"1bad\"");
  EXPECT_EQ(set.samples.size(), 2u);
}

TEST(CollectSink, EnforcesTheSampleLimit) {
  pe::MetricSet set;
  pe_sink sink(set, 3);
  ASSERT_EQ(sink.family(family("g", PE_TYPE_GAUGE)), PE_OK);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(sink.sample(sample(nullptr, nullptr, 0, i)), PE_OK);
  EXPECT_EQ(sink.sample(sample(nullptr, nullptr, 0, 9)), PE_LIMIT_EXCEEDED);
  EXPECT_TRUE(sink.limit_reached);
  EXPECT_EQ(sink.family(family("h", PE_TYPE_GAUGE)), PE_LIMIT_EXCEEDED);
  EXPECT_NE(sink.error.find("sample limit of 3"), std::string::npos);
}

TEST(CollectSink, TextIsParsedAllOrNothing) {
  pe::MetricSet set;
  pe_sink sink(set, 100);
  const std::string good = "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 2\n";
  ASSERT_EQ(sink.text(good.data(), good.size(), PE_FORMAT_TEXT, false), PE_OK);
  EXPECT_EQ(set.samples.size(), 2u);
  const std::string bad = "# TYPE b gauge\nb 1\nb{ 2\n";
  EXPECT_EQ(sink.text(bad.data(), bad.size(), PE_FORMAT_TEXT, false), PE_ERROR);
  EXPECT_EQ(set.samples.size(), 2u);  // nothing of the bad text remains
  EXPECT_EQ(set.families.size(), 1u);
  EXPECT_NE(sink.error.find("3:"), std::string::npos) << sink.error;  // line 3
}

TEST(CollectSink, SkippingInvalidLinesKeepsTheRestAndCounts) {
  pe::MetricSet set;
  pe_sink sink(set, 100);
  const std::string text = "# TYPE a gauge\na 1\na{ 2\nb 3\n";
  ASSERT_EQ(sink.text(text.data(), text.size(), PE_FORMAT_TEXT, true), PE_OK) << sink.error;
  EXPECT_EQ(set.samples.size(), 2u);
  EXPECT_EQ(sink.invalid_samples, 1u);
  EXPECT_NE(sink.first_invalid_reason.find("3:"), std::string::npos) << sink.first_invalid_reason;
}

TEST(CollectSink, StatsAreNamedFiguresLastValueWins) {
  pe::MetricSet set;
  pe_sink sink(set, 100);
  EXPECT_EQ(sink.stat("response_size_bytes", "Bytes.", 10), PE_OK);
  EXPECT_EQ(sink.stat("response_size_bytes", nullptr, 20), PE_OK);
  EXPECT_EQ(sink.stat("Bad-Name", nullptr, 1), PE_ERROR);
  EXPECT_EQ(sink.stat("", nullptr, 1), PE_ERROR);
  ASSERT_EQ(sink.stats.size(), 1u);
  EXPECT_EQ(sink.stats[0].value, 20);
  EXPECT_EQ(sink.stats[0].help, "Bytes.");
}

// Issue 16/2: a long label set is checked for duplicates without a quadratic
// scan on every scrape (sorted beyond a few labels); both outcomes hold.
TEST(CollectSink, DuplicateLabelsInLongLabelSets) {
  pe::MetricSet set;
  pe_sink sink(set, 100);
  ASSERT_EQ(sink.family(family("wide", PE_TYPE_GAUGE)), PE_OK);
  std::vector<std::string> names;
  for (int i = 0; i < 80000; ++i) names.push_back("l" + std::to_string(i));
  std::vector<pe_label> labels;
  for (const std::string& n : names) labels.push_back({n.c_str(), "v"});
  EXPECT_EQ(sink.sample(sample(nullptr, labels.data(), labels.size(), 1)), PE_OK);
  labels.push_back({"l79999", "w"});
  EXPECT_EQ(sink.sample(sample(nullptr, labels.data(), labels.size(), 2)), PE_ERROR);
  EXPECT_EQ(sink.invalid_samples, 1u);
  EXPECT_NE(sink.first_invalid_reason.find("duplicate label \"l79999\""), std::string::npos)
      << sink.first_invalid_reason;
  ASSERT_EQ(set.samples.size(), 1u);
  EXPECT_EQ(set.samples[0].label_count, 80000u);
}
