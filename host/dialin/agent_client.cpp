// agent_client.cpp — the agent's connections to its hubs (Boost.Beast
// WebSocket client over Asio SSL, C++20 coroutines), hub pinning, backoff.
#include "dialin/agent_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "auth/constant_time.hpp"
#include "auth/sha256.hpp"
#include "auth/tls_client_identity.hpp"
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

// One hub's session: the settings it registers with, its state for the
// status page, and the means to end it (a reload that drops or changes it).
struct HubSession {
  HubSession(AgentConfig c, AgentHub h, asio::io_context& io)
      : config(std::move(c)), hub(std::move(h)), timer(io) {
    status.url = hub.url;
  }
  AgentConfig config;  // hubs unused: `hub` is this session's
  AgentHub hub;
  std::atomic<bool> stopped{false};
  std::function<void()> abort;  // io thread only: closes the current connection
  asio::steady_timer timer;     // the backoff wait (io thread only)
  HubLinkStatus status;         // under AgentClient::Impl::mu
};
using SessionPtr = std::shared_ptr<HubSession>;

}  // namespace

struct AgentClient::Impl {
  // First, so that it goes last: the sessions' timers and the coroutines
  // hold on to it.
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};

  Impl(AgentConfig c, Producer p)
      : config(std::move(c)), producer(std::move(p)), metrics(hub_urls(config)) {
    for (const AgentHub& hub : config.hubs)
      sessions.push_back(std::make_shared<HubSession>(config, hub, io));
  }
  static std::vector<std::string> hub_urls(const AgentConfig& c) {
    std::vector<std::string> urls;
    for (const AgentHub& hub : c.hubs) urls.push_back(hub.url);
    return urls;
  }

  mutable std::mutex mu;  // config, sessions, every session's status
  AgentConfig config;
  std::vector<SessionPtr> sessions;  // in config.hubs order
  Producer producer;
  AgentMetrics metrics;

  // Records how the connection to the session's hub stands (an empty error
  // keeps the last one); a stopped session reports nothing any more.
  void note(HubSession& s, bool connected, std::string error) {
    if (s.stopped) return;
    std::lock_guard lock(mu);
    HubLinkStatus& st = s.status;
    if (st.connected != connected || st.since_unix_ms == 0) st.since_unix_ms = unix_now_ms();
    st.connected = connected;
    if (!error.empty()) st.last_error = std::move(error);
  }

  asio::thread_pool pool{4};
  std::thread thread;
  bool started = false;

  void spawn(const SessionPtr& s) { asio::co_spawn(io, run(s), asio::detached); }
  // Ends a session (on the io thread): its connection or wait is cut short.
  void end(const SessionPtr& s) {
    asio::post(io, [s] {
      s->stopped = true;
      s->timer.cancel();
      if (s->abort) s->abort();
    });
  }

  template <class Ws>
  awaitable<bool> send_hello(Ws& ws, HubSession& s) {
    const AgentHub& hub = s.hub;
    Hello hello;
    hello.token = s.config.token;
    hello.alias = s.config.alias;
    hello.hostname = s.config.hostname;
    hello.service = s.config.service;
    hello.labels = s.config.labels;
    EncodedFrame h = encode_frame(hello);
    ws.text(true);
    co_await ws.async_write(asio::buffer(h.bytes), use_awaitable);

    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, use_awaitable);
    std::string error;
    auto answer = decode_frame(beast::buffers_to_string(buffer.data()), ws.got_binary(), error);
    if (answer && std::holds_alternative<Accepted>(*answer)) co_return true;
    const Refused* r = answer ? std::get_if<Refused>(&*answer) : nullptr;
    if (s.stopped) co_return false;
    metrics.registration(
        hub.url, r ? AgentMetrics::Registration::refused : AgentMetrics::Registration::error, false,
        unix_now_ms());
    log(LogLevel::error, "hub refused this agent",
        {{"event", "register-alias-error"},
         {"hub", hub.url},
         {"code", r ? std::to_string(r->code) : "-"},
         {"reason", r ? r->reason : "invalid answer"},
         {"message", r ? r->message : error}});
    note(s, false,
         r ? "refused (" + std::to_string(r->code) + " " + r->reason + "): " + r->message
           : "invalid answer to the hello: " + error);
    co_return false;
  }

  // Hello, then scrapes until the connection ends (by an exception).
  // `registered` turns true once the hub accepted us.
  template <class Ws>
  awaitable<void> speak(std::shared_ptr<Ws> ws, SessionPtr s, bool& registered) {
    const AgentHub& hub = s->hub;
    beast::get_lowest_layer(*ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        s->config.ping_interval * 2);
    t.keep_alive_pings = true;  // a ping after half the idle timeout: every ping_interval
    ws->set_option(t);
    ws->read_message_max(16u << 20);
    ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, kSubprotocol);
    }));
    co_await ws->async_handshake(hub.host + ":" + hub.port, hub.path, use_awaitable);
    if (s->stopped) co_return;
    metrics.connection(hub.url, AgentMetrics::Connection::open);
    log(LogLevel::info, "connection to hub open", {{"event", "connection-open"}, {"hub", hub.url}});
    if (!co_await send_hello(*ws, *s) || s->stopped) co_return;
    registered = true;
    note(*s, true, {});
    metrics.registration(hub.url, AgentMetrics::Registration::success, true, unix_now_ms());
    log(LogLevel::info, "registered with hub",
        {{"event", "register-alias-success"}, {"hub", hub.url}, {"alias", s->config.alias}});
    auto writer = std::make_shared<Writer<Ws>>(ws);
    auto executor = co_await asio::this_coro::executor;
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      co_await ws->async_read(buffer, use_awaitable);
      std::string error;
      auto frame = decode_frame(beast::buffers_to_string(buffer.data()), ws->got_binary(), error);
      const ScrapeRequest* req = frame ? std::get_if<ScrapeRequest>(&*frame) : nullptr;
      if (!req) {
        log(LogLevel::warn, "hub sent a frame this agent does not take; ignored",
            {{"hub", hub.url}, {"error", frame ? "not a scrape request" : error}});
        continue;
      }
      log(LogLevel::debug, "scrape request from hub",
          {{"event", "metrics-request"}, {"hub", hub.url}, {"id", std::to_string(req->id)}});
      asio::post(pool, [this, request = *req, writer, executor, s] {
        asio::post(executor, [writer, encoded = serve(request, *s)]() mutable {
          writer->queue(std::move(encoded));
        });
      });
    }
  }

  // Produces one scrape's reply, encoded (on a pool thread).
  EncodedFrame serve(const ScrapeRequest& request, HubSession& s) {
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
    if (!s.stopped)
      metrics.served(s.hub.url, ok ? AgentMetrics::Served::success : AgentMetrics::Served::error);
    log(LogLevel::debug, ok ? "scrape answered" : "scrape answered with an error",
        {{"event", ok ? "metrics-success" : "metrics-error"},
         {"hub", s.hub.url},
         {"id", std::to_string(request.id)},
         {"status", std::to_string(reply.status)}});
    return encode_frame(reply);
  }

  // The TLS client context of a session: the hub's CA or pin, our certificate.
  static void configure_tls(asio::ssl::context& tls, const AgentConfig& config) {
    tls.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (!config.hub_pin.empty()) {
      tls.set_verify_mode(asio::ssl::verify_none);  // the pin decides, after the handshake
    } else {
      if (!config.hub_ca_file.empty())
        tls.load_verify_file(config.hub_ca_file);
      else
        tls.set_default_verify_paths();
      tls.set_verify_mode(asio::ssl::verify_peer);
    }
    if (!config.cert_file.empty())
      use_client_certificate(tls.native_handle(), config.cert_file, config.key_file);
  }

  awaitable<void> session(SessionPtr s, bool& registered) {
    const AgentHub& hub = s->hub;
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(hub.host, hub.port, use_awaitable);
    if (s->stopped) co_return;
    if (!hub.tls) {
      auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(executor);
      s->abort = [ws] { beast::get_lowest_layer(*ws).close(); };
      beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
      co_await beast::get_lowest_layer(*ws).async_connect(endpoints, use_awaitable);
      co_await speak(ws, s, registered);
      co_return;
    }
    asio::ssl::context tls(asio::ssl::context::tls_client);
    configure_tls(tls, s->config);
    using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
    auto ws = std::make_shared<Ws>(executor, tls);
    s->abort = [ws] { beast::get_lowest_layer(*ws).close(); };
    if (s->config.hub_pin.empty())
      ws->next_layer().set_verify_callback(asio::ssl::host_name_verification(hub.host));
    // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
    SSL_ctrl(ws->next_layer().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
             TLSEXT_NAMETYPE_host_name, const_cast<char*>(hub.host.c_str()));
    beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
    co_await beast::get_lowest_layer(*ws).async_connect(endpoints, use_awaitable);
    co_await ws->next_layer().async_handshake(asio::ssl::stream_base::client, use_awaitable);
    if (!s->config.hub_pin.empty() &&
        !constant_time_equals(peer_spki_sha256(ws->next_layer().native_handle()),
                              s->config.hub_pin)) {
      log(LogLevel::error, "hub's public key does not match hub_pin; not connecting",
          {{"hub", hub.url}});
      note(*s, false, "the hub's public key does not match hub_pin");
      co_return;
    }
    co_await speak(ws, s, registered);
  }

  // A session ended: status, metrics and the log say how.
  void ended(HubSession& s, bool registered, bool failed, const std::string& why) {
    const AgentHub& hub = s.hub;
    // A refusal or a pin mismatch noted its own reason.
    note(s, false, registered ? "connection lost: " + why : failed ? why : std::string());
    if (registered) metrics.disconnected(hub.url);
    metrics.connection(hub.url,
                       failed ? AgentMetrics::Connection::error : AgentMetrics::Connection::close);
    log(registered ? LogLevel::warn : LogLevel::info,
        registered ? "connection to hub lost" : "could not register with hub",
        {{"event", failed ? "connection-error" : "connection-close"},
         {"hub", hub.url},
         {"error", why}});
  }

  awaitable<void> run(SessionPtr s) {
    std::mt19937_64 rng(std::random_device{}());
    unsigned attempt = 0;
    const AgentConfig& cfg = s->config;
    while (!s->stopped) {
      bool registered = false;
      std::string why = "closed by the hub";
      bool failed = false;
      try {
        co_await session(s, registered);
      } catch (const std::exception& e) {
        why = e.what();
        failed = true;
      }
      s->abort = nullptr;
      if (s->stopped) break;
      ended(*s, registered, failed, why);
      if (registered) attempt = 0;
      // Full jitter: uniform in [0, min(max, min * 2^attempt)].
      const double cap = std::min(std::chrono::duration<double>(cfg.max_backoff).count(),
                                  std::chrono::duration<double>(cfg.min_backoff).count() *
                                      static_cast<double>(uint64_t{1} << std::min(attempt, 30u)));
      attempt = std::min(attempt + 1, 30u);
      const double wait = std::uniform_real_distribution<double>(0, cap)(rng);
      s->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(wait)));
      boost::system::error_code ec;
      co_await s->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    log(LogLevel::info, "session with hub ended by a reload",
        {{"hub", s->hub.url}, {"alias", cfg.alias}});
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
  std::lock_guard lock(impl_->mu);
  std::vector<HubLinkStatus> out;
  for (const SessionPtr& s : impl_->sessions) out.push_back(s->status);
  return out;
}

