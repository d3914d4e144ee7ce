#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: tunnels and tags that could carry data-plane traffic past
# vaultfw (issue 9), with real kernel vxlan devices decapsulating, a real
# UDP and TCP listener on the data-plane address 192.0.2.10:443, and a
# real AF_PACKET receiver on the vault's veth. XDP runs before AF_PACKET
# taps, so a frame that vaultfw drops is never seen by that receiver.
#
# The topology is topo_tunnels_up of scripts/topology.sh (its diagram is
# there), with this run's names vfnPID-*: a trusted tunnel endpoint
# 192.0.2.1 (PREFIX-tr) whose tenants' vxlan devices sit in PREFIX-subnet
# (VNI 5001 and 5003 with subnet rules, 5002 and 5004 without, 9001 nested
# in 5002, 7001 an approved private endpoint), a public client in no list
# of tunnel endpoints (PREFIX-pub), and a bridge (PREFIX-router) joining
# them to the vault's veth PREFIXv0 in PREFIX-vault; crafted frames are
# sent with AF_PACKET on PREFIXr0, the vault veth's peer, so no receive in
# between strips a VLAN tag. The listener is the harness's (topo_listen).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$HERE/../lib.sh"
e2e_init n

RULES=$HERE/tunnels-vault.json		# host.vxlan ports [4789, 8472]
RULES_4789=$HERE/tunnels-4789.json	# the same with ports [4789]
PY=/usr/bin/python3			# the system python, not the first on PATH
WORK=$TMP
HELPER=$WORK/tunnels.py
LOG=$WORK/seen.log
VAULT=$TOPO_VAULT_ADDR			# 192.0.2.10
REMOTE=$TOPO_VTEP_ADDR			# 192.0.2.1, the one trusted endpoint
IP_RULE_SRC=$TOPO_ALLOWED_SRC		# 203.0.113.5, in the IP rule
NO_RULE_SRC=$TOPO_DENIED_SRC		# 198.51.100.99, in no rule
P=$TOPO_PREFIX
TR_NS=$TOPO_TR_NS
PUB_NS=$TOPO_PUB_NS
VAULT_MAC=$TOPO_VAULT_MAC
CRAFT_MAC=02:76:66:00:00:66

# --- the Python side: clients, frames, counters ----------------------------
cat >"$HELPER" <<'EOF'
import socket, struct, sys

