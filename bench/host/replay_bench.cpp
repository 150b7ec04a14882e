// replay_bench.cpp — the host's side of an isolated collect against the same
// collect in process, on one core, without a socket or a second process:
// 10k samples of one gauge with an `id` label (the isolation bench's "huge"
// plugin) given to the sink through the host api table (in process), and
// the same samples encoded as collect_part records (what a runner child
// sends) and replayed into a sink (isolated). Each iteration fills a new
// MetricSet sized like the last one, as a collector's does. Also the
// child's encoding of those samples.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "isolation/reply_decoder.hpp"
#include "isolation/runner_protocol.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin/host_api.hpp"

namespace {

using namespace pe::host::isolation;

constexpr long kSamples = 10'000;

// The test plugin's family and its sample i, as its collect gives them.
pe_family huge_family() {
  pe_family f{};
  f.struct_size = sizeof f;
  f.name = "test_huge";
  f.help = "Many samples.";
  f.type = PE_TYPE_GAUGE;
  return f;
}
pe_sample huge_sample(long i, const pe_label& id) {
  pe_sample s{};
  s.struct_size = sizeof s;
  s.labels = &id;
  s.label_count = 1;
  s.value = static_cast<double>(i);
  return s;
}

void BM_SinkInProcess(benchmark::State& state) {
  const pe_host_api& api = *pe::host::host_api();
  const pe_family family = huge_family();
  pe::MetricSet last;
  std::string id;
  for (auto _ : state) {
    pe::MetricSet set;
    set.reserve_like(last);
    pe_sink sink(set, UINT64_MAX);
    api.sink_family(&sink, &family);
    for (long i = 0; i < kSamples; ++i) {
      id = std::to_string(i);
      const pe_label l{"id", id.c_str()};
      const pe_sample s = huge_sample(i, l);
      api.sink_sample(&sink, &s);
    }
    last = std::move(set);
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
}
BENCHMARK(BM_SinkInProcess);

// The records of one collect as the child encodes them, in one part (the
// payload after its id).
std::string encoded_part() {
  FrameWriter w(FrameType::collect_part);
  std::string strings;
  begin_part(w, 1);
  write_family_record(w, huge_family());
  LabelNameCodes names;
  for (long i = 0; i < kSamples; ++i) {
    const std::string id = std::to_string(i);
    const pe_label l{"id", id.c_str()};
    write_sample_record(w, names, strings, huge_sample(i, l));
  }
  return std::string(finish_part(w, strings).substr(5 + 8));
}

// The child's side: the same samples encoded into parts of kPartBytes.
void BM_EncodeChild(benchmark::State& state) {
  constexpr std::size_t kPartBytes = 16u << 10;  // collector_runner's RecordingSink
  FrameWriter w(FrameType::collect_part);
  std::string strings, id;
  for (auto _ : state) {
    LabelNameCodes names;
    begin_part(w, 1);
    write_family_record(w, huge_family());
    for (long i = 0; i < kSamples; ++i) {
      id = std::to_string(i);
      const pe_label l{"id", id.c_str()};
      write_sample_record(w, names, strings, huge_sample(i, l));
      if (w.size() + strings.size() >= kPartBytes) {
        benchmark::DoNotOptimize(finish_part(w, strings).data());
        begin_part(w, 1);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
}
BENCHMARK(BM_EncodeChild);

void BM_ReplayIsolated(benchmark::State& state) {
  const std::string part = encoded_part();
  pe::MetricSet last;
  for (auto _ : state) {
    pe::MetricSet set;
    set.reserve_like(last);
    pe_sink sink(set, UINT64_MAX);
    ReplayedLabelNames names;
    if (!replay_collect_part(part, sink, names)) state.SkipWithError("replay failed");
    last = std::move(set);
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(part.size()));
}
BENCHMARK(BM_ReplayIsolated);

}  // namespace

BENCHMARK_MAIN();
