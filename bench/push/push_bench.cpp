// push_bench.cpp — what decoding one hostile push costs (issue 16/2): a text
// push of 100k metric families and one series with 80k labels, with the
// shape limits off, so the duplicate checks themselves are measured (with
// the default limits both are refused at once with 413).
#include <benchmark/benchmark.h>

#include <string>

#include "body/push_body.hpp"

namespace {

const pe::push::GroupingKey& key() {
  static const pe::push::GroupingKey k = [] {
    pe::push::GroupingKey g;
    g.labels.emplace_back("job", "bench");
    g.seal();
    return g;
  }();
  return k;
}

void decode(benchmark::State& state, const std::string& body) {
  pe::push::BodyLimits limits;
  limits.rules.max_families_per_push = 0;
  limits.rules.max_labels_per_series = 0;
  for (auto _ : state) {
    pe::push::PushedFamilies out;
    pe::push::decode_push_body(body, "text/plain; version=0.0.4", "", key(), limits, out);
    benchmark::DoNotOptimize(out.series);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_Push100kFamilies(benchmark::State& state) {
  static const std::string body = [] {
    std::string b;
    for (int i = 0; i < 100000; ++i) b += "family_" + std::to_string(i) + " 1\n";
    return b;
  }();
  decode(state, body);
}
BENCHMARK(BM_Push100kFamilies)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_PushSeriesWith80kLabels(benchmark::State& state) {
  static const std::string body = [] {
    std::string b = "wide{";
    for (int i = 0; i < 80000; ++i) b += "label_" + std::to_string(i) + "=\"v\",";
    b.back() = '}';
    return b + " 1\n";
  }();
  decode(state, body);
}
BENCHMARK(BM_PushSeriesWith80kLabels)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
