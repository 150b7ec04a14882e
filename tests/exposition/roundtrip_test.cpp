// roundtrip_test.cpp — write -> parse gives back the same model, for the
// Prometheus fixtures and for generated sets in both formats; text output of
// OpenMetrics models is valid text 0.0.4 (strict).
#include <gtest/gtest.h>

#include <string>

#include "model_generator.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"
#include "test_support.hpp"

namespace pe {
namespace {

using test::dump;

const std::string kFixtures = std::string(PE_TESTDATA) + "/prometheus-textparse/";

TEST(RoundTrip, TextFixtureIsReproducedByteForByte) {
  // The nometa variant interleaves untyped x, x_sum, x_count, x, ... which
  // strict text rejects (a metric's lines must be one group); lenient keeps
  // each run as its own untyped family.
  for (const char* name : {"alltypes.237mfs.prom.txt", "alltypes.237mfs.nometa.prom.txt"}) {
    std::string text = test::read_file(kFixtures + name);
    ASSERT_FALSE(text.empty()) << name;
    MetricSet set;
    const bool strict = std::string_view(name).find("nometa") == std::string_view::npos;
    ASSERT_TRUE(test::parse(text, set, ExpositionFormat::text, strict).ok) << name;
    // The fixture ends with a "# EOF" comment, which text 0.0.4 ignores.
    const std::string eof = "# EOF\n";
    if (text.ends_with(eof)) text.resize(text.size() - eof.size());
    EXPECT_EQ(write_exposition(set, ExpositionFormat::text), text) << name;
  }
}

TEST(RoundTrip, OpenMetricsFixturesKeepTheirModel) {
  for (const char* name : {"alltypes.5mfs.om.txt", "1histogram.om.txt"}) {
    const std::string text = test::read_file(kFixtures + name);
    MetricSet first, second;
    ASSERT_TRUE(test::parse(text, first, ExpositionFormat::openmetrics).ok) << name;
    const std::string written = write_exposition(first, ExpositionFormat::openmetrics);
    const ParseResult r = test::parse(written, second, ExpositionFormat::openmetrics);
    ASSERT_TRUE(r.ok) << name << ": " << r.error.to_string();
    EXPECT_EQ(dump(second, true), dump(first, true)) << name;
    // And its text rendering is valid text 0.0.4.
    MetricSet as_text;
    const std::string text_out = write_exposition(first, ExpositionFormat::text);
    const ParseResult rt = test::parse(text_out, as_text, ExpositionFormat::text, /*strict=*/true);
    EXPECT_TRUE(rt.ok) << name << ": " << rt.error.to_string() << "\n" << text_out;
  }
}

TEST(RoundTrip, GeneratedTextModels) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    MetricSet set, back;
    test::ModelGenerator(seed).generate(set, 30, /*om_types=*/false);
    const std::string text = write_exposition(set, ExpositionFormat::text);
    const ParseResult r = test::parse(text, back, ExpositionFormat::text, /*strict=*/true);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.error.to_string() << "\n" << text;
    ASSERT_EQ(dump(back, true), dump(set, true)) << "seed " << seed << "\n" << text;
    // Writing the parsed model again gives the same bytes (a fixed point).
    EXPECT_EQ(write_exposition(back, ExpositionFormat::text), text);
  }
}

TEST(RoundTrip, GeneratedOpenMetricsModels) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    MetricSet set, back;
    test::ModelGenerator(seed).generate(set, 30, /*om_types=*/true);
    const std::string om = write_exposition(set, ExpositionFormat::openmetrics);
    const ParseResult r = test::parse(om, back, ExpositionFormat::openmetrics, /*strict=*/true);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.error.to_string() << "\n" << om;
    ASSERT_EQ(dump(back, true), dump(set, true)) << "seed " << seed << "\n" << om;
    EXPECT_EQ(write_exposition(back, ExpositionFormat::openmetrics), om);
    // The same model as text 0.0.4 is valid (strict) text.
    MetricSet as_text;
    const std::string text = write_exposition(set, ExpositionFormat::text);
    const ParseResult rt = test::parse(text, as_text, ExpositionFormat::text, /*strict=*/true);
    ASSERT_TRUE(rt.ok) << "seed " << seed << ": " << rt.error.to_string() << "\n" << text;
    EXPECT_EQ(as_text.samples.size(), set.samples.size());
  }
}

}  // namespace
}  // namespace pe
