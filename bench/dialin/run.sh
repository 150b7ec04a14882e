#!/usr/bin/env bash
# bench/dialin/run.sh BUILD_DIR — the dial-in hub: (1) its registry files:
# encode, decode and a durable publish (state + file_sd) for 1,000 and 10,000
# agents, beside a plain write of the same bytes in the same run
# (dialin_registry_bench); (2) under load (load_bench.py with the generator
# dialin_load): 10,000 simulated agents on one TLS hub, 1 scrape/s per agent
# through the hub, hub RSS per agent, scrape p50/p99, hub CPU per 1,000
# scrapes, and the reconnect storm after a SIGKILL and restart of the hub.
# Environment: BENCH_AGENTS (10000), BENCH_RATE (10000 scrapes/s in all),
# BENCH_SECONDS (20).
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
"$build/bench/dialin/dialin_registry_bench" --benchmark_min_time=0.5
# Each side holds one socket per agent: raise the open-files limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
export PE_SOURCE_DIR="$src"
export PYTHONPATH="$src/tests/integration:$here${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 "$here/load_bench.py" "$build"
