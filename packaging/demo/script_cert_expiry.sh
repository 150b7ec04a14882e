#!/bin/sh
# script_cert_expiry.sh — the script plugin's demo program: the expiry of the
# PEM certificates in $CERT_DIR (or only $CERT_DIR/$CERT_NAME.pem when the
# scrape passes ?cert=NAME, validated by the collector's allowlist), as
# metrics. Reads local files with openssl; no network.
set -u
dir=${CERT_DIR:?CERT_DIR is not set}
now=$(date +%s)

if [ -n "${CERT_NAME:-}" ]; then
  set -- "$dir/$CERT_NAME.pem"
else
  set -- "$dir"/*.pem
fi

# Label values: escape backslashes and double quotes.
label() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

not_after=""
expires_in=""
status=0
for file in "$@"; do
  if ! end=$(openssl x509 -in "$file" -noout -enddate 2>/dev/null); then
    echo "cannot read a certificate from $file" >&2
    status=1
    continue
  fi
  ts=$(date -d "${end#notAfter=}" +%s)
  subject=$(openssl x509 -in "$file" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  labels="file=\"$(label "$file")\",subject=\"$(label "$subject")\""
  not_after="$not_after
tls_cert_not_after_timestamp_seconds{$labels} $ts"
  expires_in="$expires_in
tls_cert_expires_in_seconds{$labels} $((ts - now))"
done

echo "# HELP tls_cert_not_after_timestamp_seconds When the certificate expires (Unix time)."
echo "# TYPE tls_cert_not_after_timestamp_seconds gauge${not_after}"
echo "# HELP tls_cert_expires_in_seconds Time left until the certificate expires."
echo "# TYPE tls_cert_expires_in_seconds gauge${expires_in}"
exit $status
