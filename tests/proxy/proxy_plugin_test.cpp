// proxy_plugin_test.cpp — the real proxy.so in the real host components
// against real TCP backends that behave or misbehave on purpose: keep-alive
// reuse and stale connections, every body framing, truncation, hangs,
// trickles, endless bodies, gzip and gzip bombs, error statuses, parameter
// forwarding, auth headers, labels and merging, and configuration errors
// reported at their file position.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "plugin_exporter/exposition/gzip_decoder.hpp"
#include "in_process_host.hpp"
#include "scripted_backend.hpp"

using namespace pe::proxy::test;
using ProxyHost = pe::test::InProcessHost;
using pe::test::stat_of;
using pe::test::values_of;
using pe::host::CollectStatus;
using namespace std::chrono_literals;

namespace {

const std::string kMetrics =
    "# HELP go_goroutines Number of goroutines that currently exist.\n"
    "# TYPE go_goroutines gauge\n"
    "go_goroutines 7\n"
    "# HELP requests_total Requests.\n"
    "# TYPE requests_total counter\n"
    "requests_total{code=\"200\"} 10\n"
    "requests_total{code=\"500\"} 1\n";

std::string collector(const std::string& name, const std::string& config,
                      const std::string& extra = "", const std::string& timeout = "2s") {
  return "[[collector]]\nname = \"" + name + "\"\nplugin = \"proxy\"\ntimeout = \"" + timeout +
         "\"\n" + extra + "[collector.config]\n" + config + "\n";
}

std::string url_config(const ScriptedBackend& b, const std::string& more = "") {
  return "url = \"" + b.url() + "\"\n" + more;
}

// The one collector's outcome (a copy: the scrape result is a temporary).
pe::host::CollectOutcome only(const pe::host::ScrapeResult& r) {
  EXPECT_EQ(r.collectors.size(), 1u);
  return r.collectors.at(0).outcome;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pe-proxy-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return p;
  }

 private:
  std::string path_;
};

}  // namespace

// ---------------------------------------------------------------- healthy

TEST(ProxyCollect, ContentLengthResponseIsParsedAndReported) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("b", url_config(backend)));
  ASSERT_TRUE(host.ok()) << host.errors().at(0);
  const auto o = only(host.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "go_goroutines"), std::vector<double>{7});
  EXPECT_EQ(values_of(o, "requests_total", {{"code", "500"}}), std::vector<double>{1});
  EXPECT_EQ(stat_of(o, "http_status_code"), 200);
  EXPECT_EQ(stat_of(o, "response_size_bytes"), static_cast<double>(kMetrics.size()));
}

TEST(ProxyCollect, Ipv6LoopbackBackend) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics)), "::1");
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_TRUE(contains(backend.requests().at(0), "\r\nHost: [::1]:" + std::to_string(backend.port())));
}

TEST(ProxyCollect, ChunkedResponse) {
  ScriptedBackend backend(serve_always(chunked_response(kMetrics, 7)));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "requests_total", {{"code", "200"}}), std::vector<double>{10});
}

TEST(ProxyCollect, RequestCarriesAcceptCompressionAndScrapeTimeout) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("b", url_config(backend), "", "3s"));
  ASSERT_EQ(only(host.scrape()).status, CollectStatus::ok);
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(contains(reqs[0], "GET /metrics HTTP/1.1\r\n")) << reqs[0];
  EXPECT_TRUE(contains(reqs[0], "\r\nHost: 127.0.0.1:" + std::to_string(backend.port()) + "\r\n"));
  EXPECT_TRUE(contains(reqs[0], "\r\nAccept: text/plain;version=0.0.4"));
  EXPECT_TRUE(contains(reqs[0], "\r\nAccept-Encoding: gzip\r\n"));
  std::size_t at = reqs[0].find("\r\nX-Prometheus-Scrape-Timeout-Seconds: ");
  ASSERT_NE(at, std::string::npos) << reqs[0];
  double sent = std::stod(reqs[0].substr(at + 39));
  EXPECT_GT(sent, 2.5);
  EXPECT_LE(sent, 3.0);
}