def udp_send(src, dst, port, marker, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for _ in range(int(count)):
        s.sendto(marker.encode(), (dst, int(port)))

def tcp_send(src, dst, port, marker, timeout):
    """Exit 0 when the connection was made and the listener answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(float(timeout))
    try:
        s.connect((dst, int(port)))
        s.sendall(marker.encode())
        reply = s.recv(64)
    except OSError as e:
        print("tcp %s -> %s:%s: %s" % (src, dst, port, e or type(e).__name__))
        sys.exit(1)
    sys.exit(0 if reply == b"ok\n" else 1)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x7777, 0, 64,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def ipv6(src, dst, nexthdr, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nexthdr, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload

def udp(dport, payload):
    return struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload

def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))

def eth(dst, src, tags, ethertype, payload):
    """tags: outermost first, each (TPID, VLAN id)."""
    b = mac(dst) + mac(src)
    for tpid, vid in tags:
        b += struct.pack("!HH", tpid, vid)
    return b + struct.pack("!H", ethertype) + payload

def icmp_echo(m):
    b = struct.pack("!BBHHH", 8, 0, 0, 0x7777, 1) + m
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]

INNER_SRC = "10.5.0.2"	# the tunnelled packet's own source, in no rule

def packet(kind, src, dst, m):
    """The IPv4 packet of one kind from src to dst, marker m inside.
    vxlan/PORT/VNI/INNER_SRC/INNER_KIND wraps another kind in VXLAN."""
    inner4 = lambda: ipv4(INNER_SRC, dst, 17, udp(443, m))
    inner_eth = lambda ip: eth("02:76:66:00:00:01", "02:76:66:00:00:02", [], 0x0800, ip)
    if kind.startswith("vxlan/"):
        _, port, vni, inner_src, inner_kind = kind.split("/", 4)
        vxh = struct.pack("!II", 0x08000000, int(vni) << 8)
        return ipv4(src, dst, 17, udp(int(port), vxh + inner_eth(
            packet(inner_kind, inner_src, dst, m))))
    if kind.startswith("proto/"):	# a bare protocol number, marker as payload
        return ipv4(src, dst, int(kind[6:]), m)
    return {
        "udp":    lambda: ipv4(src, dst, 17, udp(443, m)),
        "ipip":   lambda: ipv4(src, dst, 4, inner4()),
        "6in4":   lambda: ipv4(src, dst, 41, ipv6("2001:db8:5::2", "2001:db8:5::10",
                                                  17, udp(443, m))),
        "gre":    lambda: ipv4(src, dst, 47, struct.pack("!HH", 0, 0x0800) + inner4()),
        "esp":    lambda: ipv4(src, dst, 50, struct.pack("!II", 0x1000, 1) + m + b"\0\0\2\4"),
        # AH: next header IPIP, length (24 / 4) - 2, SPI, sequence, 12-byte ICV.
        "ah":     lambda: ipv4(src, dst, 51, struct.pack("!BBHII", 4, 4, 0, 0x1000, 1) +
                                             b"\0" * 12 + inner4()),
        "geneve": lambda: ipv4(src, dst, 17, udp(6081, struct.pack("!BBHI", 0, 0, 0x6558, 7001 << 8) +
                                                   inner_eth(inner4()))),
        "icmp":   lambda: ipv4(src, dst, 1, icmp_echo(m)),
    }[kind]()

def frame(iface, dst_mac, src_mac, kind, src, dst, marker, tags=""):
    vlans = [tuple(int(x, 16) if i == 0 else int(x) for i, x in enumerate(t.split(":")))
             for t in tags.split(",") if t]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(eth(dst_mac, src_mac, vlans, 0x0800, packet(kind, src, dst, marker.encode())))

def packets(path, reason):
    import json
    with open(path) as f:
        doc = json.load(f)
    return sum(r["packets"] for r in doc["reasons"] if r["reason"] == reason)

def grew(before, after, reason, least):
    """Exit 0 when the reason's packets grew by `least` from before to after."""
    b, a = packets(before, reason), packets(after, reason)
    print("reason %s: %d -> %d, at least +%s expected" % (reason, b, a, least))
    sys.exit(0 if a - b >= int(least) else 1)

{"udp": lambda a: udp_send(*a),
 "tcp": lambda a: tcp_send(*a),
 "frame": lambda a: frame(*a),
 "grew": lambda a: grew(*a)}[sys.argv[1]](sys.argv[2:])
EOF

# --- topology ----------------------------------------------------------------
# The listener records UDP and TCP on 192.0.2.10:443 and AF_PACKET frames
# on the vault's veth, each marker VFWT-... it finds; a TCP client that
# sent one gets "ok".
tunnels_up() {
	topo_tunnels_up &&
	topo_listen "$TOPO_VAULT_NS" "$LOG" "$VAULT" 443 --udp --tcp --raw "$TOPO_IFACE" \
		--mark 'VFWT-[A-Za-z0-9-]+' --answer ok
}

# --- sending and seeing -------------------------------------------------------
# udp_from NS SRC MARKER: three datagrams from SRC to 192.0.2.10:443.
udp_from() { topo_in_ns "$1" "$PY" "$HELPER" udp "$2" "$VAULT" 443 "VFWT-$3" 3; }
# tcp_from NS SRC MARKER: one connection; succeeds when the listener answered.
tcp_from() { topo_in_ns "$1" "$PY" "$HELPER" tcp "$2" "$VAULT" 443 "VFWT-$3" 1.5; }
# craft KIND SRC MARKER [TAGS [DST]]: one frame to the vault veth's MAC,
# sent on its peer, to DST (default 192.0.2.10). TAGS: "TPID:VID,..."
# outermost first, TPID in hex.
craft() {
	topo_router "$PY" "$HELPER" frame "$TOPO_PEER" "$VAULT_MAC" "$CRAFT_MAC" \
		"$1" "$2" "${5:-$VAULT}" "VFWT-$3" "${4:-}"
}

# seen WHAT MARKER: the listener logged it (WHAT: udp, tcp or raw).
seen() {
	case $1 in
	raw) topo_heard "$LOG" "^raw VFWT-$2\$" ;;
	*) topo_heard "$LOG" "^$1 [0-9.]+ VFWT-$2\$" ;;
	esac
}
# arrives NAME WHAT MARKER: it is seen within 5 s.
arrives() { check "$1" wait_for 5 seen "$2" "$3"; }
# never NAME WHAT MARKER: not seen. Called once a frame sent after it on
# the same path has arrived and vaultfw has counted the drop.
never() { check_not "$1" seen "$2" "$3"; }
accepted_from() { topo_heard "$LOG" "^accept $1\$"; }
# rx_packets DEV: what a vault device has received (decapsulated, for vxlan).
rx_packets() {
	topo_vault ip -j -s link show dev "$1" |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

# snap NAME: `vaultfw stats --json` into $WORK/NAME.json.
snap() { topo_vaultfw stats "$TOPO_IFACE" --json >"$WORK/$1.json"; }
# grew SNAP REASON MIN: the reason's packets grew by MIN since SNAP.
grew() {
	snap now && "$PY" "$HELPER" grew "$WORK/$1.json" "$WORK/now.json" "$2" "$3" >"$WORK/grew.out"
}
# counted NAME SNAP REASON MIN: check that waits up to 2 s for the counter
# (the frames it counts were sent before a frame that has already arrived
# on the same path, so it has moved by then unless they went elsewhere).
counted() {
	local name=$1
	shift
	if wait_for 2 grew "$@"; then
		pass "$name"
	else
		fail "$name"
		sed 's/^/  /' "$WORK/grew.out"
	fi
}

# denied_tcp NS SRC MARKER: the connection failed, the listener never
# accepted one from SRC, and the vault's TCP has no socket with SRC in any
# state: not even SYN-RECV, which a SYN that got through would leave even
# where the SYN-ACK cannot find its way back.
denied_tcp() {
	local ok=0
	tcp_from "$@" && ok=1
	accepted_from "$2" && { echo "  listener accepted a connection from $2"; ok=1; }
	[ -z "$(topo_vault ss -Htan "dst $2")" ] ||
		{ echo "  vault sockets with $2:"; topo_vault ss -Htan "dst $2"; ok=1; }
	[ "$ok" -eq 0 ]
}

require "tunnels: runs as root" test "$(id -u)" -eq 0
require "tunnels: topology up (vxlan devices, bridge, listener)" tunnels_up

# --- without vaultfw: the kernel delivers every bypass below -----------------
# Each later "receives nothing" is meaningful only because the same frame
# reaches the listener when nothing filters.
udp_from "$PUB_NS" 10.7.0.66 pre-untrusted
udp_from "$TOPO_SUBNET_NS" 10.99.0.2 pre-nested
udp_from "$TOPO_SUBNET_NS" 10.4.0.2 pre-8472
udp_from "$PUB_NS" 10.4.0.66 pre-8472-public
craft udp "$IP_RULE_SRC" pre-qinq "88a8:102,8100:0"
craft ipip "$NO_RULE_SRC" pre-ipip
arrives "tunnels: without vaultfw, VXLAN from an untrusted endpoint reaches UDP 443" \
	udp pre-untrusted
arrives "tunnels: without vaultfw, nested VXLAN (vxlan over vxlan) reaches UDP 443" \
	udp pre-nested
arrives "tunnels: without vaultfw, VXLAN on 8472 reaches UDP 443" udp pre-8472
arrives "tunnels: without vaultfw, public VXLAN on 8472 reaches UDP 443" \
	udp pre-8472-public
arrives "tunnels: without vaultfw, crafted VLAN 102 + priority tag reaches the AF_PACKET receiver" \
	raw pre-qinq
arrives "tunnels: without vaultfw, crafted IPIP reaches the AF_PACKET receiver" raw pre-ipip

require "tunnels: attach native on the vault veth (host.vxlan ports 4789, 8472)" \
	topo_vaultfw attach "$TOPO_IFACE" "$RULES" --mode native

# --- (a) the VNI is only as good as the endpoint that put it there ------------
snap a0
udp_from "$PUB_NS" 10.7.0.66 pe-untrusted-udp
untrusted_tcp=ok
denied_tcp "$PUB_NS" 10.7.0.66 pe-untrusted-tcp || untrusted_tcp=
udp_from "$PUB_NS" 10.3.0.77 iprule-untrusted-8472
# Addressed to another host address: untrusted VXLAN is dropped wherever
# it goes, a tag from the trusted remote is left alone there.
craft vxlan/4789/7001/10.7.0.66/udp "$NO_RULE_SRC" untrusted-elsewhere "" 192.0.2.99
craft vxlan/4789/5002/10.9.0.2/udp "$REMOTE" trusted-elsewhere "" 192.0.2.99
udp_from "$TOPO_SUBNET_NS" 10.7.0.2 pe-trusted-udp
arrives "tunnels: PE VNI 7001 from trusted remote 192.0.2.1: UDP reaches the listener" \
	udp pe-trusted-udp
check "tunnels: PE VNI 7001 from trusted remote 192.0.2.1: TCP connects" \
	tcp_from "$TOPO_SUBNET_NS" 10.7.0.2 pe-trusted-tcp
arrives "tunnels: VXLAN from trusted remote to another address (192.0.2.99) reaches the vault veth" \
	raw trusted-elsewhere
counted "tunnels: untrusted-tunnel counted the untrusted endpoints' VXLAN" \
	a0 untrusted-tunnel 8
never "tunnels: VXLAN from untrusted 198.51.100.99 to another address (192.0.2.99) never reaches the vault veth" \
	raw untrusted-elsewhere
never "tunnels: PE VNI 7001 from untrusted 198.51.100.99: UDP listener receives nothing" \
	udp pe-untrusted-udp
check "tunnels: PE VNI 7001 from untrusted 198.51.100.99: TCP gets no connection" \
	test -n "$untrusted_tcp"
never "tunnels: IP-rule source 203.0.113.5 is no tunnel endpoint: its VXLAN/8472 receives nothing" \
	udp iprule-untrusted-8472
counted "tunnels: private-endpoint counted the trusted remote's PE traffic" \
	a0 private-endpoint 4

# --- (b) VXLAN nested in a denied VNI ----------------------------------------
snap b0
udp_from "$TOPO_SUBNET_NS" 10.99.0.2 nested-udp
nested_tcp=ok
denied_tcp "$TOPO_SUBNET_NS" 10.99.0.2 nested-tcp || nested_tcp=
udp_from "$TOPO_SUBNET_NS" 10.1.0.2 vni5001-udp
arrives "tunnels: VNI 5001 (subnet rule) via trusted remote: UDP reaches the listener" \
	udp vni5001-udp
check "tunnels: VNI 5001 (subnet rule) via trusted remote: TCP connects" \
	tcp_from "$TOPO_SUBNET_NS" 10.1.0.2 vni5001-tcp
counted "tunnels: default-deny counted the nested VXLAN from VNI 5002" b0 default-deny 4
never "tunnels: VXLAN nested in denied VNI 5002: UDP listener receives nothing" \
	udp nested-udp
check "tunnels: VXLAN nested in denied VNI 5002: TCP gets no connection" \
	test -n "$nested_tcp"
counted "tunnels: vnet-rule counted VNI 5001" b0 vnet-rule 4

# --- (c) VXLAN on 8472, declared ---------------------------------------------
snap c0
udp_from "$TOPO_SUBNET_NS" 10.4.0.2 8472-vni5004
udp_from "$TOPO_SUBNET_NS" 10.3.0.2 8472-vni5003-udp
arrives "tunnels: 8472 declared: VNI 5003 (subnet rule) reaches the listener" \
	udp 8472-vni5003-udp
check "tunnels: 8472 declared: VNI 5003 (subnet rule) TCP connects" \
	tcp_from "$TOPO_SUBNET_NS" 10.3.0.2 8472-vni5003-tcp
counted "tunnels: 8472 declared: default-deny counted VNI 5004" c0 default-deny 3
never "tunnels: 8472 declared: VNI 5004 (no rule) listener receives nothing" \
	udp 8472-vni5004
counted "tunnels: 8472 declared: vnet-rule counted VNI 5003" c0 vnet-rule 4

# --- (e) an outer VLAN with an inner priority tag ----------------------------
# VLAN 101 has a subnet rule (10.2.0.0/24), VLAN 102 none; 203.0.113.5 is
# in the IP rule, which matches untagged traffic only.
snap e0
craft udp "$IP_RULE_SRC" qinq-ad-102-0 "88a8:102,8100:0"
craft udp "$IP_RULE_SRC" qinq-q-102-0 "8100:102,8100:0"
craft udp 10.2.0.5 qinq-101-0 "88a8:101,8100:0"
craft udp "$IP_RULE_SRC" prio-only "8100:0"
craft udp "$IP_RULE_SRC" untagged
arrives "tunnels: VLAN: untagged from IP-rule 203.0.113.5 reaches the vault veth" raw untagged
arrives "tunnels: VLAN: priority tag only (id 0) from 203.0.113.5 is untagged and reaches the vault veth" \
	raw prio-only
arrives "tunnels: VLAN: 802.1ad 101 + priority tag from 10.2.0.5 (subnet rule on 101) reaches the vault veth" \
	raw qinq-101-0
counted "tunnels: VLAN: default-deny counted both VLAN 102 + priority tag frames" \
	e0 default-deny 2
never "tunnels: VLAN: 802.1ad 102 + priority tag from 203.0.113.5 never reaches the vault veth" \
	raw qinq-ad-102-0
never "tunnels: VLAN: 802.1Q 102 + priority tag from 203.0.113.5 never reaches the vault veth" \
	raw qinq-q-102-0
counted "tunnels: VLAN: ip-rule counted the untagged and priority-only frames" e0 ip-rule 2
counted "tunnels: VLAN: vnet-rule counted VLAN 101 + priority tag" e0 vnet-rule 1

# --- (d) encapsulations vaultfw does not open ---------------------------------
for kind in ipip 6in4 gre esp ah geneve; do
	case $kind in
	ipip) what="IPIP (4)" ;; 6in4) what="6in4 (41)" ;; gre) what="GRE (47)" ;;
	esp) what="ESP (50)" ;; ah) what="AH (51)" ;; geneve) what="GENEVE (UDP/6081)" ;;
	esac
	snap "d-$kind"
	craft "$kind" "$NO_RULE_SRC" "$kind-denied"
	craft "$kind" "$IP_RULE_SRC" "$kind-allowed"
	arrives "tunnels: $what to 192.0.2.10 from IP-rule 203.0.113.5 reaches the vault veth" \
		raw "$kind-allowed"
	counted "tunnels: $what from 203.0.113.5 counted ip-rule" "d-$kind" ip-rule 1
	counted "tunnels: $what from 198.51.100.99 (no rule) counted default-deny" \
		"d-$kind" default-deny 1
	never "tunnels: $what to 192.0.2.10 from 198.51.100.99 (no rule) never reaches the vault veth" \
		raw "$kind-denied"
