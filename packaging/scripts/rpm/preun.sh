# preun (rpm scriptlet) — plugin-exporter: on erase (not upgrade) disable and stop
# the unit, as the systemd_preun macro does.
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    systemctl --no-reload disable --now plugin_exporter.service >/dev/null 2>&1 || :
  else
    systemctl --no-reload disable plugin_exporter.service >/dev/null 2>&1 || :
  fi
fi
