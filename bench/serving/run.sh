#!/bin/sh
# bench/serving/run.sh BUILD_DIR — the event-driven serving core (issue 12)
# against nginx and against the landed thread-per-connection server (commit
# 0a759ba, built here by build_landed.sh into BUILD_DIR/landed, reused when
# there) in the same run: cached /metrics req/s, latency under 10,000 idle +
# 200 slowloris connections, RSS per idle connection (plain, TLS), 1,000
# concurrent scrapes of a 1 s script, pushes/s. Prints figures and ratios.
# Environment: BENCH_RUNS (default 3), BENCH_SECONDS (default 10),
# BENCH_IDLE (10000), BENCH_SLOWLORIS (200), BENCH_LEGIT (400), BENCH_BURST (1000);
# PE_BEFORE_DIR (an earlier build of ours, measured beside it: before/after in
# one run) and BENCH_SECTIONS (e.g. "cached,push"; see serving_bench.py).
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
for f in plugin_exporter plugins/hello.so plugins/script.so plugins/push.so; do
  [ -e "$build/$f" ] || { echo "run.sh: $build/$f not found" >&2; exit 1; }
done
for tool in wrk nginx openssl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (tools/install-deps.sh)" >&2; exit 1; }
done
if landed=$(sh "$here/build_landed.sh" "$src" "$build/landed" 2>"$build/landed-build.log" | tail -n 1) &&
   [ -n "$landed" ]; then
  export PE_LANDED_DIR="$landed"
else
  PE_LANDED_SKIPPED="building commit 0a759ba failed or is impossible: $(tail -n 3 "$build/landed-build.log" | tr '\n' ' ')"
  export PE_LANDED_SKIPPED
fi
export PE_BUILD_DIR="$build" PE_SOURCE_DIR="$src" PE_PLUGIN_DIR="$build/plugins"
export PYTHONPATH="$src/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 "$here/serving_bench.py" "$build"
