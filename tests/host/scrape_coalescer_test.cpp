// scrape_coalescer_test.cpp — concurrent identical scrapes share one
// response: joiners only leave a callback (no thread waits), different keys
// do not share, a failing producer gives everyone a 500, and nothing is
// cached once a flight completed.
#include "http/scrape_coalescer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using pe::host::ScrapeCoalescer;
using pe::host::ScrapeResponse;

namespace {

ScrapeResponse body(const std::string& text) {
  ScrapeResponse r;
  r.body = std::make_shared<const std::string>(text);
  return r;
}

}  // namespace

TEST(ScrapeCoalescer, JoinersShareTheLeadersResponse) {
  ScrapeCoalescer coalescer;
  std::vector<std::shared_ptr<const ScrapeResponse>> got(1000);
  int leaders = 0;
  for (int i = 0; i < 1000; ++i)
    leaders += coalescer.join_or_lead("k", [&got, i](auto r) { got[i] = r; });
  EXPECT_EQ(leaders, 1);
  for (auto& r : got) EXPECT_FALSE(r);  // nobody answered before the producer ran
  int produced = 0;
  coalescer.produce("k", [&] {
    ++produced;
    return body("body");
  });
  EXPECT_EQ(produced, 1);
  for (auto& r : got) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r, got[0]);  // one response object, shared
    EXPECT_EQ(*r->body, "body");
  }
  EXPECT_EQ(coalescer.shared_total(), 999u);
  // Afterwards nothing is cached: the next scrape leads a new flight.
  EXPECT_TRUE(coalescer.join_or_lead("k", [](auto) {}));
}

TEST(ScrapeCoalescer, DifferentKeysDoNotShare) {
  ScrapeCoalescer coalescer;
  EXPECT_TRUE(coalescer.join_or_lead("a", [](auto) {}));
  EXPECT_TRUE(coalescer.join_or_lead("b", [](auto) {}));
  EXPECT_EQ(coalescer.shared_total(), 0u);
}

TEST(ScrapeCoalescer, AFailingProducerGivesEveryoneA500) {
  ScrapeCoalescer coalescer;
  std::shared_ptr<const ScrapeResponse> leader, waiter;
  ASSERT_TRUE(coalescer.join_or_lead("k", [&](auto r) { leader = r; }));
  ASSERT_FALSE(coalescer.join_or_lead("k", [&](auto r) { waiter = r; }));
  coalescer.produce("k", []() -> ScrapeResponse { throw std::runtime_error("boom"); });
  ASSERT_TRUE(leader && waiter);
  EXPECT_EQ(leader->status, 500);
  EXPECT_EQ(waiter->status, 500);
}

TEST(ScrapeCoalescer, ConcurrentJoinersFromManyThreads) {
  ScrapeCoalescer coalescer;
  std::atomic<int> answered{0};
  std::atomic<int> leaders{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < 200; ++i) {
        if (coalescer.join_or_lead("k", [&](auto) { ++answered; })) {
          ++leaders;
          coalescer.produce("k", [] { return body("x"); });
        }
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), 1600);  // every scrape answered exactly once
  EXPECT_EQ(coalescer.shared_total(), static_cast<uint64_t>(1600 - leaders.load()));
}
