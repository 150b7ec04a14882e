#!/bin/sh
# bench/exposition/run.sh BUILD_DIR — runs the exposition engine benchmarks
# of a release build, several repetitions, and prints the medians: MB/s and
# allocations per sample for parse, write and parse+relabel+write on each
# payload. Environment: BENCH_REPETITIONS (default 7), BENCH_FILTER (regex),
# PE_TESTDATA (fixture directory override).
set -eu
build=${1:?usage: run.sh BUILD_DIR}
bin="$build/bench/exposition/exposition_bench"
[ -x "$bin" ] || { echo "run.sh: $bin not found (build the release tree first)" >&2; exit 1; }
reps=${BENCH_REPETITIONS:-7}
json=$(mktemp)
err=$(mktemp)
trap 'rm -f "$json" "$err"' EXIT
"$bin" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
       --benchmark_filter="${BENCH_FILTER:-.}" --benchmark_out="$json" --benchmark_out_format=json \
       >/dev/null 2>"$err" || { cat "$err" >&2; exit 1; }
python3 - "$json" "$reps" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
print(f"== exposition engine, one thread, median of {sys.argv[2]} repetitions")
print(f"{'benchmark':52} {'payload':14} {'MB/s':>8} {'Msamples/s':>11} {'allocs/sample':>14}")
rows = [b for b in data["benchmarks"] if b.get("aggregate_name") == "median"]
if not rows:  # a single repetition has no aggregates
    rows = [b for b in data["benchmarks"] if b.get("run_type") == "iteration"]
for b in rows:
    name = b["run_name"]
    mbs = b.get("bytes_per_second", 0) / 1e6
    items = b.get("items_per_second", 0) / 1e6
    allocs = b.get("allocs_per_sample", 0)
    print(f"{name:52} {b.get('label', ''):14} {mbs:8.0f} {items:11.2f} {allocs:14.2g}")
PY
