// hub_connection.hpp — one agent's WebSocket connection on the hub: waits
// for the hello (within hello_timeout), verifies the token (or, in a hello
// without one, the verified client certificate's SANs) and the alias,
// registers the agent or refuses it with a reason, then forwards scrapes
// (request ids; up to max_in_flight at once, each with its own deadline)
// and matches the agent's responses to them. A lost connection fails the
// scrapes in flight with 503 and leaves the agent listed, disconnected.
//
// Thread-safety: on_message/on_close run on the connection's strand;
// scrape() may be called from any thread; timers fire on the hub's clock
// thread. The requests in flight are guarded by one mutex.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/dialin_config.hpp"
#include "dialin/agent_registry.hpp"
#include "dialin/agent_tokens.hpp"
#include "dialin/hub_metrics.hpp"
#include "http/http_server.hpp"

namespace pe::host::dialin {

// What every connection of a hub shares; owned by the hub, outlives them.
// The tokens are replaced on reload: a reader keeps the shared_ptr while it
// uses a token of it.
struct HubCore {
  DialinConfig config;
  AgentRegistry registry;
  HubMetrics metrics;
  boost::asio::io_context& clock;  // runs timers on the hub's thread
  mutable std::mutex tokens_mu;
  std::shared_ptr<const AgentTokens> tokens_;

  std::shared_ptr<const AgentTokens> tokens() const {
    std::lock_guard lock(tokens_mu);
    return tokens_;
  }
  void set_tokens(std::shared_ptr<const AgentTokens> t) {
    std::lock_guard lock(tokens_mu);
    tokens_ = std::move(t);
  }
};

class HubConnection : public WebSocketConnection,
                      public AgentLink,
                      public std::enable_shared_from_this<HubConnection> {
 public:
  // `peer_sans`: of the client certificate the listener verified (may be empty).
  HubConnection(HubCore& core, std::weak_ptr<WebSocketChannel> channel, std::string peer,
                std::vector<std::string> peer_sans);
  // Arms the hello deadline; call once after construction.
  void start();

  // WebSocketConnection
  void on_message(std::string message, bool binary) override;
  void on_close() override;
  // AgentLink
  void replaced() override;
  void revoked() override;
  void scrape(ScrapeRequest request, std::function<void(ScrapeReply)> done) override;

 private:
  struct Pending {
    std::function<void(ScrapeReply)> done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  void on_hello(const std::string& message, bool binary);
  // The token or client entry the hello proves; null after refusing.
  const DialinToken* identify(const Hello& hello, const AgentTokens& tokens);
  void refuse(Refusal reason, int code, const std::string& message);
  void complete(uint64_t id, ScrapeReply reply);
  void send(const Frame& frame);

  HubCore& core_;
  std::weak_ptr<WebSocketChannel> channel_;
  const std::string peer_;
  const std::vector<std::string> peer_sans_;
  FrameLimits limits_;
  boost::asio::steady_timer hello_timer_;
  // Set on the strand; read by the hello timer.
  std::atomic<bool> registered_{false};
  std::atomic<bool> refused_{false};
  std::string alias_;  // set before the link is published, then constant
  // Shared state.
  std::mutex mu_;
  bool closed_ = false;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Pending> pending_;
};

// A reply made by the hub itself (503, 504): text/plain with `text`.
ScrapeReply hub_reply(uint64_t id, int status, const std::string& text);

}  // namespace pe::host::dialin
