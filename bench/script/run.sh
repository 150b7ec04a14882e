#!/bin/sh
# bench/script/run.sh BUILD_DIR — the script plugin against the peer that
# forks a process per scrape (prometheus-exporter-exporter's exec module,
# Debian): bursts of concurrent scrapes and sustained load (wrk) on a script
# that sleeps, and on one that answers at once. Prints runs per scrape,
# burst latency and requests/s, medians of several rounds, and the ratios.
# Environment: BENCH_ROUNDS (default 5), BENCH_BURST (default 100),
# BENCH_SECONDS (wrk duration, default 5).
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
for tool in prometheus-exporter-exporter wrk; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
[ -x "$build/plugin_exporter" ] && [ -f "$build/plugins/script.so" ] || {
  echo "run.sh: $build has no plugin_exporter or plugins/script.so" >&2; exit 1; }
exec python3 "$here/burst_bench.py" "$build"
