# script.setup.sh — sourced by tools/run-demo.sh before script.toml: makes
# two self-signed certificates (one valid for a year, one expiring in two
# days) in $DEMO_DIR for the certificate-expiry script collector.
SCRIPT_DEMO_CERT_DIR=$DEMO_DIR/script-certs
mkdir -p "$SCRIPT_DEMO_CERT_DIR"
for script_demo_cert in "localhost 365" "expiring-soon 2"; do
  # shellcheck disable=SC2086
  set -- $script_demo_cert
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$2" \
    -subj "/CN=$1" -keyout "$SCRIPT_DEMO_CERT_DIR/$1.key" -out "$SCRIPT_DEMO_CERT_DIR/$1.pem" 2>/dev/null
done
chmod 755 "$SCRIPT_DEMO_CERT_DIR"
chmod 644 "$SCRIPT_DEMO_CERT_DIR"/*.pem
SCRIPT_DEMO_PROGRAM=$demo/script_cert_expiry.sh
# Run as root (a container, `sudo make demo`): the script runs as nobody, not
# as root (the plugin would warn about root on every start).
SCRIPT_DEMO_USER=
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then SCRIPT_DEMO_USER='user = "nobody"'; fi
demo_started "script: $SCRIPT_DEMO_PROGRAM over $SCRIPT_DEMO_CERT_DIR/*.pem (collector cert-expiry${SCRIPT_DEMO_USER:+, as nobody})"
export SCRIPT_DEMO_CERT_DIR SCRIPT_DEMO_PROGRAM SCRIPT_DEMO_USER
