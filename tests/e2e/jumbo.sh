#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Jumbo frames: vaultfw attaches in native mode to a veth at MTU 9000 (an
# xdp.frags program: multi-buffer XDP), and 9000-byte frames are judged
# like small ones: a datagram from an IP-rule source arrives whole, one
# from a source in no rule never does, and the counters count the whole
# frame's bytes.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init j

DP_ADDR=192.0.2.10
ALLOWED=203.0.113.5
DENIED=198.51.100.99
MTU=9000
PAYLOAD=8900		# UDP payload: an 8942-byte frame
PY=/usr/bin/python3
LOG=$TMP/listener.log

cat >"$TMP/rules.json" <<EOF
{"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]}},
 "host": {"dataPlane": {"addresses": ["$DP_ADDR"], "ports": ["udp/443"]}}}
EOF

# send SRC: one datagram of PAYLOAD bytes, marked with SRC, not fragmented.
send() {
	topo_in_ns "$PEER_NS" "$PY" - "$1" "$DP_ADDR" "$PAYLOAD" <<-'EOF'
	import socket, sys
	src, dst, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.IPPROTO_IP, 10, 2)	# IP_MTU_DISCOVER: IP_PMTUDISC_DO
	s.bind((src, 0))
	mark = ("jumbo-from-" + src + "-").encode()
	s.sendto(mark + b"x" * (size - len(mark)), (dst, 443))
	EOF
}

counter() {
	vfw stats $IFACE --json | "$PY" -c '
import json, sys
kind, name, field = sys.argv[1:4]
doc = json.load(sys.stdin)
rows = doc["reasons"] if kind == "reason" else doc["rules"]
key = "reason" if kind == "reason" else "rule"
print(sum(r[field] for r in rows if r[key] == name))' "$@"
}

setup() {
	veth_ns_up $DP_ADDR/24 $ALLOWED/24 && no_ipv6 &&
	topo_in_ns "$PEER_NS" ip addr add $DENIED/24 dev $PEER &&
	topo_in_ns "$PEER_NS" ip route add $DP_ADDR/32 dev $PEER &&
	ip -n $NS link set $IFACE mtu $MTU && ip -n "$PEER_NS" link set $PEER mtu $MTU &&
	topo_listen "$NS" "$LOG" $DP_ADDR 443 --udp --mark 'jumbo-from-[0-9.]*'
}
if ! setup; then
	fail "jumbo: a veth pair at MTU $MTU, a UDP listener on $DP_ADDR:443"
	exit 1
fi

run attach vfw attach $IFACE "$TMP/rules.json" --mode native
check "jumbo: native attach at MTU $MTU succeeds" test "$(rc_of attach)" -eq 0
native() {
	ip -n $NS -d link show $IFACE >"$TMP/link"
	grep -q "mtu $MTU xdp " "$TMP/link" && grep -q 'prog/xdp id .* name vaultfw_xdp' "$TMP/link"
}
check "jumbo: the program runs in native mode (not xdpgeneric) at MTU $MTU" native

BYTES0=$(counter rule 203.0.113.0/24 bytes)
send $ALLOWED
check "jumbo: a $PAYLOAD-byte datagram from an IP-rule source arrives" \
	wait_for 5 topo_heard "$LOG" "^udp $ALLOWED jumbo-from-$ALLOWED\$"
check "jumbo: the rule is credited with the whole frame's bytes" \
	test $(($(counter rule 203.0.113.0/24 bytes) - BYTES0)) -ge $((PAYLOAD + 42))

DENY0=$(counter reason default-deny packets)
DENY_BYTES0=$(counter reason default-deny bytes)
send $DENIED
denied_moved() { [ "$(counter reason default-deny packets)" -gt "$DENY0" ]; }
check "jumbo: one from a source in no rule is counted as default-deny" wait_for 5 denied_moved
check "jumbo: ... with the whole frame's bytes" \
	test $(($(counter reason default-deny bytes) - DENY_BYTES0)) -ge $((PAYLOAD + 42))
send $ALLOWED	# a later datagram arrives, so the denied one had its chance
second_arrived() { [ "$(grep -c "jumbo-from-$ALLOWED\$" "$LOG")" -ge 2 ]; }
never_heard() { second_arrived && ! topo_heard "$LOG" "jumbo-from-$DENIED"; }
wait_for 5 second_arrived
check "jumbo: ... and never reaches the listener (a later allowed one did)" never_heard
t_exit
