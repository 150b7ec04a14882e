#!/bin/sh
# tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS — runs every libFuzzer target
# of a PE_BUILD_FUZZERS build for SECONDS each, starting from the seed corpus
# in tests/fuzz/corpus/<target>/ (plus the shared conformance fixtures for
# the parsers, when ../shared/testdata is present). New corpus entries go to
# BUILD_DIR/fuzz-corpus/<target>/; a crash leaves its input in
# BUILD_DIR/fuzz-artifacts/<target>/ and makes the script fail.
set -eu
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
shared="$here/../../../shared/testdata"
targets="fuzz_text_parser fuzz_openmetrics_parser fuzz_relabel fuzz_gzip fuzz_accept_header"
failed=""
for target in $targets; do
  bin="$build/tests/fuzz/$target"
  if [ ! -x "$bin" ]; then
    echo "run-fuzzers: $bin missing (cmake --build $build --target fuzzers)" >&2
    exit 2
  fi
  work="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$work" "$artifacts"
  corpora="$work $here/corpus/$target"
  case $target in
    fuzz_text_parser|fuzz_openmetrics_parser|fuzz_relabel)
      [ -d "$shared/prometheus-textparse" ] && corpora="$corpora $shared/prometheus-textparse"
      [ -d "$shared/openmetrics/parsers" ] && corpora="$corpora $shared/openmetrics/parsers" ;;
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
