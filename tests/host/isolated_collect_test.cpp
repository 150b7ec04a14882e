// isolated_collect_test.cpp — isolation = "process" driven through the real
// host components in this process (tests/support/in_process_host.hpp): the
// child is this test binary in its runner mode (main below), so the
// supervisor's threads — the reader queueing a collect's socket parts, the
// collect thread replaying them and its ring's, a deadline killing a child —
// run under the sanitizers (labels sanitize and concurrency). The
// exporter-level suite is tests/integration/test_isolation.py.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "in_process_host.hpp"
#include "isolation/collector_runner.hpp"
#include "isolation/process_supervisor.hpp"

using namespace pe::host;

namespace {

std::string isolated_huge(long samples, const std::string& timeout, bool then_hang = false) {
  return "[[collector]]\nname = \"iso\"\nplugin = \"" + std::string(PE_TEST_PLUGIN_DIR) +
         "/test_source.so\"\nisolation = \"process\"\ntimeout = \"" + timeout +
         "\"\nmax_samples = 2000000\n[collector.config]\nbehaviour = \"huge\"\nsamples = " +
         std::to_string(samples) + "\nthen_hang = " + (then_hang ? "true" : "false") + "\n";
}

double value_of(const pe::MetricSet& set, std::string_view name, std::string_view id) {
  for (const pe::Sample& s : set.samples) {
    if (s.name != name) continue;
    for (const pe::Label& l : set.labels_of(s))
      if (l.name == "id" && l.value == id) return s.value;
  }
  return -1;
}

// Many parts per collect (a sample takes ~16 bytes, a part ~16 KiB: 800 KB
// through a ring of 512 KiB), several collects: every sample arrives once,
// in order, with its value.
TEST(IsolatedCollect, PartsAreReplayedIntoTheSinkOnEveryCollect) {
  pe::test::InProcessHost host(isolated_huge(50'000, "30s"));
  ASSERT_TRUE(host.ok()) << (host.errors().empty() ? "" : host.errors()[0]);
  for (int round = 1; round <= 3; ++round) {
    const CollectOutcome o = host.scrape_one("iso");
    ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
    ASSERT_TRUE(o.metrics);
    EXPECT_EQ(o.metrics->sample_count(), 50'001u);  // + test_collect_calls_total
    EXPECT_EQ(value_of(*o.metrics, "test_huge", "0"), 0);
    EXPECT_EQ(value_of(*o.metrics, "test_huge", "49999"), 49'999);
  }
}

// The child sends all its parts, then hangs: the collect times out, the
// supervisor kills the child at the deadline plus its grace (the pool
// thread returns then), and the next collect gets a new child that is
// called (not refused as still running) and times out the same way.
TEST(IsolatedCollect, AChildHangingAfterItsPartsIsKilledAtTheDeadline) {
  pe::test::InProcessHost host(isolated_huge(20'000, "1s", true));
  ASSERT_TRUE(host.ok()) << (host.errors().empty() ? "" : host.errors()[0]);
  for (int round = 0; round < 2; ++round) {
    if (round > 0)
      std::this_thread::sleep_for(
          std::chrono::nanoseconds(isolation::ProcessSupervisor::kDeadlineGraceNs + 500'000'000));
    const CollectOutcome o = host.scrape_one("iso");
    EXPECT_EQ(o.status, CollectStatus::timeout) << o.reason;
    EXPECT_EQ(o.reason.find("not called again"), std::string::npos) << o.reason;
  }
}

}  // namespace

// The test binary doubles as the collector-runner child (/proc/self/exe).
int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], pe::host::isolation::kRunnerFlag) == 0)
    return pe::host::isolation::run_collector_runner(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
