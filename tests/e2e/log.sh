#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end tests of the diagnostic log (`vaultfw log`): vaultfw runs in
# the namespace vflPID-vault on the veth vflPIDv0; frames are sent from the
# peer vflPIDp0 in vflPID-peer with a raw socket. The PID (tests/lib.sh
# names every run) keeps two runs (of a shared tree's `make test`) from
# tearing down each other's setup. Events for denied traffic and none
# for allowed traffic, would-deny events in Learning mode, --reason, --json,
# the rate limit under a flood, and switching a reason off live.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init l

PY=/usr/bin/python3	# the one with scapy
DP_ADDR=10.88.0.1
DENIED=198.51.100.50
ALLOWED=203.0.113.5
PERIM_SRC=192.0.2.7
WEB_VLAN=101
WEB_SUBNET=/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/app/subnets/web
FLOOD_RATE=50
FLOOD_FRAMES=3000

# rules FILE PERIMETER: ip rule 203.0.113.0/24, vnet rule on VLAN 101, and
# the perimeter object PERIMETER ("" for none).
rules() {
	local perimeter=${2:+, \"perimeter\": $2}
	cat >"$1" <<-EOF
	{ "name": "log-vault",
	  "properties": { "networkAcls": { "defaultAction": "Deny", "bypass": "None",
	    "ipRules": [ { "value": "203.0.113.0/24" } ],
	    "virtualNetworkRules": [ { "id": "$WEB_SUBNET" } ] } },
	  "host": { "dataPlane": { "addresses": ["$DP_ADDR"], "ports": ["tcp/443"] },
	    "subnets": [ { "id": "$WEB_SUBNET", "vlan": $WEB_VLAN } ]$perimeter } }
	EOF
}

LEARNING='{ "accessMode": "Learning", "accessRules": [ { "name": "corp",
	"direction": "Inbound", "addressPrefixes": ["192.0.2.0/24"] } ] }'

# send SRC COUNT [VLAN]: COUNT TCP SYNs to DP_ADDR:443 from the peer, built
# once and written back to back on a raw socket.
send() {
	nsenter --net=/run/netns/$PEER_NS $PY - $PEER "$1" "$2" "${3:--}" $DP_ADDR 2>/dev/null <<-'EOF'
	import socket, sys
	from scapy.all import Ether, Dot1Q, IP, TCP, raw
	iface, src, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
	l2 = Ether(dst="02:00:00:00:00:01")
	if sys.argv[4] != "-":
	    l2 = l2 / Dot1Q(vlan=int(sys.argv[4]))
	frame = raw(l2 / IP(src=src, dst=sys.argv[5]) / TCP(sport=40000, dport=443, flags="S"))
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind((iface, 0))
	for _ in range(count):
	    s.send(frame)
	EOF
}

# drain NAME [ARGS...]: `vaultfw log IFACE ARGS`, output in $TMP/NAME.out.
drain() {
	local name=$1; shift
	vfw log $IFACE "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
}
lines() { wc -l <"$TMP/$1.out"; }
# every_line NAME PATTERN: the output is not empty and each line matches.
every_line() { [ "$(lines "$1")" -gt 0 ] && ! grep -qv -- "$2" "$TMP/$1.out"; }
# times_between NAME FIRST LAST: each line starts with an ISO 8601 UTC time
# no earlier than FIRST and no later than LAST (seconds since the epoch).
# A window, not today's date, so that a run across midnight still passes.
times_between() {
	local when rest t
	[ "$(lines "$1")" -gt 0 ] || return 1
	while read -r when rest; do
		[[ $when =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$ ]] || return 1
		t=$(date -u -d "$when" +%s) || return 1
		[ "$t" -ge "$2" ] && [ "$t" -le "$3" ] || return 1
	done <"$TMP/$1.out"
}
# status_field NAME: the number after NAME in the "log:" line of status.
status_field() { vfw status $IFACE | sed -n "s/.*log: .*$1 \([0-9]*\).*/\1/p"; }
drops() {
	vfw stats $IFACE --json |
	$PY -c 'import json, sys
print(next(r["packets"] for r in json.load(sys.stdin)["reasons"] if r["reason"] == "default-deny"))'
}
status_has() { vfw status $IFACE | grep -q -- "$1"; }
# refused NAME ARGS...: vaultfw ARGS fails with one error line.
refused() {
	local name=$1; shift
	! vfw "$@" >/dev/null 2>"$TMP/$name.err" && [ "$(wc -l <"$TMP/$name.err")" -eq 1 ]
}

