// http_server.hpp — the listeners: plain HTTP and HTTPS (Poco NetSSL) side by
// side, each with its client allowlist and endpoint groups, sharing one
// router and one bounded worker-thread pool. Connections are served by
// Poco's HTTP connection inside a guard that bounds how long headers and
// bodies may take (slowloris), with per-read timeouts, keep-alive and a
// connection cap from [web].
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/exporter_config.hpp"
#include "http/listener_context.hpp"
#include "http/server_context.hpp"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace pe::host {

class HttpServer {
 public:
  HttpServer(const WebConfig& web, ServerContext& ctx);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts every listener; throws std::runtime_error naming the
  // address (or TLS file) that failed.
  void start();
  // The addresses actually bound ("127.0.0.1:43123"), after start().
  const std::vector<std::string>& bound_addresses() const noexcept { return bound_; }
  // Stops accepting; waits up to `grace_ms` for requests in progress.
  void stop(long grace_ms);

 private:
  WebConfig web_;
  ServerContext& ctx_;
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::vector<std::unique_ptr<ListenerContext>> listeners_;
  std::vector<std::unique_ptr<Poco::Net::TCPServer>> servers_;
  std::vector<std::string> bound_;
};

}  // namespace pe::host
