// status_board.hpp — process facts the status page shows that no serving
// state holds: when the exporter started, its configuration file, the
// listeners it bound, the outcome of the last reload and where remote write
// keeps its per-endpoint counters.
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace pe::host {

namespace remote_write {
class RemoteWriteMetrics;
}

struct ReloadRecord {
  int64_t unix_ms = 0;  // 0 = no reload since start
  bool ok = false;
  // Collector names (comma-separated) of a successful reload.
  std::string kept, stopped, started;
};

class StatusBoard {
 public:
  StatusBoard(std::string config_file, const remote_write::RemoteWriteMetrics* remote_write);

  const std::string& config_file() const noexcept { return config_file_; }
  int64_t started_unix_ms() const noexcept { return started_unix_ms_; }
  const remote_write::RemoteWriteMetrics* remote_write() const noexcept { return remote_write_; }

  void set_listeners(std::vector<std::string> addresses);
  std::vector<std::string> listeners() const;
  // Records a reload's outcome (stamped with the current time when unix_ms is 0).
  void reloaded(ReloadRecord record);
  ReloadRecord last_reload() const;

 private:
  const std::string config_file_;
  const int64_t started_unix_ms_;
  const remote_write::RemoteWriteMetrics* const remote_write_;
  mutable std::mutex mu_;
  std::vector<std::string> listeners_;
  ReloadRecord last_reload_;
};

}  // namespace pe::host
