#!/usr/bin/env bash
# bench/host/run.sh BUILD_DIR — the per-call cost of the crash record's
# PluginCallScope (host/plugin/plugin_call_scope.hpp): median ns of a bare
# call through a function pointer and of the same call inside a scope, in
# one run, and the difference; the host's replay of an isolated collect
# against the same samples in process; then isolation_bench.py.
# Environment: REPETITIONS (default 5).
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
bin="$build/bench/host/plugin_call_bench"
for b in "$bin" "$build/bench/host/replay_bench"; do
  [ -x "$b" ] || { echo "bench/host: $b missing (build with PE_BUILD_BENCH=ON)" >&2; exit 2; }
done
reps="${REPETITIONS:-5}"
# medians BENCH NAME...: the median real time (ns) of each named benchmark.
medians() {
  local out
  out=$("$1" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
    --benchmark_format=csv 2>/dev/null)
  shift
  for name in "$@"; do awk -F, -v n="\"${name}_median\"" '$1 == n {print $3}' <<<"$out"; done
}
read -r bare scoped < <(medians "$bin" BM_PluginCallBare BM_PluginCallScoped | xargs)
echo "=== plugin call, median of $reps repetitions (ns per call)"
printf '  bare call                 %8.2f ns\n' "$bare"
printf '  inside a PluginCallScope  %8.2f ns   (+%.2f ns per plugin call)\n' "$scoped" \
  "$(awk -v a="$scoped" -v b="$bare" 'BEGIN {print a - b}')"
# The host's side of an isolated collect on one core: 10k samples given to
# the sink in process against the same samples decoded and replayed.
read -r direct replay < <(medians "$build/bench/host/replay_bench" BM_SinkInProcess BM_ReplayIsolated | xargs)
echo "=== 10k samples into a sink on one core, median of $reps repetitions"
printf '  in process (host api)     %8.3f ms\n' "$(awk -v a="$direct" 'BEGIN {print a / 1e6}')"
printf '  replayed (decode + sink)  %8.3f ms   (%.2fx)\n' "$(awk -v a="$replay" 'BEGIN {print a / 1e6}')" \
  "$(awk -v a="$replay" -v b="$direct" 'BEGIN {print a / b}')"
# isolation = "process": collect duration in process vs isolated, child RSS.
/usr/bin/python3 "$(dirname "$0")/isolation_bench.py" "$build"