TEST(ProxyCollect, KeepAliveConnectionIsReusedAcrossScrapes) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("b", url_config(backend)));
  for (int i = 0; i < 5; ++i) ASSERT_EQ(only(host.scrape()).status, CollectStatus::ok);
  EXPECT_EQ(backend.requests().size(), 5u);
  EXPECT_EQ(backend.connections(), 1);
}

TEST(ProxyCollect, ConnectionCloseIsHonoured) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (c.read_request()) c.write(ok_response(kMetrics, "text/plain", "Connection: close\r\n"));
  });
  ProxyHost host(collector("b", url_config(backend)));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(only(host.scrape()).status, CollectStatus::ok);
  EXPECT_EQ(backend.connections(), 3);
}

TEST(ProxyCollect, StaleKeptAliveConnectionIsRetriedOnAFreshOne) {
  // The backend answers one request per connection, then closes without
  // saying so: the next scrape finds the kept connection dead and retries.
  ScriptedBackend backend([](BackendConnection& c) {
    if (c.read_request()) c.write(ok_response(kMetrics));
  });
  ProxyHost host(collector("b", url_config(backend)));
  for (int i = 0; i < 4; ++i) {
    const auto o = only(host.scrape());
    ASSERT_EQ(o.status, CollectStatus::ok) << i << ": " << o.reason;
    std::this_thread::sleep_for(20ms);  // let the close arrive
  }
  EXPECT_EQ(backend.connections(), 4);
}

TEST(ProxyCollect, GzipResponseIsDecoded) {
  std::string gz;
  pe::gzip_compress(kMetrics, gz);
  ScriptedBackend backend(serve_always(ok_response(gz, "text/plain", "Content-Encoding: gzip\r\n")));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "go_goroutines"), std::vector<double>{7});
  EXPECT_EQ(stat_of(o, "response_size_bytes"), static_cast<double>(kMetrics.size()));
}

TEST(ProxyCollect, CompressionNoneAsksForIdentity) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("b", url_config(backend, "compression = \"none\"")));
  ASSERT_EQ(only(host.scrape()).status, CollectStatus::ok);
  EXPECT_TRUE(contains(backend.requests().at(0), "\r\nAccept-Encoding: identity\r\n"));
}

TEST(ProxyCollect, OpenMetricsResponseIsParsedAsOpenMetrics) {
  const std::string om =
      "# TYPE jobs counter\n# HELP jobs Jobs.\njobs_total 3\njobs_created 1.7e9\n# EOF\n";
  ScriptedBackend backend(serve_always(
      ok_response(om, "application/openmetrics-text; version=1.0.0; charset=utf-8")));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "jobs_total"), std::vector<double>{3});
}

TEST(ProxyCollect, OpenMetricsWithoutEofFails) {
  ScriptedBackend backend(serve_always(
      ok_response("# TYPE jobs counter\njobs_total 3\n", "application/openmetrics-text; version=1.0.0")));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "is not valid OpenMetrics at")) << o.reason;
}

// ------------------------------------------------------------- misbehaving

TEST(ProxyCollect, GarbageFailsWithPosition) {
  ScriptedBackend backend(serve_always(ok_response("<html><body>hello</body></html>\n")));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "response of " + backend.url() +
                                     " is not valid text exposition format at 1:"))
      << o.reason;
}

TEST(ProxyCollect, DropModeKeepsTheValidLines) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics + "this is { not a sample\n")));
  ProxyHost strict(collector("b", url_config(backend)));
  EXPECT_EQ(only(strict.scrape()).status, CollectStatus::error);
  ProxyHost lenient(collector("b", url_config(backend, "invalid_lines = \"drop\"")));
  const auto o = only(lenient.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "go_goroutines"), std::vector<double>{7});
  EXPECT_EQ(o.invalid_samples, 1u);
}

TEST(ProxyCollect, TruncatedContentLengthBodyFails) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (!c.read_request()) return;
    std::string full = ok_response(kMetrics);
    c.write(full.substr(0, full.size() - 20));
  });
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "connection closed after " + std::to_string(kMetrics.size() - 20) +
                                     " of " + std::to_string(kMetrics.size()) + " body bytes"))
      << o.reason;
}

