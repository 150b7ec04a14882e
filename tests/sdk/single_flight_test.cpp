// single_flight_test.cpp — the SDK's single-flight template
// (plugin_exporter/single_flight.hpp): joiners share the leader's one
// computation by callback or by blocking wait, keys are separate, deadlines
// (the caller's own; a flight whose deadline passed is joined and marked
// late) on a fake clock, exceptions become every waiter's result, and many
// threads at once each get exactly one answer (also run under TSan).
#include "plugin_exporter/single_flight.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "plugin_exporter/testing/fake_host.hpp"

namespace {

using pe::testing::FakeClock;
using namespace std::chrono_literals;
using Flights = pe::SingleFlight<std::string, std::shared_ptr<const std::string>>;
using Result = std::shared_ptr<const std::string>;

constexpr int64_t kSecond = 1'000'000'000;

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result text(const std::string& s) {
  return std::make_shared<const std::string>(s);
}

Result failed(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return text(std::string("failed: ") + x.what());
  } catch (...) {
    return text("failed");
  }
}

class SingleFlightTest : public ::testing::Test {
 protected:
  void SetUp() override { FakeClock::reset(); }
  Flights flights{&FakeClock::monotonic_ns};
};

}  // namespace

TEST_F(SingleFlightTest, JoinersByCallbackShareTheLeadersResult) {
  Flights::Ticket lead = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  ASSERT_TRUE(lead.leader);
  EXPECT_EQ(lead.flight->started_ns(), FakeClock::monotonic_ns());
  std::vector<Result> got(100);
  for (int i = 0; i < 100; ++i) {
    Flights::Ticket t = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
    EXPECT_FALSE(t.leader);
    EXPECT_FALSE(t.late);
    EXPECT_EQ(t.flight, lead.flight);
    t.flight->then([&got, i](const Result& r) { got[i] = r; });
  }
  for (const Result& r : got) EXPECT_EQ(r, nullptr);  // nobody answered before completion
  EXPECT_EQ(flights.in_flight(), 1u);
  flights.complete(lead.flight, text("shared"));
  for (const Result& r : got) {
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r, got[0]);  // one result object, shared
    EXPECT_EQ(*r, "shared");
  }
  EXPECT_EQ(flights.joined_total(), 100u);
  EXPECT_EQ(flights.in_flight(), 0u);
  // Nothing is cached: the next caller leads a new flight.
  EXPECT_TRUE(flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond).leader);
}

TEST_F(SingleFlightTest, ACallbackOnACompletedFlightRunsAtOnce) {
  Flights::Ticket lead = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  flights.complete(lead.flight, text("done"));
  EXPECT_TRUE(lead.flight->done());
  Result got;
  lead.flight->then([&](const Result& r) { got = r; });
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, "done");
}

TEST_F(SingleFlightTest, DifferentKeysAreSeparateFlights) {
  Flights::Ticket a = flights.join_or_lead("a", FakeClock::monotonic_ns() + kSecond);
  Flights::Ticket b = flights.join_or_lead("b", FakeClock::monotonic_ns() + kSecond);
  EXPECT_TRUE(a.leader);
  EXPECT_TRUE(b.leader);
  EXPECT_NE(a.flight, b.flight);
  EXPECT_EQ(flights.find("a"), a.flight);
  EXPECT_EQ(flights.find("c"), nullptr);
  flights.complete(a.flight, text("a"));
  EXPECT_FALSE(b.flight->done());
  EXPECT_EQ(flights.find("a"), nullptr);
  EXPECT_EQ(flights.any_in_flight(), b.flight);
  EXPECT_EQ(flights.joined_total(), 0u);
}

TEST_F(SingleFlightTest, ACompletedFlightIsCompletedOnceAndFreesOnlyItsOwnKey) {
  Flights::Ticket first = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  int calls = 0;
  first.flight->then([&](const Result&) { ++calls; });
  flights.complete(first.flight, text("first"));
  Flights::Ticket second = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  ASSERT_TRUE(second.leader);
  flights.complete(first.flight, text("again"));  // a stray second completion
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(**first.flight->wait_until(0), "first");
  EXPECT_EQ(flights.find("k"), second.flight);  // the newer flight stays
}

TEST_F(SingleFlightTest, AJoinerAfterTheFlightsDeadlineJoinsAndIsLate) {
  Flights::Ticket lead = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  FakeClock::advance(2s);
  Flights::Ticket late = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  EXPECT_FALSE(late.leader);  // not started again while one runs
  EXPECT_TRUE(late.late);
  EXPECT_EQ(late.flight, lead.flight);
  EXPECT_EQ(late.flight->deadline_ns(), FakeClock::kStartMonotonicNs + kSecond);
}

TEST_F(SingleFlightTest, ABlockingWaiterGivesUpAtItsOwnDeadlineOnTheGivenClock) {
  Flights::Ticket lead = flights.join_or_lead("k", FakeClock::monotonic_ns() + 10 * kSecond);
  // On the fake clock the waiter's deadline has passed: no real time is spent.
  EXPECT_EQ(lead.flight->wait_until(FakeClock::monotonic_ns()), std::nullopt);
  FakeClock::advance(5s);
  EXPECT_EQ(lead.flight->wait_until(FakeClock::monotonic_ns() - 1), std::nullopt);
  flights.complete(lead.flight, text("x"));
  // Once complete, a waiter gets the result whatever its deadline.
  EXPECT_EQ(**lead.flight->wait_until(0), "x");
}

