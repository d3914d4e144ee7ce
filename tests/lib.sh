# SPDX-License-Identifier: GPL-2.0
# The e2e harness. Source it from tests/e2e/*.sh and call e2e_init TAG
# before anything else:
#
#   . "$(dirname "$0")/../lib.sh"
#   e2e_init c
#
# Results: one "PASS: name" / "FAIL: name" line per case, the format
# tests/run.sh counts (pass, fail, check, check_not, t_exit).
#
# Names, topologies and cleanup come from scripts/topology.sh, sourced
# here: the one place that builds namespaces, veth pairs, vxlan devices,
# bridges and listeners, and removes them again (its header lists those
# functions, topo_*, and the naming scheme). e2e_init TAG derives the
# run's names once from TAG and the suite's PID and registers the one
# cleanup (an EXIT trap, also run on SIGINT, SIGTERM and SIGHUP) that
# removes everything the suite made with these functions: its namespaces
# and every link in them, vaultfw's pins of its interfaces, its background
# processes and TMP. A suite never sets a trap itself: it adds steps with
# topo_on_cleanup CMD and starts background processes with topo_bg (or
# topo_listen) so that the cleanup ends them. After e2e_init:
#
#   TOPO_PREFIX    vf + TAG + PID (vfc4242), the start of every name
#   NS, IFACE      PREFIX-vault and PREFIXv0: where vaultfw runs
#   PEER_NS, PEER  PREFIX-peer and PREFIXp0: the other end of the pair
#   PIN_DIR        vaultfw's pin directory for IFACE (set by veth_ns_up)
#   NOSUCH         PREFIXnone, an interface name nothing creates
#   TMP            a private directory
#
# Tags, one letter per suite: b bad_input, c cli, k crash, e edit,
# h harness, l log, o observe, p percpu, g pktgen, u privilege,
# s sanitize, t traffic, n tunnels, w watch_apply (d is `make demo`).
# tests/e2e/harness.sh checks the names and the cleanup themselves.
#
# Here, besides e2e_init: in_ns CMD (in NS), vfw ARGS (vaultfw in NS),
# veth_ns_up (the pair), no_ipv6, run / rc_of / one_error_line (a
# command's output and the one-line failure contract), dump_pinned,
# wait_for and has_lines. The suites that need more than the pair use
# scripts/topology.sh's topologies: topo_up (traffic), topo_tunnels_up
# (tunnels).

VFW_ROOT=${VFW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VAULTFW=${VAULTFW:-$VFW_ROOT/build/vaultfw}
# shellcheck source=scripts/topology.sh
. "$VFW_ROOT/scripts/topology.sh"
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

# require NAME CMD...: like check, but nothing after it can run without it.
require() {
	local failed=$T_FAILED
	check "$@"
	[ "$T_FAILED" -eq "$failed" ] || exit 1
}

# check_not NAME CMD...: PASS when CMD exits non-zero.
check_not() {
	local name=$1; shift
	if "$@"; then fail "$name"; else pass "$name"; fi
}

t_exit() { [ "$T_FAILED" -eq 0 ]; }

# e2e_init TAG: the run's names (above), TMP and the cleanup. Touches no
# network state; a failure ends the suite.
e2e_init() {
	topo_run_init "$1" || { fail "$1: harness setup"; exit 1; }
	NS=$TOPO_VAULT_NS
	IFACE=$TOPO_IFACE
	PEER_NS=$(topo_ns_name peer)
	PEER=$(topo_ifname p0)
	PIN_DIR=$TOPO_PIN_DIR
	NOSUCH=$(topo_ifname none)
	TMP=$TOPO_TMP
}

# veth_ns_up ADDR/LEN [PEER_ADDR/LEN]: the pair, NS and PEER_NS joined by
# the veth IFACE - PEER, both up, with those addresses. The cleanup
# detaches vaultfw and removes both namespaces.
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
vfw() { in_ns "$VAULTFW" "$@"; }
veth_ns_up() {
	topo_pair_up "$NS" "$IFACE" "$PEER_NS" "$PEER" "$1" "${2:-}" && PIN_DIR=$TOPO_PIN_DIR
}

# generation_of: the rule-set generation in `vaultfw status` text on stdin.
generation_of() { sed -n 's/.*generation \([0-9]*\).*/\1/p'; }
# generation [IFACE]: the generation live on IFACE (default $IFACE) in NS.
generation() { vfw status "${1:-$IFACE}" | generation_of; }
# verdict SRC: the datapath's verdict (PASS, DROP) that explain gives for
# a frame from SRC on $IFACE.
verdict() { vfw explain "$IFACE" --src "$1" | sed -n 's/^  datapath: \([A-Z]*\).*/\1/p'; }

# no_ipv6: IPv6 off in NS and PEER_NS, so no neighbour discovery moves a
# counter while a test compares maps.
no_ipv6() { topo_no_ipv6 "$NS" "$PEER_NS"; }

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

# dump_pinned DIR: a digest of every object pinned in DIR (whatever
# maps features add), to compare before and after something must not write.
dump_pinned() {
	local f
	for f in "$1"/*; do
		"$VFW_ROOT/build/tests/mapsum" "$f"
	done
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; false
# after SECONDS. A bound on waiting for something to happen, never a
# timing check.
wait_for() { topo_wait "$@"; }

# has_lines FILE N: FILE exists and holds at least N lines.
has_lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
