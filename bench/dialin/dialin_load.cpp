// dialin_load.cpp — the load generator of the dial-in benchmark
// (bench/dialin/load_bench.py drives it): N simulated agents that dial one
// hub over wss:// from 127.x.y.z source addresses (at most --per-address
// each, under the hub's per-client connection cap), register alias
// <prefix><i> and answer every scrape with a small text body; and a scraper
// that sends GET /agents/<alias>/metrics over --scrapers kept-alive TLS
// connections at an aggregate rate. Agents reconnect with the real agents'
// backoff: full jitter, uniform in [0, min(60 s, 1 s * 2^attempt)], attempt
// reset once registered. The frames are the hub's own codec
// (dialin/dialin_frame.hpp). One thread; commands on stdin, one a line:
//   scrape RATE SECONDS   scrape at RATE/s for SECONDS, then print
//                         "scraped ok=.. failed=.. seconds=.. rate=.. p50_ms=.. p99_ms=..
//                         max_ms=.."
//   quit                  (or end of input) exit
// It prints "registered N t=MONO" whenever all N agents are registered (MONO:
// CLOCK_MONOTONIC seconds, Python's time.monotonic()), after a line
// "failures COUNT: WHY" per reason agent sessions ended since the last such
// report, and "lost t=MONO" when
// the first registered agent loses its connection after that, and a
// "status ..." line every second.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dialin/dialin_frame.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using pe::host::dialin::decode_frame;
using pe::host::dialin::encode_frame;

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string ca;
  std::string token;
  std::string prefix = "load-";
  int agents = 100;
  int per_address = 50;  // agents per source address (the hub caps 64 per client)
  int scrapers = 64;     // scraper connections
  double ping_interval_s = 20;
  int first_octet2 = 1;  // agents bind 127.<o2>.x.y, scrapers 127.<o2+1>.x.y
};

double mono_now() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// The i-th source address of a block: 127.o2.(i / 250).(i % 250 + 1).
asio::ip::address_v4 source_address(int o2, int i) {
  return asio::ip::make_address_v4((127u << 24) | (static_cast<unsigned>(o2) << 16) |
                                   (static_cast<unsigned>(i / 250) << 8) |
                                   static_cast<unsigned>(i % 250 + 1));
}

using Tls = beast::ssl_stream<beast::tcp_stream>;

struct Generator {
  Options opt;
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  tcp::endpoint hub;
  std::mt19937_64 rng{std::random_device{}()};

  int registered = 0;
  std::map<std::string, uint64_t> failures;  // why sessions ended, by message
  bool all_registered = false;
  uint64_t connects = 0, connect_failures = 0, scrapes_answered = 0;

  // The scrape phase.
  bool scraping = false;
  Clock::time_point scrape_start, scrape_end;
  double interval_s = 0;  // between two requests of one scraper connection
  uint64_t next_target = 0, scrape_ok = 0, scrape_failed = 0;
  std::vector<double> latencies_ms;
  int scrapers_running = 0;

  explicit Generator(Options o)
      : opt(std::move(o)), hub(asio::ip::make_address(opt.host), opt.port) {
    tls.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    tls.load_verify_file(opt.ca);
    tls.set_verify_mode(asio::ssl::verify_peer);
  }