TEST(SingleFlight, ABlockingWaiterGetsAResultCompletedOnAnotherThread) {
  Flights flights(&steady_now_ns);
  Flights::Ticket lead = flights.join_or_lead("k", steady_now_ns() + 30 * kSecond);
  std::thread completer([&] {
    std::this_thread::sleep_for(20ms);
    flights.complete(lead.flight, text("late but in time"));
  });
  auto got = flights.join_or_lead("k", steady_now_ns() + 30 * kSecond)
                 .flight->wait_until(steady_now_ns() + 30 * kSecond);
  completer.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(**got, "late but in time");
}

TEST(SingleFlight, ABlockingWaiterTimesOutOnARealClock) {
  Flights flights(&steady_now_ns);
  Flights::Ticket lead = flights.join_or_lead("k", steady_now_ns() + 30 * kSecond);
  EXPECT_EQ(lead.flight->wait_until(steady_now_ns() + 10'000'000), std::nullopt);
  EXPECT_FALSE(lead.flight->done());
}

TEST_F(SingleFlightTest, ProduceTurnsAnExceptionIntoEveryonesResult) {
  Flights::Ticket lead = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  Flights::Ticket joiner = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  Result leader_saw, joiner_saw;
  lead.flight->then([&](const Result& r) { leader_saw = r; });
  joiner.flight->then([&](const Result& r) { joiner_saw = r; });
  flights.produce(
      lead.flight, []() -> Result { throw std::runtime_error("boom"); }, failed);
  ASSERT_NE(leader_saw, nullptr);
  EXPECT_EQ(*leader_saw, "failed: boom");
  EXPECT_EQ(joiner_saw, leader_saw);
  EXPECT_EQ(flights.in_flight(), 0u);
}

TEST_F(SingleFlightTest, ProduceCompletesWithTheComputedResult) {
  Flights::Ticket lead = flights.join_or_lead("k", FakeClock::monotonic_ns() + kSecond);
  flights.produce(
      lead.flight, [] { return text("ok"); }, failed);
  EXPECT_EQ(**lead.flight->wait_until(0), "ok");
}

TEST(SingleFlight, RunRethrowsToTheLeaderAndGivesJoinersTheFailure) {
  Flights flights(&steady_now_ns);
  std::atomic<bool> joined{false};
  Flights::Outcome waiter_saw;
  std::thread waiter;
  EXPECT_THROW(flights.run(
                   "k", steady_now_ns() + 30 * kSecond,
                   [&]() -> Result {
                     waiter = std::thread([&] {
                       waiter_saw = flights.run(
                           "k", steady_now_ns() + 30 * kSecond, [] { return text("x"); }, failed);
                       joined = true;
                     });
                     while (flights.joined_total() == 0) std::this_thread::sleep_for(1ms);
                     throw std::runtime_error("boom");
                   },
                   failed),
               std::runtime_error);
  waiter.join();
  EXPECT_TRUE(joined);
  EXPECT_FALSE(waiter_saw.led);
  ASSERT_TRUE(waiter_saw.result.has_value());
  EXPECT_EQ(**waiter_saw.result, "failed: boom");
  EXPECT_EQ(flights.in_flight(), 0u);
}

TEST(SingleFlight, RunJoinersGiveUpAtTheirOwnDeadline) {
  Flights flights(&steady_now_ns);
  std::latch started(1);
  std::atomic<bool> release{false};
  std::thread leader([&] {
    flights.run(
        "k", steady_now_ns() + 30 * kSecond,
        [&] {
          started.count_down();
          while (!release) std::this_thread::sleep_for(1ms);
          return text("slow");
        },
        failed);
  });
  started.wait();
  Flights::Outcome joined = flights.run(
      "k", steady_now_ns() + 20'000'000, [] { return text("never"); }, failed);
  EXPECT_FALSE(joined.led);
  EXPECT_EQ(joined.result, std::nullopt);
  release = true;
  leader.join();
}

// Many threads, one key: every call gets exactly one answer, and every answer
// is the result of a computation some leader ran (TSan checks the rest).
TEST(SingleFlight, ManyThreadsRunOneKey) {
  Flights flights(&steady_now_ns);
  constexpr int kThreads = 8, kCalls = 300;
  std::atomic<int> computations{0}, answered{0}, led{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kCalls; ++i) {
        Flights::Outcome o = flights.run(
            "k", steady_now_ns() + 30 * kSecond,
            [&] {
              ++computations;
              return text("v");
            },
            failed);
        if (o.result && *o.result && **o.result == "v") ++answered;
        if (o.led) ++led;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), kThreads * kCalls);
  EXPECT_EQ(led.load(), computations.load());
  EXPECT_EQ(flights.joined_total(), static_cast<uint64_t>(kThreads * kCalls - led.load()));
  EXPECT_EQ(flights.in_flight(), 0u);
}

// Many threads, a few keys, callback style: each caller's callback runs once.
TEST(SingleFlight, ManyThreadsJoinByCallbackAcrossKeys) {
  Flights flights(&steady_now_ns);
  constexpr int kThreads = 8, kCalls = 300;
  std::atomic<int> answered{0}, wrong_key{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kCalls; ++i) {
        const std::string key = "k" + std::to_string((t + i) % 3);
        Flights::Ticket ticket = flights.join_or_lead(key, steady_now_ns() + 30 * kSecond);
        ticket.flight->then([&, key](const Result& r) {
          ++answered;
          if (*r != key) ++wrong_key;
        });
        if (ticket.leader)
          flights.produce(
              ticket.flight, [&] { return text(key); }, failed);
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), kThreads * kCalls);
  EXPECT_EQ(wrong_key.load(), 0);
  EXPECT_EQ(flights.in_flight(), 0u);
}
