#!/bin/sh
# bench/serving/build_landed.sh SOURCE_DIR OUT_DIR — builds the landed
# (thread-per-connection Poco) server of commit 0a759ba, the baseline of the
# serving benchmark, from the same git repository: Release, no tests or
# benchmarks, only the binary and the plugins the benchmark loads, through
# ccache. Skipped when OUT_DIR/build already holds them. Prints the build
# directory on its last line of stdout; exits 2 (with the reason on stderr)
# when the git history is not available.
set -eu
src=$1
out=$2
commit=0a759ba
targets="plugin_exporter hello script push"
if ! git -C "$src" cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "commit $commit is not in the git history of $src (a source archive?)" >&2
  exit 2
fi
if [ -x "$out/build/plugin_exporter" ] && [ -f "$out/build/plugins/hello.so" ] &&
   [ -f "$out/build/plugins/script.so" ] && [ -f "$out/build/plugins/push.so" ] &&
   [ "$(cat "$out/commit" 2>/dev/null)" = "$commit" ]; then
  echo "$out/build"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out/src"
git -C "$src" archive "$commit" | tar -x -C "$out/src"
# As the Makefile: without hash_dir off a second tree gets no ccache hits.
export CCACHE_BASEDIR="$out/src" CCACHE_NOHASHDIR=1
gen=""
command -v ninja >/dev/null && gen="-G Ninja"
# shellcheck disable=SC2086
cmake -S "$out/src" -B "$out/build" $gen -DCMAKE_BUILD_TYPE=Release -DPE_BUILD_TESTS=OFF \
  -DPE_BUILD_BENCH=OFF >&2
# shellcheck disable=SC2086
cmake --build "$out/build" -j "${JOBS:-2}" --target $targets >&2
echo "$commit" > "$out/commit"
echo "$out/build"
