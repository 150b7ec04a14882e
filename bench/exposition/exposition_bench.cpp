// exposition_bench.cpp — throughput of the exposition engine, single thread:
// parse (text 0.0.4, views into the input or copies into the arena), write
// (text and OpenMetrics), and parse + relabel (3 rules) + write, on
// Prometheus's alltypes fixture and a generated ~100k-series payload. A
// counting operator new reports allocations per sample in steady state (the
// MetricSet and output buffer are reused, as the host does).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "payload_generator.hpp"
#include "plugin_exporter/exposition/relabel.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

// ---- allocation counting ---------------------------------------------------
// Replacing the global operators pairs malloc with free, which GCC cannot see
// through (-Wmismatched-new-delete false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace pe {
namespace {

const std::string& payload(int which) {
  static const std::string fixture = [] {
    const char* env = std::getenv("PE_TESTDATA");
    const std::string path = std::string(env != nullptr ? env : PE_TESTDATA) +
                             "/prometheus-textparse/alltypes.237mfs.prom.txt";
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().empty()) {
      std::fprintf(stderr, "exposition_bench: cannot read %s (set PE_TESTDATA)\n",
                   path.c_str());
      std::exit(1);
    }
    return ss.str();
  }();
  static const std::string generated = bench::generate_payload(100000);
  return which == 0 ? fixture : generated;
}

const char* payload_name(int which) {
  return which == 0 ? "alltypes237" : "generated100k";
}

void report(benchmark::State& state, std::size_t bytes, std::size_t samples,
            uint64_t allocs_before) {
  const uint64_t allocs = g_allocations.load() - allocs_before;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(samples));
  state.counters["allocs_per_sample"] =
      static_cast<double>(allocs) /
      static_cast<double>(state.iterations() * std::max<std::size_t>(samples, 1));
  state.SetLabel(payload_name(static_cast<int>(state.range(0))));
}

void parse_into(const std::string& in, MetricSet& set, bool reference) {
  ParseOptions o;
  o.reference_input = reference;
  set.clear();
  const ParseResult r = parse_exposition(in, set, o);
  if (!r.ok) std::abort();
}

void BM_Parse(benchmark::State& state) {
  const std::string& in = payload(static_cast<int>(state.range(0)));
  const bool reference = state.range(1) != 0;
  MetricSet set;
  parse_into(in, set, reference);  // warm up capacities
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    parse_into(in, set, reference);
    benchmark::DoNotOptimize(set.samples.data());
  }
  report(state, in.size(), set.samples.size(), before);
}

void BM_Write(benchmark::State& state) {
  const std::string& in = payload(static_cast<int>(state.range(0)));
  const auto format = state.range(1) != 0 ? ExpositionFormat::openmetrics : ExpositionFormat::text;
  MetricSet set;
  parse_into(in, set, true);
  std::string out;
  {
    ExpositionWriter w(format, out);
    w.write_all(set);
    w.finish();
  }
  const std::size_t bytes = out.size();
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    out.clear();
    ExpositionWriter w(format, out);
    w.write_all(set);
    w.finish();
    benchmark::DoNotOptimize(out.data());
  }
  report(state, bytes, set.samples.size(), before);
}

RelabelProgram bench_rules() {
  RelabelRule drop;
  drop.action = RelabelAction::drop;
  drop.source_labels = {"__name__"};
  drop.regex = "go_gc_.*|app_gc_duration_seconds_1[0-9]+";
  RelabelRule add;
  add.action = RelabelAction::replace;
  add.target_label = "env";
  add.replacement = "prod";
  RelabelRule labeldrop;
  labeldrop.action = RelabelAction::labeldrop;
  labeldrop.regex = "pod|instance_id";
  std::string error;
  std::size_t index = 0;
  auto p = RelabelProgram::compile({drop, add, labeldrop}, error, index);
  if (!p) std::abort();
  return std::move(*p);
}

void BM_ParseRelabelWrite(benchmark::State& state) {
  const std::string& in = payload(static_cast<int>(state.range(0)));
  const RelabelProgram program = bench_rules();
  MetricSet set;
  std::string out;
  auto once = [&] {
    parse_into(in, set, true);
    program.apply(set);
    out.clear();
    ExpositionWriter w(ExpositionFormat::text, out);
    w.write_all(set);
    w.finish();
  };
  once();
  parse_into(in, set, true);
  const std::size_t samples = set.samples.size();
  once();
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    once();
    benchmark::DoNotOptimize(out.data());
  }
  report(state, in.size(), samples, before);
}

// Args: payload (0 fixture, 1 generated), then reference_input / OpenMetrics.
BENCHMARK(BM_Parse)
    ->ArgsProduct({{0, 1}, {1, 0}})
    ->ArgNames({"payload", "reference_input"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Write)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"payload", "openmetrics"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseRelabelWrite)
    ->ArgsProduct({{0, 1}})
    ->ArgNames({"payload"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pe

BENCHMARK_MAIN();
