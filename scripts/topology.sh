# SPDX-License-Identifier: GPL-2.0
# The namespace topology shared by `make demo` (scripts/demo.sh) and the
# traffic tests (tests/e2e/traffic.sh). Source it, call topo_init PREFIX,
# then topo_up; topo_down undoes everything and is safe to call twice.
#
#   PREFIX-router                          PREFIX-vault
#   public clients, VXLAN endpoint         the vault host
#   192.0.2.1/24       (VTEP)              192.0.2.10/24 (data plane, VTEP)
#   203.0.113.5/24     (allowed IP)        tcp/443 "data plane" server
#   198.51.100.99/24   (denied IP)         tcp/22  "control plane" server
#   198.51.100.130/24  (trusted service)
#        PREFIXr0  <------- veth ------->  PREFIXv0  <- vaultfw XDP here
#
#   PREFIX-subnet: the hosts of two virtual-network subnets. Their VXLAN
#   devices are created in the router namespace and moved here, so the
#   encapsulation happens on the router (as a hypervisor's virtual switch
#   does) and the vault's veth sees real outer UDP/4789 frames:
#     PREFIXsx5001  VNI 5001  10.1.0.2/24 -> vault PREFIXvx5001 10.1.0.1
#     PREFIXsx5002  VNI 5002  10.9.0.2/24 -> vault PREFIXvx5002 10.9.0.1
#   Both reach the vault's data-plane address 192.0.2.10 through their
#   overlay, so the vault judges the inner packet with the VNI as its tag.
#
# vaultfw attaches in native mode to PREFIXv0 and the peer is left alone:
# a veth with an XDP program receives through its own NAPI poll, and the
# kernel takes software GSO off the peer so each frame fits the program's
# single buffer. The known need for "an XDP program or GRO on the peer"
# is for frames XDP_REDIRECTed into a veth (its receiving end must run
# NAPI), which vaultfw never does; the demo and the traffic tests pass
# with neither.
#
# Every name starts with PREFIX (vfwd for the demo, vfwe plus a per-run
# number for the tests) so runs never collide. Interface names are unique
# too, because vaultfw pins per interface name in the global bpffs.

TOPO_VAULT_ADDR=192.0.2.10
TOPO_VTEP_ADDR=192.0.2.1
TOPO_ALLOWED_SRC=203.0.113.5
TOPO_DENIED_SRC=198.51.100.99
TOPO_TRUSTED_SRC=198.51.100.130
TOPO_VNET_SRC=10.1.0.2		# on VNI 5001, bound to a subnet rule
TOPO_UNBOUND_SRC=10.9.0.2	# on VNI 5002, bound to nothing
TOPO_DATA_PORT=443
TOPO_CONTROL_PORT=22
TOPO_DATA_REPLY=vault-data-plane
TOPO_CONTROL_REPLY=vault-control-plane
# Short enough to keep the tests quick, long enough for a SYN to be
# answered on a loaded 2-core machine (a dropped SYN is retried after 1 s).
TOPO_CONNECT_TIMEOUT=${TOPO_CONNECT_TIMEOUT:-1.5}

# topo_init PREFIX: name everything; touches nothing.
topo_init() {
	TOPO_PREFIX=$1
	TOPO_VAULT_NS=$1-vault
	TOPO_ROUTER_NS=$1-router
	TOPO_SUBNET_NS=$1-subnet
	TOPO_IFACE=${1}v0
	TOPO_PEER=${1}r0
	TOPO_PIN_DIR=/sys/fs/bpf/vaultfw/$TOPO_IFACE
}

# topo_in_ns NS CMD...: run CMD in a namespace without remounting /sys, so
# /sys/fs/bpf (where vaultfw pins its maps) stays visible.
topo_in_ns() {
	local ns=$1; shift
	nsenter --net="/run/netns/$ns" "$@"
}

