// status_board.hpp — process facts the status page shows that no serving
// state holds: when the exporter started, its configuration file, the
// listeners it bound, the outcome of the last reload, a view of remote
// write's per-endpoint counters, of the dial-in hub's agents and of the hubs
// an agent dials (providers set by app/, which sits above http/, dialin/ and
// remote_write/).
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

// One hub this process dials in agent mode ([agent]).
struct HubLinkStatus {
  std::string url;
  bool connected = false;     // registered with the hub
  int64_t since_unix_ms = 0;  // when `connected` last changed; 0 = no attempt ended yet
  std::string last_error;     // why the last attempt or connection ended
};

using HubLinkStatusSource = std::function<std::vector<HubLinkStatus>()>;

// A provider the composition root sets and clears while request threads read
// it; get() runs it outside the lock. Thread-safety: every member may be
// called concurrently.
template <class T>
class StatusProvider {
 public:
  void set(std::function<T()> source) {
    auto p = source ? std::make_shared<const std::function<T()>>(std::move(source)) : nullptr;
    std::lock_guard lock(mu_);
    source_ = std::move(p);
  }
  std::optional<T> get() const {
    std::shared_ptr<const std::function<T()>> p;
    {
      std::lock_guard lock(mu_);
      p = source_;
    }
    if (!p) return std::nullopt;
    return (*p)();
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::function<T()>> source_;
};

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
  void set_agents(AgentStatusSource agents) { agents_.set(std::move(agents)); }
  std::optional<std::vector<AgentStatus>> agents() const { return agents_.get(); }
  // The hubs this agent dials; unset (no [agent]) gives nullopt.
  void set_hubs(HubLinkStatusSource hubs) { hubs_.set(std::move(hubs)); }
  std::optional<std::vector<HubLinkStatus>> hubs() const { return hubs_.get(); }

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
  StatusProvider<std::vector<AgentStatus>> agents_;
  StatusProvider<std::vector<HubLinkStatus>> hubs_;
  ReloadRecord last_reload_;
};

}  // namespace pe::host
