// agent_client.cpp — the agent's connections to its hubs (Boost.Beast
// WebSocket client over Asio SSL, C++20 coroutines), hub pinning, backoff.
#include "dialin/agent_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "auth/constant_time.hpp"
#include "auth/sha256.hpp"
#include "base/logging.hpp"
#include "dialin/agent_metrics.hpp"
#include "plugin/host_api.hpp"

namespace pe::host::dialin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

// SHA-256 of the peer certificate's SubjectPublicKeyInfo, or "".
std::string peer_spki_sha256(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  std::string out;
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    int n = i2d_PUBKEY(key, nullptr);
    if (n > 0) {
      std::string der(static_cast<std::size_t>(n), '\0');
      auto* p = reinterpret_cast<unsigned char*>(der.data());
      if (i2d_PUBKEY(key, &p) == n) out = sha256(der);
    }
  }
  X509_free(cert);
  return out;
}

// Outgoing messages of one connection, written one at a time in order.
template <class Ws>
class Writer : public std::enable_shared_from_this<Writer<Ws>> {
 public:
  explicit Writer(std::shared_ptr<Ws> ws) : ws_(std::move(ws)) {}
  void queue(EncodedFrame frame) {
    out_.push_back(std::move(frame));
    if (out_.size() == 1) write();
  }

 private:
  void write() {
    ws_->binary(out_.front().binary);
    ws_->async_write(asio::buffer(out_.front().bytes),
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       self->out_.pop_front();
                       if (!self->out_.empty()) self->write();
                     });
  }
  std::shared_ptr<Ws> ws_;
  std::deque<EncodedFrame> out_;
};

}  // namespace

struct AgentClient::Impl {
  Impl(AgentConfig c, Producer p)
      : config(std::move(c)), producer(std::move(p)), metrics(hub_urls(config)) {
    for (const AgentHub& hub : config.hubs) status.push_back({hub.url, false, 0, {}});
  }
  static std::vector<std::string> hub_urls(const AgentConfig& c) {
    std::vector<std::string> urls;
    for (const AgentHub& hub : c.hubs) urls.push_back(hub.url);
    return urls;
  }
  std::size_t index_of(const AgentHub& hub) const {
    return static_cast<std::size_t>(&hub - config.hubs.data());
  }

  AgentConfig config;
  Producer producer;
  AgentMetrics metrics;
  mutable std::mutex status_mu;
  std::vector<HubLinkStatus> status;  // one per config.hubs, in order

  // Records how the connection to `hub` stands (an empty error keeps the last one).
  void note(const AgentHub& hub, bool connected, std::string error) {
    const std::size_t i = static_cast<std::size_t>(&hub - config.hubs.data());
    std::lock_guard lock(status_mu);
    HubLinkStatus& s = status.at(i);
    if (s.connected != connected || s.since_unix_ms == 0) s.since_unix_ms = unix_now_ms();
    s.connected = connected;
    if (!error.empty()) s.last_error = std::move(error);
  }

  asio::io_context io;
  asio::thread_pool pool{4};
  std::thread thread;
  bool started = false;

