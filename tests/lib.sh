# SPDX-License-Identifier: GPL-2.0
# Shell side of the test harness: one "PASS: name" / "FAIL: name" line per
# case, the format tests/run.sh counts. Source it from tests/e2e/*.sh.

VFW_ROOT=${VFW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VAULTFW=${VAULTFW:-$VFW_ROOT/build/vaultfw}
T_FAILED=0

# tests/run.sh -t SUITE/CASE sets VFW_TEST_CASE to the glob CASE: only the
# checks it matches are reported. Every check still runs and counts, so a
# script stops and fails just as it would unfiltered, and says why.
t_reported() { [[ -z ${VFW_TEST_CASE:-} || $1 == $VFW_TEST_CASE ]]; }
pass() { t_reported "$*" && echo "PASS: $*"; return 0; }
fail() {
	if t_reported "$*"; then echo "FAIL: $*"; else echo "failed, not reported: $*"; fi
	T_FAILED=$((T_FAILED + 1))
}

# check NAME CMD...: PASS when CMD exits 0.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# check_not NAME CMD...: PASS when CMD exits non-zero.
check_not() {
	local name=$1; shift
	if "$@"; then fail "$name"; else pass "$name"; fi
}

t_exit() { [ "$T_FAILED" -eq 0 ]; }

# Two namespaces joined by a veth pair: set NS, IFACE (vaultfw's side),
# PEER_NS and PEER, then `veth_ns_up ADDR/LEN [PEER_ADDR/LEN]`. veth_ns_down
# detaches vaultfw and removes both namespaces; it is safe to call twice.
in_ns() { nsenter --net=/run/netns/$NS "$@"; }
vfw() { in_ns "$VAULTFW" "$@"; }
veth_ns_down() {
	in_ns "$VAULTFW" -q detach "$IFACE" >/dev/null 2>&1
	rm -rf "/sys/fs/bpf/vaultfw/$IFACE"
	ip netns del "$NS" 2>/dev/null
	ip netns del "$PEER_NS" 2>/dev/null
}
veth_ns_up() {
	veth_ns_down
	ip netns add "$NS" && ip netns add "$PEER_NS" &&
	ip -n "$NS" link add "$IFACE" type veth peer name "$PEER" netns "$PEER_NS" &&
	ip -n "$NS" addr add "$1" dev "$IFACE" &&
	{ [ -z "${2:-}" ] || ip -n "$PEER_NS" addr add "$2" dev "$PEER"; } &&
	ip -n "$NS" link set "$IFACE" up && ip -n "$PEER_NS" link set "$PEER" up
}

# run NAME CMD...: keep stdout, stderr and exit status in $TMP for checks.
run() {
	local name=$1; shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	echo $? >"$TMP/$name.rc"
}
rc_of() { cat "$TMP/$1.rc"; }
# The failure contract: non-zero exit, one stderr line "vaultfw: CMD: ...".
one_error_line() {
	[ "$(rc_of "$1")" -ne 0 ] && [ "$(wc -l <"$TMP/$1.err")" -eq 1 ] &&
	grep -q "^vaultfw: $2: " "$TMP/$1.err"
}

# dump_pinned DIR: bpftool's dump of every object pinned in DIR (whatever
# maps features add), to compare before and after something must not write.
dump_pinned() {
	local f
	for f in "$1"/*; do
		echo "== ${f##*/}"
		bpftool map dump pinned "$f" 2>&1
	done
}

# no_ipv6: IPv6 off in NS and PEER_NS, so no neighbour discovery moves a
# counter while a test compares maps.
no_ipv6() {
	local ns
	for ns in "$NS" "$PEER_NS"; do
		nsenter --net="/run/netns/$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; false
# after SECONDS. A bound on waiting for something to happen, never a
# timing check.
wait_for() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

# has_lines FILE N: FILE exists and holds at least N lines.
has_lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
