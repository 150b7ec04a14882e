// http_exchange.hpp — one request/response pair as the endpoints see it: the
// request line and headers (already framed and size-checked by the
// connection), query parameters, the body (read on demand, asynchronously,
// under its own limit and deadline), gzip negotiation, and sending one
// complete answer. Endpoints may answer later from another thread (a scrape
// joining a collect in flight holds no thread while it waits).
//
// Thread-safety: an exchange is used by one thread at a time (the endpoint
// that owns it, then the thread that completes it); send() may be called
// from any thread, exactly once; the connection is told through callbacks
// that post onto its own strand.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::host {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What the connection parsed. Header names keep their spelling; lookups
// ignore case.
struct HttpRequest {
  std::string method;
  std::string target;  // request-target as sent: path and query
  HeaderList headers;
  std::string client_ip;               // "127.0.0.1", "::1"
  std::string client_address;          // "127.0.0.1:50312", "[::1]:50312"
  std::vector<std::string> peer_sans;  // SANs of a verified TLS client certificate
  bool tls = false;
  bool has_body = false;  // Content-Length > 0 or chunked
  // The whole body, when the connection read it before routing (a small
  // Content-Length body: see HttpServer); otherwise read on demand.
  std::optional<std::string> body;
};

// A complete answer. `shared_body` (when set) is sent instead of `body`,
// without a copy: concurrent identical scrapes share one.
struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  std::shared_ptr<const std::string> shared_body;
  bool close = false;  // close the connection after this response
};

// The connection's side of an exchange.
struct ExchangeChannel {
  virtual ~ExchangeChannel() = default;
  // Sends `response` (from any thread). Called once per exchange.
  virtual void respond(HttpResponse response, bool head_only) = 0;
  // Reads the request's body up to `limit` bytes within the body timeout,
  // then calls `done(body)` on a request thread. On failure (too large,
  // malformed, too slow, connection lost) the connection answers (413/400)
  // or closes by itself, and `done` is not called.
  virtual void read_body(uint64_t limit, std::function<void(std::string body)> done) = 0;
};

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
 public:
  HttpExchange(HttpRequest request, std::shared_ptr<ExchangeChannel> channel);

  const HttpRequest& request() const noexcept { return request_; }
  const std::string& method() const noexcept { return request_.method; }
  const std::string& raw_path() const noexcept { return raw_path_; }  // not percent-decoded
  const std::string& raw_query() const noexcept { return raw_query_; }
  // Decoded query parameters, in order (a key may repeat).
  const HeaderList& query() const noexcept { return query_; }
  // Why the query string could not be decoded (bad escape, NUL byte), or "".
  const std::string& query_error() const noexcept { return query_error_; }
  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
  const std::string& client_ip() const noexcept { return request_.client_ip; }

  // Reads the whole body (see ExchangeChannel::read_body). A request without
  // a body gives "" at once (RFC 9112 6.3); so does, on the calling thread,
  // one whose body the connection read before routing and fits `limit`.
  void read_body(uint64_t limit, std::function<void(std::string body)> done);

  bool accepts_gzip() const;

  // Headers added to every response ([web.headers]); set before sending.
  void set_default_headers(const HeaderList* headers) noexcept { default_headers_ = headers; }
  // Called once with the status when the answer is handed to the connection.
  void on_sent(std::function<void(int status)> hook) { on_sent_ = std::move(hook); }

  // Sends a complete response. `body` is gzip-compressed when `compressible`
  // and the client accepts it. HEAD requests get the headers only.
  void send(int status, std::string_view content_type, std::string body, bool compressible = false,
            const HeaderList& headers = {});
  void send_text(int status, std::string_view text);  // text/plain, text + "\n"
  // Sends a body prepared elsewhere (possibly gzip-compressed already),
  // shared without a copy.
  void send_prepared(int status, std::string_view content_type,
                     std::shared_ptr<const std::string> body, bool gzipped, bool compressible);

  int status_sent() const noexcept { return status_; }
  bool sent() const noexcept { return status_ != 0; }

 private:
  HttpResponse start_response(int status, std::string_view content_type, bool gzipped,
                              bool compressible, const HeaderList& headers);
  void finish(HttpResponse response);

  HttpRequest request_;
  std::shared_ptr<ExchangeChannel> channel_;
  std::string raw_path_;
  std::string raw_query_;
  HeaderList query_;
  std::string query_error_;
  const HeaderList* default_headers_ = nullptr;
  std::function<void(int)> on_sent_;
  int status_ = 0;
};

}  // namespace pe::host