  // A TLS stream connected to the hub from `source`, handshake done.
  awaitable<void> connect(Tls& s, asio::ip::address_v4 source) {
    auto& sock = beast::get_lowest_layer(s).socket();
    sock.open(tcp::v4());
    sock.bind(tcp::endpoint(source, 0));
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(30));
    co_await beast::get_lowest_layer(s).async_connect(hub, use_awaitable);
    co_await s.async_handshake(asio::ssl::stream_base::client, use_awaitable);
    beast::get_lowest_layer(s).expires_never();
  }

  void note_registered(int delta) {
    registered += delta;
    if (delta > 0 && registered == opt.agents && !all_registered) {
      all_registered = true;
      const double t = mono_now();
      for (const auto& [why, n] : failures)  // before the line load_bench.py waits for
        std::printf("failures %llu: %s\n", static_cast<unsigned long long>(n), why.c_str());
      failures.clear();
      std::printf("registered %d t=%.3f\n", registered, t);
      std::fflush(stdout);
    } else if (delta < 0 && all_registered) {
      all_registered = false;
      std::printf("lost t=%.3f\n", mono_now());
      std::fflush(stdout);
    }
  }

  awaitable<void> agent_session(int i, bool& was_registered) {
    auto ex = co_await asio::this_coro::executor;
    websocket::stream<Tls> ws(ex, tls);
    ++connects;
    co_await connect(ws.next_layer(), source_address(opt.first_octet2, i / opt.per_address));
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(2 * opt.ping_interval_s));
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, pe::host::dialin::kSubprotocol);
    }));
    co_await ws.async_handshake(opt.host + ":" + std::to_string(opt.port), "/agents/connect",
                                use_awaitable);
    pe::host::dialin::Hello hello;
    hello.token = opt.token;
    hello.alias = opt.prefix + std::to_string(i);
    hello.hostname = "sim-" + std::to_string(i);
    hello.service = "load";
    ws.text(true);
    co_await ws.async_write(asio::buffer(encode_frame(hello).bytes), use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, use_awaitable);
    std::string error;
    auto answer = decode_frame(beast::buffers_to_string(buffer.data()), ws.got_binary(), error);
    if (!answer || !std::holds_alternative<pe::host::dialin::Accepted>(*answer)) {
      std::fprintf(stderr, "dialin_load: agent %d refused: %s\n", i, error.c_str());
      co_return;
    }
    was_registered = true;
    note_registered(+1);
    const std::string body =
        "# TYPE load_agent_up gauge\nload_agent_up{agent=\"" + std::to_string(i) + "\"} 1\n";
    for (;;) {
      buffer.clear();
      co_await ws.async_read(buffer, use_awaitable);
      auto frame = decode_frame(beast::buffers_to_string(buffer.data()), ws.got_binary(), error);
      const auto* req = frame ? std::get_if<pe::host::dialin::ScrapeRequest>(&*frame) : nullptr;
      if (!req) continue;
      pe::host::dialin::ScrapeReply reply;
      reply.id = req->id;
      reply.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
      reply.body = body;
      auto encoded = encode_frame(reply);
      ws.binary(true);
      co_await ws.async_write(asio::buffer(encoded.bytes), use_awaitable);
      ++scrapes_answered;
    }
  }

  awaitable<void> agent(int i) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    unsigned attempt = 0;
    for (;;) {
      bool was_registered = false;
      try {
        co_await agent_session(i, was_registered);
      } catch (const std::exception& e) {
        ++failures[e.what()];
      }
      if (was_registered) {
        note_registered(-1);
        attempt = 0;
      } else {
        ++connect_failures;
      }
      // Full jitter, as the agent's own client (host/dialin/agent_client.cpp).
      const double cap =
          std::min(60.0, 1.0 * static_cast<double>(uint64_t{1} << std::min(attempt, 30u)));
      attempt = std::min(attempt + 1, 30u);
      timer.expires_after(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(std::uniform_real_distribution<double>(0, cap)(rng))));
      co_await timer.async_wait(use_awaitable);
    }
  }

  // One scraper connection: requests at its share of the rate (or as fast as
  // answers come, when behind), latency from write to the whole answer.
  awaitable<void> scraper(int k) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    auto next = scrape_start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(interval_s * k / opt.scrapers));
    while (Clock::now() < scrape_end) {
      bool failed = false;
      try {
        Tls s(ex, tls);
        co_await connect(s, source_address(opt.first_octet2 + 1, k / 32));
        beast::flat_buffer buffer;
        for (;;) {
          if (next > Clock::now()) {
            timer.expires_at(next);
            co_await timer.async_wait(use_awaitable);
          }
          if (Clock::now() >= scrape_end) break;
          next += std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(interval_s));
          const uint64_t target = next_target++ % static_cast<uint64_t>(opt.agents);
          http::request<http::empty_body> req(
              http::verb::get, "/agents/" + opt.prefix + std::to_string(target) + "/metrics", 11);
          req.set(http::field::host, opt.host + ":" + std::to_string(opt.port));
          req.set("X-Prometheus-Scrape-Timeout-Seconds", "10");
          const auto sent = Clock::now();
          beast::get_lowest_layer(s).expires_after(std::chrono::seconds(15));
          co_await http::async_write(s, req, use_awaitable);
          http::response<http::string_body> res;
          co_await http::async_read(s, buffer, res, use_awaitable);
          latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
          if (res.result_int() == 200)
            ++scrape_ok;
          else
            ++scrape_failed;
          if (!res.keep_alive()) break;
        }
      } catch (const std::exception& e) {
        ++scrape_failed;
        std::fprintf(stderr, "dialin_load: scraper %d: %s\n", k, e.what());
        failed = true;
      }
      if (failed) {  // not too fast against a hub that is down
        timer.expires_after(std::chrono::milliseconds(100));
        co_await timer.async_wait(use_awaitable);
      }
    }
    if (--scrapers_running == 0) report_scrapes();
  }

  void report_scrapes() {
    scraping = false;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto pct = [&](double p) {
      if (latencies_ms.empty()) return 0.0;
      return latencies_ms[std::min(latencies_ms.size() - 1,
                                   static_cast<std::size_t>(p * latencies_ms.size()))];
    };
    const double seconds = std::chrono::duration<double>(scrape_end - scrape_start).count();
    std::printf(
        "scraped ok=%llu failed=%llu seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f "
        "max_ms=%.3f\n",
        static_cast<unsigned long long>(scrape_ok), static_cast<unsigned long long>(scrape_failed),
        seconds, static_cast<double>(scrape_ok) / seconds, pct(0.50), pct(0.99),
        latencies_ms.empty() ? 0.0 : latencies_ms.back());
    std::fflush(stdout);
  }

  void start_scrapes(double rate, double seconds) {
    if (scraping || rate <= 0 || seconds <= 0) {
      std::printf("scraped ok=0 failed=0 seconds=0 rate=0 p50_ms=0 p99_ms=0 max_ms=0\n");
      std::fflush(stdout);
      return;
    }
    scraping = true;
    scrape_ok = scrape_failed = 0;
    latencies_ms.clear();
    latencies_ms.reserve(static_cast<std::size_t>(rate * seconds * 1.1));
    interval_s = opt.scrapers / rate;
    scrape_start = Clock::now();
    scrape_end = scrape_start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(seconds));
    scrapers_running = opt.scrapers;
    for (int k = 0; k < opt.scrapers; ++k) asio::co_spawn(io, scraper(k), asio::detached);
  }

  awaitable<void> status_lines() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      timer.expires_after(std::chrono::seconds(1));
      co_await timer.async_wait(use_awaitable);
      std::printf("status t=%.3f registered=%d connects=%llu connect_failures=%llu answered=%llu\n",
                  mono_now(), registered, static_cast<unsigned long long>(connects),
                  static_cast<unsigned long long>(connect_failures),
                  static_cast<unsigned long long>(scrapes_answered));
      std::fflush(stdout);
    }
  }
};

