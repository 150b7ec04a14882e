// state_directory.hpp — the push store's files in its state directory:
//   LOCK                 flock()ed while a process uses the directory
//   snapshot.bin         the whole store as of a point of the log (header:
//                        the first WAL segment NOT included)
//   wal-<seq>.log        write-ahead log segments after that point
// Recovery loads the snapshot and replays the segments that follow it, up to
// the last complete record of each: a torn or corrupt tail (kill -9 during a
// write, a damaged disk) is reported and cut off, never fatal. Compaction
// writes a new snapshot (to a temporary file, fsync, rename, fsync of the
// directory) and then deletes the segments it covers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "durable/write_ahead_log.hpp"
#include "plugin_exporter/host_clock.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

struct RecoveryReport {
  uint64_t records = 0;          // records applied (snapshot + log)
  uint64_t discarded_bytes = 0;  // cut off as torn or corrupt
  std::vector<std::string> problems;
};

// Milliseconds since the Unix epoch from the system clock.
int64_t system_realtime_ms() noexcept;

class StateDirectory {
 public:
  // Creates and locks `dir`. Throws std::runtime_error when it cannot (not
  // writable, used by another process). The compaction time and the retry
  // schedule are on `clock` (the plugin passes the host's, api->realtime_ms,
  // the clock retry_due's `now` is read on; the default is the system's).
  StateDirectory(std::string dir, Durability durability, HostLog log,
                 pe::RealtimeClock clock = system_realtime_ms);
  ~StateDirectory();
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;

  // Loads what the directory holds into `store` (which must be empty).
  RecoveryReport recover(MetricStore& store);
  // Starts the write-ahead log after what recover() found, attaches it to
  // the store, and compacts once (so the directory starts clean).
  void start(MetricStore& store);
  // Writes a snapshot of `store` and removes the segments it covers. On
  // failure nothing is left behind (no temporary snapshot, no empty
  // segment) and a retry is scheduled with backoff (see retry_due).
  bool compact(MetricStore& store, std::string& error);

  // Durability state (issue 16/4): false while the log cannot be written
  // (pushes are refused with 503) until a compaction succeeds again, which
  // starts a fresh segment and clears it.
  bool durable() const;
  // The last write or compaction error ("" if none since the last success).
  std::string last_error() const;
  // True when a failure (of the log or of the last compaction) is pending and its backoff (1 s,
  // doubling up to 60 s after each failed attempt) has passed at `now_ms` (realtime): the caller
  // compacts then, so the store recovers by itself once space returns.
  bool retry_due(int64_t now_ms) const;

  WriteAheadLog* wal() noexcept { return wal_.get(); }
  const std::string& path() const noexcept { return dir_; }
  uint64_t compactions() const noexcept { return compactions_; }
  int64_t last_compaction_ms() const noexcept { return last_compaction_ms_; }
  uint64_t snapshot_bytes() const noexcept { return snapshot_bytes_; }

 private:
  std::vector<std::pair<uint64_t, std::string>> segments() const;  // (seq, path) sorted
  bool compact_locked(MetricStore& store, std::string& error);

  const std::string dir_;
  const Durability durability_;
  HostLog log_;
  pe::RealtimeClock clock_;
  int lock_fd_ = -1;
  uint64_t next_segment_ = 1;
  std::unique_ptr<WriteAheadLog> wal_;
  std::mutex compaction_mu_;
  // Written by compaction, read by scrapes.
  std::atomic<uint64_t> compactions_{0};
  std::atomic<int64_t> last_compaction_ms_{0};
  std::atomic<uint64_t> snapshot_bytes_{0};
  // Failure and backoff, guarded by failure_mu_ (compaction writes, scrapes read).
  mutable std::mutex failure_mu_;
  std::string compaction_error_;  // "" after a successful compaction
  uint32_t failed_attempts_ = 0;
  int64_t next_retry_ms_ = 0;
};

}  // namespace pe::push
