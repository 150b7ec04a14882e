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

// A WebSocket endpoint: called on the event loop with each text or binary
// message; `reply` sends one back (from any thread).
struct WebSocketHandler {
  std::function<void(const std::string& message, bool binary,
                     std::function<void(std::string reply, bool binary)> reply)>
      on_message;
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
