// run_coalescer_test.cpp — single-flight by key: N concurrent callers with
// one key → one run that all of them get; different keys run side by side;
// a waiter gives up at its own deadline; a run that throws still releases
// its waiters.
#include "run_coalescer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "program_runner.hpp"

using namespace pe::script;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

SharedOutcome outcome_with(std::string output) {
  auto o = std::make_shared<RunOutcome>();
  o->status = PE_OK;
  o->output = std::move(output);
  o->ran = true;
  return o;
}

}  // namespace

TEST(RunCoalescer, ConcurrentCallersWithOneKeyShareOneRun) {
  RunCoalescer coalescer{monotonic_ns};
  constexpr int kCallers = 64;
  std::atomic<int> runs{0};
  std::atomic<bool> release{false};
  std::latch started(1);
  std::vector<SharedOutcome> seen(kCallers);
  std::vector<std::thread> threads;
  // The leader's run stays open until every other caller has joined.
  threads.emplace_back([&] {
    seen[0] = coalescer
                  .run("k", monotonic_ns() + 30 * kSecond,
                       [&] {
                         ++runs;
                         started.count_down();
                         while (!release) std::this_thread::sleep_for(1ms);
                         return outcome_with("shared");
                       })
                  .outcome;
  });
  started.wait();
  std::atomic<int> waiting{0};
  for (int i = 1; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      ++waiting;
      seen[i] = coalescer
                    .run("k", monotonic_ns() + 30 * kSecond,
                         [&] {
                           ++runs;
                           return outcome_with("second run");
                         })
                    .outcome;
    });
  }
  while (waiting < kCallers - 1) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);  // let the last ones reach the wait
  release = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  for (const auto& o : seen) {
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->output, "shared");
  }
  EXPECT_EQ(coalescer.in_flight(), 0u);
}

TEST(RunCoalescer, DifferentKeysDoNotWaitForEachOther) {
  RunCoalescer coalescer{monotonic_ns};
  std::atomic<bool> release{false};
  std::latch slow_started(1);
  std::thread slow([&] {
    coalescer.run("slow", monotonic_ns() + 30 * kSecond, [&] {
      slow_started.count_down();
      while (!release) std::this_thread::sleep_for(1ms);
      return outcome_with("slow");
    });
  });
  slow_started.wait();
  // While "slow" is still running, "fast" runs and returns.
  auto fast =
      coalescer.run("fast", monotonic_ns() + 30 * kSecond, [] { return outcome_with("fast"); });
  EXPECT_TRUE(fast.led);
  EXPECT_EQ(fast.outcome->output, "fast");
  EXPECT_EQ(coalescer.in_flight(), 1u);
  release = true;
  slow.join();
}

TEST(RunCoalescer, AWaiterGivesUpAtItsOwnDeadline) {
  RunCoalescer coalescer{monotonic_ns};
  std::atomic<bool> release{false};
  std::latch started(1);
  std::thread leader([&] {
    coalescer.run("k", monotonic_ns() + 30 * kSecond, [&] {
      started.count_down();
      while (!release) std::this_thread::sleep_for(1ms);
      return outcome_with("late");
    });
  });
  started.wait();
  auto joined = coalescer.run("k", monotonic_ns() + 100'000'000, [] { return outcome_with("x"); });
  EXPECT_FALSE(joined.led);
  EXPECT_EQ(joined.outcome, nullptr);
  release = true;
  leader.join();
}

TEST(RunCoalescer, AThrowingRunReleasesItsWaiters) {
  RunCoalescer coalescer{monotonic_ns};
  std::latch started(1);
  std::atomic<bool> joined{false};
  SharedOutcome waiter_saw;
  std::thread waiter;
  EXPECT_THROW(coalescer.run("k", monotonic_ns() + 30 * kSecond,
                             [&]() -> SharedOutcome {
                               waiter = std::thread([&] {
                                 joined = true;
                                 waiter_saw = coalescer
                                                  .run("k", monotonic_ns() + 30 * kSecond,
                                                       [] { return outcome_with("x"); })
                                                  .outcome;
                               });
                               while (!joined) std::this_thread::sleep_for(1ms);
                               std::this_thread::sleep_for(20ms);
                               throw std::runtime_error("boom");
                             }),
               std::runtime_error);
  waiter.join();
  ASSERT_NE(waiter_saw, nullptr);
  EXPECT_NE(waiter_saw->status, PE_OK);
  EXPECT_EQ(coalescer.in_flight(), 0u);
}