  // Hello, then scrapes until the connection ends (by an exception).
  // `registered` turns true once the hub accepted us.
  template <class Ws>
  awaitable<void> speak(std::shared_ptr<Ws> ws, const AgentHub& hub, bool& registered) {
    beast::get_lowest_layer(*ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(config.ping_interval * 2);
    t.keep_alive_pings = true;  // a ping after half the idle timeout: every ping_interval
    ws->set_option(t);
    ws->read_message_max(16u << 20);
    ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, kSubprotocol);
    }));
    co_await ws->async_handshake(hub.host + ":" + hub.port, hub.path, use_awaitable);
    metrics.connection(index_of(hub), AgentMetrics::Connection::open);
    log(LogLevel::info, "connection to hub open", {{"event", "connection-open"}, {"hub", hub.url}});

    Hello hello;
    hello.token = config.token;
    hello.alias = config.alias;
    hello.hostname = config.hostname;
    hello.service = config.service;
    hello.labels = config.labels;
    EncodedFrame h = encode_frame(hello);
    ws->text(true);
    co_await ws->async_write(asio::buffer(h.bytes), use_awaitable);

    beast::flat_buffer buffer;
    co_await ws->async_read(buffer, use_awaitable);
    std::string error;
    auto answer = decode_frame(beast::buffers_to_string(buffer.data()), ws->got_binary(), error);
    if (!answer || !std::holds_alternative<Accepted>(*answer)) {
      const Refused* r = answer ? std::get_if<Refused>(&*answer) : nullptr;
      metrics.registration(
          index_of(hub),
          r ? AgentMetrics::Registration::refused : AgentMetrics::Registration::error, false,
          unix_now_ms());
      log(LogLevel::error, "hub refused this agent",
          {{"event", "register-alias-error"},
           {"hub", hub.url},
           {"code", r ? std::to_string(r->code) : "-"},
           {"reason", r ? r->reason : "invalid answer"},
           {"message", r ? r->message : error}});
      note(hub, false,
           r ? "refused (" + std::to_string(r->code) + " " + r->reason + "): " + r->message
             : "invalid answer to the hello: " + error);
      co_return;
    }
    registered = true;
    note(hub, true, {});
    metrics.registration(index_of(hub), AgentMetrics::Registration::success, true, unix_now_ms());
    log(LogLevel::info, "registered with hub",
        {{"event", "register-alias-success"}, {"hub", hub.url}, {"alias", config.alias}});
    auto writer = std::make_shared<Writer<Ws>>(ws);
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
      buffer.clear();
      co_await ws->async_read(buffer, use_awaitable);
      auto frame = decode_frame(beast::buffers_to_string(buffer.data()), ws->got_binary(), error);
      const ScrapeRequest* req = frame ? std::get_if<ScrapeRequest>(&*frame) : nullptr;
      if (!req) {
        log(LogLevel::warn, "hub sent a frame this agent does not take; ignored",
            {{"hub", hub.url}, {"error", frame ? "not a scrape request" : error}});
        continue;
      }
      log(LogLevel::debug, "scrape request from hub",
          {{"event", "metrics-request"}, {"hub", hub.url}, {"id", std::to_string(req->id)}});
      asio::post(pool, [this, request = *req, writer, executor, i = index_of(hub), &hub] {
        ScrapeReply reply;
        try {
          reply = producer(request);
        } catch (const std::exception& e) {
          reply.status = 500;
          reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
          reply.body = std::string("scrape failed: ") + e.what() + "\n";
        }
        reply.id = request.id;
        const bool ok = reply.status / 100 == 2;
        metrics.served(i, ok ? AgentMetrics::Served::success : AgentMetrics::Served::error);
        log(LogLevel::debug, ok ? "scrape answered" : "scrape answered with an error",
            {{"event", ok ? "metrics-success" : "metrics-error"},
             {"hub", hub.url},
             {"id", std::to_string(request.id)},
             {"status", std::to_string(reply.status)}});
        asio::post(executor, [writer, frame = encode_frame(reply)]() mutable {
          writer->queue(std::move(frame));
        });
      });
    }
  }

  awaitable<void> session(const AgentHub& hub, bool& registered) {
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(hub.host, hub.port, use_awaitable);
    if (!hub.tls) {
      auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(executor);
      beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
      co_await beast::get_lowest_layer(*ws).async_connect(endpoints, use_awaitable);
      co_await speak(ws, hub, registered);
      co_return;
    }
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (!config.hub_pin.empty()) {
      tls.set_verify_mode(asio::ssl::verify_none);  // the pin below decides
    } else {
      if (!config.hub_ca_file.empty())
        tls.load_verify_file(config.hub_ca_file);
      else
        tls.set_default_verify_paths();
      tls.set_verify_mode(asio::ssl::verify_peer);
    }
    using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
    auto ws = std::make_shared<Ws>(executor, tls);
    if (config.hub_pin.empty())
      ws->next_layer().set_verify_callback(asio::ssl::host_name_verification(hub.host));
    // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
    SSL_ctrl(ws->next_layer().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
             TLSEXT_NAMETYPE_host_name, const_cast<char*>(hub.host.c_str()));
    beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
    co_await beast::get_lowest_layer(*ws).async_connect(endpoints, use_awaitable);
    co_await ws->next_layer().async_handshake(asio::ssl::stream_base::client, use_awaitable);
    if (!config.hub_pin.empty() &&
        !constant_time_equals(peer_spki_sha256(ws->next_layer().native_handle()), config.hub_pin)) {
      log(LogLevel::error, "hub's public key does not match hub_pin; not connecting",
          {{"hub", hub.url}});
      note(hub, false, "the hub's public key does not match hub_pin");
      co_return;
    }
    co_await speak(ws, hub, registered);
  }

  awaitable<void> run(const AgentHub& hub) {
    std::mt19937_64 rng(std::random_device{}());
    asio::steady_timer timer(co_await asio::this_coro::executor);
    unsigned attempt = 0;
    for (;;) {
      bool registered = false;
      std::string why = "closed by the hub";
      bool failed = false;
      try {
        co_await session(hub, registered);
      } catch (const std::exception& e) {
        why = e.what();
        failed = true;
      }
      // A refusal or a pin mismatch noted its own reason.
      note(hub, false, registered ? "connection lost: " + why : failed ? why : std::string());
      if (registered) metrics.disconnected(index_of(hub));
      metrics.connection(index_of(hub), failed ? AgentMetrics::Connection::error
                                               : AgentMetrics::Connection::close);
      log(registered ? LogLevel::warn : LogLevel::info,
          registered ? "connection to hub lost" : "could not register with hub",
          {{"event", failed ? "connection-error" : "connection-close"},
           {"hub", hub.url},
           {"error", why}});
      if (registered) attempt = 0;
      // Full jitter: uniform in [0, min(max, min * 2^attempt)].
      const double cap = std::min(std::chrono::duration<double>(config.max_backoff).count(),
                                  std::chrono::duration<double>(config.min_backoff).count() *
                                      static_cast<double>(uint64_t{1} << std::min(attempt, 30u)));
      attempt = std::min(attempt + 1, 30u);
      const double wait = std::uniform_real_distribution<double>(0, cap)(rng);
      timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(wait)));
      co_await timer.async_wait(use_awaitable);
    }
  }
};

AgentClient::AgentClient(AgentConfig config, Producer producer)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(producer))) {}

AgentClient::~AgentClient() {
  stop();
}

void AgentClient::export_to(MetricSet& set) const {
  impl_->metrics.export_to(set);
}

std::vector<HubLinkStatus> AgentClient::hub_status() const {
  std::lock_guard lock(impl_->status_mu);
  return impl_->status;
}

void AgentClient::start() {
  Impl& m = *impl_;
  if (m.started) return;
  m.started = true;
  for (const AgentHub& hub : m.config.hubs) asio::co_spawn(m.io, m.run(hub), asio::detached);
  m.thread = std::thread([&m] { m.io.run(); });
}

void AgentClient::stop() {
  Impl& m = *impl_;
  if (!m.started) return;
  m.started = false;
  m.io.stop();
  if (m.thread.joinable()) m.thread.join();
  m.pool.join();
}

}  // namespace pe::host::dialin