if ! veth_ns_up $DP_ADDR/24; then
	fail "log: namespace setup"
	exit 1
fi
rules "$TMP/deny.json" ""
rules "$TMP/learning.json" "$LEARNING"

check "log: attach with --log-rate" vfw attach $IFACE "$TMP/deny.json" --log-rate 500
check "log: status shows the log rate and held-back count" \
	status_has "log: rate 500/s per CPU (burst 500), reasons all; held back 0"
check "log: an out-of-range --log-rate is refused" \
	refused badrate attach $NOSUCH "$TMP/deny.json" --log-rate 2000000

# Denied traffic is logged, allowed traffic is not.
drain empty
sent_after=$(date +%s)
send $DENIED 3
send $ALLOWED 4
send 10.2.0.5 2 $WEB_VLAN
drain deny
drained_by=$(date +%s)
check "log: three denied frames give three events" test "$(lines deny)" -eq 3
check "log: events carry verdict, reason, source, destination, port" every_line deny \
	" $IFACE DROP reason=default-deny proto=tcp src=$DENIED dst=$DP_ADDR dport=443 tag=none rule=-\$"
check "log: events carry a wall-clock time (UTC, between the send and the drain)" \
	times_between deny $sent_after $drained_by
check "log: allowed traffic gives no event" bash -c "! grep -q -e $ALLOWED -e 'tag=vlan' $TMP/deny.out"
check "log: the drain reports how many events were shown" \
	grep -q "$IFACE: 3 events shown; held back 0" "$TMP/deny.err"
drain again
check "log: a drained event is not shown twice" test "$(lines again)" -eq 0

# Learning mode: traffic passes, would-deny events name the deciding rule.
check "log: apply a Learning perimeter" vfw apply $IFACE "$TMP/learning.json"
drain empty
send $ALLOWED 1
send 10.2.0.5 1 $WEB_VLAN
send $PERIM_SRC 1
send $DENIED 1
drain learn
check "log: would-deny event for an ip-rule pass names the rule" grep -q \
	"PASS reason=ip-rule audit=perimeter-would-deny proto=tcp src=$ALLOWED .* rule=ip-rule 203.0.113.0/24\$" \
	"$TMP/learn.out"
check "log: would-deny event for a tagged pass names the subnet" grep -qi \
	"PASS reason=vnet-rule audit=perimeter-would-deny .*tag=vlan:$WEB_VLAN rule=vnet-rule $WEB_SUBNET\$" \
	"$TMP/learn.out"
check "log: a drop that the perimeter would also deny carries both" grep -q \
	"DROP reason=default-deny audit=perimeter-would-deny proto=tcp src=$DENIED" "$TMP/learn.out"
check "log: a perimeter-admitted drop has no audit mark" grep -q \
	"DROP reason=default-deny proto=tcp src=$PERIM_SRC" "$TMP/learn.out"
check "log: four frames, four events" test "$(lines learn)" -eq 4

# --reason filters what is shown.
send $ALLOWED 2
send $PERIM_SRC 3
drain would --reason perimeter-would-deny
check "log: --reason perimeter-would-deny shows only would-deny events" \
	every_line would "audit=perimeter-would-deny"
check "log: --reason shows all of them" test "$(lines would)" -eq 2
send $PERIM_SRC 2
drain dd --reason default-deny
check "log: --reason default-deny shows only default-deny" every_line dd "reason=default-deny"
check "log: --reason of a PASS reason is refused" refused badreason log $IFACE --reason ip-rule
check "log: the refusal names the reason" grep -q "'ip-rule' is not a reason that is logged" \
	"$TMP/badreason.err"