topo_vault() { topo_in_ns "$TOPO_VAULT_NS" "$@"; }
topo_router() { topo_in_ns "$TOPO_ROUTER_NS" "$@"; }
topo_subnet() { topo_in_ns "$TOPO_SUBNET_NS" "$@"; }

# topo_ns_of SRC: the namespace that owns a client source address.
topo_ns_of() {
	case $1 in
	10.*) echo "$TOPO_SUBNET_NS" ;;
	*) echo "$TOPO_ROUTER_NS" ;;
	esac
}

_topo_add_vxlan() {
	local ns=$1 name=$2 vni=$3 local_addr=$4 remote=$5 dev=$6
	topo_in_ns "$ns" ip link add "$name" type vxlan id "$vni" dstport 4789 \
		local "$local_addr" remote "$remote" dev "$dev"
}

_topo_links() {
	local p=$TOPO_PREFIX vni
	ip link add "$TOPO_IFACE" netns "$TOPO_VAULT_NS" type veth \
		peer name "$TOPO_PEER" netns "$TOPO_ROUTER_NS"
	for vni in 5001 5002; do
		_topo_add_vxlan "$TOPO_VAULT_NS" "${p}vx$vni" "$vni" \
			"$TOPO_VAULT_ADDR" "$TOPO_VTEP_ADDR" "$TOPO_IFACE"
		# Keeps its UDP socket in the router namespace after the move.
		_topo_add_vxlan "$TOPO_ROUTER_NS" "${p}sx$vni" "$vni" \
			"$TOPO_VTEP_ADDR" "$TOPO_VAULT_ADDR" "$TOPO_PEER"
		topo_router ip link set "${p}sx$vni" netns "$TOPO_SUBNET_NS"
	done
}

_topo_addresses() {
	local p=$TOPO_PREFIX a
	topo_vault ip addr add "$TOPO_VAULT_ADDR/24" dev "$TOPO_IFACE"
	topo_vault ip addr add 10.1.0.1/24 dev "${p}vx5001"
	topo_vault ip addr add 10.9.0.1/24 dev "${p}vx5002"
	for a in "$TOPO_VTEP_ADDR" "$TOPO_ALLOWED_SRC" "$TOPO_DENIED_SRC" \
		 "$TOPO_TRUSTED_SRC"; do
		topo_router ip addr add "$a/24" dev "$TOPO_PEER"
	done
	topo_subnet ip addr add "$TOPO_VNET_SRC/24" dev "${p}sx5001"
	topo_subnet ip addr add "$TOPO_UNBOUND_SRC/24" dev "${p}sx5002"
}

# The vault answers public clients on-link through its veth. In the
# subnet namespace both subnets reach 192.0.2.10 through their own
# overlay, so the route is picked by source address (socat bind=).
_topo_routes() {
	local p=$TOPO_PREFIX
	topo_vault ip route add 203.0.113.0/24 dev "$TOPO_IFACE"
	topo_vault ip route add 198.51.100.0/24 dev "$TOPO_IFACE"
	topo_subnet ip route add "$TOPO_VAULT_ADDR/32" via 10.1.0.1 dev "${p}sx5001"
	topo_subnet ip route add "$TOPO_VAULT_ADDR/32" via 10.9.0.1 \
		dev "${p}sx5002" table 5002
	topo_subnet ip rule add from 10.9.0.0/24 lookup 5002
}

