#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: real TCP, ICMP and VXLAN traffic through vaultfw attached in
# native mode to a veth (the demo's topology, topo_up of
# scripts/topology.sh, with this run's names vftPID-*). Verdicts are read
# from what the connections did, counters from `vaultfw stats --json`; a
# live `apply` runs under connection loops.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$HERE/../lib.sh"
e2e_init t

RULES=$HERE/traffic-vault.json		# IP rule 203.0.113.0/24, VNI 5001
SWAPPED=$HERE/traffic-swapped.json	# IP rule 198.51.100.0/24 instead
PY=/usr/bin/python3			# the system python, not the first on PATH
WORK=$TMP
LOOP_PIDS=()

# The connection loops run here, not in a namespace: they stop on a file.
stop_loops() {
	touch "$WORK/stop"
	[ ${#LOOP_PIDS[@]} -eq 0 ] || wait "${LOOP_PIDS[@]}" 2>/dev/null
}
topo_on_cleanup stop_loops

# denied SRC PORT: the connection got no answer at all (the SYN was
# dropped), as opposed to a reset or a wrong reply.
denied() {
	local out
	out=$(topo_connect "$1" "$2") && return 1
	[[ $out == *"timed out"* ]]
}

# reaches SRC PORT: one connection got the server's reply.
reaches() { topo_connect "$1" "$2" >/dev/null; }

# connect_n SRC N: N connections; succeeds when every one got through.
connect_n() {
	local i
	for i in $(seq "$2"); do
		reaches "$1" "$TOPO_DATA_PORT" || return 1
	done
}

# stats_json FILE: snapshot of `vaultfw stats --json`.
stats_json() { topo_vaultfw stats "$TOPO_IFACE" --json >"$1"; }

# counter FILE reason|rule NAME: packets of one reason or rule in a snapshot
# (0 when absent, so a rule that disappeared reads as no traffic).
counter() {
	"$PY" - "$@" <<-'EOF'
	import json, sys
	path, kind, name = sys.argv[1:4]
	with open(path) as f:
	    doc = json.load(f)
	rows = doc["reasons"] if kind == "reason" else doc["rules"]
	key = "reason" if kind == "reason" else "rule"
	print(sum(r["packets"] for r in rows if r[key] == name))
	EOF
}

# moved_by BEFORE AFTER KIND NAME MIN: the counter grew by at least MIN.
moved_by() {
	local before after
	before=$(counter "$1" "$3" "$4") && after=$(counter "$2" "$3" "$4") || return 1
	echo "  $3 $4: $before -> $after (at least +$5 expected)"
	[ $((after - before)) -ge "$5" ]
}

# conn_loop SRC OUT: one connection after another until $WORK/stop exists,
# one line per finished attempt ("ok" or "fail") appended to OUT.
conn_loop() {
	while [ ! -e "$WORK/stop" ]; do
		if reaches "$1" "$TOPO_DATA_PORT"; then
			echo ok
		else
			echo fail
		fi >>"$2"
		sleep 0.05
	done
}

lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# wait_lines FILE N: until FILE has N lines, at most 30 s.
wait_lines() {
	wait_for 30 has_lines "$1" "$2" && return 0
	echo "  $1: only $(lines "$1") of $2 attempts finished" >&2
	return 1
}

# all_are WORD FILE FROM [TO]: lines FROM..TO (1-based, TO default end)
# of FILE are all WORD, and there is at least one.
all_are() {
	local word=$1 file=$2 from=$3 to=${4:-\$} got
	got=$(sed -n "${from},${to}p" "$file" | sort -u | tr '\n' ' ')
	echo "  $(basename "$file") lines $from..$to: ${got:-none}"
	[ "$got" = "$word " ]
}

require "traffic: runs as root" test "$(id -u)" -eq 0
require "traffic: topology up" topo_up
require "traffic: attach native on the vault veth" \
	topo_vaultfw attach "$TOPO_IFACE" "$RULES" --mode native

# --- verdicts of single connections -------------------------------------
stats_json "$WORK/s0"
check "traffic: IP-rule source connects to tcp/443" \
	connect_n "$TOPO_ALLOWED_SRC" 3
check "traffic: source in no rule gets no answer on tcp/443" \
	denied "$TOPO_DENIED_SRC" "$TOPO_DATA_PORT"
check "traffic: control-plane tcp/22 passes under default deny" \
	reaches "$TOPO_DENIED_SRC" "$TOPO_CONTROL_PORT"
check "traffic: ping passes under default deny" topo_ping "$TOPO_DENIED_SRC"
check "traffic: VXLAN VNI 5001 (bound subnet) connects to tcp/443" \
	connect_n "$TOPO_VNET_SRC" 3
check "traffic: VXLAN VNI 5002 (unbound) gets no answer on tcp/443" \
	denied "$TOPO_UNBOUND_SRC" "$TOPO_DATA_PORT"
check "traffic: VXLAN VNI 5002 control plane still decapsulated" \
	reaches "$TOPO_UNBOUND_SRC" "$TOPO_CONTROL_PORT"
stats_json "$WORK/s1"

# Each connection sends at least one packet to the rule that admits it
# (at least SYN, ACK and FIN in fact); each denied attempt at least a SYN.
check "traffic: stats ip-rule moved by the 3 connections" \
	moved_by "$WORK/s0" "$WORK/s1" reason ip-rule 3
check "traffic: stats rule 203.0.113.0/24 moved by the 3 connections" \
	moved_by "$WORK/s0" "$WORK/s1" rule 203.0.113.0/24 3
check "traffic: stats vnet-rule moved by the 3 VXLAN connections" \
	moved_by "$WORK/s0" "$WORK/s1" reason vnet-rule 3
check "traffic: stats default-deny moved by the 2 denied attempts" \
	moved_by "$WORK/s0" "$WORK/s1" reason default-deny 2
check "traffic: stats control-plane moved by tcp/22 and ping" \
	moved_by "$WORK/s0" "$WORK/s1" reason control-plane 3

# --- live apply under load ----------------------------------------------
# Attempts finished before apply started must see the old rules, attempts
# started after it returned the new ones; the one or two in flight while
# it ran may see either. The VXLAN subnet is admitted by both rule sets:
# none of its connections may fail at any point.
conn_loop "$TOPO_ALLOWED_SRC" "$WORK/was-allowed" & LOOP_PIDS+=($!)
conn_loop "$TOPO_DENIED_SRC" "$WORK/was-denied" & LOOP_PIDS+=($!)
conn_loop "$TOPO_VNET_SRC" "$WORK/subnet" & LOOP_PIDS+=($!)
for f in was-allowed was-denied subnet; do wait_lines "$WORK/$f" 2; done
declare -A before after
for f in was-allowed was-denied subnet; do before[$f]=$(lines "$WORK/$f"); done
check "traffic: apply swaps the IP rule to 198.51.100.0/24 under load" \
	topo_vaultfw apply "$TOPO_IFACE" "$SWAPPED"
for f in was-allowed was-denied subnet; do after[$f]=$(lines "$WORK/$f"); done
for f in was-allowed was-denied subnet; do
	wait_lines "$WORK/$f" $((after[$f] + 3))
done
touch "$WORK/stop"
wait "${LOOP_PIDS[@]}"
LOOP_PIDS=()

check "traffic: before apply 203.0.113.5 connected every time" \
	all_are ok "$WORK/was-allowed" 1 "${before[was-allowed]}"
check "traffic: before apply 198.51.100.99 was refused every time" \
	all_are fail "$WORK/was-denied" 1 "${before[was-denied]}"
check "traffic: after apply 203.0.113.5 is refused every time" \
	all_are fail "$WORK/was-allowed" $((after[was-allowed] + 2))
check "traffic: after apply 198.51.100.99 connects every time" \
	all_are ok "$WORK/was-denied" $((after[was-denied] + 2))
check "traffic: VXLAN subnet never failed across the apply" \
	all_are ok "$WORK/subnet" 1
stats_json "$WORK/s2"
check "traffic: stats rule 198.51.100.0/24 counts the new admissions" \
	moved_by "$WORK/s1" "$WORK/s2" rule 198.51.100.0/24 3
check "traffic: stats vnet-rule kept counting across the apply" \
	moved_by "$WORK/s1" "$WORK/s2" reason vnet-rule 3

# --- detach ---------------------------------------------------------------
check "traffic: detach" topo_vaultfw detach "$TOPO_IFACE"
check "traffic: detach removes the pin directory" test ! -e "$TOPO_PIN_DIR"
check "traffic: after detach 203.0.113.5 connects again" \
	reaches "$TOPO_ALLOWED_SRC" "$TOPO_DATA_PORT"
check "traffic: after detach VXLAN VNI 5002 connects" \
	reaches "$TOPO_UNBOUND_SRC" "$TOPO_DATA_PORT"
t_exit