int usage() {
  std::fprintf(stderr,
               "usage: dialin_load --port P --ca FILE --token ID.SECRET [--host 127.0.0.1] "
               "[--agents N] [--prefix load-] [--per-address 50] [--scrapers 64] "
               "[--ping-interval 20] [--octet 1]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--host")
      opt.host = v;
    else if (k == "--port")
      opt.port = static_cast<unsigned short>(std::stoi(v));
    else if (k == "--ca")
      opt.ca = v;
    else if (k == "--token")
      opt.token = v;
    else if (k == "--prefix")
      opt.prefix = v;
    else if (k == "--agents")
      opt.agents = std::stoi(v);
    else if (k == "--per-address")
      opt.per_address = std::stoi(v);
    else if (k == "--scrapers")
      opt.scrapers = std::stoi(v);
    else if (k == "--ping-interval")
      opt.ping_interval_s = std::stod(v);
    else if (k == "--octet")
      opt.first_octet2 = std::stoi(v);
    else
      return usage();
  }
  if (argc % 2 == 0 || opt.port == 0 || opt.ca.empty() || opt.token.empty() || opt.agents < 1 ||
      opt.per_address < 1 || opt.per_address > 64 || opt.scrapers < 1)
    return usage();
  Generator g(opt);
  for (int i = 0; i < opt.agents; ++i) asio::co_spawn(g.io, g.agent(i), asio::detached);
  asio::co_spawn(g.io, g.status_lines(), asio::detached);
  // Commands arrive on a thread of their own and run on the generator's.
  std::thread input([&g] {
    std::string line;
    while (std::getline(std::cin, line)) {
      double rate = 0, seconds = 0;
      if (std::sscanf(line.c_str(), "scrape %lf %lf", &rate, &seconds) == 2)
        asio::post(g.io, [&g, rate, seconds] { g.start_scrapes(rate, seconds); });
      else if (line == "quit")
        break;
    }
    g.io.stop();
  });
  g.io.run();
  input.join();
  std::fflush(stdout);
  std::_Exit(0);  // no teardown of thousands of connections
}