_topo_links_up() {
	local ns dev
	for ns in "$TOPO_VAULT_NS" "$TOPO_ROUTER_NS" "$TOPO_SUBNET_NS"; do
		# Not /sys/class/net: nsenter leaves the host's sysfs mounted.
		for dev in $(topo_in_ns "$ns" ip -o link show |
			     awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			topo_in_ns "$ns" ip link set "$dev" up
		done
	done
}

# Servers run in the vault namespace and are ended by topo_down, which
# finds them with `ip netns pids` (the namespace is ours alone).
_topo_servers() {
	local port reply
	for port in "$TOPO_DATA_PORT" "$TOPO_CONTROL_PORT"; do
		reply=$TOPO_CONTROL_REPLY
		[ "$port" = "$TOPO_DATA_PORT" ] && reply=$TOPO_DATA_REPLY
		topo_vault socat "TCP-LISTEN:$port,reuseaddr,fork" \
			"SYSTEM:echo $reply" </dev/null >/dev/null 2>&1 &
	done
	_topo_wait_listening "$TOPO_DATA_PORT" && \
		_topo_wait_listening "$TOPO_CONTROL_PORT"
}

_topo_wait_listening() {
	local port=$1 i
	for i in $(seq 50); do
		topo_vault ss -Hltn "sport = :$port" | grep -q LISTEN && return 0
		sleep 0.1
	done
	echo "topology: server on port $port did not start" >&2
	return 1
}

# topo_up: build the whole topology; on failure it is torn down again.
topo_up() {
	topo_down
	ip netns add "$TOPO_VAULT_NS" && ip netns add "$TOPO_ROUTER_NS" &&
		ip netns add "$TOPO_SUBNET_NS" && _topo_links &&
		_topo_addresses && _topo_links_up && _topo_routes &&
		_topo_servers && topo_wait_reachable && return 0
	echo "topology: could not set up the $TOPO_PREFIX namespaces" >&2
	topo_down
	return 1
}

# topo_wait_reachable: every source reaches the control-plane port
# (links just came up; IPv6 DAD and neighbour resolution settle).
topo_wait_reachable() {
	local src i
	for src in "$TOPO_ALLOWED_SRC" "$TOPO_VNET_SRC" "$TOPO_UNBOUND_SRC"; do
		for i in $(seq 20); do
			topo_connect "$src" "$TOPO_CONTROL_PORT" >/dev/null 2>&1 && break
			[ "$i" -eq 20 ] && {
				echo "topology: $src cannot reach the vault" >&2
				return 1
			}
			sleep 0.2
		done
	done
}

# topo_down: detach vaultfw if it is still attached, end our servers,
# delete our namespaces (which deletes every link in them).
topo_down() {
	local ns pid
	[ -n "${TOPO_PREFIX:-}" ] || return 0
	if [ -e "/run/netns/$TOPO_VAULT_NS" ] && [ -d "$TOPO_PIN_DIR" ] &&
	   [ -x "${VAULTFW:-}" ]; then
		topo_vault "$VAULTFW" detach "$TOPO_IFACE" >/dev/null 2>&1
	fi
	for ns in "$TOPO_SUBNET_NS" "$TOPO_ROUTER_NS" "$TOPO_VAULT_NS"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns"); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns"
	done
	# The interface is gone; pins left by a crashed run are ours.
	[ -d "$TOPO_PIN_DIR" ] && rm -rf "$TOPO_PIN_DIR"
	return 0
}

# topo_connect SRC PORT: one TCP connection from SRC to the vault. Prints
# the server's reply and succeeds when the reply is the expected one.
topo_connect() {
	local src=$1 port=$2 expect=$TOPO_DATA_REPLY reply
	[ "$port" = "$TOPO_CONTROL_PORT" ] && expect=$TOPO_CONTROL_REPLY
	reply=$(topo_in_ns "$(topo_ns_of "$src")" socat -T 2 -u \
		"TCP:$TOPO_VAULT_ADDR:$port,bind=$src,connect-timeout=$TOPO_CONNECT_TIMEOUT" \
		STDOUT 2>&1)
	echo "$reply"
	[ "$reply" = "$expect" ]
}

# topo_ping SRC: one ICMP echo from SRC to the vault.
topo_ping() {
	topo_in_ns "$(topo_ns_of "$1")" ping -q -c 1 -W 1 -I "$1" "$TOPO_VAULT_ADDR" \
		>/dev/null 2>&1
}

# topo_vaultfw ARGS...: the vaultfw CLI inside the vault namespace.
topo_vaultfw() { topo_vault "$VAULTFW" "$@"; }