done

# An encapsulation inside an opened VXLAN frame is judged by the inner
# source and the VNI: VNI 5002 has no rule, VNI 5001's subnet is 10.1.0.0/24.
snap in0
craft vxlan/4789/5002/10.9.0.2/gre "$REMOTE" in-gre-5002
craft vxlan/4789/5002/10.9.0.2/geneve "$REMOTE" in-geneve-5002
craft vxlan/4789/5002/10.9.0.2/vxlan/8472/5003/10.3.0.2/udp "$REMOTE" in-8472-5002
craft vxlan/8472/5002/10.9.0.2/vxlan/4789/5001/10.1.0.2/udp "$REMOTE" in-4789-8472-5002
craft vxlan/4789/5001/10.1.0.2/ipip "$REMOTE" in-ipip-5001
arrives "tunnels: IPIP inside VXLAN VNI 5001 from 10.1.0.2 (subnet rule) reaches the vault veth" \
	raw in-ipip-5001
counted "tunnels: vnet-rule counted IPIP inside VNI 5001" in0 vnet-rule 1
counted "tunnels: default-deny counted the encapsulations inside VNI 5002" in0 default-deny 4
never "tunnels: GRE inside VXLAN VNI 5002 never reaches the vault veth" raw in-gre-5002
never "tunnels: GENEVE inside VXLAN VNI 5002 never reaches the vault veth" raw in-geneve-5002
never "tunnels: VXLAN/8472 (a declared port) inside VXLAN/4789 VNI 5002 never reaches the vault veth" \
	raw in-8472-5002
