// http_server.cpp — listeners, connections and pools of the event-driven
// server (Boost.Beast / Boost.Asio). Beast's parser frames every request; we
// add the checks it leaves to the application (one Content-Length field,
// Transfer-Encoding exactly "chunked") and the deadlines and caps.
#include "http/http_server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "auth/tls_server_context.hpp"
#include "base/logging.hpp"
#include "http/connection_tracker.hpp"
#include "http/listener_context.hpp"
#include "http/request_framing.hpp"
#include "http/request_router.hpp"
#include "http/tls_stream.hpp"

namespace pe::host {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

// Bodies for plugin routes up to this size (by Content-Length, within the
// route's limit, without Expect: 100-continue) are read before the request
// is routed; larger ones only once the route asks, after authentication.
// The same order as the header limit.
constexpr uint64_t kEarlyBodyBytes = 64 * 1024;

// Settings every connection reads; fixed for the server's lifetime.
struct ConnectionSettings {
  std::chrono::nanoseconds header_timeout, body_timeout, write_timeout, keep_alive_timeout;
  uint32_t max_header_bytes;
};

class PoolRunner : public TaskRunner {
 public:
  explicit PoolRunner(std::size_t threads) : pool_(threads) {}
  void post(std::function<void()> task) override { asio::post(pool_, std::move(task)); }
  void stop_and_join() {
    pool_.stop();
    pool_.join();
  }

 private:
  asio::thread_pool pool_;
};

// Logs refusals at most once per reason every 10 s, with the count since.
class RejectionLog {
 public:
  void note(std::string_view reason, const std::string& client) {
    std::lock_guard lock(mu_);
    auto& e = entries_[std::string(reason)];
    ++e.count;
    auto now = std::chrono::steady_clock::now();
    if (e.last != std::chrono::steady_clock::time_point{} &&
        now - e.last < std::chrono::seconds(10))
      return;
    log(LogLevel::warn, "HTTP connection refused or closed early",
        {{"reason", reason},
         {"client", client},
         {"count_since_last_log", std::to_string(e.count)}});
    e.count = 0;
    e.last = now;
  }

 private:
  struct Entry {
    uint64_t count = 0;
    std::chrono::steady_clock::time_point last{};
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// What every connection of the server shares.
struct Shared {
  ServerContext& ctx;
  ConnectionSettings settings;
  ConnectionTracker tracker;
  RejectionLog rejections;
  std::map<std::string, WebSocketHandler> websockets;
  std::atomic<std::size_t> busy{0};  // requests between headers and the last byte of the answer

  void reject(std::string_view reason, const std::string& client) {
    ctx.metrics.http_connection_rejected(reason);
    rejections.note(reason, client);
  }
  void opened_or_closed() {
    ctx.metrics.http_connections_open(static_cast<double>(tracker.open()));
  }
};

std::string format_address(const tcp::endpoint& ep) {
  const asio::ip::address a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return a.to_v6().to_v4().to_string() + ":" + std::to_string(ep.port());
  if (a.is_v6()) return "[" + a.to_string() + "]:" + std::to_string(ep.port());
  return a.to_string() + ":" + std::to_string(ep.port());
}

std::string client_ip_of(const tcp::endpoint& ep) {
  const asio::ip::address a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return a.to_v6().to_v4().to_string();
  return a.to_string();
}

template <class Stream>
constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

// A WebSocket connection after the upgrade: reads messages and hands them to
// the endpoint's handler; outgoing messages are queued and written in order.
template <class Stream>
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession<Stream>>,
                         public WebSocketChannel {
 public:
  WebSocketSession(Stream&& stream, const WebSocketHandler& handler, std::shared_ptr<void> anchor,
                   std::string client_address, std::vector<std::string> peer_sans)
      : ws_(std::move(stream)),
        handler_(handler),
        anchor_(std::move(anchor)),
        client_address_(std::move(client_address)),
        peer_sans_(std::move(peer_sans)) {}

  void start(http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(handler_.max_message_bytes);
    bool echo_subprotocol = false;
    if (!handler_.subprotocol.empty()) {
      std::string_view offered = req[http::field::sec_websocket_protocol];
      echo_subprotocol = offered.find(handler_.subprotocol) != std::string_view::npos;
    }
    if (echo_subprotocol) {
      ws_.set_option(websocket::stream_base::decorator(
          [p = handler_.subprotocol](websocket::response_type& res) {
            res.set(http::field::sec_websocket_protocol, p);
          }));
    }
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      if (self->handler_.open) {
        self->connection_ = self->handler_.open(self);
        if (!self->connection_) return self->close(1011, "endpoint refused the connection");
      }
      self->read();
    });
  }

