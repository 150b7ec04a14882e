// status_board.hpp — process facts the status page shows that no serving
// state holds: when the exporter started, its configuration file, the
// listeners it bound, the outcome of the last reload, a view of remote
// write's per-endpoint counters and a view of the dial-in hub's agents
// (providers set by app/, which sits above http/, dialin/ and remote_write/).
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pe::host {

struct ReloadRecord {
  int64_t unix_ms = 0;  // 0 = no reload since start
  bool ok = false;
  // Collector names (comma-separated) of a successful reload.
  std::string kept, stopped, started;
};

// One remote write endpoint as the status page shows it (secrets redacted).
struct RemoteWriteStatus {
  std::string name;
  std::string url;
  int protocol = 1;
  uint64_t queue_bytes = 0;
  int64_t oldest_unsent_unix_ms = 0;  // 0 = nothing queued
  uint64_t samples_sent = 0;
  uint64_t samples_failed = 0;
  uint64_t samples_dropped = 0;
  std::string last_error;
  int64_t last_error_unix_ms = 0;
};

using RemoteWriteStatusSource = std::function<std::vector<RemoteWriteStatus>()>;

// One dial-in agent of this hub as the status page shows it.
struct AgentStatus {
  std::string alias;
  std::string hostname;
  std::string service;
  std::vector<std::pair<std::string, std::string>> labels;
  bool connected = false;
  int64_t last_seen_unix_ms = 0;    // when it connected (while connected) or disconnected
  int64_t last_scrape_unix_ms = 0;  // 0 = not scraped through this hub yet
  int last_scrape_status = 0;       // HTTP status the scraper got
  std::string last_scrape_error;    // empty when the last scrape succeeded
  uint64_t scrapes_ok = 0;
  uint64_t scrapes_failed = 0;
};

using AgentStatusSource = std::function<std::vector<AgentStatus>()>;

class StatusBoard {
 public:
  // `remote_write` may be empty (no remote write shown); it is called
  // concurrently from request threads.
  StatusBoard(std::string config_file, RemoteWriteStatusSource remote_write);

  const std::string& config_file() const noexcept { return config_file_; }
  int64_t started_unix_ms() const noexcept { return started_unix_ms_; }
  std::vector<RemoteWriteStatus> remote_writes() const {
    return remote_write_ ? remote_write_() : std::vector<RemoteWriteStatus>{};
  }

  // The hub's agents; unset (no [dialin]) gives nullopt: no agents section.
  // app/ sets it once the hub exists and clears it before the hub goes.
  void set_agents(AgentStatusSource agents);
  std::optional<std::vector<AgentStatus>> agents() const;

  void set_listeners(std::vector<std::string> addresses);
  std::vector<std::string> listeners() const;
  // Records a reload's outcome (stamped with the current time when unix_ms is 0).
  void reloaded(ReloadRecord record);
  ReloadRecord last_reload() const;

 private:
  const std::string config_file_;
  const int64_t started_unix_ms_;
  const RemoteWriteStatusSource remote_write_;
  mutable std::mutex mu_;
  std::vector<std::string> listeners_;
  std::shared_ptr<const AgentStatusSource> agents_;
  ReloadRecord last_reload_;
};

}  // namespace pe::host