never "tunnels: VXLAN/4789 inside VXLAN/8472 VNI 5002 never reaches the vault veth" \
	raw in-4789-8472-5002

# Protocols without ports and without a payload to unwrap stay control plane.
snap cp0
craft proto/89 "$NO_RULE_SRC" ospf
craft proto/112 "$NO_RULE_SRC" vrrp
craft proto/103 "$NO_RULE_SRC" pim
craft icmp "$NO_RULE_SRC" icmp
arrives "tunnels: OSPF (89) from 198.51.100.99 to 192.0.2.10 reaches the vault veth" raw ospf
arrives "tunnels: VRRP (112) from 198.51.100.99 to 192.0.2.10 reaches the vault veth" raw vrrp
arrives "tunnels: PIM (103) from 198.51.100.99 to 192.0.2.10 reaches the vault veth" raw pim
arrives "tunnels: ICMP echo from 198.51.100.99 to 192.0.2.10 reaches the vault veth" raw icmp
counted "tunnels: control-plane counted OSPF, VRRP, PIM and ICMP" cp0 control-plane 4

# --- (c) VXLAN on 8472, not declared ------------------------------------------
check "tunnels: apply host.vxlan ports [4789] (8472 no longer opened)" \
	topo_vaultfw apply "$TOPO_IFACE" "$RULES_4789"