  // WebSocketChannel
  void send(std::string message, bool binary) override {
    asio::post(ws_.get_executor(),
               [weak = this->weak_from_this(), message = std::move(message), binary]() mutable {
                 if (auto s = weak.lock()) s->queue(std::move(message), binary);
               });
  }
  void close(uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [weak = this->weak_from_this(), code, reason]() {
      auto s = weak.lock();
      if (!s || s->closing_) return;
      s->closing_ = true;
      s->close_reason_.code = code;
      s->close_reason_.reason = reason.substr(0, 120);  // a close frame holds 123 bytes
      if (s->out_.empty()) s->write_close();
    });
  }
  const std::string& client_address() const noexcept override { return client_address_; }
  const std::vector<std::string>& peer_sans() const noexcept override { return peer_sans_; }

 private:
  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finished();
      std::string message = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      bool binary = self->ws_.got_binary();
      if (self->connection_) {
        self->connection_->on_message(std::move(message), binary);
      } else {
        std::weak_ptr<WebSocketSession> weak = self;
        self->handler_.on_message(message, binary, [weak](std::string reply, bool bin) {
          if (auto s = weak.lock()) s->send(std::move(reply), bin);
        });
      }
      self->read();
    });
  }
  // The connection is gone (closed, failed or timed out): tell the endpoint once.
  void finished() {
    if (auto c = std::move(connection_)) c->on_close();
  }
  void queue(std::string message, bool binary) {
    if (closing_) return;
    out_.emplace_back(std::move(message), binary);
    if (out_.size() == 1) write();
  }
  void write() {
    ws_.binary(out_.front().second);
    ws_.async_write(asio::buffer(out_.front().first),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->out_.pop_front();
                      if (!self->out_.empty())
                        self->write();
                      else if (self->closing_)
                        self->write_close();
                    });
  }
  void write_close() {
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {});
  }

  websocket::stream<Stream> ws_;
  const WebSocketHandler& handler_;
  std::shared_ptr<void> anchor_;  // the HTTP session: keeps its place in the tracker
  std::string client_address_;
  std::vector<std::string> peer_sans_;  // of the verified client certificate
  std::shared_ptr<WebSocketConnection> connection_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, bool>> out_;
  bool closing_ = false;
  websocket::close_reason close_reason_;
};

