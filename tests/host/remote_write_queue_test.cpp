// remote_write_queue_test.cpp — the batch queue in memory and on disk:
// order, the byte cap (oldest dropped), acknowledgement, resume after a
// reopen (a restart), a crash between the answer and the sent record, a
// damaged file, and one pushing thread against one sending thread.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "remote_write/batch_queue.hpp"

using namespace pe::host::remote_write;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("rwq-" + std::to_string(getpid()) + "-" +
                                               std::to_string(reinterpret_cast<uintptr_t>(this)));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

QueuedBatch batch(std::string body, uint64_t samples, int64_t ts, Protocol p = Protocol::v1) {
  QueuedBatch b;
  b.body = std::move(body);
  b.samples = samples;
  b.oldest_ms = ts;
  b.newest_ms = ts + 1;
  b.protocol = p;
  return b;
}

uint64_t push(BatchQueue& q, const std::string& body, uint64_t samples, int64_t ts,
              Protocol p = Protocol::v1) {
  bool stored = false;
  std::string error;
  uint64_t dropped = q.push(batch(body, samples, ts, p), stored, error);
  EXPECT_TRUE(stored) << error;
  return dropped;
}

}  // namespace

TEST(RemoteWriteQueue, MemoryQueueKeepsOrderAndDropsOldestBeyondCapacity) {
  BatchQueue q("", 100);
  QueueOpenStats st;
  std::string error;
  ASSERT_TRUE(q.open(st, error));
  EXPECT_EQ(push(q, std::string(40, 'a'), 4, 10), 0u);
  EXPECT_EQ(push(q, std::string(40, 'b'), 5, 20), 0u);
  EXPECT_EQ(q.oldest_unsent_ms(), 10);
  EXPECT_EQ(push(q, std::string(40, 'c'), 6, 30), 4u);  // 'a' dropped
  EXPECT_EQ(q.bytes(), 80u);
  auto f = q.front(0ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->body, std::string(40, 'b'));
  EXPECT_EQ(f->samples, 5u);
  q.ack(f->seq);
  EXPECT_FALSE(q.contains(f->seq));
  EXPECT_EQ(q.front(0ms)->body, std::string(40, 'c'));
  bool stored = true;
  EXPECT_EQ(q.push(batch(std::string(101, 'x'), 7, 0), stored, error), 7u);  // alone too big
  EXPECT_FALSE(stored);
}

TEST(RemoteWriteQueue, DurableQueueResumesAfterReopen) {
  TempDir dir;
  QueueOpenStats st;
  std::string error;
  uint64_t second_seq = 0;
  {
    BatchQueue q(dir.path.string(), 1 << 20);
    ASSERT_TRUE(q.open(st, error)) << error;
    push(q, "one", 1, 100);
    push(q, "two", 2, 200, Protocol::v2);  // each batch keeps its encoding
    push(q, "three", 3, 300);
    auto f = q.front(0ms);
    ASSERT_TRUE(f);
    q.ack(f->seq);  // "one" sent
    second_seq = q.front(0ms)->seq;
  }  // like kill -9: nothing flushed at close
  BatchQueue q(dir.path.string(), 1 << 20);
  QueueOpenStats st2;
  ASSERT_TRUE(q.open(st2, error)) << error;
  EXPECT_EQ(st2.batches, 2u);
  EXPECT_EQ(st2.samples, 5u);
  auto f = q.front(0ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->body, "two");
  EXPECT_EQ(f->seq, second_seq);
  EXPECT_EQ(f->oldest_ms, 200);
  EXPECT_EQ(f->newest_ms, 201);
  EXPECT_EQ(f->protocol, Protocol::v2);
  push(q, "four", 4, 400);  // numbering continues after the resumed batches
  q.ack(f->seq);
  EXPECT_EQ(q.front(0ms)->body, "three");
  EXPECT_EQ(q.front(0ms)->protocol, Protocol::v1);
}

TEST(RemoteWriteQueue, CrashBetweenSentRecordAndUnlinkIsNotResent) {
  TempDir dir;
  QueueOpenStats st;
  std::string error;
  {
    BatchQueue q(dir.path.string(), 1 << 20);
    ASSERT_TRUE(q.open(st, error));
    push(q, "a", 1, 1);
    push(q, "b", 1, 2);
  }
  // The sent record says batch 1 went out, but its file is still there.
  std::ofstream(dir.path / "sent") << "1\n";
  BatchQueue q(dir.path.string(), 1 << 20);
  ASSERT_TRUE(q.open(st, error));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front(0ms)->body, "b");
  EXPECT_FALSE(fs::exists(dir.path / "00000000000000000001.batch"));
}

TEST(RemoteWriteQueue, DamagedFilesAreDroppedAndCounted) {
  TempDir dir;
  QueueOpenStats st;
  std::string error;
  {
    BatchQueue q(dir.path.string(), 1 << 20);
    ASSERT_TRUE(q.open(st, error));
    push(q, "good-one", 3, 1);
    push(q, "will-be-damaged", 7, 2);
  }
  {
    std::fstream f(dir.path / "00000000000000000002.batch",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f << "XYZ";
  }
  std::ofstream(dir.path / "00000000000000000003.batch.tmp") << "torn";
  BatchQueue q(dir.path.string(), 1 << 20);
  QueueOpenStats st2;
  ASSERT_TRUE(q.open(st2, error));
  EXPECT_EQ(st2.batches, 1u);
  EXPECT_EQ(st2.corrupt_batches, 1u);
  EXPECT_EQ(st2.corrupt_samples, 7u);
  EXPECT_EQ(q.front(0ms)->body, "good-one");
  EXPECT_FALSE(fs::exists(dir.path / "00000000000000000003.batch.tmp"));
}

TEST(RemoteWriteQueue, CapacityCountsDiskBytesAndDeletesDroppedFiles) {
  TempDir dir;
  QueueOpenStats st;
  std::string error;
  BatchQueue q(dir.path.string(), 200);
  ASSERT_TRUE(q.open(st, error));
  push(q, std::string(100, 'a'), 1, 1);
  EXPECT_EQ(push(q, std::string(100, 'b'), 2, 2), 1u);  // 100 + 44 header each
  EXPECT_FALSE(fs::exists(dir.path / "00000000000000000001.batch"));
  EXPECT_TRUE(fs::exists(dir.path / "00000000000000000002.batch"));
}

TEST(RemoteWriteQueue, OnePusherOneSender) {
  for (std::string d : {std::string(), std::string("disk")}) {
    TempDir dir;
    BatchQueue q(d.empty() ? "" : dir.path.string(), 1 << 20);
    QueueOpenStats st;
    std::string error;
    ASSERT_TRUE(q.open(st, error));
    constexpr int kBatches = 200;
    std::thread pusher([&] {
      for (int i = 0; i < kBatches; ++i) {
        bool stored;
        std::string e;
        q.push(batch(std::to_string(i), 1, i), stored, e);
      }
    });
    int expected = 0;
    while (expected < kBatches) {
      auto f = q.front(1000ms);
      ASSERT_TRUE(f);
      ASSERT_EQ(f->body, std::to_string(expected));
      q.ack(f->seq);
      ++expected;
    }
    pusher.join();
    EXPECT_EQ(q.size(), 0u);
    std::thread stopper([&] { q.stop(); });
    EXPECT_FALSE(q.front(10s));  // stop() wakes the waiting sender
    stopper.join();
    EXPECT_FALSE(q.sleep_for(10s));
  }
}
