// scrape_coalescer_test.cpp — concurrent identical scrapes share one
// response; different keys do not; a failing producer fails only its caller
// while the waiting ones get a 500.
#include "http/scrape_coalescer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

using pe::host::ScrapeCoalescer;
using pe::host::ScrapeResponse;
using namespace std::chrono_literals;

TEST(ScrapeCoalescer, ConcurrentSameKeyRunsOnce) {
  ScrapeCoalescer coalescer;
  std::atomic<int> produced{0};
  std::vector<std::shared_ptr<const ScrapeResponse>> got(12);
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      got[i] = coalescer.run("k", [&] {
        ++produced;
        std::this_thread::sleep_for(300ms);
        ScrapeResponse r;
        r.body = "body";
        return r;
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(produced.load(), 2);  // a late starter may begin a second flight
  int same_as_first = 0;
  for (auto& r : got) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "body");
    same_as_first += r == got[0];
  }
  EXPECT_GE(same_as_first, 6);
  EXPECT_EQ(coalescer.shared_total(), static_cast<uint64_t>(12 - produced.load()));
  // Afterwards nothing is cached: the next call produces again.
  coalescer.run("k", [&] {
    ++produced;
    return ScrapeResponse{};
  });
  EXPECT_GE(produced.load(), 2);
}

TEST(ScrapeCoalescer, DifferentKeysDoNotShare) {
  ScrapeCoalescer coalescer;
  std::atomic<int> produced{0};
  std::thread a([&] {
    coalescer.run("a", [&] {
      ++produced;
      std::this_thread::sleep_for(100ms);
      return ScrapeResponse{};
    });
  });
  std::thread b([&] {
    coalescer.run("b", [&] {
      ++produced;
      std::this_thread::sleep_for(100ms);
      return ScrapeResponse{};
    });
  });
  a.join();
  b.join();
  EXPECT_EQ(produced.load(), 2);
}

TEST(ScrapeCoalescer, AFailingProducerGivesWaitersA500) {
  ScrapeCoalescer coalescer;
  std::atomic<bool> started{false};
  std::shared_ptr<const ScrapeResponse> waiter;
  std::thread leader([&] {
    EXPECT_THROW(coalescer.run("k",
                               [&]() -> ScrapeResponse {
                                 started = true;
                                 std::this_thread::sleep_for(200ms);
                                 throw std::runtime_error("boom");
                               }),
                 std::runtime_error);
  });
  while (!started) std::this_thread::sleep_for(1ms);
  waiter = coalescer.run("k", [] { return ScrapeResponse{}; });
  leader.join();
  ASSERT_TRUE(waiter);
  EXPECT_EQ(waiter->status, 500);
}
