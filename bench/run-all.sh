#!/usr/bin/env bash
# run-all.sh BUILD_DIR — runs every benchmark suite (bench/*/run.sh) against a
# release build and collects their summaries in BUILD_DIR/bench-results/.
set -euo pipefail
build=$(cd "${1:?usage: run-all.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/bench-results"
status=0
for suite in "$here"/*/run.sh; do
  name=$(basename "$(dirname "$suite")")
  echo "=== bench: $name"
  if ! bash "$suite" "$build" 2>&1 | tee "$build/bench-results/$name.txt"; then
    echo "bench $name FAILED" >&2
    status=1
  fi
done
echo "=== summaries in $build/bench-results/"
exit $status
