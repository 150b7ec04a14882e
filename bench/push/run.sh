#!/bin/sh
# bench/push/run.sh BUILD_DIR — the push collector against Debian's
# prometheus-pushgateway in the same run: pushes/s of a 100-series body at
# 16 concurrent clients (wrk + put_100_series.lua) on an empty store and with
# 30k stored series, resident memory with 100k stored series; persistence
# off for both, then our durable (fsync) mode; then the push collector
# isolated (isolation = "process") against in process. Medians of BENCH_RUNS
# runs (default 3) of BENCH_SECONDS seconds (default 10). Prints figures and
# ratios. `run.sh BUILD_DIR isolation` runs only the isolated comparison.
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
[ -x "$build/plugin_exporter" ] || { echo "run.sh: $build/plugin_exporter not found" >&2; exit 1; }
[ -f "$build/plugins/push.so" ] || { echo "run.sh: $build/plugins/push.so not found" >&2; exit 1; }
for tool in wrk prometheus-pushgateway; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (tools/install-deps.sh)" >&2; exit 1; }
done
export PE_BUILD_DIR="$build" PE_SOURCE_DIR="$src" PE_PLUGIN_DIR="$build/plugins"
export PYTHONPATH="$src/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
shift
exec python3 "$here/bench_push.py" "$@"
