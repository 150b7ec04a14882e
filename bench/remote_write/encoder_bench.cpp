// encoder_bench.cpp — Google Benchmark: one remote write request of
// max_samples_per_send (2,000) samples encoded as 1.0 and as 2.0 (protobuf +
// snappy), and a round of 100,000 series through the RoundBuilder (keys,
// dedupe, staleness) — the sender's CPU per round besides the collect.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"
#include "remote_write/round_builder.hpp"
#include "remote_write/series_key.hpp"
#include "remote_write/write_request_encoder.hpp"

namespace {

using namespace pe;
using namespace pe::host::remote_write;

struct Batch {
  std::vector<std::string> keys;
  std::vector<SeriesSample> samples;
};

Batch make_batch(std::size_t n) {
  Batch b;
  b.keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<LabelPair> labels{{"__name__", "bench_value"},
                                  {"job", "bench"},
                                  {"instance", "host-17.example.org:9100"},
                                  {"group", "g" + std::to_string(i % 10)},
                                  {"i", std::to_string(i)}};
    std::vector<std::string> owned;
    for (auto& [k, v] : labels) owned.emplace_back(v);
    for (std::size_t j = 0; j < labels.size(); ++j) labels[j].second = owned[j];
    std::string key;
    make_series_key(labels, key);
    b.keys.push_back(std::move(key));
  }
  for (std::size_t i = 0; i < n; ++i)
    b.samples.push_back(SeriesSample{b.keys[i], static_cast<double>(i), 1700000000000, MetricType::gauge,
                                     "A benchmark value.", {}});
  return b;
}

void BM_Encode(benchmark::State& state, Protocol protocol) {
  Batch b = make_batch(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = encode_write_request(b.samples, protocol);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(BM_Encode, v1, Protocol::v1)->Arg(2000);
BENCHMARK_CAPTURE(BM_Encode, v2, Protocol::v2)->Arg(2000);

void BM_RoundBuilder(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  MetricSet set;
  set.add_family("bench_value", MetricType::gauge, "A benchmark value.", true);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(std::to_string(i));
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<Label> labels{{"job", "bench"}, {"group", "g1"}, {"i", ids[i]}};
    set.add_sample("bench_value", labels, static_cast<double>(i));
  }
  RoundBuilder builder({{"cluster", "c1"}}, {});
  const MetricSet* sources[] = {&set};
  int64_t now = 1700000000000;
  for (auto _ : state) {
    RoundStats stats;
    auto samples = builder.build(sources, now += 15000, stats);
    benchmark::DoNotOptimize(samples.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RoundBuilder)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
