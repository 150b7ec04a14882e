// write_ahead_log.hpp — the durable record stream behind the store, with
// group commit. Records are appended to a memory buffer under the store
// lock (so the log order is the commit order); one writer thread writes
// whatever has accumulated with a single write() and, in fsync mode, a
// single fdatasync(), then wakes every pusher whose record is now durable —
// so N concurrent pushes cost one disk flush, not N.
//
// The log is a series of segment files wal-<seq>.log (16-byte header, then
// framed records). rotate() starts a new segment at an exact point of the
// record stream; compaction uses it to pair a snapshot with the segments
// that follow it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

enum class Durability {
  fsync,  // acknowledged after write() + fdatasync(): survives kill -9 and power loss
  write,  // acknowledged after write(): survives kill -9 (the page cache), not power loss
  none,   // nothing persisted
};

class WriteAheadLog final : public RecordLog {
 public:
  // Opens a new segment `dir`/wal-<first_segment>.log and starts the writer.
  WriteAheadLog(std::string dir, Durability durability, uint64_t first_segment, HostLog log);
  ~WriteAheadLog() override;
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  // RecordLog (under the store lock).
  uint64_t append(std::string_view framed_record) override;
  void check_writable() override;

  // Waits until the record with `ticket` is durable (per the mode). False
  // with `error` if writing failed or the wait timed out.
  bool wait_durable(uint64_t ticket, std::chrono::milliseconds timeout, std::string& error);
  // Why writing failed ("" while the log is healthy); cleared by the next
  // successful compaction.
  std::string failure() const;

  // Under the store lock: records appended from now on go to a new segment.
  // Returns its sequence number.
  uint64_t rotate();
  // Waits until the writer has finished every segment before `segment`.
  void wait_segment_started(uint64_t segment);
  // Clears a write failure (after compaction wrote a fresh snapshot).
  void clear_failure();

  static std::string segment_name(uint64_t seq);

  struct Stats {
    uint64_t bytes = 0;  // written since start
    uint64_t records = 0;
    uint64_t syncs = 0;     // fdatasync calls
    uint64_t failures = 0;  // write/sync errors
    uint64_t bytes_since_rotate = 0;
  };
  Stats stats() const;

 private:
  void run();
  bool open_segment(uint64_t seq, std::string& error);

  const std::string dir_;
  const Durability durability_;
  HostLog log_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;     // writer waits for data
  std::condition_variable durable_cv_;  // pushers wait for durability
  std::string pending_;
  std::vector<std::pair<std::size_t, uint64_t>> pending_rotations_;  // (offset in pending_, seq)
  uint64_t appended_ = 0;  // ticket of the last appended record (bytes of the stream)
  uint64_t durable_ = 0;
  uint64_t failed_up_to_ = 0;  // tickets <= this failed
  std::string failure_;
  uint64_t next_segment_ = 0;
  uint64_t current_segment_ = 0;  // being written by the writer
  bool stop_ = false;
  Stats stats_;

  int fd_ = -1;
  std::thread writer_;
};

}  // namespace pe::push
