#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mkdeb.sh ROOT VERSION OUTDIR: turn ROOT, a `make install PREFIX=/usr
# DESTDIR=ROOT` tree, into OUTDIR/vaultfw_VERSION_ARCH.deb (`make deb`).
# The binary is stripped and the man page gzipped as Debian does; Depends
# names the package of every library the binary loads (dpkg-shlibdeps'
# versions where it gives one).
set -euo pipefail
root=$1 version=$2 outdir=$3
arch=$(dpkg --print-architecture)
bin=$(realpath "$root/usr/sbin/vaultfw")

strip --strip-unneeded --remove-section=.comment --remove-section=.note "$bin"
gzip -9n "$root/usr/share/man/man8/vaultfw.8"

# dpkg-shlibdeps (it wants a debian/control) gives the versions of the
# libraries the binary calls; every library it loads (ldd: libelf and zlib
# come with libbpf) is named too, so that all of them are there.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: vaultfw\n\nPackage: vaultfw\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$bin" 2>/dev/null |
	  sed -n 's/^shlibs:Depends=//p')
for path in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
	# dpkg knows a library by the path its package ships, /lib or /usr/lib
	pkg=$( { dpkg -S "$path" || dpkg -S "$(realpath "$path")"; } 2>/dev/null |
	      awk -F: '!/^diversion/ && !n++ { print $1 }') || true
	[ -n "$pkg" ] || { echo "mkdeb: no package provides $path" >&2; exit 1; }
	grep -qE "(^|, )$pkg( |,|$)" <<<"$depends" || depends="${depends:+$depends, }$pkg"
done

mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: vaultfw
Version: $version
Architecture: $arch
Maintainer: vaultfw maintainers <root@localhost>
Depends: $depends
Section: net
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Description: XDP network filter for secret vaults
 vaultfw compiles a vault's network rules (a JSON document following the
 vault resource schema) into BPF maps and an XDP program that drops the
 data-plane traffic the rules do not allow, counts every verdict, and
 updates the rules live and atomically. vaultfw@IFACE.service attaches it
 at boot and applies /etc/vaultfw/IFACE.json whenever it changes.
CONTROL
# The template unit is enabled per interface by the operator; the
# service manager only has to see that it exists, or is gone.
for script in postinst postrm; do
	cat >"$root/DEBIAN/$script" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
SCRIPT
	chmod 0755 "$root/DEBIAN/$script"
done
dpkg-deb --root-owner-group -Zxz --build "$root" "$outdir/vaultfw_${version}_${arch}.deb"
