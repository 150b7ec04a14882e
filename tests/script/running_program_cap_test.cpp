// running_program_cap_test.cpp — the process-wide limit: the smallest
// registered limit applies, acquisition beyond it fails at once, places come
// back when released, and concurrent acquirers never exceed it.
#include "running_program_cap.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace pe::script;

TEST(RunningProgramCap, SmallestRegisteredLimitApplies) {
  RunningProgramCap cap;
  EXPECT_EQ(cap.limit(), RunningProgramCap::kDefaultLimit);
  {
    CapRegistration a(cap, 10);
    CapRegistration b(cap, 3);
    CapRegistration c(cap, 3);
    EXPECT_EQ(cap.limit(), 3);
    {
      CapRegistration d(cap, 2);
      EXPECT_EQ(cap.limit(), 2);
    }
    EXPECT_EQ(cap.limit(), 3);
  }
  EXPECT_EQ(cap.limit(), RunningProgramCap::kDefaultLimit);
}

TEST(RunningProgramCap, RefusesBeyondTheLimitAndReleases) {
  RunningProgramCap cap;
  CapRegistration reg(cap, 2);
  auto a = cap.try_acquire();
  auto b = cap.try_acquire();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(cap.try_acquire().has_value());
  EXPECT_EQ(cap.running(), 2);
  a.reset();
  EXPECT_EQ(cap.running(), 1);
  EXPECT_TRUE(cap.try_acquire().has_value());
  EXPECT_EQ(cap.running(), 1);
}

TEST(RunningProgramCap, ConcurrentAcquirersNeverExceedTheLimit) {
  RunningProgramCap cap;
  CapRegistration reg(cap, 4);
  std::atomic<int> holding{0}, max_seen{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto slot = cap.try_acquire();
        if (!slot) {
          ++refused;
          continue;
        }
        int now = ++holding;
        int prev = max_seen.load();
        while (now > prev && !max_seen.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::yield();
        --holding;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(max_seen.load(), 4);
  EXPECT_EQ(cap.running(), 0);
}
