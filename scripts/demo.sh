#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: builds the namespace topology of scripts/topology.sh, attaches
# vaultfw to the vault's veth with scripts/demo-vault.json, sends allowed
# and denied traffic (plain and VXLAN), shows what happened to each attempt,
# the counters and the live rule trie. Every name carries this run's PID,
# so two demos (or a demo and the tests) never collide, and everything the
# run made, and only that, is removed on exit; the exit status is non-zero
# when any attempt did not behave as expected.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAULTFW=$ROOT/build/vaultfw
RULES=$ROOT/scripts/demo-vault.json
# shellcheck source=scripts/topology.sh
. "$ROOT/scripts/topology.sh"

unexpected=0

die() { echo "demo: $*" >&2; exit 1; }

# outcome SRC PORT: what one TCP connection attempt from SRC ran into.
outcome() {
	local out
	if out=$(topo_connect "$1" "$2"); then
		echo connected
	elif [[ $out == *"timed out"* ]]; then
		# The SYN got no answer: XDP dropped it before the stack saw it.
		echo refused-by-filter
	elif [[ $out == *refused* ]]; then
		echo reset-by-host
	else
		echo "failed (${out##*: })"
	fi
}

# attempt WHAT SRC PORT EXPECTED
attempt() {
	local what=$1 src=$2 port=$3 expected=$4 got mark=ok
	got=$(outcome "$src" "$port")
	if [ "$got" != "$expected" ]; then
		mark="UNEXPECTED (wanted $expected)"
		unexpected=$((unexpected + 1))
	fi
	printf '  %-40s %-15s -> :%-4s %-18s %s\n' "$what" "$src" "$port" "$got" "$mark"
}

ping_attempt() {
	local what=$1 src=$2 got=answered mark=ok
	topo_ping "$src" || { got=unanswered; mark=UNEXPECTED; unexpected=$((unexpected + 1)); }
	printf '  %-40s %-15s -> %-5s %-18s %s\n' "$what" "$src" "icmp" "$got" "$mark"
}

section() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, XDP, bpffs)"
[ -x "$VAULTFW" ] || die "$VAULTFW is missing: run make first"

# Names of this run only (vfdPID-vault, vfdPIDv0, ...); everything it
# builds is removed on exit, interrupted or not, and nothing else.
topo_run_init d || die "cannot name the run"

section "topology (namespaces $TOPO_VAULT_NS, $TOPO_ROUTER_NS, $TOPO_SUBNET_NS)"
topo_up || die "could not build the topology"
echo "  vault $TOPO_VAULT_ADDR: tcp/$TOPO_DATA_PORT data plane, tcp/$TOPO_CONTROL_PORT control plane, XDP on $TOPO_IFACE"

section "vaultfw check $(basename "$RULES")"
"$VAULTFW" check "$RULES" | sed 's/^/  /' || die "the demo rules do not compile"

section "vaultfw attach $TOPO_IFACE (native mode)"
topo_vaultfw attach "$TOPO_IFACE" "$RULES" --mode native 2>&1 | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || die "attach failed"

section "traffic (firewall Deny; IP rule 203.0.113.0/24; subnet on VNI 5001; trusted 'backup')"
attempt "public client in an IP rule"        "$TOPO_ALLOWED_SRC" "$TOPO_DATA_PORT" connected
attempt "public client in no rule"           "$TOPO_DENIED_SRC"  "$TOPO_DATA_PORT" refused-by-filter
attempt "trusted service (bypass)"           "$TOPO_TRUSTED_SRC" "$TOPO_DATA_PORT" connected
attempt "denied client, control plane"       "$TOPO_DENIED_SRC"  "$TOPO_CONTROL_PORT" connected
ping_attempt "denied client, ping"           "$TOPO_DENIED_SRC"
attempt "VXLAN VNI 5001, bound subnet"       "$TOPO_VNET_SRC"    "$TOPO_DATA_PORT" connected
attempt "VXLAN VNI 5002, unbound"            "$TOPO_UNBOUND_SRC" "$TOPO_DATA_PORT" refused-by-filter
attempt "VXLAN VNI 5002, control plane"      "$TOPO_UNBOUND_SRC" "$TOPO_CONTROL_PORT" connected

section "vaultfw stats $TOPO_IFACE"
topo_vaultfw stats "$TOPO_IFACE" | sed 's/^/  /'

section "bpftool map dump pinned $TOPO_PIN_DIR/vfw_rules"
bpftool map dump pinned "$TOPO_PIN_DIR/vfw_rules" | sed 's/^/  /'

section "vaultfw detach $TOPO_IFACE"
topo_vaultfw detach "$TOPO_IFACE" 2>&1 | sed 's/^/  /'
attempt "public client in no rule, detached" "$TOPO_DENIED_SRC" "$TOPO_DATA_PORT" connected

echo
if [ "$unexpected" -ne 0 ]; then
	echo "demo: $unexpected attempt(s) did not behave as expected" >&2
	exit 1
fi
echo "demo: every attempt behaved as expected"
