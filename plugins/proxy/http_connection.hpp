// http_connection.hpp — one TCP (or TLS) connection to a backend, every
// operation bounded by the collect's deadline: connect (and TLS handshake),
// send, and each receive (the socket timeout is set to the time left before
// every read, so a backend that trickles bytes still ends at the deadline).
// Failures throw pe::CollectFailure: PE_TIMEOUT when the deadline passed,
// PE_ERROR otherwise, with a reason naming the backend.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "deadline.hpp"

namespace pe::proxy {

struct Endpoint {
  std::string host;  // name or address, without brackets
  uint16_t port = 0;
  Poco::Net::Context::Ptr tls;  // null for plain HTTP
  std::string tls_server_name;  // name the certificate must carry (and SNI)
  std::string display;          // "host:port" for messages
};

class HttpConnection {
 public:
  // Resolves, connects and (for TLS) completes the handshake, verifying the
  // certificate, all before the deadline.
  static std::unique_ptr<HttpConnection> open(const Endpoint& endpoint, const Deadline& deadline);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void send_all(std::string_view data, const Deadline& deadline);
  // Up to `size` bytes; 0 when the backend closed the connection.
  std::size_t receive(char* buffer, std::size_t size, const Deadline& deadline);

  int64_t last_used_ns = 0;  // monotonic time the last exchange ended
  uint64_t exchanges = 0;    // responses read over this connection

 private:
  HttpConnection(Poco::Net::StreamSocket socket, std::string display)
      : socket_(std::move(socket)), display_(std::move(display)) {}
  [[noreturn]] void fail_io(const char* doing, const std::exception& e, const Deadline& deadline);
  Poco::Net::StreamSocket socket_;
  std::string display_;
};

}  // namespace pe::proxy
