#!/usr/bin/env bash
# install-deps.sh — installs every Debian package the build, tests, demo and
# benchmarks need, and nothing else. Runs apt-get only for what is missing:
# `apt-get update` once, then one `apt-get install -y`. Needs root or sudo.
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ make ccache pkg-config clang libclang-rt-14-dev
  # libraries we build against
  libpoco-dev libtomlplusplus-dev prometheus-cpp-dev libre2-dev zlib1g-dev libssl-dev
  libboost1.81-dev libcrypt-dev libprotobuf-dev protobuf-compiler libsnappy-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # real servers and clients the integration tests and benchmarks run
  postgresql prometheus prometheus-pushgateway prometheus-node-exporter
  prometheus-postgres-exporter prometheus-exporter-exporter nginx-light
  python3 python3-prometheus-client python3-websockets python3-snappy nodejs curl openssl apache2-utils wrk hyperfine procps
  # a real browser for the status page test (headless, --dump-dom / --screenshot)
  chromium
  # packaging (systemd only for systemd-analyze verify/security of the unit; nothing is started;
  # strace to check the daemon's system calls against the unit's filter)
  dpkg-dev rpm lintian fakeroot file gettext-base systemd strace
)

# npm: bundled with NodeSource's nodejs, a separate package with Debian's
# (the Node agent's tests, integration.dialin_node, run npm ci).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
