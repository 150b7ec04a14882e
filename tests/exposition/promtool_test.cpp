// promtool_test.cpp — what the writer emits passes `promtool check metrics`
// (exit 0 clean, 3 lint problems, 1 parse error). Skipped when promtool is
// not installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "model_generator.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"
#include "test_support.hpp"

namespace pe {
namespace {

struct PromtoolResult {
  int exit_code = -1;
  std::string output;
};

PromtoolResult promtool_check(const std::string& exposition) {
  char path[] = "/tmp/pe_promtool_XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  { std::ofstream(path, std::ios::binary) << exposition; }
  const std::string cmd = std::string(PE_PROMTOOL) + " check metrics < " + path + " 2>&1";
  PromtoolResult result;
  FILE* pipe = popen(cmd.c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  unlink(path);
  return result;
}

class Promtool : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(PE_PROMTOOL).empty() || access(PE_PROMTOOL, X_OK) != 0)
      GTEST_SKIP() << "promtool not installed";
  }
};

TEST_F(Promtool, FixtureWrittenAsTextHasNoNewProblems) {
  const std::string original = test::read_file(std::string(PE_TESTDATA) +
                                               "/prometheus-textparse/alltypes.237mfs.prom.txt");
  MetricSet set;
  ASSERT_TRUE(test::parse(original, set, ExpositionFormat::text).ok);
  const PromtoolResult ours = promtool_check(write_exposition(set, ExpositionFormat::text));
  const PromtoolResult theirs = promtool_check(original);
  EXPECT_NE(ours.exit_code, 1) << ours.output;
  // The fixture's own names trip one lint rule; we add nothing to that.
  EXPECT_EQ(ours.exit_code, theirs.exit_code) << ours.output;
  EXPECT_EQ(ours.output, theirs.output);
}

TEST_F(Promtool, OpenMetricsFixtureWrittenAsTextParses) {
  const std::string om = test::read_file(std::string(PE_TESTDATA) +
                                         "/prometheus-textparse/alltypes.5mfs.om.txt");
  MetricSet set;
  ASSERT_TRUE(test::parse(om, set, ExpositionFormat::openmetrics).ok);
  const PromtoolResult r = promtool_check(write_exposition(set, ExpositionFormat::text));
  EXPECT_NE(r.exit_code, 1) << r.output;
  // Only the fixture's naming ("..._histogram_seconds") is linted.
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line))
    EXPECT_NE(line.find("should not include type 'histogram'"), std::string::npos) << line;
}

TEST_F(Promtool, GeneratedSetsAreClean) {
  for (uint64_t seed : {7u, 8u, 9u}) {
    for (bool om_types : {false, true}) {
      MetricSet set;
      test::ModelGenerator(seed).generate(set, 60, om_types);
      const std::string text = write_exposition(set, ExpositionFormat::text);
      const PromtoolResult r = promtool_check(text);
      EXPECT_EQ(r.exit_code, 0) << "seed " << seed << " om_types " << om_types << "\n"
                                << r.output << "\n"
                                << text;
    }
  }
}

}  // namespace
}  // namespace pe