// One HTTP/1.1 connection, plain or TLS. All its I/O runs on its strand.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>>,
                public TrackedConnection,
                public ExchangeChannel {
 public:
  Session(Stream&& stream, Shared& shared, RequestRouter& router, tcp::endpoint peer)
      : stream_(std::move(stream)),
        shared_(shared),
        router_(router),
        client_ip_(client_ip_of(peer)),
        client_address_(format_address(peer)) {}

  ~Session() override {
    shared_.tracker.remove(*this);
    shared_.opened_or_closed();
    if (busy_) shared_.busy.fetch_sub(1);
  }

  const std::string& client_ip() const { return client_ip_; }

  void start() {
    lowest().expires_after(shared_.settings.header_timeout);
    if constexpr (is_tls<Stream>) {
      stream_.async_handshake([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          if (ec == beast::error::timeout)
            self->shared_.reject("header_timeout", self->client_ip_);
          else if (ec.category() == asio::error::get_ssl_category())
            // A protocol failure (an unverifiable client certificate, no shared version), not a
            // client that just went away.
            self->shared_.reject("tls_handshake", self->client_ip_);
          return self->close();
        }
        self->read_peer_certificate();
        self->read_header();
      });
    } else {
      read_header();
    }
  }

  // TrackedConnection
  void evict() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->shared_.reject("evicted_idle", self->client_ip_);
      self->close();
    });
  }

  // ExchangeChannel
  void respond(HttpResponse response, bool head_only) override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), r = std::move(response), head_only]() mutable {
                 self->write(std::move(r), head_only);
               });
  }

  void read_body(uint64_t limit, std::function<void(std::string)> done) override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), limit, done = std::move(done)]() mutable {
                 self->start_body(limit, std::move(done));
               });
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void read_peer_certificate() {
    if constexpr (is_tls<Stream>) {
      SSL* ssl = stream_.native_handle();
      X509* cert = SSL_get1_peer_certificate(ssl);
      if (cert) {
        // Only a certificate whose chain verified names an identity.
        if (SSL_get_verify_result(ssl) == X509_V_OK)
          peer_sans_ = subject_alternative_names_of(cert);
        X509_free(cert);
      }
    }
  }

  // Waits for the next request: the first one within header_timeout of
  // accept; later ones first idle up to keep_alive_timeout, then
  // header_timeout from their first byte.
  void read_header(bool kept_alive = false) {
    parser_.emplace();
    parser_->header_limit(shared_.settings.max_header_bytes);
    parser_->body_limit(boost::none);  // set per route once the headers are in
    body_pending_ = false;
    early_body_bytes_ = 0;
    set_busy(false);
    if (kept_alive && buffer_.size() == 0) {
      lowest().expires_after(shared_.settings.keep_alive_timeout);
      stream_.async_read_some(buffer_.prepare(1024), [self = this->shared_from_this()](
                                                         beast::error_code ec, std::size_t n) {
        if (ec) return self->close();  // idle timeout or the client left
        self->buffer_.commit(n);
        self->lowest().expires_after(self->shared_.settings.header_timeout);
        self->read_header_bytes();
      });
      return;
    }
    if (kept_alive) lowest().expires_after(shared_.settings.header_timeout);
    read_header_bytes();
  }

  void read_header_bytes() {
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      if (ec == beast::error::timeout) {
        shared_.reject("header_timeout", client_ip_);
        return close();
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::ssl::error::stream_truncated)
        return close();
      if (ec == http::error::header_limit) {
        shared_.reject("header_too_large", client_ip_);
        return refuse(431, "request header fields too large (limit " +
                               std::to_string(shared_.settings.max_header_bytes) + " bytes)");
      }
      shared_.reject("malformed_request", client_ip_);
      return refuse(400, "bad request: " + ec.message());
    }
    set_busy(true);
    auto& req = parser_->get();
    std::string problem = framing_problem(req.base());
    if (!problem.empty()) {
      shared_.reject("malformed_request", client_ip_);
      return refuse(400, "bad request: " + problem);
    }
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    if (websocket::is_upgrade(req)) {
      auto it =
          shared_.websockets.find(std::string(req.target().substr(0, req.target().find('?'))));
      if (it != shared_.websockets.end()) {
        // The listener's client allowlist holds for upgrades as for requests.
        if (!router_.listener().allow.allows(client_ip_)) return refuse(403, "forbidden");
        return upgrade(it->second);
      }
    }
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.headers.reserve(16);
    for (const auto& f : req) request.headers.emplace_back(f.name_string(), f.value());
    request.client_ip = client_ip_;
    request.client_address = client_address_;
    request.peer_sans = peer_sans_;
    request.tls = is_tls<Stream>;
    auto length = parser_->content_length();
    request.has_body = parser_->chunked() || (length && *length > 0);
    body_pending_ = request.has_body;
    expect_continue_ = request.has_body && beast::iequals(req[http::field::expect], "100-continue");
    if (length && *length > 0 && *length <= kEarlyBodyBytes && !expect_continue_ &&
        *length <= router_.route_body_limit(request.method, std::string(req.target().substr(
                                                                0, req.target().find('?'))))) {
      // A small body for a plugin route, within the route's limit, is read
      // before routing (within body_timeout), so that the route gets it on
      // the request thread without two more trips between the event loop
      // and the request pool (half the cost of a push). It costs no more
      // memory than the headers may; larger bodies wait for authentication.
      parser_->body_limit(*length);
      lowest().expires_after(shared_.settings.body_timeout);
      http::async_read(stream_, buffer_, *parser_,
                       [self = this->shared_from_this(), request = std::move(request)](
                           beast::error_code body_ec, std::size_t) mutable {
                         if (body_ec)
                           return self->body_failed(body_ec, *self->parser_->content_length());
                         self->body_pending_ = false;
                         self->early_body_bytes_ = self->parser_->get().body().size();
                         request.body = std::move(self->parser_->get().body());
                         self->dispatch(std::move(request));
                       });
      return;
    }
    dispatch(std::move(request));
  }

  void dispatch(HttpRequest request) {
    // The exchange keeps this connection alive until it is answered.
    auto ex = std::make_shared<HttpExchange>(
        std::move(request), std::static_pointer_cast<ExchangeChannel>(this->shared_from_this()));
    router_.dispatch(std::move(ex));
  }

  void upgrade(const WebSocketHandler& handler) {
    auto req = parser_->release();
    auto ws = std::make_shared<WebSocketSession<Stream>>(
        std::move(stream_), handler, this->shared_from_this(), client_address_, peer_sans_);
    ws->start(std::move(req));
  }

  void start_body(uint64_t limit, std::function<void(std::string)> done) {
    if (early_body_bytes_ > limit) {  // read before routing; over the route's limit
      shared_.reject("body_too_large", client_ip_);
      return refuse(413, "request body of " + std::to_string(early_body_bytes_) +
                             " bytes exceeds the limit of " + std::to_string(limit) + " bytes");
    }
    if (!parser_ || !body_pending_) return;
    auto length = parser_->content_length();
    if (length && *length > limit) {
      shared_.reject("body_too_large", client_ip_);
      return refuse(413, "request body of " + std::to_string(*length) +
                             " bytes exceeds the limit of " + std::to_string(limit) + " bytes");
    }
    parser_->body_limit(limit);
    lowest().expires_after(shared_.settings.body_timeout);
    auto read = [self = this->shared_from_this(), limit, done = std::move(done)]() mutable {
      http::async_read(
          self->stream_, self->buffer_, *self->parser_,
          [self, limit, done = std::move(done)](beast::error_code ec, std::size_t) mutable {
            self->on_body(ec, limit, std::move(done));
          });
    };
    if (expect_continue_) {
      // The client waits for this before sending the body (curl: > 1 MiB).
      auto cont =
          std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
      http::async_write(stream_, *cont,
                        [self = this->shared_from_this(), cont, read = std::move(read)](
                            beast::error_code ec, std::size_t) mutable {
                          if (ec) return self->close();
                          read();
                        });
      return;
    }
    read();
  }

  void on_body(beast::error_code ec, uint64_t limit, std::function<void(std::string)> done) {
    if (ec) return body_failed(ec, limit);
    body_pending_ = false;
    std::string body = std::move(parser_->get().body());
    shared_.ctx.request_pool->post(
        [done = std::move(done), body = std::move(body)]() mutable { done(std::move(body)); });
  }

  // A body that did not arrive whole: answered (408, 413, 400) or closed;
  // nothing is handed on.
  void body_failed(beast::error_code ec, uint64_t limit) {
    if (ec == beast::error::timeout) {
      shared_.reject("body_timeout", client_ip_);
      return refuse(408, "request body not received within body_timeout");
    }
    if (ec == http::error::body_limit) {
      shared_.reject("body_too_large", client_ip_);
      return refuse(413, "request body exceeds the limit of " + std::to_string(limit) + " bytes");
    }
    if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated) {
      // The client left before the body was complete: nothing is handed on.
      shared_.reject("malformed_request", client_ip_);
      return close();
    }
    shared_.reject("malformed_request", client_ip_);
    return refuse(400, "bad request body: " + ec.message());
  }

  // Answers a request that cannot go further, then closes.
  void refuse(int status, const std::string& text) {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = text + "\n";
    r.close = true;
    write(std::move(r), false);
  }

  void write(HttpResponse r, bool head_only) {
    if (closed_) return;
    set_busy(true);
    bool close_after = r.close || !keep_alive_ || body_pending_ || shared_.ctx.stopping;
    body_ = std::move(r.body);
    shared_body_ = std::move(r.shared_body);
    const std::string& body = shared_body_ ? *shared_body_ : body_;
    response_.emplace();
    auto& res = *response_;
    res.version(version_ ? version_ : 11);
    res.result(static_cast<unsigned>(r.status));
    for (auto& [k, v] : r.headers) res.insert(k, v);
    res.keep_alive(!close_after);
    res.content_length(body.size());
    if (!head_only) res.body() = http::span_body<const char>::value_type(body.data(), body.size());
    lowest().expires_after(shared_.settings.write_timeout);
    auto on_written = [self = this->shared_from_this(), close_after](beast::error_code ec,
                                                                     std::size_t) {
      self->response_.reset();
      self->body_.clear();
      self->shared_body_.reset();
      if (ec) return self->close();
      if (close_after) return self->close(/*graceful=*/true);
      self->read_header(true);
    };
    if (head_only) {
      serializer_.emplace(res);
      http::async_write_header(stream_, *serializer_, std::move(on_written));
    } else {
      http::async_write(stream_, res, std::move(on_written));
    }
  }

  void set_busy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    if (busy)
      shared_.busy.fetch_add(1);
    else
      shared_.busy.fetch_sub(1);
    shared_.tracker.set_idle(*this, !busy);
  }

  // Closes the connection. `graceful` (after our last answer, nothing else
  // pending): TLS close_notify first, bounded by a second.
  void close(bool graceful = false) {
    if (closed_) return;
    closed_ = true;
    set_busy(false);
    beast::error_code ignored;
    if constexpr (is_tls<Stream>) {
      if (graceful) {
        lowest().expires_after(std::chrono::seconds(1));
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
          beast::error_code ignored2;
          self->lowest().socket().close(ignored2);
        });
        return;
      }
    } else if (graceful) {
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    lowest().socket().close(ignored);
  }

  Stream stream_;
  Shared& shared_;
  RequestRouter& router_;
  std::string client_ip_;
  std::string client_address_;
  std::vector<std::string> peer_sans_;
  beast::flat_buffer buffer_{
      std::max<std::size_t>(1u << 20, shared_.settings.max_header_bytes + 65536)};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::span_body<const char>>> response_;
  std::optional<http::response_serializer<http::span_body<const char>>> serializer_;
  std::string body_;
  std::shared_ptr<const std::string> shared_body_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool body_pending_ = false;
  uint64_t early_body_bytes_ = 0;  // the size of a body read before routing
  bool expect_continue_ = false;
  bool busy_ = false;
  bool closed_ = false;
};

