// registry_bench.cpp — the cost of the hub's registry files (issue 14): the
// hub writes them at most once a second when the registry changed, so one
// write must stay far below a second at 10,000 agents. Encode (state file and
// file_sd JSON), decode (at start), and a whole publish (both files, temporary
// + fsync + rename + directory fsync) beside a plain write of the same bytes
// without fsync, the baseline for what durability costs on this disk.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dialin/registry_file.hpp"
#include "dialin/registry_persistence.hpp"
#include "dialin/sd_targets.hpp"

namespace {

using pe::host::dialin::AgentEntry;

std::vector<AgentEntry> agents(int64_t n) {
  std::vector<AgentEntry> out;
  const auto now = std::chrono::system_clock::now();
  for (int64_t i = 0; i < n; ++i) {
    AgentEntry e;
    e.alias = "edge-" + std::to_string(i);
    e.token_id = "edge";
    e.hostname = e.alias + ".lan.example.org";
    e.service = "pos-terminal";
    e.labels = {{"rack", "r" + std::to_string(i % 40)}, {"site", "berlin"}};
    e.connected = i % 10 != 0;
    e.last_seen = now;
    out.push_back(std::move(e));
  }
  return out;
}

void BM_EncodeRegistryFile(benchmark::State& state) {
  const auto a = agents(state.range(0));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string s = pe::host::dialin::encode_registry_file(a);
    bytes = s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
}
BENCHMARK(BM_EncodeRegistryFile)->Arg(1000)->Arg(10000);

void BM_EncodeFileSd(benchmark::State& state) {
  const auto a = agents(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(pe::host::dialin::sd_targets_json(a, "hub:9443"));
}
BENCHMARK(BM_EncodeFileSd)->Arg(1000)->Arg(10000);

void BM_DecodeRegistryFile(benchmark::State& state) {
  const std::string text = pe::host::dialin::encode_registry_file(agents(state.range(0)));
  std::string error;
  for (auto _ : state)
    benchmark::DoNotOptimize(pe::host::dialin::decode_registry_file(text, error));
  state.SetBytesProcessed(static_cast<int64_t>(text.size() * state.iterations()));
}
BENCHMARK(BM_DecodeRegistryFile)->Arg(1000)->Arg(10000);

std::filesystem::path bench_dir() {
  auto d =
      std::filesystem::temp_directory_path() / ("pe-dialin-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

// The whole publish: both files, durably.
void BM_PublishDurably(benchmark::State& state) {
  const auto dir = bench_dir();
  const auto a = agents(state.range(0));
  pe::host::dialin::HubMetrics metrics;
  pe::host::dialin::RegistryPersistence p((dir / "agents.json").string(),
                                          (dir / "sd.json").string(), "hub:9443", metrics);
  uint64_t version = 0;
  for (auto _ : state) p.publish(a, ++version);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PublishDurably)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Baseline: the same two encodings written with no fsync and no rename.
void BM_PublishPlainWrite(benchmark::State& state) {
  const auto dir = bench_dir();
  const auto a = agents(state.range(0));
  for (auto _ : state) {
    std::ofstream(dir / "agents.json") << pe::host::dialin::encode_registry_file(a);
    std::ofstream(dir / "sd.json") << pe::host::dialin::sd_targets_json(a, "hub:9443");
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PublishPlainWrite)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
