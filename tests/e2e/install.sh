#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installing (docs/service.md): `make install` into a per-run DESTDIR
# (every file, its mode, the unit's paths, the man page through man -l,
# the bash completion, systemd-analyze verify, make uninstall), PREFIX,
# then `make deb`, dpkg -i of the package, vaultfw --version from
# /usr/sbin, verify of the unit where dpkg put it, and dpkg -r removing
# every file. The machine is left as it was: the package is purged, and
# the dpkg part is skipped when vaultfw, or any file it would own, is
# there already.
set -u
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d /tmp/vfwi.XXXXXX)
DEST=$TMP/dest
VERSION=$(cat "$VFW_ROOT/VERSION")
ARCH=$(dpkg --print-architecture)
INSTALLED_DEB=

mk() { make -s --no-print-directory -C "$VFW_ROOT" "$@"; }
cleanup() {
	[ -n "$INSTALLED_DEB" ] && dpkg --purge vaultfw >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

# has_mode FILE MODE: a regular file (or directory) of exactly MODE, root's.
has_mode() { [ -e "$1" ] && [ "$(stat -c '%a %u %g' "$1")" = "$2 0 0" ]; }

# ---- make install DESTDIR=... (PREFIX /usr/local) ------------------------
P=$DEST/usr/local
run install mk install DESTDIR="$DEST"
check "install: make install DESTDIR exits 0" test "$(rc_of install)" -eq 0
DOC_FILES=(README.md)
for f in "$VFW_ROOT"/docs/*.md; do DOC_FILES+=("docs/${f##*/}"); done
declare -A WANT=(
	["$P/sbin/vaultfw"]=755
	["$P/share/man/man8/vaultfw.8"]=644
	["$P/lib/systemd/system/vaultfw@.service"]=644
	["$P/share/bash-completion/completions/vaultfw"]=644
)
for f in "${DOC_FILES[@]}"; do WANT["$P/share/doc/vaultfw/$f"]=644; done
for f in "${!WANT[@]}"; do
	check "install: ${f#"$DEST"} is there with mode ${WANT[$f]}" has_mode "$f" "${WANT[$f]}"
done
check "install: nothing else is installed (${#WANT[@]} files)" \
	test "$(find "$DEST" -type f | wc -l)" -eq "${#WANT[@]}"
check "install: every directory made is 0755" \
	test -z "$(find "$DEST" -mindepth 1 -type d ! -perm 0755)"
check "install: the docs are the tree's" cmp -s "$VFW_ROOT/README.md" "$P/share/doc/vaultfw/README.md"
check "install: the unit's documentation, docs/service.md, is installed" \
	test -f "$P/share/doc/vaultfw/docs/service.md"
check "install: the binary is this build" cmp -s "$VFW_ROOT/build/vaultfw" "$P/sbin/vaultfw"
check "install: the installed binary says its version" \
	test "$("$P/sbin/vaultfw" --version)" = "vaultfw $VERSION"

UNIT=$P/lib/systemd/system/vaultfw@.service
check "install: the unit runs the installed binary (ExecStartPre, ExecStart, ExecReload)" \
	test "$(grep -cE '^Exec(StartPre|Start|Reload)=/usr/local/sbin/vaultfw ' "$UNIT")" -eq 3
check "install: no other path to a binary is left in the unit" \
	test "$(grep -c '^Exec' "$UNIT")" -eq 3
check "install: Documentation= names man:vaultfw(8) and the installed docs" \
	grep -qx 'Documentation=man:vaultfw(8) file:/usr/local/share/doc/vaultfw/docs/service.md' "$UNIT"
check "install: Type=notify" grep -qx 'Type=notify' "$UNIT"
# systemd-analyze verify of the installed unit: the binary where DESTDIR
# put it, the man page found through MANPATH.
mkdir -p "$TMP/verify"
sed "s|/usr/local/sbin/vaultfw|$P/sbin/vaultfw|" "$UNIT" >"$TMP/verify/vaultfw@eth0.service"
run verify env MANPATH="$P/share/man" systemd-analyze verify "$TMP/verify/vaultfw@eth0.service"
check "install: systemd-analyze verify passes on the installed unit, man page included" \
	bash -c "[ $(rc_of verify) -eq 0 ] && [ ! -s $TMP/verify.err ]"
run security systemd-analyze security --offline=yes "$TMP/verify/vaultfw@eth0.service"
check "install: systemd-analyze security rates the unit OK or better (not UNSAFE/EXPOSED)" \
	grep -qE 'Overall exposure level for .*: [0-9.]+ (OK|SAFE)' "$TMP/security.out"

# The man page renders, without a groff warning.
run man env MANWIDTH=80 man --warnings -l "$P/share/man/man8/vaultfw.8"
check "install: man -l renders the man page, without a warning" \
	bash -c "[ $(rc_of man) -eq 0 ] && [ ! -s $TMP/man.err ] && grep -q 'EXIT STATUS' $TMP/man.out &&
		grep -q 'apply IFACE FILE' $TMP/man.out && grep -q -- '--allow-unsafe-permissions' $TMP/man.out"

# The completion is valid bash and completes commands and options.
COMPL=$P/share/bash-completion/completions/vaultfw
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vaultfw
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPL" "$@"
}
check "install: the completion script is valid bash" bash -n "$COMPL"
check "install: the completion registers _vaultfw for vaultfw" \
	bash -c ". '$COMPL' && complete -p vaultfw | grep -q -- '-F _vaultfw vaultfw'"
check "install: 'vaultfw st' completes to status and stats" \
	test "$(complete_words vaultfw st | tr '\n' ' ')" = "stats status "
check "install: 'vaultfw apply eth0 f --allow' completes to the flag" \
	test "$(complete_words vaultfw apply eth0 f --allow)" = "--allow-unsafe-permissions"