TEST(ProxyCollect, TruncatedChunkedBodyFails) {
  // Cut on a line boundary, where the text alone would still parse.
  ScriptedBackend backend([](BackendConnection& c) {
    if (!c.read_request()) return;
    std::string full = chunked_response(kMetrics, kMetrics.find("# HELP requests_total"));
    c.write(full.substr(0, full.find("0\r\n\r\n", full.size() - 8)));
  });
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "connection closed inside the chunked body")) << o.reason;
}

TEST(ProxyCollect, HangingBackendCostsItsTimeoutAndNoMore) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (c.read_request()) c.pause(60s);
  });
  ProxyHost host(collector("b", url_config(backend), "", "300ms"));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::timeout);
  // The plugin ends 10% before the deadline to report its own reason; on a
  // loaded machine the host's may still come first.
  EXPECT_TRUE(o.reason == "timed out reading the response of 127.0.0.1:" +
                              std::to_string(backend.port()) + " (no complete response header yet)" ||
              contains(o.reason, "timed out after"))
      << o.reason;
  // The plugin gave up by its deadline: the next scrape calls it again
  // instead of finding the previous collect still running.
  std::this_thread::sleep_for(200ms);
  const auto again = only(host.scrape());
  EXPECT_EQ(again.status, CollectStatus::timeout);
  EXPECT_FALSE(contains(again.reason, "still running")) << again.reason;
  EXPECT_EQ(backend.connections(), 2);
}

TEST(ProxyCollect, TricklingBackendIsCutAtTheDeadline) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    while (!c.stopping() && c.write("x")) c.pause(20ms);
  });
  ProxyHost host(collector("b", url_config(backend), "", "300ms"));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::timeout);
  EXPECT_TRUE((contains(o.reason, "timed out reading the response of 127.0.0.1:") &&
               contains(o.reason, "body bytes)")) ||
              contains(o.reason, "timed out after"))
      << o.reason;
  std::this_thread::sleep_for(200ms);
  const auto again = only(host.scrape());
  EXPECT_FALSE(contains(again.reason, "still running")) << again.reason;
}

TEST(ProxyCollect, EndlessBodyIsCutAtTheSizeLimit) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    std::string line = "endless_metric{i=\"0123456789\"} 1\n";
    std::string block;
    while (block.size() < 64 * 1024) block += line;
    while (c.write(block)) {
    }
  });
  ProxyHost host(collector("b", url_config(backend, "max_response_bytes = 1048576"), "", "10s"));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "exceeds the limit of 1048576 bytes")) << o.reason;
}

TEST(ProxyCollect, GzipBombFailsCleanly) {
  // 64 MiB of zeros compress to ~64 KiB; the limit is 4 MiB after decompression.
  std::string zeros(64u << 20, '0');
  std::string bomb;
  pe::gzip_compress(zeros, bomb, 9);
  zeros.clear();
  zeros.shrink_to_fit();
  ASSERT_LT(bomb.size(), 1u << 20);
  ScriptedBackend backend(serve_always(ok_response(bomb, "text/plain", "Content-Encoding: gzip\r\n")));
  ProxyHost host(collector("b", url_config(backend, "max_response_bytes = 4194304"), "", "10s"));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "decompressed size exceeds the limit of 4194304 bytes")) << o.reason;
}

TEST(ProxyCollect, CorruptOrTruncatedGzipFails) {
  std::string gz;
  pe::gzip_compress(kMetrics, gz);
  ScriptedBackend backend(serve_always(
      ok_response(gz.substr(0, gz.size() - 6), "text/plain", "Content-Encoding: gzip\r\n")));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "gzip response body")) << o.reason;
}