# --json: one parseable object per line with the event's fields.
send $ALLOWED 1
send $DENIED 1
drain json --json
json_ok() {
	$PY -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
assert len(evs) == 2, evs
audit = [e for e in evs if e["verdict"] == "PASS"][0]
assert audit["reason"] == "ip-rule" and audit["perimeter_would_deny"] is True
assert audit["rule"] == "ip-rule 203.0.113.0/24" and audit["dport"] == 443
drop = [e for e in evs if e["verdict"] == "DROP"][0]
assert drop["src"] == sys.argv[2] and drop["dst"] == sys.argv[4] and drop["proto"] == "tcp"
assert drop["rule"] is None and drop["tag_kind"] == "none" and drop["iface"] == sys.argv[3]
' "$TMP/json.out" $DENIED $IFACE $DP_ADDR
}
check "log: --json lines parse and carry the fields" json_ok

# Reasons switch off and on live.
check "log: --disable a reason" vfw log $IFACE --disable perimeter-would-deny
send $ALLOWED 3
send $DENIED 1
drain off
check "log: a disabled reason gives no events" bash -c "! grep -q 'reason=ip-rule' $TMP/off.out"
check "log: other reasons still give events" test "$(lines off)" -eq 1
check "log: --enable it again" vfw log $IFACE --enable all
send $ALLOWED 1
drain on
check "log: the re-enabled reason gives events again" grep -q "reason=ip-rule" "$TMP/on.out"
check "log: --enable of a PASS reason is refused" refused badenable log $IFACE --enable ip-rule

# The rate limit holds under a flood: every dropped frame is either logged
# or held back, and the log stays within rate x elapsed + burst per CPU.
check "log: --rate sets the rate live" vfw log $IFACE --rate $FLOOD_RATE
drain empty
held_before=$(status_field "held back")
drops_before=$(drops)
t0=$(date +%s.%N)
send $DENIED $FLOOD_FRAMES
t1=$(date +%s.%N)
drain flood
held=$(( $(status_field "held back") - held_before ))
dropped=$(( $(drops) - drops_before ))
logged=$(lines flood)
ncpus=$(nproc)
bound=$($PY -c "import math; print(math.floor($ncpus * ($FLOOD_RATE * ($t1 - $t0) + $FLOOD_RATE)))")
echo "flood: $dropped dropped, $logged logged, $held held back, bound $bound"
check "log: the flood was dropped" test "$dropped" -gt $((FLOOD_FRAMES / 2))
check "log: held-back count grows under a flood" test "$held" -gt 0
check "log: events stay within rate x elapsed + burst" test "$logged" -le "$bound"
check "log: every drop is logged or held back" test $((logged + held)) -eq "$dropped"
check "log: status shows the held-back events" test "$(status_field 'held back')" -ge "$held"
check "log: --rate 0 turns logging off" vfw log $IFACE --rate 0
send $DENIED 2
drain zero
check "log: no events with rate 0" test "$(lines zero)" -eq 0

# --follow prints events as they come and stops on SIGTERM.
vfw log $IFACE --rate 100 >/dev/null
# TOPO_BG_PID is vaultfw itself (nsenter execs it); the cleanup ends it
# should the suite stop before it does.
topo_bg "$NS" "$VAULTFW" log $IFACE --follow >"$TMP/follow.out" 2>"$TMP/follow.err"
follower=$TOPO_BG_PID
send $DENIED 2
check "log: --follow shows new events" wait_for 5 has_lines "$TMP/follow.out" 2
kill -TERM $follower
wait $follower
check "log: --follow exits 0 on SIGTERM" test $? -eq 0
check "log: settings and reading do not mix" refused mix log $IFACE --rate 5 --follow

check "log: detach" vfw detach $IFACE
t_exit
