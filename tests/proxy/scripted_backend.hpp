// scripted_backend.hpp — a real TCP server on 127.0.0.1 (an ephemeral port)
// whose every connection runs a test-given script: read a request, write
// exactly the bytes the test wants (well-formed or not), trickle, stall,
// close mid-body. It counts connections and keeps the requests, so tests
// see keep-alive reuse and forwarded parameters from the backend's side.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pe::proxy::test {

class BackendConnection {
 public:
  BackendConnection(Poco::Net::StreamSocket& socket, const std::atomic<bool>& stopping,
                    std::function<void(const std::string&)> on_request)
      : socket_(socket), stopping_(stopping), on_request_(std::move(on_request)) {}

  // The next request's header section, or nothing when the client closed
  // (or the backend is stopping).
  std::optional<std::string> read_request();
  // Writes all of `bytes` (false if the client went away).
  bool write(std::string_view bytes);
  // Sleeps, waking early when the backend stops.
  void pause(std::chrono::milliseconds d);
  void close();
  bool stopping() const { return stopping_.load(); }

 private:
  Poco::Net::StreamSocket& socket_;  // owned by the backend until it stops
  const std::atomic<bool>& stopping_;
  std::function<void(const std::string&)> on_request_;
  std::string pending_;
};

class ScriptedBackend {
 public:
  using Script = std::function<void(BackendConnection&)>;
  // Listens on `address` ("127.0.0.1" or "::1"), an ephemeral port.
  explicit ScriptedBackend(Script script, const std::string& address = "127.0.0.1");
  ~ScriptedBackend();
  ScriptedBackend(const ScriptedBackend&) = delete;
  ScriptedBackend& operator=(const ScriptedBackend&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/metrics") const {
    return "http://" + host_ + ":" + std::to_string(port_) + path;
  }
  int connections() const { return connections_.load(); }
  std::vector<std::string> requests() const;
  void stop();

 private:
  void accept_loop();
  Script script_;
  Poco::Net::ServerSocket server_;
  uint16_t port_ = 0;
  std::string host_;  // as in a URL: 127.0.0.1 or [::1]
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  // One handle per accepted socket, never copied: Poco's reference count is
  // not visible to ThreadSanitizer, so sockets are not shared between threads.
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> sockets_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// A complete 200 response with Content-Length.
std::string ok_response(std::string_view body,
                        std::string_view content_type = "text/plain; version=0.0.4",
                        std::string_view extra_headers = "");
// The same body in chunked transfer coding, in chunks of `chunk` bytes.
std::string chunked_response(std::string_view body, std::size_t chunk = 1000,
                             std::string_view extra_headers = "");

// Serves `response` to every request on every connection (keep-alive).
ScriptedBackend::Script serve_always(std::string response);

}  // namespace pe::proxy::test
