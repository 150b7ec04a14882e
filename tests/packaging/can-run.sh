#!/bin/sh
# can-run.sh — exits 0 when `make package-test` can run here: root (it
# installs the packages on this machine) and the packaging tools
# (tools/install-deps.sh installs them). Otherwise says what is missing.
missing=""
for tool in dpkg-deb dpkg-shlibdeps rpmbuild rpm2archive tar lintian fakeroot systemd-analyze setpriv strace; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ "$(id -u)" -ne 0 ]; then
  echo "package test skipped: it installs packages on this machine and needs root" >&2
  exit 1
fi
if [ -n "$missing" ]; then
  echo "package test skipped: missing$missing (tools/install-deps.sh installs them)" >&2
  exit 1
fi
exit 0