// Parses "host:port", "[v6]:port" or ":port" (all interfaces, dual stack).
std::vector<tcp::endpoint> resolve_listen_address(asio::io_context& io,
                                                  const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("not an address (host:port or :port)");
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    throw std::runtime_error("port \"" + port + "\" is not a number from 0 to 65535");
  auto port_number = static_cast<unsigned short>(std::stoul(port));
  if (host.empty()) return {tcp::endpoint(tcp::v6(), port_number)};
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (!ec) return {tcp::endpoint(ip, port_number)};
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, port, ec);
  if (ec) throw std::runtime_error("cannot resolve \"" + host + "\": " + ec.message());
  std::vector<tcp::endpoint> out;
  for (const auto& r : results) {
    out.push_back(r.endpoint());
    break;  // the first address, as a listener binds one
  }
  return out;
}

// Lets the process hold as many sockets as the connection cap needs.
std::size_t raise_fd_limit(std::size_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  const std::size_t reserve = 256;  // plugins, files, backends
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > wanted + reserve) return wanted;
  return rl.rlim_cur > reserve * 2 ? rl.rlim_cur - reserve : rl.rlim_cur / 2;
}

}  // namespace

struct Listener {
  std::unique_ptr<ListenerContext> context;
  std::unique_ptr<RequestRouter> router;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<std::size_t> open{0};
};

