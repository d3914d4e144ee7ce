#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian 12 packages vaultfw builds, tests and demos with.
# Quiet and quick when everything is already there.
set -euo pipefail
PKGS=(clang llvm make gcc pkg-config libbpf-dev libxdp-dev libelf-dev zlib1g-dev
      libjansson-dev bpftool xdp-tools iproute2 python3-scapy nftables socat
      tcpdump iputils-ping gnuplot-nox util-linux python3-prometheus-client
      libclang-rt-14-dev valgrind jq ethtool systemd man-db dpkg-dev)
missing=()
PKGS+=(tmux)	# tests/e2e/observe.sh runs stats --watch on a terminal of known size
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
		|| missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
