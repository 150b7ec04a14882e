#!/bin/sh
# bench/postgres/run.sh BUILD_DIR — the postgres plugin against Debian's
# prometheus-postgres-exporter on the same throwaway PostgreSQL 15 server, in
# the same run: scrapes per second at 16 concurrent clients (wrk) and memory
# after the load, medians of several runs, and the ratios.
# Environment: BENCH_RUNS (default 3), BENCH_DURATION seconds per run (10).
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$build/plugin_exporter" ] || { echo "run.sh: $build/plugin_exporter not found" >&2; exit 1; }
[ -f "$build/plugins/postgres.so" ] || { echo "run.sh: $build/plugins/postgres.so not found" >&2; exit 1; }
for tool in wrk prometheus-postgres-exporter; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
PE_BUILD_DIR=$build PE_PLUGIN_DIR=$build/plugins \
PYTHONPATH=$here/../../tests/integration${PYTHONPATH:+:$PYTHONPATH} \
  exec python3 "$here/postgres_bench.py"
