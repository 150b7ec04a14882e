// worker_pool_test.cpp — the elastic collector pool: runs tasks in parallel
// up to its limit, queues beyond it, and reports stuck tasks at shutdown.
#include "collect/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using pe::host::WorkerPool;
using namespace std::chrono_literals;

TEST(WorkerPool, RunsEveryTask) {
  WorkerPool pool(4);
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(pool.submit([&] { ++done; }));
  for (int i = 0; i < 200 && done < 100; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(done.load(), 100);
  EXPECT_LE(pool.threads(), 4u);
}

TEST(WorkerPool, GrowsToItsLimitAndQueuesBeyond) {
  WorkerPool pool(3);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> started{0}, finished{0};
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(pool.submit([&] {
      ++started;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return release; });
      }
      ++finished;  // out of cv.wait: the test's mutex and condition variable may go
    }));
  }
  for (int i = 0; i < 200 && started < 3; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(started.load(), 3);
  EXPECT_EQ(pool.busy(), 3u);
  EXPECT_EQ(pool.queued(), 2u);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (int i = 0; i < 200 && started < 5; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(started.load(), 5);
  // The pool's destructor does not wait for its tasks: they must be out of
  // cv.wait before `mu` and `cv` are destroyed (TSan saw one still inside).
  for (int i = 0; i < 400 && finished < 5; ++i) std::this_thread::sleep_for(5ms);
}

TEST(WorkerPool, ShutdownReportsStuckTasksAndReturns) {
  auto gate = std::make_shared<std::atomic<bool>>(false);
  {
    WorkerPool pool(2);
    EXPECT_TRUE(pool.submit([gate] {
      while (!*gate) std::this_thread::sleep_for(1ms);
    }));
    EXPECT_TRUE(pool.submit([] {}));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(pool.shutdown(100), 1u);
  }  // the pool is gone while its stuck task still runs
  *gate = true;
  std::this_thread::sleep_for(20ms);
}

// After shutdown a task is refused, not silently dropped: the caller has to
// answer whoever waits for it.
TEST(WorkerPool, SubmitAfterShutdownIsRefused) {
  WorkerPool pool(2);
  EXPECT_EQ(pool.shutdown(100), 0u);
  bool ran = false;
  EXPECT_FALSE(pool.submit([&] { ran = true; }));
  EXPECT_EQ(pool.queued(), 0u);
  EXPECT_FALSE(ran);
}