TEST(ProxyCollect, ErrorStatusIsTheReasonWithTheBodysFirstLine) {
  const std::string body = "An error has occurred while serving metrics:\n\nboom\n";
  ScriptedBackend backend(serve_always(
      "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_EQ(o.reason, "backend " + backend.url() +
                          " answered HTTP 500 Internal Server Error: An error has occurred while "
                          "serving metrics:");
  EXPECT_EQ(stat_of(o, "http_status_code"), 500);
}

TEST(ProxyCollect, ErrorStatusWithAStalledBodyStillReportsTheStatus) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\nstarting up");
    c.pause(60s);
  });
  ProxyHost host(collector("b", url_config(backend), "", "5s"));
  const auto o = only(host.scrape({}, 1.0));  // 1s scrape timeout - 0.5s offset
  EXPECT_TRUE(contains(o.reason, "answered HTTP 503 Service Unavailable: starting up")) << o.reason;
}

TEST(ProxyCollect, RedirectsAreNotFollowed) {
  ScriptedBackend backend(serve_always(
      "HTTP/1.1 301 Moved Permanently\r\nLocation: /other\r\nContent-Length: 0\r\n\r\n"));
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_TRUE(contains(o.reason, "HTTP 301 Moved Permanently (to /other); redirects are not "
                                 "followed"))
      << o.reason;
}

TEST(ProxyCollect, NotHttpAtAll) {
  ScriptedBackend backend([](BackendConnection& c) {
    if (c.read_request()) c.write("SSH-2.0-OpenSSH_9.2\r\n\r\n");
  });
  ProxyHost host(collector("b", url_config(backend)));
  const auto o = only(host.scrape());
  EXPECT_TRUE(contains(o.reason, "not an HTTP/1.x response: \"SSH-2.0-OpenSSH_9.2\"")) << o.reason;
}

TEST(ProxyCollect, ConnectionRefused) {
  uint16_t port;
  {
    ScriptedBackend gone(serve_always(""));
    port = gone.port();
  }
  ProxyHost host(collector("b", "url = \"http://127.0.0.1:" + std::to_string(port) + "/metrics\""));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_EQ(o.reason, "connection refused by 127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(stat_of(o, "http_status_code"), 0);
}

// ----------------------------------------------- parameters, auth, labels

TEST(ProxyCollect, OnlyAllowlistedParametersAreForwarded) {
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector(
      "b", "url = \"" + backend.url("/probe?module=http_2xx") + "\"\nforward_params = [\"target\", \"module\"]"));
  ASSERT_EQ(only(host.scrape({{"target", "https://example.org/a b"}, {"debug", "true"}})).status,
            CollectStatus::ok);
  ASSERT_EQ(only(host.scrape({{"module", "icmp"}})).status, CollectStatus::ok);
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_TRUE(contains(reqs[0], "GET /probe?module=http_2xx&target=https%3A%2F%2Fexample.org%2Fa%20b HTTP/1.1"))
      << reqs[0];
  EXPECT_TRUE(contains(reqs[1], "GET /probe?module=icmp HTTP/1.1")) << reqs[1];
}

TEST(ProxyCollect, DifferentParametersCollectConcurrentlyOnTheirOwnConnections) {
  std::atomic<int> in_flight{0}, max_in_flight{0};
  ScriptedBackend backend([&](BackendConnection& c) {
    while (c.read_request()) {
      int now = ++in_flight;
      int seen = max_in_flight.load();
      while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
      }
      c.pause(300ms);
      --in_flight;
      if (!c.write(ok_response(kMetrics))) return;
    }
  });
  ProxyHost host(collector("b", url_config(backend, "forward_params = [\"target\"]")));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      auto r = host.scrape({{"target", "t" + std::to_string(i)}});
      if (only(r).status == CollectStatus::ok) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(max_in_flight.load(), 3);
  EXPECT_EQ(backend.connections(), 3);
  // Afterwards the kept connections serve the next scrapes.
  ASSERT_EQ(only(host.scrape({{"target", "t0"}})).status, CollectStatus::ok);
  EXPECT_EQ(backend.connections(), 3);
}

