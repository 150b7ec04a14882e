#!/usr/bin/env bash
# bench/status/run.sh BUILD_DIR — how long the status page (/) and its JSON
# twin take with 500 collectors, a push store of 1M series (the page shows
# counts, not series) and a hub listing 1,000 dial-in agents: median and p90
# of sequential requests on loopback.
# STATUS_BENCH_COLLECTORS, _SERIES, _AGENTS and _REQUESTS override the sizes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PE_BUILD_DIR=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd) \
  PYTHONPATH="$here/../../tests/integration" exec /usr/bin/python3 "$here/bench_status.py"