struct HttpServer::Impl {
  Impl(const WebConfig& w, ServerContext& c)
      : web(w),
        ctx(c),
        shared{c,
               ConnectionSettings{w.header_timeout, w.body_timeout, w.write_timeout,
                                  w.keep_alive_timeout, w.max_header_bytes},
               ConnectionTracker(raise_fd_limit(w.max_connections), w.max_connections_per_client),
               {},
               {},
               {}} {}

  WebConfig web;
  ServerContext& ctx;
  Shared shared;
  std::unique_ptr<PoolRunner> requests;
  std::unique_ptr<PoolRunner> scrapes;
  std::unique_ptr<asio::io_context> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> io_threads;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::string> bound;
  bool running = false;

  void accept(Listener& l) {
    l.acceptor->async_accept(asio::make_strand(*io),
                             [this, &l](beast::error_code ec, tcp::socket socket) {
                               if (ec == asio::error::operation_aborted || !l.acceptor->is_open())
                                 return;
                               if (!ec)
                                 on_accept(l, std::move(socket));
                               else if (ec == asio::error::no_descriptors)
                                 shared.reject("max_connections", "(file descriptors exhausted)");
                               accept(l);
                             });
  }

  template <class Stream>
  void admit(Listener& l, std::shared_ptr<Session<Stream>> session) {
    auto admission = shared.tracker.admit(*session, session->client_ip(), l.open.load(),
                                          l.context->config.max_connections);
    if (admission != ConnectionTracker::Admission::admitted) {
      shared.reject(admission == ConnectionTracker::Admission::refused_client
                        ? "max_connections_per_client"
                        : "max_connections",
                    session->client_ip());
      return;  // the socket closes with the session
    }
    shared.opened_or_closed();
    session->start();
  }