TEST(ProxyCollect, BearerTokenFromEnvironmentAndHeaders) {
  setenv("PE_PROXY_TEST_TOKEN", "tok-123", 1);
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("b", url_config(backend, "bearer_token_env = \"PE_PROXY_TEST_TOKEN\"\n"
                                                    "headers = { X-Scope-OrgID = \"tenant-1\" }")));
  ASSERT_TRUE(host.ok()) << host.errors().at(0);
  ASSERT_EQ(only(host.scrape()).status, CollectStatus::ok);
  auto req = backend.requests().at(0);
  EXPECT_TRUE(contains(req, "\r\nAuthorization: Bearer tok-123\r\n")) << req;
  EXPECT_TRUE(contains(req, "\r\nX-Scope-OrgID: tenant-1\r\n")) << req;
}

TEST(ProxyCollect, BasicAuthPasswordFromFile) {
  TempDir dir;
  std::string pw = dir.write("pw", "s3cret\n");
  ScriptedBackend backend(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("b", url_config(backend, "basic_auth = { username = \"prom\", "
                                                    "password_file = \"" + pw + "\" }")));
  ASSERT_TRUE(host.ok()) << host.errors().at(0);
  ASSERT_EQ(only(host.scrape()).status, CollectStatus::ok);
  // base64("prom:s3cret")
  EXPECT_TRUE(contains(backend.requests().at(0), "\r\nAuthorization: Basic cHJvbTpzM2NyZXQ=\r\n"));
}

TEST(ProxyCollect, CollectorLabelsWinAClashUnlessHonorLabels) {
  const std::string body = "# TYPE up gauge\nup{exporter=\"theirs\"} 1\n";
  ScriptedBackend backend(serve_always(ok_response(body)));
  ProxyHost ours(collector("b", url_config(backend), "labels = { exporter = \"pdns\" }\n"));
  const auto o = only(ours.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "up", {{"exporter", "pdns"}, {"exported_exporter", "theirs"}}).size(), 1u);
  ProxyHost theirs(collector("b", url_config(backend),
                             "labels = { exporter = \"pdns\" }\nhonor_labels = true\n"));
  const auto t = only(theirs.scrape());
  EXPECT_EQ(values_of(t, "up", {{"exporter", "theirs"}}).size(), 1u);
  EXPECT_TRUE(values_of(t, "up", {{"exporter", "pdns"}}).empty());
}

