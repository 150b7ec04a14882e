# proxy.setup.sh — sourced by tools/run-demo.sh before proxy.toml: starts a
# real exporter to proxy (Debian's prometheus-node-exporter, a few cheap
# collectors, on a free 127.0.0.1 port) and writes a node_exporter-style
# textfile (*.prom) into $DEMO_DIR for the file collector.
PROXY_DEMO_NODE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PROXY_DEMO_TEXTFILES=$DEMO_DIR/proxy-textfiles
mkdir -p "$PROXY_DEMO_TEXTFILES"
cat > "$PROXY_DEMO_TEXTFILES/backup.prom" <<PROM
# HELP backup_last_success_timestamp_seconds When the nightly backup last succeeded.
# TYPE backup_last_success_timestamp_seconds gauge
backup_last_success_timestamp_seconds{target="database"} $(date +%s)
# HELP backup_size_bytes Size of the last backup.
# TYPE backup_size_bytes gauge
backup_size_bytes{target="database"} 73400320
PROM
if command -v prometheus-node-exporter >/dev/null; then
  prometheus-node-exporter --web.listen-address="127.0.0.1:$PROXY_DEMO_NODE_PORT" \
    --collector.disable-defaults --collector.loadavg --collector.cpu --collector.filesystem \
    --collector.netdev --collector.time --collector.uname >"$DEMO_DIR/node-exporter.log" 2>&1 &
  proxy_demo_node_pid=$!
  demo_on_exit "kill $proxy_demo_node_pid 2>/dev/null; wait $proxy_demo_node_pid 2>/dev/null"
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$PROXY_DEMO_NODE_PORT/metrics" && break
    sleep 0.1
  done
  demo_started "node_exporter: http://127.0.0.1:$PROXY_DEMO_NODE_PORT/metrics (proxied as collector node)"
else
  echo "proxy demo: prometheus-node-exporter is not installed; the node collector will show up=0" >&2
fi
export PROXY_DEMO_NODE_PORT PROXY_DEMO_TEXTFILES
demo_started "textfiles: $PROXY_DEMO_TEXTFILES/*.prom (read by collector textfiles)"
