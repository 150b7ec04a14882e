#!/usr/bin/env bash
# run-demo.sh BUILD_DIR — `make demo`: starts the exporter from the build tree
# with a configuration that works out of the box. Each plugin contributes
# packaging/demo/<plugin>.toml, and may contribute <plugin>.setup.sh, sourced
# first to start what it needs (a throwaway PostgreSQL, an exporter to proxy):
# it sees DEMO_DIR (a temp dir) and registers cleanups with demo_on_exit.
# Everything listens on 127.0.0.1 only; Ctrl-C stops it all.
set -euo pipefail
build=$(cd "${1:?usage: run-demo.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
demo=$here/packaging/demo
export DEMO_DIR=$(mktemp -d /tmp/plugin-exporter-demo.XXXXXX)
chmod 755 "$DEMO_DIR"
export DEMO_BUILD_DIR=$build
DEMO_PORT=${DEMO_PORT:-9777}

cleanups=()
demo_on_exit() { cleanups+=("$*"); }
# What a setup script started, printed before the exporter starts.
started=()
demo_started() { started+=("$*"); }
finish() {
  for ((i=${#cleanups[@]}-1; i>=0; i--)); do eval "${cleanups[$i]}" || true; done
  rm -rf "$DEMO_DIR"
}
trap finish EXIT

config=$DEMO_DIR/plugin_exporter.toml
sed "s/127.0.0.1:9777/127.0.0.1:$DEMO_PORT/" "$demo/base.toml" > "$config"
for fragment in "$demo"/*.toml; do
  [ "$(basename "$fragment")" = base.toml ] && continue
  plugin=$(basename "$fragment" .toml)
  [ -f "$build/plugins/$plugin.so" ] || continue
  if [ -f "$demo/$plugin.setup.sh" ]; then
    # shellcheck disable=SC1090
    source "$demo/$plugin.setup.sh"
  fi
  printf '\n' >> "$config"
  envsubst < "$fragment" >> "$config"
done

echo "plugin_exporter demo"
echo "  configuration: $config"
for line in "${started[@]}"; do echo "  started: $line"; done
collectors=$(awk '/^\[\[collector\]\]/ { c = 1 } c && /^name = / { gsub(/"/, "", $3); print $3; c = 0 }' "$config")
echo "  collectors:    $(echo $collectors)"
echo "  exporter:      http://127.0.0.1:$DEMO_PORT/"
echo
sed "s/9777/$DEMO_PORT/g" "$demo/README.txt"
echo
"$build/plugin_exporter" --check-config --config.file="$config" --plugin.dir="$build/plugins"
"$build/plugin_exporter" --config.file="$config" --plugin.dir="$build/plugins" &
pid=$!
demo_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
if [ -n "${DEMO_SMOKE:-}" ]; then
  # Non-interactive check (used by the test suite): scrape once and stop.
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$DEMO_PORT/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$DEMO_PORT/metrics" > "$DEMO_SMOKE"
  if [ -n "${DEMO_SMOKE_OPENMETRICS:-}" ]; then
    curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' \
      "http://127.0.0.1:$DEMO_PORT/metrics" > "$DEMO_SMOKE_OPENMETRICS"
  fi
  exit 0
fi
wait $pid
