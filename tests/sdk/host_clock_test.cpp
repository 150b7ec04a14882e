// host_clock_test.cpp — pe::wait_until (plugin_exporter/host_clock.hpp):
// waits end when the condition holds or when the given clock (here the fake
// host's, which only the test moves) reaches the deadline.
#include "plugin_exporter/host_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "plugin_exporter/testing/fake_host.hpp"

using pe::testing::FakeClock;
using namespace std::chrono_literals;

TEST(HostClock, WaitUntilReturnsAtOnceWhenDone) {
  FakeClock::reset();
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  EXPECT_TRUE(pe::wait_until(cv, lock, &FakeClock::monotonic_ns, 0, [] { return true; }));
}

TEST(HostClock, WaitUntilEndsAtTheDeadlineOfTheGivenClock) {
  FakeClock::reset();
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  // The fake clock is at the deadline: no real time is waited.
  EXPECT_FALSE(pe::wait_until(cv, lock, &FakeClock::monotonic_ns, FakeClock::monotonic_ns(),
                              [] { return false; }));
}

TEST(HostClock, WaitUntilWakesWhenNotified) {
  FakeClock::reset();
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread notifier([&] {
    std::this_thread::sleep_for(10ms);
    {
      std::lock_guard guard(mu);
      ready = true;
    }
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  // A frozen fake clock never reaches this deadline: only the notification ends the wait.
  EXPECT_TRUE(pe::wait_until(cv, lock, &FakeClock::monotonic_ns,
                             FakeClock::monotonic_ns() + 1'000'000'000, [&] { return ready; }));
  lock.unlock();
  notifier.join();
}
