#!/usr/bin/env bash
# bench/remote_write/run.sh BUILD_DIR — remote write of 100k active series
# every 15 s: plugin_exporter's own [[remote_write]] against Prometheus 2.42
# in agent mode scraping the same series from plugin_exporter and writing to
# the same receiver (Prometheus --web.enable-remote-write-receiver). Prints
# samples/s per CPU-second and RSS of each sender, measured in one run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PE_BUILD_DIR=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd) \
  PYTHONPATH="$here/../../tests/integration" exec /usr/bin/python3 "$here/bench_remote_write.py"