  void on_accept(Listener& l, tcp::socket socket) {
    beast::error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return;
    socket.set_option(tcp::no_delay(true), ec);
    if (l.context->tls) {
      admit(l, std::make_shared<Session<TlsStream>>(
                   TlsStream(beast::tcp_stream(std::move(socket)), l.context->tls->native()),
                   shared, *l.router, peer));
    } else {
      admit(l, std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                            shared, *l.router, peer));
    }
  }
};

HttpServer::HttpServer(const WebConfig& web, ServerContext& ctx)
    : impl_(std::make_unique<Impl>(web, ctx)) {}

HttpServer::~HttpServer() {
  stop(0);
}

void HttpServer::add_websocket(const std::string& path, WebSocketHandler handler) {
  impl_->shared.websockets[path] = std::move(handler);
}

const std::vector<std::string>& HttpServer::bound_addresses() const noexcept {
  return impl_->bound;
}

void HttpServer::start() {
  Impl& m = *impl_;
  m.io = std::make_unique<asio::io_context>();
  m.requests = std::make_unique<PoolRunner>(static_cast<std::size_t>(m.web.http_threads));
  m.scrapes = std::make_unique<PoolRunner>(
      static_cast<std::size_t>(std::max(4, std::min(m.web.max_concurrent_scrapes, 256))));
  m.ctx.request_pool = m.requests.get();
  m.ctx.scrape_pool = m.scrapes.get();
  for (const ListenerConfig& lc : m.web.listeners) {
    auto l = std::make_unique<Listener>();
    l->context = std::make_unique<ListenerContext>();
    l->context->config = lc;
    std::string error;
    auto allow = CidrAllowlist::parse(lc.allow_cidrs, error);
    if (!allow) throw std::runtime_error("listener " + lc.address + ": " + error);
    l->context->allow = std::move(*allow);
    if (lc.tls) {
      try {
        l->context->tls = std::make_unique<TlsServerContext>(*lc.tls);
      } catch (const std::runtime_error& e) {
        throw std::runtime_error("listener " + lc.address + ": " + e.what());
      }
    }
    l->router = std::make_unique<RequestRouter>(m.ctx, *l->context);
    std::vector<tcp::endpoint> endpoints;
    try {
      endpoints = resolve_listen_address(*m.io, lc.address);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot listen on " + lc.address + ": " + e.what());
    }
    tcp::endpoint ep = endpoints.front();
    l->acceptor = std::make_unique<tcp::acceptor>(*m.io);
    beast::error_code ec;
    auto try_bind = [&](const tcp::endpoint& e, bool dual_stack) {
      ec.clear();
      l->acceptor->open(e.protocol(), ec);
      if (ec) return;
      // SO_REUSEADDR only (restart while old connections linger in
      // TIME_WAIT); never SO_REUSEPORT, so a second instance fails here.
      l->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
      if (e.protocol() == tcp::v6()) l->acceptor->set_option(asio::ip::v6_only(!dual_stack), ec);
      ec.clear();
      l->acceptor->bind(e, ec);
      if (!ec) l->acceptor->listen(1024, ec);
      if (ec) {
        beast::error_code ignored;
        l->acceptor->close(ignored);
      }
    };
    const bool any = lc.address.front() == ':';
    try_bind(ep, any);
    if (ec && any && ec != asio::error::address_in_use)  // no IPv6 here: IPv4 only
      try_bind(tcp::endpoint(tcp::v4(), ep.port()), false);
    if (ec) throw std::runtime_error("cannot listen on " + lc.address + ": " + ec.message());
    tcp::endpoint local = l->acceptor->local_endpoint(ec);
    m.bound.push_back((lc.tls ? "https://" : "http://") + format_address(local));
    m.listeners.push_back(std::move(l));
  }
  for (auto& l : m.listeners) m.accept(*l);
  m.work.emplace(m.io->get_executor());
  int threads = m.web.io_threads;
  if (threads <= 0)
    threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
  for (int i = 0; i < threads; ++i) m.io_threads.emplace_back([io = m.io.get()] { io->run(); });
  m.running = true;
}

void HttpServer::stop(long grace_ms) {
  Impl& m = *impl_;
  if (!m.running) return;
  m.running = false;
  // Stop accepting.
  for (auto& l : m.listeners)
    asio::post(*m.io, [&l] {
      beast::error_code ignored;
      l->acceptor->close(ignored);
    });
  // Requests in progress may finish.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (m.shared.busy.load() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  m.requests->stop_and_join();
  m.scrapes->stop_and_join();
  m.work.reset();
  m.io->stop();
  for (auto& t : m.io_threads) t.join();
  m.io_threads.clear();
  for (auto& l : m.listeners) l->acceptor.reset();
  m.io.reset();  // destroys every connection still open
  m.listeners.clear();
  m.ctx.request_pool = nullptr;
  m.ctx.scrape_pool = nullptr;
}

}  // namespace pe::host
