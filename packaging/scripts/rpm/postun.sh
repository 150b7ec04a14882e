# postun (rpm scriptlet) — plugin-exporter: reload systemd's view of the units, and on
# upgrade restart a running service with the new binary (the systemd_postun_with_restart macro).
# The state directory /var/lib/plugin_exporter is left in place on erase.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
  if [ "$1" -ge 1 ]; then
    systemctl try-restart plugin_exporter.service >/dev/null 2>&1 || :
  fi
fi
