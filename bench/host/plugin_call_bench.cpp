// plugin_call_bench.cpp — what the crash record (host/plugin/crash_record.hpp)
// costs every call into a plugin: the PluginCallScope around it (two
// thread-local stores and two compiler fences) against the same call bare,
// in one run. The call goes through a function pointer the compiler cannot
// see through, like a plugin's entry point.
#include <benchmark/benchmark.h>

#include "plugin/plugin_call_scope.hpp"

namespace {

int plugin_entry(int x) {
  return x + 1;
}
int (*volatile g_entry)(int) = plugin_entry;

void BM_PluginCallBare(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) {
    x = g_entry(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_PluginCallBare);

void BM_PluginCallScoped(benchmark::State& state) {
  const pe::host::PluginCallSite site{"collector", "plugin", "0123456789abcdef", "collect"};
  int x = 0;
  for (auto _ : state) {
    pe::host::PluginCallScope scope(site);
    x = g_entry(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_PluginCallScoped);

}  // namespace

BENCHMARK_MAIN();
