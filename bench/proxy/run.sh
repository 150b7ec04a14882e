#!/usr/bin/env bash
# bench/proxy/run.sh BUILD_DIR — scrapes/s at 8 concurrent clients (wrk -c8)
# of the proxy plugin against Debian's prometheus-exporter-exporter, both fed
# by the same static backend: nginx serving the 237-family fixture
# (alltypes.237mfs.prom.txt, 190 kB) on 127.0.0.1.
#
#   exporter_exporter(1): /proxy?module=bench — proxies one module (it
#                         parses the body to verify it and re-encodes it)
#   ours(4):              /metrics with 4 proxy collectors on that backend,
#                         each with its own collector label: 4 fetches,
#                         4 parses, relabel, merge of 4x the families, write
#   ours(1):              /metrics with 1 proxy collector (for reference)
#
# Rounds alternate the targets; the summary prints the median scrapes/s of
# each over ROUNDS rounds (default 5) of DURATION seconds (default 8), and
# the ratio ours(4) / exporter_exporter(1) (target: >= 2).
# Environment: ROUNDS, DURATION, CONNECTIONS (default 8), THREADS (default 2).
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fixture=${PE_TESTDATA:-$here/../../tests/testdata}/prometheus-textparse/alltypes.237mfs.prom.txt
rounds=${ROUNDS:-5}
duration=${DURATION:-8}
connections=${CONNECTIONS:-8}
threads=${THREADS:-2}

for tool in nginx wrk prometheus-exporter-exporter curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/proxy: $tool is missing (tools/install-deps.sh)" >&2; exit 2; }
done
[ -f "$fixture" ] || { echo "bench/proxy: fixture $fixture missing" >&2; exit 2; }
[ -x "$build/plugin_exporter" ] && [ -f "$build/plugins/proxy.so" ] ||
  { echo "bench/proxy: $build has no plugin_exporter or plugins/proxy.so" >&2; exit 2; }

# The plugin's own work per collect (framing, text vs OpenMetrics parse).
if [ -x "$build/bench/proxy/proxy_bench" ]; then
  echo "=== proxy_bench (framing; parse as text vs OpenMetrics, as the host does)"
  PE_TESTDATA=$(dirname "$(dirname "$fixture")") "$build/bench/proxy/proxy_bench" \
    --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>&1 | grep -E "_median|^Run|^CPU"
  echo
fi

work=$(mktemp -d /tmp/pe-bench-proxy.XXXXXX)
chmod 755 "$work"  # nginx workers run as nobody
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench/proxy: $1 did not come up" >&2; exit 1
}

# --- the backend: nginx serving the fixture as /metrics
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/tmp" "$work/nginx/html"
cp "$fixture" "$work/nginx/html/metrics"
chmod -R a+rX "$work/nginx"
cat > "$work/nginx/nginx.conf" <<EOF
worker_processes 1;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/nginx/html;
    location = /metrics { default_type "text/plain; version=0.0.4; charset=utf-8"; }
  }
}
EOF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
pids+=($!)
backend="http://127.0.0.1:$nginx_port/metrics"
wait_http "$backend"

# --- the peer: exporter_exporter proxying one module
ee_port=$(free_port)
cat > "$work/expexp.yml" <<EOF
modules:
  bench:
    method: http
    http:
      port: $nginx_port
      path: /metrics
EOF
prometheus-exporter-exporter -config.file "$work/expexp.yml" \
  -web.listen-address "127.0.0.1:$ee_port" >"$work/expexp.log" 2>&1 &
pids+=($!)
ee_url="http://127.0.0.1:$ee_port/proxy?module=bench"
wait_http "$ee_url"

# --- ours: 4 collectors on the same backend, and 1 for reference
start_ours() {  # name collectors -> sets ours_url
  local name=$1 n=$2 port config
  port=$(free_port)
  config="$work/$name.toml"
  : > "$config"
  for i in $(seq 1 "$n"); do
    cat >> "$config" <<EOF
[[collector]]
name = "backend$i"
plugin = "proxy"
labels = { backend = "b$i" }
[collector.config]
url = "$backend"

EOF
  done
  "$build/plugin_exporter" --config.file="$config" --web.listen-address="127.0.0.1:$port" \
    --plugin.dir="$build/plugins" --log.level=warn >"$work/$name.log" 2>&1 &
  pids+=($!)
  ours_url="http://127.0.0.1:$port/metrics"
  wait_http "$ours_url"
}
start_ours ours4 4
ours4_url=$ours_url
start_ours ours1 1
ours1_url=$ours_url

# Sanity: every target answers 200 with every source up.
sizes=""
for url in "$ee_url" "$ours4_url" "$ours1_url"; do
  size=$(curl -sf "$url" | wc -c)
  sizes="$sizes $size"
done
if curl -sf "$ours4_url" | grep -q 'plugin_exporter_collector_success{.*} 0'; then
  echo "bench/proxy: a collector of ours(4) is failing:" >&2
  curl -sf "$ours4_url" | grep plugin_exporter_collector_ >&2
  exit 1
fi
read -r ee_size ours4_size ours1_size <<<"$sizes"
echo "backend: nginx 127.0.0.1:$nginx_port serving $(wc -c <"$fixture") bytes ($(grep -c '^# TYPE' "$fixture") families)"
echo "response sizes: exporter_exporter(1) $ee_size B, ours(4) $ours4_size B, ours(1) $ours1_size B"
echo "wrk -t$threads -c$connections -d${duration}s, $rounds rounds, alternating"

rate() {  # url -> requests/s (fails on non-2xx responses)
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${duration}s" "$1")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "bench/proxy: non-2xx answers from $1:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Warm up every target (connections, caches, page cache).
for url in "$ee_url" "$ours4_url" "$ours1_url"; do
  wrk -t"$threads" -c"$connections" -d2s "$url" >/dev/null
done

ee_runs=() ours4_runs=() ours1_runs=()
for r in $(seq 1 "$rounds"); do
  ee=$(rate "$ee_url")
  o4=$(rate "$ours4_url")
  o1=$(rate "$ours1_url")
  ee_runs+=("$ee") ours4_runs+=("$o4") ours1_runs+=("$o1")
  printf 'round %d: exporter_exporter(1) %8.1f/s   ours(4) %8.1f/s   ours(1) %8.1f/s\n' "$r" "$ee" "$o4" "$o1"
done

ee_med=$(printf '%s\n' "${ee_runs[@]}" | median)
o4_med=$(printf '%s\n' "${ours4_runs[@]}" | median)
o1_med=$(printf '%s\n' "${ours1_runs[@]}" | median)
ratio4=$(awk -v a="$o4_med" -v b="$ee_med" 'BEGIN {printf "%.2f", a / b}')
ratio1=$(awk -v a="$o1_med" -v b="$ee_med" 'BEGIN {printf "%.2f", a / b}')
echo
echo "=== summary (median of $rounds rounds, wrk -c$connections, scrapes/s)"
printf '  exporter_exporter, 1 module     %8.1f\n' "$ee_med"
printf '  ours, merge of 4 collectors     %8.1f   ratio %sx  (target >= 2x)\n' "$o4_med" "$ratio4"
printf '  ours, 1 collector               %8.1f   ratio %sx\n' "$o1_med" "$ratio1"
if awk -v r="$ratio4" 'BEGIN {exit !(r >= 2)}'; then
  echo "  target met: ours(4) >= 2 x exporter_exporter(1)"
else
  echo "  target NOT met: ours(4) < 2 x exporter_exporter(1)"
fi
