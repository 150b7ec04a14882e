// shared_ring_test.cpp — SharedRing, the memory a runner child writes its
// collect parts into: bytes arrive whole and in order across wrap-arounds
// and a full ring, waits end on data, on a wake and on time, the child's
// doorbell wakes it, and a child
// that lies about its counter is refused. Two mappings of one memfd in
// this process stand for the host and the child.
#include "isolation/shared_ring.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

namespace pe::host::isolation {
namespace {

// A new ring as the host makes it, and the same ring as a child maps it.
struct HostAndChild {
  HostAndChild() {
    std::string error;
    host = SharedRing::create(error);
    EXPECT_TRUE(host) << error;
    if (host) child = SharedRing::attach(dup(host->fd()));
    EXPECT_TRUE(child);
  }
  bool ok() const { return host && child; }
  std::unique_ptr<SharedRing> host, child;
};

TEST(SharedRing, BytesArriveWholeAndInOrderThroughAFullRing) {
  HostAndChild ring;
  ASSERT_TRUE(ring.ok());
  auto& host = ring.host;
  auto& child = ring.child;
  // Eight times the ring, in pieces of odd sizes: it wraps and fills up, and
  // the writer waits for the reader.
  std::string sent;
  for (std::size_t i = 0; sent.size() < 8 * SharedRing::kDataBytes; ++i)
    sent += std::string(1 + (i * 7919) % 40'000, static_cast<char>('a' + i % 26));
  std::thread writer([&] {
    for (std::size_t at = 0; at < sent.size(); at += 40'000)
      child->write(sent.data() + at, std::min<std::size_t>(40'000, sent.size() - at));
  });
  std::string got;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got.size() < sent.size() && std::chrono::steady_clock::now() < until) {
    const uint32_t ticket = host->wake_ticket();
    ASSERT_TRUE(host->take(got));
    if (got.size() < sent.size()) host->wait(ticket, 10'000, 50'000'000);
  }
  writer.join();
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
}

TEST(SharedRing, AWaitEndsOnAWakeOrOnTime) {
  std::string error;
  auto host = SharedRing::create(error);
  ASSERT_TRUE(host) << error;
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  host->wait(host->wake_ticket(), 0, 20'000'000);  // nothing comes: 20 ms
  EXPECT_GE(clock::now() - t0, std::chrono::milliseconds(15));

  // A wake after the ticket was taken, even before the wait: no sleep.
  const uint32_t ticket = host->wake_ticket();
  host->wake_consumer();
  t0 = clock::now();
  host->wait(ticket, 0, 5'000'000'000);
  EXPECT_LT(clock::now() - t0, std::chrono::seconds(2));

  // A wake from another thread ends a sleeping wait.
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    host->wake_consumer();
  });
  t0 = clock::now();
  host->wait(host->wake_ticket(), 0, 5'000'000'000);
  EXPECT_LT(clock::now() - t0, std::chrono::seconds(2));
  waker.join();
}

// The child's doorbell: a ring after the ticket was taken ends the wait at
// once; a ring from the host's side (another mapping) wakes a sleeping
// child; nothing rung, the wait ends on time.
TEST(SharedRing, TheDoorbellWakesTheChild) {
  HostAndChild ring;
  ASSERT_TRUE(ring.ok());
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  ring.child->wait_doorbell(ring.child->doorbell_ticket(), 20'000'000);
  EXPECT_GE(clock::now() - t0, std::chrono::milliseconds(15));

  const uint32_t ticket = ring.child->doorbell_ticket();
  ring.host->ring_doorbell();
  EXPECT_NE(ring.child->doorbell_ticket(), ticket);
  t0 = clock::now();
  ring.child->wait_doorbell(ticket, 5'000'000'000);
  EXPECT_LT(clock::now() - t0, std::chrono::seconds(2));

  std::thread host([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ring.host->ring_doorbell();
  });
  t0 = clock::now();
  ring.child->wait_doorbell(ring.child->doorbell_ticket(), 5'000'000'000);
  EXPECT_LT(clock::now() - t0, std::chrono::seconds(2));
  host.join();
}

// The child owns the shared counters' memory: a `written` behind what was
// read, or more than the ring holds ahead of it, is refused, and nothing
// beyond the ring is read.
TEST(SharedRing, ACounterTheRingCannotHoldIsRefused) {
  HostAndChild ring;
  ASSERT_TRUE(ring.ok());
  auto& host = ring.host;
  auto& child = ring.child;
  child->write("abc", 3);
  std::string got;
  ASSERT_TRUE(host->take(got));
  EXPECT_EQ(got, "abc");
  // `written` is the ring's first word.
  void* map = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, host->fd(), 0);
  ASSERT_NE(map, MAP_FAILED);
  auto* written = static_cast<std::atomic<uint64_t>*>(map);
  written->store(2);  // behind what the host read
  EXPECT_FALSE(host->take(got));
  written->store(3 + SharedRing::kDataBytes + 1);  // more than the ring holds
  EXPECT_FALSE(host->take(got));
  written->store(3 + SharedRing::kDataBytes);  // a full ring is fine
  got.clear();
  EXPECT_TRUE(host->take(got));
  EXPECT_EQ(got.size(), SharedRing::kDataBytes);
  munmap(map, 4096);
}

TEST(SharedRing, TheChildCannotResizeIt) {
  std::string error;
  auto host = SharedRing::create(error);
  ASSERT_TRUE(host) << error;
  EXPECT_NE(ftruncate(host->fd(), 0), 0);  // sealed: no SIGBUS in the host
  EXPECT_FALSE(SharedRing::attach(-1));
}

}  // namespace
}  // namespace pe::host::isolation
