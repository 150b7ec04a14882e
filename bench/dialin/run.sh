#!/usr/bin/env bash
# bench/dialin/run.sh BUILD_DIR — the hub's registry files: encode, decode and
# a durable publish (state + file_sd) for 1,000 and 10,000 agents, beside a
# plain write of the same bytes in the same run (dialin_registry_bench).
# The 10,000-agent load generator of issue 14 is not written yet.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
exec "$build/bench/dialin/dialin_registry_bench" --benchmark_min_time=0.5
