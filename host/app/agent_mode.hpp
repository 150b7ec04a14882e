// agent_mode.hpp — agent mode across reloads: the AgentClient of the [agent]
// section, made and started when a configuration first has one, handed each
// reloaded section (a session per hub: kept, restarted or ended; see
// agent_client.hpp), and shown on the status page and in /metrics while the
// section exists. A reload that removes [agent] ends every session (the
// client object stays, idle, so the status and metrics callbacks never see
// it go); one that adds it back starts them again.
//
// Thread-safety: apply() and stop() may be called from any thread (one
// mutex): reloads come from SIGHUP on the main thread and POST /-/reload on
// request threads.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "collect/self_metrics.hpp"
#include "config/agent_config.hpp"
#include "dialin/agent_client.hpp"
#include "http/status_board.hpp"

namespace pe::host {

class AgentMode {
 public:
  AgentMode(dialin::AgentClient::Producer producer, SelfMetrics& metrics, StatusBoard& board);
  // Stops the client and takes its callbacks off the status board and metrics.
  ~AgentMode();
  AgentMode(const AgentMode&) = delete;
  AgentMode& operator=(const AgentMode&) = delete;

  // The [agent] section of the configuration now running (none: agent mode off).
  void apply(const std::optional<AgentConfig>& config);
  // Closes the connections and waits for scrapes being produced (shutdown).
  void stop();

 private:
  void show(bool on);  // under mu_
  dialin::AgentClient::Producer producer_;
  SelfMetrics& metrics_;
  StatusBoard& board_;
  std::mutex mu_;
  std::unique_ptr<dialin::AgentClient> client_;
  bool shown_ = false;
  bool stopped_ = false;
};

}  // namespace pe::host