TEST(ProxyCollect, SameFamilyFromTwoBackendsIsOneFamilyToldApartByLabels) {
  ScriptedBackend a(serve_always(ok_response(kMetrics)));
  ScriptedBackend b(serve_always(ok_response(kMetrics)));
  ProxyHost host(collector("a", url_config(a), "labels = { exporter = \"a\" }\n") +
                 collector("b", url_config(b), "labels = { exporter = \"b\" }\n"));
  auto r = host.scrape();
  std::string text = host.metrics_text(r);
  auto count = [&](const std::string& s) {
    std::size_t n = 0;
    for (std::size_t p = text.find(s); p != std::string::npos; p = text.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("# TYPE go_goroutines gauge\n"), 1u) << text;
  EXPECT_EQ(count("# HELP go_goroutines "), 1u);
  EXPECT_TRUE(contains(text, "go_goroutines{exporter=\"a\"} 7\n")) << text;
  EXPECT_TRUE(contains(text, "go_goroutines{exporter=\"b\"} 7\n")) << text;
  EXPECT_EQ(count("# TYPE requests_total counter\n"), 1u);
  EXPECT_EQ(count("requests_total{"), 4u);
}

// Every Go exporter has a gauge go_memstats_alloc_bytes and a counter
// go_memstats_alloc_bytes_total: two families in the text format, both served.
TEST(ProxyCollect, GaugeAndCounterOfTheSameStemAreBothServed) {
  ScriptedBackend backend(serve_always(ok_response(
      "# HELP go_memstats_alloc_bytes Bytes allocated and still in use.\n"
      "# TYPE go_memstats_alloc_bytes gauge\n"
      "go_memstats_alloc_bytes 910584\n"
      "# HELP go_memstats_alloc_bytes_total Total bytes allocated, even if freed.\n"
      "# TYPE go_memstats_alloc_bytes_total counter\n"
      "go_memstats_alloc_bytes_total 1.2e+07\n")));
  ProxyHost host(collector("b", url_config(backend)));
  std::string text = host.metrics_text(host.scrape());
  EXPECT_TRUE(contains(text, "\ngo_memstats_alloc_bytes 910584\n")) << text;
  EXPECT_TRUE(contains(text, "\ngo_memstats_alloc_bytes_total 1.2e+07\n")) << text;
}

TEST(ProxyCollect, OneFailingBackendDoesNotAffectTheOthers) {
  ScriptedBackend good(serve_always(ok_response(kMetrics)));
  ScriptedBackend bad(serve_always(ok_response("garbage garbage\n")));
  ProxyHost host(collector("good", url_config(good)) + collector("bad", url_config(bad)));
  auto r = host.scrape();
  ASSERT_EQ(r.collectors.size(), 2u);
  EXPECT_EQ(r.collectors[0].outcome.status, CollectStatus::ok);
  EXPECT_EQ(r.collectors[1].outcome.status, CollectStatus::error);
  EXPECT_TRUE(contains(host.metrics_text(r), "go_goroutines 7"));
}

// ------------------------------------------------------------------ files

TEST(ProxyFiles, GlobIsReadWithMtimes) {
  TempDir dir;
  std::string a = dir.write("a.prom", "# TYPE backup_ok gauge\nbackup_ok 1\n");
  std::string b = dir.write("b.prom", "# TYPE cron_runs_total counter\ncron_runs_total 4\n");
  dir.write("ignored.txt", "not matched\n");
  ProxyHost host(collector("f", "files = \"" + dir.path() + "/*.prom\""));
  ASSERT_TRUE(host.ok()) << host.errors().at(0);
  const auto o = only(host.scrape());
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(values_of(o, "backup_ok"), std::vector<double>{1});
  EXPECT_EQ(values_of(o, "cron_runs_total"), std::vector<double>{4});
  auto mtime = values_of(o, "node_textfile_mtime_seconds", {{"file", a}});
  ASSERT_EQ(mtime.size(), 1u);
  EXPECT_NEAR(mtime[0], static_cast<double>(std::time(nullptr)), 60);
  EXPECT_EQ(values_of(o, "node_textfile_mtime_seconds", {{"file", b}}).size(), 1u);
  EXPECT_EQ(stat_of(o, "files"), 2);
}

TEST(ProxyFiles, InvalidFileFailsNamingFileAndPosition) {
  TempDir dir;
  dir.write("a.prom", "backup_ok 1\n");
  std::string bad = dir.write("b.prom", "# TYPE x gauge\nx{ 1\n");
  ProxyHost host(collector("f", "files = [\"" + dir.path() + "/*.prom\"]"));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, bad + " is not valid exposition text at 2:")) << o.reason;
  ProxyHost lenient(collector("f", "files = [\"" + dir.path() + "/*.prom\"]\ninvalid_lines = \"drop\""));
  const auto l = only(lenient.scrape());
  ASSERT_EQ(l.status, CollectStatus::ok) << l.reason;
  EXPECT_EQ(values_of(l, "backup_ok"), std::vector<double>{1});
}

