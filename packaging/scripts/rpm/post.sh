# post (rpm scriptlet) — plugin-exporter: on first installation apply the system's
# preset policy to the unit (as the systemd_post macro does; Fedora's default preset
# leaves it disabled until `systemctl enable --now plugin_exporter`).
# Works without a running systemd (the preset only writes symlinks).
if [ "$1" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
  systemctl --no-reload preset plugin_exporter.service >/dev/null 2>&1 || :
fi
