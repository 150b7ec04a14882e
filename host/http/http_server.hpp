// http_server.hpp — one Poco HTTPServer per listen address, sharing one
// router and one bounded worker-thread pool; timeouts and keep-alive from
// [web]. Listen addresses: "host:port", "[v6]:port" or ":port" (all
// interfaces, IPv6 and IPv4).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/exporter_config.hpp"
#include "http/server_context.hpp"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
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
  // address that failed.
  void start();
  // The addresses actually bound ("127.0.0.1:43123"), after start().
  const std::vector<std::string>& bound_addresses() const noexcept { return bound_; }
  // Stops accepting; waits up to `grace_ms` for requests in progress.
  void stop(long grace_ms);

 private:
  WebConfig web_;
  ServerContext& ctx_;
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::vector<std::unique_ptr<Poco::Net::HTTPServer>> servers_;
  std::vector<std::string> bound_;
};

}  // namespace pe::host
