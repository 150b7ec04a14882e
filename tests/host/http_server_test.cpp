// http_server_test.cpp — the event-driven server in process: request framing
// verdicts, connection caps with eviction of the oldest idle connection,
// health probes answered while the configuration is not loaded, a second
// bind of a used port failing, and TLS (our own stream, tls_stream.hpp): the
// WebSocket upgrade path (an echo endpoint registered by the test) with
// messages of one byte to 1 MiB, requests kept alive on one connection,
// close_notify after the last answer, and the handshake and keep-alive
// deadlines. Run under TSan too.
#include "http/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "http/connection_tracker.hpp"
#include "http/request_framing.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using pe::host::ConnectionTracker;
using pe::host::frame_request;

// --- framing -----------------------------------------------------------------

TEST(RequestFraming, CompleteRequestsPass) {
  EXPECT_EQ(frame_request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 4096, 1024), "");
  EXPECT_EQ(frame_request("PUT /p HTTP/1.1\r\nContent-Length: 4\r\n\r\nm 1\n", 4096, 1024), "");
  EXPECT_EQ(frame_request("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "4\r\nm 1\n\r\n0\r\n\r\n",
                          4096, 1024),
            "");
}

TEST(RequestFraming, AmbiguousOrTruncatedBodiesAreRefused) {
  // Shorter than announced: the client closed mid-body.
  EXPECT_NE(frame_request("PUT /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nm 1\n", 4096, 1024), "");
  EXPECT_NE(frame_request("PUT /p HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 4096, 1024), "");
  EXPECT_NE(frame_request("PUT /p HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nm 1\n",
                          4096, 1024),
            "");
  EXPECT_EQ(frame_request("PUT /p HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nm 1\n",
                          4096, 1024),
            "more than one Content-Length field");
  EXPECT_NE(
      frame_request("PUT /p HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\nm 1\n\r\n0\r\n\r\n",
                    4096, 1024),
      "");
  EXPECT_NE(frame_request("PUT /p HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 4096, 1024), "");
  EXPECT_NE(frame_request("PUT /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nm 1\n\r\n",
                          4096, 1024),
            "");
  // Unterminated chunked body.
  EXPECT_NE(frame_request("PUT /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nm 1\n\r\n",
                          4096, 1024),
            "");
}

TEST(RequestFraming, LimitsHold) {
  std::string big_header = "GET / HTTP/1.1\r\nX: " + std::string(5000, 'a') + "\r\n\r\n";
  EXPECT_NE(frame_request(big_header, 4096, 1024), "");
  std::string big_body = "PUT /p HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'a');
  EXPECT_NE(frame_request(big_body, 4096, 1024), "");
  EXPECT_EQ(frame_request(big_body, 4096, 4096), "");
}

// --- connection caps -----------------------------------------------------------

namespace {

struct FakeConnection : pe::host::TrackedConnection {
  int evictions = 0;
  void evict() override { ++evictions; }
};

}  // namespace

TEST(ConnectionTracker, ThePerClientCapEvictsThatClientsOldestIdleConnection) {
  ConnectionTracker tracker(0, 2);
  FakeConnection a, b, c, other;
  ASSERT_EQ(tracker.admit(a, "10.0.0.1", 0, 0), ConnectionTracker::Admission::admitted);
  ASSERT_EQ(tracker.admit(other, "10.0.0.2", 0, 0), ConnectionTracker::Admission::admitted);
  ASSERT_EQ(tracker.admit(b, "10.0.0.1", 0, 0), ConnectionTracker::Admission::admitted);
  ASSERT_EQ(tracker.admit(c, "10.0.0.1", 0, 0), ConnectionTracker::Admission::admitted);
  EXPECT_EQ(a.evictions, 1);  // the oldest idle of that client
  EXPECT_EQ(b.evictions + other.evictions, 0);
  tracker.remove(a);
  tracker.remove(b);
  tracker.remove(c);
  tracker.remove(other);
  EXPECT_EQ(tracker.open(), 0u);
}

TEST(ConnectionTracker, BusyConnectionsAreNeverEvictedSoANewOneIsRefused) {
  ConnectionTracker tracker(2, 0);
  FakeConnection a, b, c;
  ASSERT_EQ(tracker.admit(a, "10.0.0.1", 0, 0), ConnectionTracker::Admission::admitted);
  ASSERT_EQ(tracker.admit(b, "10.0.0.2", 0, 0), ConnectionTracker::Admission::admitted);
  tracker.set_idle(a, false);
  tracker.set_idle(b, false);
  EXPECT_EQ(tracker.admit(c, "10.0.0.3", 0, 0), ConnectionTracker::Admission::refused_total);
  tracker.set_idle(b, true);
  EXPECT_EQ(tracker.admit(c, "10.0.0.3", 0, 0), ConnectionTracker::Admission::admitted);
  EXPECT_EQ(b.evictions, 1);
  EXPECT_EQ(a.evictions, 0);
  EXPECT_EQ(tracker.evicted_total(), 1u);
  tracker.remove(a);
  tracker.remove(b);
  tracker.remove(c);
}

// --- the server -------------------------------------------------------------------

namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pe_http_server_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  pe::host::WebConfig web(bool tls) {
    pe::host::WebConfig w;
    pe::host::ListenerConfig l;
    l.address = "127.0.0.1:0";
    if (tls) {
      pe::host::TlsConfig t;
      t.cert_file = (dir_ / "cert.pem").string();
      t.key_file = (dir_ / "key.pem").string();
      l.tls = t;
    }
    w.listeners.push_back(l);
    w.http_threads = 2;
    w.io_threads = 2;
    return w;
  }

  static unsigned short port_of(const std::string& bound) {
    return static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  }

  std::filesystem::path dir_;
  pe::host::ServingStateHolder holder_;
  pe::host::SelfMetrics metrics_;
};

// What a TLS client of the test's server needs (verifies its certificate).
struct TlsClient {
  explicit TlsClient(const std::filesystem::path& ca) : context(asio::ssl::context::tls_client) {
    context.load_verify_file(ca.string());
    context.set_verify_mode(asio::ssl::verify_peer);
  }
  void connect(beast::ssl_stream<tcp::socket>& stream, unsigned short port) {
    beast::get_lowest_layer(stream).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.handshake(asio::ssl::stream_base::client);
  }
  asio::io_context io;
  asio::ssl::context context;
};

// Milliseconds until the server ends a connection the client keeps silent.
long long ms_until_closed(tcp::socket& socket) {
  auto start = std::chrono::steady_clock::now();
  char byte;
  beast::error_code ec;
  socket.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "the server sent a byte";
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

std::string get(unsigned short port, const std::string& target, int& status) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  status = res.result_int();
  return std::string(res.reason()) + "|" + res.body();
}

}  // namespace

TEST_F(ServerTest, HealthIsAnsweredBeforeTheConfigurationIsLoadedAndReasonsAreRight) {
  pe::host::ServerContext ctx(holder_, metrics_);
  pe::host::HttpServer server(web(false), ctx);
  server.start();
  unsigned short port = port_of(server.bound_addresses().at(0));
  int status = 0;
  EXPECT_EQ(get(port, "/healthz", status), "OK|OK\n");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(get(port, "/metrics", status), "Service Unavailable|not ready\n");
  EXPECT_EQ(status, 503);
  server.stop(1000);
}

TEST_F(ServerTest, ASecondBindOfAUsedPortFailsNamingTheAddress) {
  pe::host::ServerContext ctx(holder_, metrics_);
  pe::host::HttpServer first(web(false), ctx);
  first.start();
  pe::host::WebConfig w = web(false);
  w.listeners[0].address = "127.0.0.1:" + std::to_string(port_of(first.bound_addresses().at(0)));
  pe::host::ServerContext ctx2(holder_, metrics_);
  pe::host::HttpServer second(w, ctx2);
  try {
    second.start();
    FAIL() << "the second server bound a port in use";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(w.listeners[0].address), std::string::npos) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
  }
  first.stop(1000);
}

TEST_F(ServerTest, WebSocketEchoOverTls) {
  pe::host::ServerContext ctx(holder_, metrics_);
  pe::host::HttpServer server(web(true), ctx);
  pe::host::WebSocketHandler echo;
  echo.on_message = [](const std::string& message, bool binary, auto reply) {
    reply("echo:" + message, binary);
  };
  server.add_websocket("/ws-echo", echo);
  server.start();
  unsigned short port = port_of(server.bound_addresses().at(0));
  ASSERT_EQ(server.bound_addresses().at(0).rfind("https://", 0), 0u);

  TlsClient client(dir_ / "cert.pem");
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(client.io, client.context);
  client.connect(ws.next_layer(), port);
  ws.handshake("127.0.0.1", "/ws-echo");
  for (int i = 0; i < 20; ++i) {
    std::string msg = "hello " + std::to_string(i);
    ws.write(asio::buffer(msg));
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:" + msg);
  }
  ws.close(websocket::close_code::normal);
  server.stop(1000);
}

TEST_F(ServerTest, WebSocketOverTlsCarriesMessagesFromOneByteTo1MiB) {
  pe::host::ServerContext ctx(holder_, metrics_);
  pe::host::HttpServer server(web(true), ctx);
  pe::host::WebSocketHandler echo;
  echo.on_message = [](const std::string& message, bool binary, auto reply) {
    reply(message, binary);
  };
  server.add_websocket("/ws-echo", echo);
  server.start();
  TlsClient client(dir_ / "cert.pem");
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(client.io, client.context);
  client.connect(ws.next_layer(), port_of(server.bound_addresses().at(0)));
  ws.handshake("127.0.0.1", "/ws-echo");
  ws.binary(true);
  for (std::size_t size : {1u, 16383u, 16384u, 16385u, 100000u, 1u << 20}) {
    std::string msg(size, '\0');
    for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<char>(i * 7 + size);
    ws.write(asio::buffer(msg));
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_TRUE(beast::buffers_to_string(buffer.data()) == msg)
        << "message of " << size << " bytes";
  }
  ws.close(websocket::close_code::normal);
  server.stop(1000);
}

TEST_F(ServerTest, TlsKeepsRequestsAliveAndSendsCloseNotifyAfterTheLastAnswer) {
  pe::host::ServerContext ctx(holder_, metrics_);
  pe::host::HttpServer server(web(true), ctx);
  server.start();
  TlsClient client(dir_ / "cert.pem");
  beast::ssl_stream<tcp::socket> stream(client.io, client.context);
  client.connect(stream, port_of(server.bound_addresses().at(0)));
  beast::flat_buffer buffer;
  for (int i = 0; i < 50; ++i) {
    http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
    req.set(http::field::host, "127.0.0.1");
    if (i == 49) req.keep_alive(false);
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    ASSERT_EQ(res.result_int(), 200) << "request " << i;
    EXPECT_EQ(res.body(), "OK\n");
  }
  // After the last answer the server shuts TLS down: our read ends in a
  // close_notify (eof), not a truncated stream.
  char byte;
  beast::error_code ec;
  stream.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  server.stop(1000);
}

TEST_F(ServerTest, TlsHandshakeAndKeepAliveDeadlinesHold) {
  pe::host::ServerContext ctx(holder_, metrics_);
  pe::host::WebConfig w = web(true);
  w.header_timeout = std::chrono::milliseconds(300);
  w.keep_alive_timeout = std::chrono::milliseconds(300);
  pe::host::HttpServer server(w, ctx);
  server.start();
  unsigned short port = port_of(server.bound_addresses().at(0));
  {  // connected, no ClientHello: closed at header_timeout
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    long long ms = ms_until_closed(socket);
    EXPECT_GE(ms, 250);
    EXPECT_LT(ms, 5000);
  }
  {  // handshake done, one request answered, then idle: closed at keep_alive_timeout
    TlsClient client(dir_ / "cert.pem");
    beast::ssl_stream<tcp::socket> stream(client.io, client.context);
    client.connect(stream, port);
    http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200);
    long long ms = ms_until_closed(beast::get_lowest_layer(stream));
    EXPECT_GE(ms, 250);
    EXPECT_LT(ms, 5000);
  }
  server.stop(1000);
}
