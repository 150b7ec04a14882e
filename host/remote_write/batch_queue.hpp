// batch_queue.hpp — the requests of one remote write endpoint that are
// encoded but not yet acknowledged, oldest first, capped in bytes (the
// oldest are dropped and counted when a new one does not fit).
//
// With a directory the queue is durable: each batch is a file written
// atomically (temporary file, fsync, rename) before push() returns, and a
// "sent" record holds the sequence number of the last acknowledged batch,
// so a restart or a crash resumes with the first unacknowledged one (a crash
// between the answer and the record sends that batch again: at least once,
// and receivers accept an identical sample twice). Without a directory the
// queue lives in memory and dies with the process.
//
// Thread-safety: all members may be called concurrently (one collecting
// thread pushes while one sending thread waits, reads and acknowledges).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "remote_write/write_request_encoder.hpp"

namespace pe::host::remote_write {

struct QueuedBatch {
  uint64_t seq = 0;  // assigned by push()
  std::string body;  // the encoded request
  uint64_t samples = 0;
  int64_t oldest_ms = 0;  // timestamps of the batch's samples
  int64_t newest_ms = 0;
  Protocol protocol = Protocol::v1;  // how `body` is encoded
};

struct QueueOpenStats {
  uint64_t batches = 0;  // resumed from the directory
  uint64_t samples = 0;
  uint64_t corrupt_batches = 0;  // unreadable files, deleted
  uint64_t corrupt_samples = 0;  // (as far as their headers said)
};

class BatchQueue {
 public:
  // `dir` empty = memory queue.
  BatchQueue(std::string dir, uint64_t capacity_bytes);
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // Creates the directory and loads what a previous run left unsent. False
  // with `error` if the directory cannot be used.
  bool open(QueueOpenStats& stats, std::string& error);

  // Appends a batch. Returns the samples of older batches dropped to make
  // room (the new batch itself is dropped when it alone exceeds the
  // capacity). False in `stored` if it could not be written to disk.
  uint64_t push(QueuedBatch batch, bool& stored, std::string& error);

  // The oldest batch (body read back from disk when durable), waiting up to
  // `wait` for one; nullopt on timeout or after stop().
  std::optional<QueuedBatch> front(std::chrono::milliseconds wait);

  // Whether batch `seq` is still queued (not dropped for capacity meanwhile).
  bool contains(uint64_t seq) const;

  // Acknowledges batch `seq` (sent, or dropped as undeliverable): records
  // it and removes it. No-op if it is no longer queued.
  void ack(uint64_t seq);

  // Wakes waiters; front() returns nullopt from now on.
  void stop();
  // Sleeps up to `d`; returns early (false) when stopped.
  bool sleep_for(std::chrono::nanoseconds d);

  uint64_t bytes() const;
  std::size_t size() const;
  std::optional<int64_t> oldest_unsent_ms() const;

 private:
  struct Entry {
    uint64_t seq;
    uint64_t bytes;
    uint64_t samples;
    int64_t oldest_ms;
    int64_t newest_ms;
    Protocol protocol;
    std::string body;  // memory queue only
  };
  std::string file_of(uint64_t seq) const;
  bool write_sent_record(uint64_t seq);
  void drop_front_locked();

  const std::string dir_;
  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;
  uint64_t bytes_ = 0;
  uint64_t next_seq_ = 1;
  bool stopped_ = false;
};

}  // namespace pe::host::remote_write
