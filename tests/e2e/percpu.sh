#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Counters are per CPU in the kernel and summed for display (SPEC §4). The
# attached program runs k_i frames with BPF_PROG_TEST_RUN pinned to each
# CPU i in turn (taskset sets the affinity before bpftool's test run), and
# bpftool's per-CPU view confirms where they landed; then every reader of
# the CLI must report the sum over all CPUs: the stats table, stats --json,
# stats --format prometheus, stats --watch, and explain (live and from a
# file) pinned to each CPU. A reader that summed only some CPUs would pass
# whenever the scheduler happened to use those, so no CPU is left to it.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init p

PY=/usr/bin/python3	# the one with scapy
DP_ADDR=192.0.2.10
SRC=203.0.113.5
NET=203.0.113.0/24

# No IPv6: router solicitations and MLD would be counted beside the frames.
setup() {
	printf '{"properties": {"networkAcls": {"defaultAction": "Deny",
 "ipRules": [{"value": "%s"}]}}, "host": {"dataPlane": {"addresses": ["%s"]}}}\n' \
		$NET $DP_ADDR >"$TMP/rules.json" &&
	veth_ns_up $DP_ADDR/24 && no_ipv6 &&
	vfw attach $IFACE "$TMP/rules.json" --mode generic >/dev/null 2>&1 &&
	$PY - "$TMP/frame" $SRC $DP_ADDR <<-'EOF'
	import sys
	from scapy.all import Ether, IP, TCP, raw
	open(sys.argv[1], "wb").write(raw(Ether(dst="02:00:00:00:00:01") /
	    IP(src=sys.argv[2], dst=sys.argv[3]) / TCP(sport=40000, dport=443, flags="S")))
	EOF
}

if ! setup; then
	fail "percpu: namespace setup and attach"
	exit 1
fi