void AgentClient::start() {
  Impl& m = *impl_;
  if (m.started) return;
  m.started = true;
  {
    std::lock_guard lock(m.mu);
    for (const SessionPtr& s : m.sessions) m.spawn(s);
  }
  m.thread = std::thread([&m] { m.io.run(); });
}

void AgentClient::reconfigure(const AgentConfig& next) {
  Impl& m = *impl_;
  std::vector<SessionPtr> ended, started;
  {
    std::lock_guard lock(m.mu);
    const bool same = same_session_settings(m.config, next);
    std::vector<SessionPtr> sessions;
    for (const AgentHub& hub : next.hubs) {
      auto it = std::find_if(m.sessions.begin(), m.sessions.end(),
                             [&](const SessionPtr& s) { return s->hub.url == hub.url; });
      if (same && it != m.sessions.end()) {
        sessions.push_back(*it);
      } else {
        sessions.push_back(std::make_shared<HubSession>(next, hub, m.io));
        started.push_back(sessions.back());
      }
    }
    for (const SessionPtr& s : m.sessions)
      if (std::find(sessions.begin(), sessions.end(), s) == sessions.end()) ended.push_back(s);
    m.sessions = std::move(sessions);
    m.config = next;
    m.metrics.set_hubs(Impl::hub_urls(next));
    if (m.started) {
      for (const SessionPtr& s : ended) m.end(s);
      for (const SessionPtr& s : started) m.spawn(s);
    }
  }
  log(LogLevel::info, "[agent] reloaded",
      {{"hubs", std::to_string(next.hubs.size())},
       {"sessions_started", std::to_string(started.size())},
       {"sessions_ended", std::to_string(ended.size())},
       {"sessions_kept", std::to_string(next.hubs.size() - started.size())}});
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
