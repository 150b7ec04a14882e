// proxy_bench.cpp — what one proxy collect costs besides the network: framing
// a 190 kB response (Content-Length and chunked), and parsing its body as the
// host does (lenient, copying into the set) in the text format and in
// OpenMetrics — the measurement behind the Accept header's preference.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "http_response_parser.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

namespace {

const std::string& fixture() {
  static const std::string text = [] {
    const char* dir = std::getenv("PE_TESTDATA");
    std::string path = std::string(dir ? dir : PE_TESTDATA) +
                       "/prometheus-textparse/alltypes.237mfs.prom.txt";
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str().empty()) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      std::exit(2);
    }
    return ss.str();
  }();
  return text;
}

// The same families written as OpenMetrics by the engine's writer.
const std::string& fixture_openmetrics() {
  static const std::string om = [] {
    pe::MetricSet set;
    pe::ParseOptions o;
    pe::parse_exposition(fixture(), set, o);
    std::string out;
    pe::ExpositionWriter w(pe::ExpositionFormat::openmetrics, out);
    w.write_all(set);
    w.finish();
    return out;
  }();
  return om;
}

std::string content_length_response(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chunked_response(const std::string& body, std::size_t chunk) {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n";
  char size[32];
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    std::size_t n = std::min(chunk, body.size() - i);
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    r += size;
    r.append(body, i, n);
    r += "\r\n";
  }
  return r + "0\r\n\r\n";
}

// Feeds the wire in 64 KiB reads, as the fetcher does.
void frame(benchmark::State& state, const std::string& wire) {
  std::string body;
  for (auto _ : state) {
    pe::proxy::HttpResponseParser p(pe::proxy::ResponseLimits{64 * 1024, 64u << 20});
    body.clear();
    for (std::size_t i = 0; i < wire.size(); i += 64 * 1024)
      p.feed(std::string_view(wire).substr(i, 64 * 1024), body);
    if (!p.complete()) state.SkipWithError("incomplete");
    benchmark::DoNotOptimize(body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}

void BM_FrameContentLength(benchmark::State& state) {
  frame(state, content_length_response(fixture()));
}
BENCHMARK(BM_FrameContentLength);

void BM_FrameChunked4k(benchmark::State& state) { frame(state, chunked_response(fixture(), 4096)); }
BENCHMARK(BM_FrameChunked4k);

void parse(benchmark::State& state, const std::string& text, pe::ExpositionFormat format) {
  pe::MetricSet set;
  pe::ParseOptions o;  // as the host's sink: lenient, copies into the set
  o.format = format;
  std::size_t samples = 0;
  for (auto _ : state) {
    set.clear();
    pe::ParseResult r = pe::parse_exposition(text, set, o);
    if (!r.ok) state.SkipWithError(r.error.to_string().c_str());
    samples = r.samples;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(samples * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_ParseText(benchmark::State& state) { parse(state, fixture(), pe::ExpositionFormat::text); }
BENCHMARK(BM_ParseText);

void BM_ParseOpenMetrics(benchmark::State& state) {
  parse(state, fixture_openmetrics(), pe::ExpositionFormat::openmetrics);
}
BENCHMARK(BM_ParseOpenMetrics);

}  // namespace

BENCHMARK_MAIN();