# The CPUs this test may run on, and a different count of frames for each.
read -r -a CPUS < <($PY -c 'import os; print(*sorted(os.sched_getaffinity(0)))')
declare -A FRAMES
PACKETS=0
for ((i = 0; i < ${#CPUS[@]}; i++)); do
	FRAMES[${CPUS[i]}]=$((3 + 2 * i))
	PACKETS=$((PACKETS + 3 + 2 * i))
done
BYTES=$((PACKETS * $(stat -c %s "$TMP/frame")))
WANT="$PACKETS $BYTES $PACKETS $BYTES"	# the reason ip-rule, then the rule NET

check "percpu: at least two CPUs to run frames on (${#CPUS[@]})" test ${#CPUS[@]} -ge 2

# run_on CPU: FRAMES[CPU] frames through the attached program on CPU; they
# must pass (XDP_PASS is 2).
run_on() {
	taskset -c "$1" bpftool prog run pinned "$PIN_DIR/vaultfw_xdp" data_in "$TMP/frame" \
		repeat "${FRAMES[$1]}" >"$TMP/run-$1" 2>&1 && grep -q '^Return value: 2,' "$TMP/run-$1"
}
ran=0
for cpu in "${CPUS[@]}"; do run_on "$cpu" && ran=$((ran + 1)); done
check "percpu: BPF_PROG_TEST_RUN passed the frames on each CPU" test $ran -eq ${#CPUS[@]}
echo "  frames: $(for cpu in "${CPUS[@]}"; do printf 'CPU %s %s, ' "$cpu" "${FRAMES[$cpu]}"; done)sum $PACKETS packets, $BYTES bytes"

# landed MAP: some key of the per-CPU MAP counted exactly FRAMES[cpu]
# packets on each cpu, and none on any other: bpftool's own reading, not
# vaultfw's.
landed() {
	local want cpu
	want=$(for cpu in "${CPUS[@]}"; do printf '%s:%s ' "$cpu" "${FRAMES[$cpu]}"; done)
	bpftool -j map dump pinned "$PIN_DIR/$1" | $PY -c '
import json, sys
want = {int(c): int(n) for c, n in (p.split(":") for p in sys.argv[1].split())}
for entry in json.load(sys.stdin):
    got = {v["cpu"]: v["value"]["packets"] for v in entry["formatted"]["values"]}
    if {c: n for c, n in got.items() if n} == want:
        sys.exit(0)
sys.exit(1)' "$want"
}
check "percpu: vfw_reasons counted the frames on the CPU each ran on" landed vfw_reasons
check "percpu: vfw_rule_stats counted the frames on the CPU each ran on" landed vfw_rule_stats

# Each reader as "REASON_PACKETS REASON_BYTES RULE_PACKETS RULE_BYTES" for
# the reason ip-rule and the rule NET.
from_table() {
	awk -v net=$NET '$1 == "ip-rule" && NF == 3 { r = $2 " " $3 }
		$2 == "ip-rule" && $5 == net && NF == 5 { u = $3 " " $4 }
		END { print r, u }' "$1"
}
from_json() {
	jq -r --arg net $NET '[(.reasons[] | select(.reason == "ip-rule") | .packets, .bytes),
		(.rules[] | select(.rule == $net) | .packets, .bytes)] | map(tostring) | join(" ")' "$1"
}
from_prom() {
	awk -v r='reason="ip-rule",' -v u="rule=\"$NET\"}" '
		index($1, "vaultfw_packets_total{") == 1 && index($1, r) { rp = $2 }
		index($1, "vaultfw_bytes_total{") == 1 && index($1, r) { rb = $2 }
		index($1, "vaultfw_rule_packets_total{") == 1 && index($1, u) { up = $2 }
		index($1, "vaultfw_rule_bytes_total{") == 1 && index($1, u) { ub = $2 }
		END { print rp, rb, up, ub }' "$1"
}
# The last refresh: KIND VERDICT RATE UNIT RATE UNIT PACKETS BYTES NAME.
from_watch() {
	awk -v net=$NET '$1 == "reason" && $9 == "ip-rule" { r = $7 " " $8 }
		$1 == "ip-rule" && $9 == net { u = $7 " " $8 }
		END { print r, u }' "$1"
}
# reads READER NAME: the reader's figures are the sums over CPUs.
reads() {
	local got
	got=$("from_$1" "$TMP/$2.out")
	[ "$(rc_of "$2")" -eq 0 ] && [ "$got" = "$WANT" ] ||
		{ echo "  $2: got \"$got\", want \"$WANT\""; return 1; }
}

run table vfw stats $IFACE
check "percpu: stats table: the reason and the rule count the sum over CPUs" reads table table
run json vfw stats $IFACE --json
check "percpu: stats --json: the reason and the rule count the sum over CPUs" reads json json
run prom vfw stats $IFACE --format prometheus
check "percpu: stats --format prometheus: the reason and the rule count the sum over CPUs" \
	reads prom prom

# Until a second refresh begins, so the first is complete; wait_for bounds
# the wait, it is no timing check.
refreshed() { [ "$(grep -c '^KIND ' "$TMP/watch.out")" -ge 2 ]; }
# Not through in_ns: a function would run in a subshell, which ignores
# SIGINT. topo_bg puts nsenter itself in the background, nsenter execs
# timeout, and timeout passes the SIGINT on to vaultfw and bounds the run
# should vaultfw not stop (the cleanup ends it should the suite stop first).
topo_bg "$NS" timeout --preserve-status 30 "$VAULTFW" stats $IFACE --watch \
	--interval 0.2 >"$TMP/watch.out" 2>"$TMP/watch.err"
WATCH_PID=$TOPO_BG_PID
wait_for 10 refreshed
kill -INT $WATCH_PID
wait $WATCH_PID
echo $? >"$TMP/watch.rc"
WATCH_PID=
check "percpu: stats --watch: the reason and the rule count the sum over CPUs" reads watch watch

# explain counts its one frame in private per-CPU maps on the CPU it runs
# on, and finds the reason and rule by the sums that moved.
explained() {
	[ "$(rc_of "$1")" -eq 0 ] &&
	grep -qF "datapath: PASS ip-rule, rule ip-rule $NET" "$TMP/$1.out" &&
	grep -qx '  agree' "$TMP/$1.out" ||
		{ sed 's/^/  | /' "$TMP/$1.out" "$TMP/$1.err"; return 1; }
}
for cpu in "${CPUS[@]}"; do
	run explain-live-$cpu in_ns taskset -c "$cpu" "$VAULTFW" explain $IFACE --src $SRC
	check "percpu: explain live on CPU $cpu finds the reason and the rule" \
		explained explain-live-$cpu
	run explain-file-$cpu taskset -c "$cpu" "$VAULTFW" explain "$TMP/rules.json" --src $SRC
	check "percpu: explain FILE on CPU $cpu finds the reason and the rule" \
		explained explain-file-$cpu
done

t_exit