run uninstall mk uninstall DESTDIR="$DEST"
check "install: make uninstall DESTDIR removes every file" \
	bash -c "[ $(rc_of uninstall) -eq 0 ] && [ -z \"\$(find '$DEST' -type f)\" ]"

# Another PREFIX: the paths follow.
run prefix mk install DESTDIR="$TMP/opt" PREFIX=/opt/vaultfw
check "install: PREFIX=/opt/vaultfw puts the binary in /opt/vaultfw/sbin" \
	test -x "$TMP/opt/opt/vaultfw/sbin/vaultfw"
check "install: ... and the unit runs it from there" \
	test "$(grep -c '^Exec[A-Za-z]*=/opt/vaultfw/sbin/vaultfw ' "$TMP/opt/opt/vaultfw/lib/systemd/system/vaultfw@.service")" -eq 3

# ---- make deb ---------------------------------------------------------------
DEB=$TMP/deb/vaultfw_${VERSION}_$ARCH.deb
run deb mk deb DEBDIR="$TMP/deb"
check "install: make deb builds vaultfw_${VERSION}_$ARCH.deb" \
	bash -c "[ $(rc_of deb) -eq 0 ] && [ -s '$DEB' ]"
field() { dpkg-deb -f "$DEB" "$1"; }
check "install: the package is vaultfw $VERSION for $ARCH" \
	test "$(field Package) $(field Version) $(field Architecture)" = "vaultfw $VERSION $ARCH"
for pkg in libbpf1 libxdp1 libelf1 libjansson4 zlib1g libc6; do
	check "install: the package depends on $pkg, a real installed package" \
		bash -c "field() { dpkg-deb -f '$DEB' \"\$1\"; }; field Depends | tr ',' '\n' | grep -qE '^ ?$pkg( |\$)' &&
			dpkg-query -W -f='\${Status}' $pkg | grep -q 'install ok installed'"
done
dpkg-deb -c "$DEB" | awk '{ print $2, $6 }' >"$TMP/deb.list"
check "install: every file in the package is root's" \
	test -z "$(awk '$1 != "root/root"' "$TMP/deb.list")"
for f in usr/sbin/vaultfw usr/share/man/man8/vaultfw.8.gz usr/lib/systemd/system/vaultfw@.service \
	 usr/share/bash-completion/completions/vaultfw usr/share/doc/vaultfw/README.md \
	 usr/share/doc/vaultfw/docs/service.md; do
	check "install: the package holds /$f" grep -qx "root/root ./$f" "$TMP/deb.list"
done
check "install: the package's unit runs /usr/sbin/vaultfw" \
	bash -c "dpkg-deb --fsys-tarfile '$DEB' | tar -xO ./usr/lib/systemd/system/vaultfw@.service |
		grep -q '^ExecStart=/usr/sbin/vaultfw apply %i'"

# ---- dpkg -i, dpkg -r ---------------------------------------------------------
# dpkg is the machine's: one run at a time (a lock on dpkg's own binary,
# so that no lock file is left behind), and only where the package, and
# every file it would own, is absent.
exec 9</usr/bin/dpkg
if ! flock -w 120 9; then
	fail "install: another run holds the dpkg part's lock"
	t_exit
	exit
fi
present=
dpkg-query -W -f='${Status}' vaultfw 2>/dev/null | grep -q 'installed' && present="package vaultfw"
for f in $(sed -n 's|^root/root \.\(/.*[^/]\)$|\1|p' "$TMP/deb.list"); do
	[ -e "$f" ] && present="$f"
done
if [ -n "$present" ]; then
	echo "SKIP: dpkg -i/-r: $present is installed already (not touched)"
	t_exit
	exit
fi
run dpkg-i dpkg -i "$DEB"
[ "$(rc_of dpkg-i)" -eq 0 ] && INSTALLED_DEB=1
check "install: dpkg -i installs the package" \
	bash -c "[ $(rc_of dpkg-i) -eq 0 ] && dpkg-query -W -f='\${Status}' vaultfw | grep -q 'install ok installed'"
check "install: /usr/sbin/vaultfw --version" test "$(/usr/sbin/vaultfw --version)" = "vaultfw $VERSION"
check "install: man finds vaultfw(8)" test "$(man -w 8 vaultfw)" = /usr/share/man/man8/vaultfw.8.gz
run verify-deb systemd-analyze verify /usr/lib/systemd/system/vaultfw@.service
check "install: systemd-analyze verify passes on the unit dpkg installed" \
	bash -c "[ $(rc_of verify-deb) -eq 0 ] && [ ! -s $TMP/verify-deb.err ]"
dpkg -L vaultfw >"$TMP/owned"
sed -n 's|^root/root \.\(/.*[^/]\)$|\1|p' "$TMP/deb.list" | sort >"$TMP/deb.files"
check "install: dpkg owns every file of the package" \
	bash -c "! comm -23 '$TMP/deb.files' <(sort '$TMP/owned') | grep -q ."
run dpkg-r dpkg -r vaultfw
check "install: dpkg -r removes the package" test "$(rc_of dpkg-r)" -eq 0
left=$(while read -r f; do [ -e "$f" ] && echo "$f"; done <"$TMP/deb.files")
check "install: dpkg -r leaves none of its files (${left:-none})" test -z "$left"
check "install: dpkg -r leaves none of its own directories" \
	bash -c "[ ! -e /usr/share/doc/vaultfw ]"
dpkg --purge vaultfw >/dev/null 2>&1
check "install: after the purge dpkg knows no vaultfw" \
	bash -c "! dpkg-query -W vaultfw >/dev/null 2>&1"
INSTALLED_DEB=
t_exit