TEST(ProxyFiles, MissingLiteralPathFailsEmptyGlobDoesNot) {
  TempDir dir;
  ProxyHost literal(collector("f", "files = \"" + dir.path() + "/missing.prom\""));
  const auto o = only(literal.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_EQ(o.reason, "cannot read " + dir.path() + "/missing.prom: No such file or directory");
  ProxyHost glob(collector("f", "files = \"" + dir.path() + "/*.prom\""));
  const auto g = only(glob.scrape());
  EXPECT_EQ(g.status, CollectStatus::ok) << g.reason;
  EXPECT_EQ(stat_of(g, "files"), 0);
}

TEST(ProxyFiles, FileOverTheLimitFails) {
  TempDir dir;
  std::string big = dir.write("big.prom", "# TYPE x gauge\n" + std::string(3000, '#') + "\nx 1\n");
  ProxyHost host(collector("f", "files = \"" + big + "\"\nmax_response_bytes = 2048"));
  const auto o = only(host.scrape());
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_TRUE(contains(o.reason, "over the limit of 2048")) << o.reason;
}

// --------------------------------------------------------- configuration

struct ConfigCase {
  const char* config;
  const char* error;  // a part of the one expected error
};

TEST(ProxyConfig, ErrorsAreReportedAtTheirKey) {
  const ConfigCase cases[] = {
      {"", "t.toml:5:1: collector[0].config: missing the source"},
      {"url = \"ftp://x/\"", "t.toml:6:7: collector[0].config.url: the URL must start with"},
      {"url = \"http://u:p@127.0.0.1/\"", "credentials in the URL are not supported"},
      {"url = \"http://127.0.0.1/\"\nfiles = \"/x\"", "collector[0].config.files: give either url"},
      {"files = \"relative/*.prom\"", "is not an absolute path"},
      {"files = []", "give at least one path"},
      {"url = \"http://127.0.0.1/\"\nheaders = { Authorization = \"x\" }",
       "header Authorization is set by the plugin itself (use basic_auth or bearer_token)"},
      {"url = \"http://127.0.0.1/\"\nheaders = { \"bad name\" = \"x\" }", "is not a valid header name"},
      {"url = \"http://127.0.0.1/\"\ntls = { ca_file = \"/x\" }", "tls settings need an https:// url"},
      {"url = \"https://127.0.0.1/\"\ntls = { cert_file = \"/x\" }", "cert_file and key_file go together"},
      {"url = \"http://127.0.0.1/\"\nbearer_token = \"a\"\nbasic_auth = { username = \"u\" }",
       "give either basic_auth or bearer_token"},
      {"url = \"http://127.0.0.1/\"\nbasic_auth = { password = \"p\" }", "missing required key \"username\""},
      {"url = \"http://127.0.0.1/\"\nbearer_token_env = \"PE_PROXY_TEST_UNSET_VARIABLE\"", "PE_PROXY_TEST_UNSET_VARIABLE"},
      {"url = \"http://127.0.0.1/\"\ninvalid_lines = \"skip\"", "collector[0].config.invalid_lines: expected \"fail\""},
      {"url = \"http://127.0.0.1/\"\ncompression = \"br\"", "expected \"gzip\" or \"none\""},
      {"url = \"http://127.0.0.1/\"\nmax_response_bytes = 10", "must be between 1024"},
      {"url = \"http://127.0.0.1/\"\nforward_params = [\"collector\"]", "is the host's own parameter"},
      {"url = \"http://127.0.0.1/\"\ntimeout = \"1s\"", "unknown key"},
      {"url = \"https://127.0.0.1/\"\ntls = { ca_file = \"/nonexistent/ca.pem\" }",
       "collector[0].config.tls: cannot set up TLS"},
  };
  for (const ConfigCase& c : cases) {
    ProxyHost host(collector("p", c.config));
    ASSERT_FALSE(host.errors().empty()) << c.config;
    bool found = false;
    for (const std::string& e : host.errors()) found |= contains(e, c.error);
    EXPECT_TRUE(found) << c.config << "\n  got: " << host.errors()[0];
  }
}

TEST(ProxyConfig, CheckOnlyOpensNoFile) {
  // The CA file is read only when the collector is really created.
  ProxyHost check(collector("p", "url = \"https://127.0.0.1/\"\ntls = { ca_file = \"/nonexistent/ca.pem\" }"),
                  true);
  EXPECT_TRUE(check.errors().empty()) << check.errors().at(0);
}

TEST(ProxyConfig, FullHttpConfigurationIsAccepted) {
  ProxyHost host(collector("p", R"(url = "https://[::1]:9443/metrics?x=1"
headers = { X-Tenant = "a", Accept = "text/plain" }
bearer_token = "t"
tls = { server_name = "exporter.local", ca_file = "/nonexistent" }
forward_params = ["target", "module"]
compression = "none"
max_idle_connections = 2
max_response_bytes = 1048576
invalid_lines = "drop")"),
                 true);
  EXPECT_TRUE(host.errors().empty()) << host.errors().at(0);
}
