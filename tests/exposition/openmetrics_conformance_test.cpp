// openmetrics_conformance_test.cpp — every case of the OpenMetrics parser
// suite (shared/testdata/openmetrics/parsers/<case>/{metrics,test.json})
// must be accepted or rejected in strict OpenMetrics mode exactly as its
// test.json says.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace pe {
namespace {

const std::string kSuite = std::string(PE_TESTDATA) + "/openmetrics";

struct Case {
  std::string name;
  bool should_parse = false;
};

std::vector<Case> load_index() {
  std::vector<Case> cases;
  std::istringstream in(test::read_file(kSuite + "/INDEX.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const auto tab2 = line.find('\t', tab + 1);
    cases.push_back({line.substr(0, tab), line.substr(tab + 1, tab2 - tab - 1) == "true"});
  }
  return cases;
}

class OpenMetricsConformance : public ::testing::TestWithParam<Case> {};

TEST_P(OpenMetricsConformance, StrictParserAgreesWithSuite) {
  const Case& c = GetParam();
  const std::string dir = kSuite + "/parsers/" + c.name;
  // test.json must agree with INDEX.tsv (guards against a stale index).
  const std::string json = test::read_file(dir + "/test.json");
  ASSERT_NE(json.find(c.should_parse ? "\"shouldParse\": true" : "\"shouldParse\": false"),
            std::string::npos)
      << json;
  const std::string input = test::read_file(dir + "/metrics");
  MetricSet set;
  const ParseResult r = test::parse(input, set, ExpositionFormat::openmetrics, /*strict=*/true);
  if (c.should_parse) {
    EXPECT_TRUE(r.ok) << c.name << ": " << r.error.to_string() << "\n" << input;
    // Whatever the specification allows, lenient mode allows too.
    MetricSet lenient;
    const ParseResult rl =
        test::parse(input, lenient, ExpositionFormat::openmetrics, /*strict=*/false);
    EXPECT_TRUE(rl.ok) << c.name << " (lenient): " << rl.error.to_string();
    EXPECT_EQ(test::dump(lenient), test::dump(set)) << c.name;
  } else {
    EXPECT_FALSE(r.ok) << c.name << " was accepted:\n" << input;
    if (!r.ok) {
      EXPECT_FALSE(r.error.message.empty());
    }
  }
}

TEST(OpenMetricsConformanceSuite, IsPresentAndComplete) {
  const auto cases = load_index();
  EXPECT_EQ(cases.size(), 211u) << "the suite under " << kSuite << " changed or is missing";
}

INSTANTIATE_TEST_SUITE_P(Suite, OpenMetricsConformance, ::testing::ValuesIn(load_index()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

}  // namespace
}  // namespace pe
