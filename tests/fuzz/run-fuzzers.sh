#!/bin/sh
# tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS — runs every libFuzzer target
# of a PE_BUILD_FUZZERS build (each fuzz_* executable in BUILD_DIR, wherever
# its directory) for SECONDS each, starting from the seed corpus in
# tests/fuzz/corpus/<target>/ when there is one (plus the vendored conformance
# fixtures for the exposition parsers, tests/testdata). New corpus entries go to
# BUILD_DIR/fuzz-corpus/<target>/; a crash leaves its input in
# BUILD_DIR/fuzz-artifacts/<target>/ and makes the script fail.
set -eu
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../testdata"
bins=$(find -L "$build" -type f -perm -u+x -name 'fuzz_*' ! -path '*/CMakeFiles/*' | sort)
if [ -z "$bins" ]; then
  echo "run-fuzzers: no fuzz_* executables in $build (cmake --build $build --target fuzzers)" >&2
  exit 2
fi
failed=""
for bin in $bins; do
  target=$(basename "$bin")
  work="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$work" "$artifacts"
  corpora="$work"
  [ -d "$here/corpus/$target" ] && corpora="$corpora $here/corpus/$target"
  case $target in
    fuzz_text_parser|fuzz_openmetrics_parser|fuzz_relabel)
      [ -d "$fixtures/prometheus-textparse" ] && corpora="$corpora $fixtures/prometheus-textparse"
      [ -d "$fixtures/openmetrics/parsers" ] && corpora="$corpora $fixtures/openmetrics/parsers" ;;
  esac
  echo "== $target: ${seconds}s"
  # shellcheck disable=SC2086 # corpora is a list of directories
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$artifacts/" $corpora >"$build/fuzz-$target.log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$build/fuzz-$target.log" || true
  else
    echo "!! $target failed; last lines of $build/fuzz-$target.log:" >&2
    tail -n 40 "$build/fuzz-$target.log" >&2
    failed="$failed $target"
  fi
done
if [ -n "$failed" ]; then
  echo "run-fuzzers: failures in:$failed" >&2
  exit 1
fi
echo "run-fuzzers: all targets ran ${seconds}s without findings"