snap u0
rx_before=$(rx_packets "${P}x5004")
udp_from "$PUB_NS" 10.4.0.66 undeclared-no-rule
udp_from "$TOPO_SUBNET_NS" 10.3.0.2 undeclared-trusted
udp_from "$PUB_NS" 10.3.0.77 undeclared-ip-rule
arrives "tunnels: 8472 undeclared: VXLAN from IP-rule 203.0.113.5 is judged by it and reaches the listener" \
	udp undeclared-ip-rule
counted "tunnels: 8472 undeclared: ip-rule counted 203.0.113.5's VXLAN" u0 ip-rule 3
counted "tunnels: 8472 undeclared: default-deny counted the others" u0 default-deny 6
never "tunnels: 8472 undeclared: listener receives nothing from 198.51.100.99 (no rule) via VNI 5004" \
	udp undeclared-no-rule
check "tunnels: 8472 undeclared: the vault's vxlan device on 8472 (VNI 5004) decapsulated nothing" \
	test "$(rx_packets "${P}x5004")" = "$rx_before"
never "tunnels: 8472 undeclared: the trusted remote's VNI 5003 is not opened, nothing arrives" \
	udp undeclared-trusted

check "tunnels: detach" topo_vaultfw detach "$TOPO_IFACE"
t_exit
