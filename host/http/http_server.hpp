// http_server.hpp — the listeners: plain HTTP and HTTPS side by side, each
// with its client allowlist and endpoint groups, on one event loop
// (Boost.Beast over Boost.Asio). A connection costs memory, not a thread:
// connections wait in the loop until a request's headers (and, for routes
// that take one, its body) have arrived whole; only then does work run, on
// the request pool, and a scrape waiting for a collect holds no thread.
// Deadlines run from accept (TLS handshake and headers within
// header_timeout), caps hold for all connections and per client address
// (the oldest idle connection makes room), and framing errors (truncated,
// malformed or ambiguous bodies) are refused before anything reaches an
// endpoint. Ports are bound exclusively (no SO_REUSEPORT).
//
// Thread-safety: start() and stop() are called by one thread (the main
// thread); bound_addresses() after start() from that thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/exporter_config.hpp"
#include "http/server_context.hpp"

namespace pe::host {

// The server's side of one upgraded WebSocket connection, for an endpoint
// that keeps per-connection state (WebSocketHandler::open).
// Thread-safety: send() and close() may be called from any thread.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // Queues one message; messages go out in the order queued.
  virtual void send(std::string message, bool binary) = 0;
  // Sends a close frame (after the queued messages), then closes.
  virtual void close(uint16_t code, std::string reason) = 0;
  // "127.0.0.1:50312", "[::1]:50312"
  virtual const std::string& client_address() const noexcept = 0;
  // The subject alternative names of the client certificate the listener's
  // TLS layer verified (the names [auth.client_cert] matches); empty without
  // one (plain listener, no certificate, or one whose chain did not verify).
  virtual const std::vector<std::string>& peer_sans() const noexcept = 0;
};

// What an endpoint keeps for one connection. The server calls on_message
// for each message and on_close once when the connection is gone, both on
// the connection's strand (never two at once), then drops its reference.
// Thread-safety: called by one connection's strand only.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  virtual void on_message(std::string message, bool binary) = 0;
  virtual void on_close() = 0;
};

// A WebSocket endpoint. Either stateless: on_message is called on the event
// loop with each text or binary message, and `reply` sends one back (from
// any thread). Or per connection: open (when set, on_message is unused) is
// called after the handshake and returns the connection's handler.
struct WebSocketHandler {
  std::function<void(const std::string& message, bool binary,
                     std::function<void(std::string reply, bool binary)> reply)>
      on_message;
  std::function<std::shared_ptr<WebSocketConnection>(std::shared_ptr<WebSocketChannel>)> open;
  std::size_t max_message_bytes = 16u << 20;
  // Echoed in Sec-WebSocket-Protocol when the client offers it ("" = none).
  std::string subprotocol;
};

class HttpServer {
 public:
  HttpServer(const WebConfig& web, ServerContext& ctx);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves WebSocket upgrades on `path` (before start()).
  void add_websocket(const std::string& path, WebSocketHandler handler);

  // Binds and starts every listener; throws std::runtime_error naming the
  // address (or TLS file) that failed.
  void start();
  // The addresses actually bound ("http://127.0.0.1:43123"), after start().
  const std::vector<std::string>& bound_addresses() const noexcept;
  // Stops accepting; waits up to `grace_ms` for requests in progress, then
  // closes every connection.
  void stop(long grace_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::host
