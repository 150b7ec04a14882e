// background_runner_test.cpp — mode = "background": the thread runs every
// interval without any collect, latest() waits for the first result, a null
// result keeps the previous one, and stop() cancels a program in progress.
#include "background_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "program_runner.hpp"

using namespace pe::script;
using namespace std::chrono_literals;

namespace {
constexpr int64_t kMs = 1'000'000;

SharedOutcome numbered(int n) {
  auto o = std::make_shared<RunOutcome>();
  o->status = PE_OK;
  o->output = "n " + std::to_string(n) + "\n";
  o->ran = true;
  return o;
}
}  // namespace

TEST(BackgroundRunner, RunsEveryIntervalAndServesTheLatest) {
  std::atomic<int> runs{0};
  BackgroundRunner runner([&](int) -> SharedOutcome { return numbered(++runs); }, 20 * kMs,
                          monotonic_ns);
  runner.start();
  SharedOutcome first = runner.latest(monotonic_ns() + 5000 * kMs);
  ASSERT_NE(first, nullptr);
  while (runs < 5) std::this_thread::sleep_for(5ms);
  SharedOutcome later = runner.latest(monotonic_ns());
  ASSERT_NE(later, nullptr);
  EXPECT_NE(later->output, "n 1\n");
  runner.stop();
  int after_stop = runs;
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(runs.load(), after_stop);
}

TEST(BackgroundRunner, ANullResultKeepsThePreviousOne) {
  std::atomic<int> runs{0};
  BackgroundRunner runner([&](int) -> SharedOutcome { return ++runs == 1 ? numbered(1) : nullptr; },
                          10 * kMs, monotonic_ns);
  runner.start();
  while (runs < 4) std::this_thread::sleep_for(5ms);
  SharedOutcome o = runner.latest(monotonic_ns());
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->output, "n 1\n");
}

TEST(BackgroundRunner, LatestGivesUpAtTheDeadlineBeforeAnyResult) {
  BackgroundRunner runner(
      [](int cancel_fd) -> SharedOutcome {
        ProgramSpec spec;
        spec.argv = {"/bin/sleep", "60"};
        RunLimits limits;
        limits.terminate_at_ns = monotonic_ns() + 60'000 * kMs;
        limits.cancel_fd = cancel_fd;
        run_program(spec, limits);
        return numbered(1);
      },
      1000 * kMs, monotonic_ns);
  runner.start();
  EXPECT_EQ(runner.latest(monotonic_ns() + 100 * kMs), nullptr);
  // stop() cancels the sleeping program instead of waiting a minute.
  auto start = std::chrono::steady_clock::now();
  runner.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}
