# SPDX-License-Identifier: GPL-2.0
# The one place that builds network topologies: for `make demo`
# (scripts/demo.sh) and, through tests/lib.sh, for every e2e suite. Source
# it, call topo_run_init TAG once, then build; everything the run made is
# removed by one EXIT trap, also on failure, Ctrl-C, SIGTERM or SIGHUP.
#
# Per-run names. topo_run_init derives the run's prefix once: "vf", the
# TAG (one letter a-z, one per suite or script) and the PID of the shell
# that sourced this ($$), e.g. vft4242. Every namespace is PREFIX-ROLE
# (topo_ns_name ROLE: vft4242-vault) and every interface PREFIXSUFFIX
# (topo_ifname SUFFIX: vft4242v0), so two runs never share a name while
# both live, and cleanup removes only names with its own prefix. A
# suffix is at most TOPO_SUFFIX_MAX (5) characters, a letter and a 4-digit
# VNI at the longest (vft4242x5001): with the largest PID Linux hands out
# (4194303, 7 digits) the longest name is vf + 1 + 7 + 5 = 15 characters,
# IFNAMSIZ - 1. A name with our prefix that exists before we made it can
# only be left by a run with this very tag and PID that was SIGKILLed; the
# builders below remove such leftovers before they reuse the name.
#
#   topo_run_init TAG           names, TOPO_TMP (a private directory), traps
#   topo_prefix TAG PID         the prefix a run with that TAG and PID gets
#   topo_ns_name ROLE           PREFIX-ROLE
#   topo_ifname SUFFIX          PREFIXSUFFIX, refused when over 15 characters
#   topo_in_ns NS CMD...        CMD in namespace NS (nsenter: /sys, and so
#                               /sys/fs/bpf, stay the host's)
#   topo_ns_add NS              a namespace, loopback up
#   topo_no_ipv6 NS...          IPv6 off in those namespaces
#   topo_veth NS_A IF_A NS_B IF_B [MAC_A]   a veth pair between them, up
#   topo_vxlan NS NAME VNI PORT LOCAL REMOTE DEV [MAC]   a vxlan device, up
#   topo_move NS DEV TO_NS      move a device to another namespace, up there
#   topo_bridge NS NAME PORT... a bridge over PORTs, all up
#   topo_bg NS CMD...           CMD in the background in NS ("" for here)
#                               until cleanup (TOPO_BG_PID; call it from the
#                               main shell, not a subshell, so the cleanup
#                               knows it)
#   topo_stop PID               end one such process now (a suite may also
#                               signal and wait for it itself)
#   topo_listen NS LOG ADDR PORT OPTION...   the recording listener
#                               (scripts/listener.py) until cleanup
#   topo_heard LOG REGEX        the listener's LOG has a line matching REGEX
#   topo_wait SECONDS CMD...    poll CMD every 0.1 s, false after SECONDS
#   topo_on_cleanup CMD         one more step for the cleanup (run first,
#                               last registered first)
#   topo_cleanup                the EXIT trap; safe to call again
#
# Three topologies are built from these: topo_pair_up (two namespaces and
# a veth pair, for most suites), topo_up (below, for the demo and
# tests/e2e/traffic.sh) and topo_tunnels_up (further below, for
# tests/e2e/tunnels.sh). Their names are set by topo_run_init.
#
# The demo topology (topo_up):
#
#   PREFIX-router                          PREFIX-vault
#   public clients, VXLAN endpoint         the vault host
#   192.0.2.1/24       (VTEP)              192.0.2.10/24 (data plane, VTEP)
#   203.0.113.5/24     (allowed IP)        tcp/443 "data plane" listener
#   198.51.100.99/24   (denied IP)         tcp/22  "control plane" listener
#   198.51.100.130/24  (trusted service)
#        PREFIXr0  <------- veth ------->  PREFIXv0  <- vaultfw XDP here
#
#   PREFIX-subnet: the hosts of two virtual-network subnets. Their VXLAN
#   devices are created in the router namespace and moved here, so the
#   encapsulation happens on the router (as a hypervisor's virtual switch
#   does) and the vault's veth sees real outer UDP/4789 frames:
#     PREFIXs5001  VNI 5001  10.1.0.2/24 -> vault PREFIXx5001 10.1.0.1
#     PREFIXs5002  VNI 5002  10.9.0.2/24 -> vault PREFIXx5002 10.9.0.1
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

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_PY=${TOPO_PY:-/usr/bin/python3}	# Debian's, with scapy
TOPO_PIN_ROOT=/sys/fs/bpf/vaultfw	# VFW_PIN_ROOT of maps/vaultfw.h
TOPO_IFNAMSIZ=15			# the kernel's IFNAMSIZ, without the NUL
TOPO_SUFFIX_MAX=5
TOPO_PID_MAX=4194304			# PID_MAX_LIMIT: no PID reaches it

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
TOPO_VAULT_MAC=02:76:66:00:00:10	# the tunnels topology pins it
# Short enough to keep the tests quick, long enough for a SYN to be
# answered on a loaded 2-core machine (a dropped SYN is retried after 1 s).
TOPO_CONNECT_TIMEOUT=${TOPO_CONNECT_TIMEOUT:-1.5}

# --- per-run names and cleanup -------------------------------------------

topo_prefix() { echo "vf$1$2"; }

# topo_run_init TAG: name the run, make TOPO_TMP, install the traps.
topo_run_init() {
	local tag=${1:-}
	if ! [[ $tag =~ ^[a-z]$ ]]; then
		echo "topology: the run tag must be one letter a-z, not '$tag'" >&2
		return 1
	fi
	TOPO_PREFIX=$(topo_prefix "$tag" $$)
	TOPO_NS_LIST=() TOPO_IF_LIST=() TOPO_PIDS=() TOPO_HOOKS=()
	TOPO_VAULT_NS=$(topo_ns_name vault)
	TOPO_ROUTER_NS=$(topo_ns_name router)
	TOPO_SUBNET_NS=$(topo_ns_name subnet)
	TOPO_TR_NS=$(topo_ns_name tr)
	TOPO_PUB_NS=$(topo_ns_name pub)
	TOPO_IFACE=$(topo_ifname v0)
	TOPO_PEER=$(topo_ifname r0)
	TOPO_PIN_DIR=	# known once TOPO_IFACE exists: topo_veth sets it
	TOPO_PIN_DIRS=()
	TOPO_TMP=$(mktemp -d "/tmp/$TOPO_PREFIX.XXXXXX") || return 1
	trap topo_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

topo_ns_name() { echo "$TOPO_PREFIX-$1"; }

topo_ifname() {
	local name=$TOPO_PREFIX$1
	if [ ${#1} -gt $TOPO_SUFFIX_MAX ] || [ ${#name} -gt $TOPO_IFNAMSIZ ]; then
		echo "topology: interface name $name: over $TOPO_SUFFIX_MAX characters of" \
			"suffix or $TOPO_IFNAMSIZ in all" >&2
		return 1
	fi
	echo "$name"
}

# _topo_ours NAME: NAME is one of this run's (namespace or interface).
_topo_ours() {
	[ -n "${TOPO_PREFIX:-}" ] && [[ $1 == "$TOPO_PREFIX"[-a-z]* ]] && return 0
	echo "topology: $1 is not a name of this run ($TOPO_PREFIX...)" >&2
	return 1
}

topo_on_cleanup() { TOPO_HOOKS+=("$*"); }

# _topo_alive PID: PID runs (a zombie does not).
_topo_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# _topo_kill PID...: TERM, then KILL what still runs after 5 s (time for
# a run of the harness to clean up after itself); reaps those that are
# children of this shell.
_topo_kill() {
	local pid i alive=
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		alive=
		for pid; do _topo_alive "$pid" && alive=1; done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	[ -z "$alive" ] || kill -KILL "$@" 2>/dev/null
	for pid; do wait "$pid" 2>/dev/null; done	# no "Terminated" from bash
	return 0
}

# _topo_ns_del NS: end what runs in NS (only this run starts anything in
# its namespaces), then delete it and with it every link in it.
_topo_ns_del() {
	[ -e "/run/netns/$1" ] || return 0
	# shellcheck disable=SC2046 # one PID a word
	_topo_kill $(ip netns pids "$1")
	ip netns del "$1"
}

# topo_pin_dir NS IFACE: vaultfw's pin directory for that interface, named
# by its network namespace and index (docs/design.md "Interface identity").
topo_pin_dir() {
	local ifindex
	ifindex=$(ip -n "$1" -o link show dev "$2" 2>/dev/null | cut -d: -f1) &&
	[ -n "$ifindex" ] &&
	echo "$TOPO_PIN_ROOT/net$(stat -L -c %i "/run/netns/$1")-if$ifindex"
}

# _topo_unpin NS IFACE: detach vaultfw from one of our interfaces.
_topo_unpin() {
	if [ -e "/run/netns/$1" ] && [ -x "${VAULTFW:-}" ]; then
		topo_in_ns "$1" "$VAULTFW" -q detach "$2" >/dev/null 2>&1
	fi
	return 0
}

# _topo_running: TOPO_RUNNING becomes the processes of topo_bg that still
# run. Bash lists only children it has not seen exit, so a PID that a
# finished one had, and the kernel may have handed to someone else since,
# is never signalled. (Not in a pipeline or subshell: those see no jobs.)
_topo_running() {
	local pid all
	TOPO_RUNNING=()
	all=$(jobs -rp)
	for pid in $all; do
		[[ " ${TOPO_PIDS[*]} " != *" $pid "* ]] || TOPO_RUNNING+=("$pid")
	done
}

topo_cleanup() {
	local i entry
	[ -n "${TOPO_PREFIX:-}" ] || return 0
	trap '' HUP INT TERM	# a second signal must not stop it halfway
	for ((i = ${#TOPO_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${TOPO_HOOKS[i]}"
	done
	TOPO_HOOKS=()
	_topo_running
	_topo_kill "${TOPO_RUNNING[@]}"
	TOPO_PIDS=()
	for entry in "${TOPO_IF_LIST[@]}"; do
		_topo_unpin "${entry%%:*}" "${entry#*:}"
	done
	TOPO_IF_LIST=()
	for entry in "${TOPO_PIN_DIRS[@]}"; do
		[ ! -d "$entry" ] || rm -rf "${entry:?}"
	done
	TOPO_PIN_DIRS=()
	for ((i = ${#TOPO_NS_LIST[@]} - 1; i >= 0; i--)); do
		_topo_ns_del "${TOPO_NS_LIST[i]}"
	done
	TOPO_NS_LIST=()
	[ -z "${TOPO_TMP:-}" ] || rm -rf "$TOPO_TMP"
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	return 0
}

# --- building blocks -------------------------------------------------------

topo_in_ns() {
	local ns=$1; shift
	nsenter --net="/run/netns/$ns" "$@"
}

topo_ns_add() {
	_topo_ours "$1" || return 1
	if [ -e "/run/netns/$1" ]; then
		echo "topology: removing $1, left by a killed run with this PID" >&2
		_topo_ns_del "$1"
	fi
	ip netns add "$1" || return 1
	TOPO_NS_LIST+=("$1")
	topo_in_ns "$1" ip link set lo up
}

topo_no_ipv6() {
	local ns
	for ns; do
		topo_in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
}

# _topo_if_add NS IFACE: check and register a new interface of ours;
# pins of a killed run's interface of that name go first.
_topo_if_add() {
	_topo_ours "$2" || return 1
	if [ ${#2} -gt $TOPO_IFNAMSIZ ]; then
		echo "topology: interface name $2 is over $TOPO_IFNAMSIZ characters" >&2
		return 1
	fi
	[ ! -d "$TOPO_PIN_ROOT/$2" ] || rm -rf "${TOPO_PIN_ROOT:?}/$2"
	TOPO_IF_LIST+=("$1:$2")
}

topo_veth() {
	local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4 mac=${5:-}
	_topo_if_add "$ns_a" "$if_a" && _topo_if_add "$ns_b" "$if_b" &&
	ip link add "$if_a" netns "$ns_a" ${mac:+address "$mac"} type veth \
		peer name "$if_b" netns "$ns_b" &&
	topo_in_ns "$ns_a" ip link set "$if_a" up &&
	topo_in_ns "$ns_b" ip link set "$if_b" up || return 1
	[ "$if_a" != "$TOPO_IFACE" ] || _topo_note_pin_dir "$ns_a" "$if_a"
}

# The pin directory of the run's vaultfw interface, kept for the cleanup,
# which removes what a detach could not (the interface gone meanwhile).
_topo_note_pin_dir() {
	TOPO_PIN_DIR=$(topo_pin_dir "$1" "$2") || return 1
	TOPO_PIN_DIRS+=("$TOPO_PIN_DIR")
}

topo_vxlan() {
	local ns=$1 name=$2 vni=$3 port=$4 local_addr=$5 remote=$6 dev=$7 mac=${8:-}
	_topo_if_add "$ns" "$name" &&
	topo_in_ns "$ns" ip link add "$name" ${mac:+address "$mac"} type vxlan id "$vni" \
		dstport "$port" local "$local_addr" remote "$remote" dev "$dev" &&
	topo_in_ns "$ns" ip link set "$name" up
}

# topo_move NS DEV TO_NS: a vxlan device keeps its UDP socket in NS.
topo_move() {
	local i
	topo_in_ns "$1" ip link set "$2" netns "$3" &&
	topo_in_ns "$3" ip link set "$2" up || return 1
	for i in "${!TOPO_IF_LIST[@]}"; do
		[ "${TOPO_IF_LIST[i]}" != "$1:$2" ] || TOPO_IF_LIST[i]=$3:$2
	done
}

topo_bridge() {
	local ns=$1 br=$2 port; shift 2
	_topo_if_add "$ns" "$br" &&
	topo_in_ns "$ns" ip link add "$br" type bridge || return 1
	for port; do
		topo_in_ns "$ns" ip link set "$port" master "$br" &&
		topo_in_ns "$ns" ip link set "$port" up || return 1
	done
	topo_in_ns "$ns" ip link set "$br" up
}

# topo_bg NS CMD...: stdin is /dev/null; redirect the call for the output.
# nsenter execs CMD, so TOPO_BG_PID is CMD itself (for signals). An empty
# NS runs CMD where this shell runs (another run of the harness, say).
topo_bg() {
	local ns=$1; shift
	if [ -n "$ns" ]; then
		nsenter --net="/run/netns/$ns" "$@" </dev/null &
	else
		"$@" </dev/null &
	fi
	TOPO_BG_PID=$!
	TOPO_PIDS+=("$TOPO_BG_PID")
}

topo_stop() {
	local pid=$1 i
	_topo_running
	if [[ " ${TOPO_RUNNING[*]} " == *" $pid "* ]]; then
		_topo_kill "$pid"
	else
		wait "$pid" 2>/dev/null
	fi
	for i in "${!TOPO_PIDS[@]}"; do
		[ "${TOPO_PIDS[i]}" != "$pid" ] || unset 'TOPO_PIDS[i]'
	done
	TOPO_PIDS=("${TOPO_PIDS[@]}")
}

topo_wait() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

# topo_listen NS LOG ADDR PORT OPTION...: see scripts/listener.py for the
# OPTIONs and what LOG records; its own errors go to LOG.err. Returns once
# it listens (TOPO_LISTEN_PID), or fails after 10 s.
topo_listen() {
	local ns=$1 log=$2 addr=$3 port=$4; shift 4
	topo_bg "$ns" "$TOPO_PY" "$TOPO_DIR/listener.py" "$log" "$addr" "$port" "$@" \
		>>"$log.err" 2>&1
	TOPO_LISTEN_PID=$TOPO_BG_PID
	topo_wait 10 grep -qsx ready "$log" && return 0
	echo "topology: the listener on $addr:$port in $ns did not start:" >&2
	cat "$log.err" >&2
	return 1
}

topo_heard() { grep -qE -- "$2" "$1"; }

# --- the pair: two namespaces joined by a veth ------------------------------

# topo_pair_up NS IFACE PEER_NS PEER [ADDR/LEN [PEER_ADDR/LEN]]
topo_pair_up() {
	topo_ns_add "$1" && topo_ns_add "$3" && topo_veth "$1" "$2" "$3" "$4" &&
	{ [ -z "${5:-}" ] || topo_in_ns "$1" ip addr add "$5" dev "$2"; } &&
	{ [ -z "${6:-}" ] || topo_in_ns "$3" ip addr add "$6" dev "$4"; }
}

# --- the demo topology -----------------------------------------------------

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

_topo_links() {
	local vni
	topo_veth "$TOPO_VAULT_NS" "$TOPO_IFACE" "$TOPO_ROUTER_NS" "$TOPO_PEER" || return 1
	for vni in 5001 5002; do
		topo_vxlan "$TOPO_VAULT_NS" "$(topo_ifname "x$vni")" "$vni" 4789 \
			"$TOPO_VAULT_ADDR" "$TOPO_VTEP_ADDR" "$TOPO_IFACE" &&
		topo_vxlan "$TOPO_ROUTER_NS" "$(topo_ifname "s$vni")" "$vni" 4789 \
			"$TOPO_VTEP_ADDR" "$TOPO_VAULT_ADDR" "$TOPO_PEER" &&
		topo_move "$TOPO_ROUTER_NS" "$(topo_ifname "s$vni")" "$TOPO_SUBNET_NS" || return 1
	done
}

_topo_addresses() {
	local a
	topo_vault ip addr add "$TOPO_VAULT_ADDR/24" dev "$TOPO_IFACE" &&
	topo_vault ip addr add 10.1.0.1/24 dev "$(topo_ifname x5001)" &&
	topo_vault ip addr add 10.9.0.1/24 dev "$(topo_ifname x5002)" || return 1
	for a in "$TOPO_VTEP_ADDR" "$TOPO_ALLOWED_SRC" "$TOPO_DENIED_SRC" \
		 "$TOPO_TRUSTED_SRC"; do
		topo_router ip addr add "$a/24" dev "$TOPO_PEER" || return 1
	done
	topo_subnet ip addr add "$TOPO_VNET_SRC/24" dev "$(topo_ifname s5001)" &&
	topo_subnet ip addr add "$TOPO_UNBOUND_SRC/24" dev "$(topo_ifname s5002)"
}

# The vault answers public clients on-link through its veth. In the
# subnet namespace both subnets reach 192.0.2.10 through their own
# overlay, so the route is picked by source address (socat bind=).
_topo_routes() {
	topo_vault ip route add 203.0.113.0/24 dev "$TOPO_IFACE" &&
	topo_vault ip route add 198.51.100.0/24 dev "$TOPO_IFACE" &&
	topo_subnet ip route add "$TOPO_VAULT_ADDR/32" via 10.1.0.1 \
		dev "$(topo_ifname s5001)" &&
	topo_subnet ip route add "$TOPO_VAULT_ADDR/32" via 10.9.0.1 \
		dev "$(topo_ifname s5002)" table 5002 &&
	topo_subnet ip rule add from 10.9.0.0/24 lookup 5002
}

# The vault's two listeners greet each connection with their reply and
# record what arrives in TOPO_TMP/data.log and TOPO_TMP/control.log.
_topo_servers() {
	topo_listen "$TOPO_VAULT_NS" "$TOPO_TMP/data.log" 0.0.0.0 "$TOPO_DATA_PORT" \
		--tcp --greet "$TOPO_DATA_REPLY" &&
	topo_listen "$TOPO_VAULT_NS" "$TOPO_TMP/control.log" 0.0.0.0 "$TOPO_CONTROL_PORT" \
		--tcp --greet "$TOPO_CONTROL_REPLY"
}

# topo_up: build the demo topology. On failure what it built stays for the
# cleanup, which the caller's exit runs.
topo_up() {
	topo_ns_add "$TOPO_VAULT_NS" && topo_ns_add "$TOPO_ROUTER_NS" &&
		topo_ns_add "$TOPO_SUBNET_NS" && _topo_links &&
		_topo_addresses && _topo_routes && _topo_servers &&
		topo_wait_reachable && return 0
	echo "topology: could not set up the $TOPO_PREFIX namespaces" >&2
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

# topo_connect SRC PORT: one TCP connection from SRC to the vault. Prints
# the listener's greeting and succeeds when it is the expected one.
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

# --- the tunnels topology (tests/e2e/tunnels.sh) ----------------------------
#
#   PREFIX-tr    trusted tunnel endpoint 192.0.2.1 (host.vxlan.remotes)
#                creates the tenants' vxlan devices and moves them to
#   PREFIX-subnet  tenants, reaching 192.0.2.10 through their overlay:
#                  VNI 5001/4789 10.1.0.2 (subnet rule)
#                  VNI 5002/4789 10.9.0.2 (no rule), and nested in it
#                    VNI 9001/4789 10.99.0.2 (a vxlan device over it)
#                  VNI 7001/4789 10.7.0.2 (approved private endpoint)
#                  VNI 5003/8472 10.3.0.2 (subnet rule)
#                  VNI 5004/8472 10.4.0.2 (no rule)
#   PREFIX-pub   public client, in no list of tunnel endpoints:
#                198.51.100.99 (no rule): VNI 7001/4789 10.7.0.66,
#                                         VNI 5004/8472 10.4.0.66
#                203.0.113.5 (IP rule):   VNI 5003/8472 10.3.0.77
#   PREFIX-router  a bridge PREFIXbr joining the three to the vault's veth
#                (PREFIXr0, PREFIXbt to PREFIXt0, PREFIXbp to PREFIXp0), so
#                frames crafted with AF_PACKET on PREFIXr0 reach the vault
#                with no receive in between to strip a VLAN tag
#   PREFIX-vault 192.0.2.10 on PREFIXv0 (MAC TOPO_VAULT_MAC), a vxlan
#                device PREFIXxVNI per VNI above, PREFIXx9001 over
#                PREFIXx5002. Tenants' devices are PREFIXsVNI (PREFIXn9001
#                nested), the public client's PREFIXaVNI.
#
# Every namespace has IPv6 off; clients reach 192.0.2.10 through their
# device by policy route (table VNI) with a pinned neighbour, so nothing
# waits on ARP through a tunnel vaultfw may drop.

# topo_vxlan_mac VNI: the MAC of the vault's device for VNI.
topo_vxlan_mac() { printf '02:76:66:%02x:%02x:01' $(($1 >> 8)) $(($1 & 255)); }

# _topo_vault_vxlan VNI PORT REMOTE DEV ADDR
_topo_vault_vxlan() {
	local dev
	dev=$(topo_ifname "x$1") &&
	topo_vxlan "$TOPO_VAULT_NS" "$dev" "$1" "$2" "$TOPO_VAULT_ADDR" "$3" "$4" \
		"$(topo_vxlan_mac "$1")" &&
	topo_vault ip addr add "$5/24" dev "$dev"
}

# _topo_client NS DEV VNI ADDR: ADDR/24 on DEV, routed to the vault by it.
_topo_client() {
	local ns=$1 dev=$2 vni=$3 addr=$4 gw=${4%.*}.1
	topo_in_ns "$ns" ip link set "$dev" up &&
	topo_in_ns "$ns" ip addr add "$addr/24" dev "$dev" &&
	topo_in_ns "$ns" ip neigh replace "$gw" lladdr "$(topo_vxlan_mac "$vni")" \
		dev "$dev" nud permanent &&
	topo_in_ns "$ns" ip route add "$TOPO_VAULT_ADDR/32" via "$gw" dev "$dev" table "$vni" &&
	topo_in_ns "$ns" ip rule add from "$addr" lookup "$vni"
}

# _topo_tenant VNI PORT ADDR: a device of the trusted endpoint, moved to
# the subnet namespace.
_topo_tenant() {
	local dev
	dev=$(topo_ifname "s$1") &&
	topo_vxlan "$TOPO_TR_NS" "$dev" "$1" "$2" "$TOPO_VTEP_ADDR" "$TOPO_VAULT_ADDR" \
		"$(topo_ifname t0)" &&
	topo_move "$TOPO_TR_NS" "$dev" "$TOPO_SUBNET_NS" &&
	_topo_client "$TOPO_SUBNET_NS" "$dev" "$1" "$3"
}

# _topo_public VNI PORT OUTER_SRC ADDR: a device of the public client.
_topo_public() {
	local dev
	dev=$(topo_ifname "a$1") &&
	topo_vxlan "$TOPO_PUB_NS" "$dev" "$1" "$2" "$3" "$TOPO_VAULT_ADDR" "$(topo_ifname p0)" &&
	_topo_client "$TOPO_PUB_NS" "$dev" "$1" "$4"
}

topo_tunnels_up() {
	local p=$TOPO_PREFIX vault=$TOPO_VAULT_ADDR remote=$TOPO_VTEP_ADDR ns
	for ns in "$TOPO_VAULT_NS" "$TOPO_ROUTER_NS" "$TOPO_SUBNET_NS" "$TOPO_TR_NS" \
		  "$TOPO_PUB_NS"; do
		topo_ns_add "$ns" && topo_no_ipv6 "$ns" || return 1
	done
	topo_veth "$TOPO_VAULT_NS" "$TOPO_IFACE" "$TOPO_ROUTER_NS" "$TOPO_PEER" \
		"$TOPO_VAULT_MAC" &&
	topo_veth "$TOPO_TR_NS" "${p}t0" "$TOPO_ROUTER_NS" "${p}bt" &&
	topo_veth "$TOPO_PUB_NS" "${p}p0" "$TOPO_ROUTER_NS" "${p}bp" &&
	topo_bridge "$TOPO_ROUTER_NS" "${p}br" "$TOPO_PEER" "${p}bt" "${p}bp" &&
	topo_vault ip addr add "$vault/24" dev "$TOPO_IFACE" &&
	topo_vault ip route add 198.51.100.0/24 dev "$TOPO_IFACE" &&
	topo_vault ip route add 203.0.113.0/24 dev "$TOPO_IFACE" &&
	topo_in_ns "$TOPO_TR_NS" ip addr add "$remote/24" dev "${p}t0" &&
	topo_in_ns "$TOPO_PUB_NS" ip addr add "$TOPO_DENIED_SRC/24" dev "${p}p0" &&
	topo_in_ns "$TOPO_PUB_NS" ip addr add "$TOPO_ALLOWED_SRC/24" dev "${p}p0" &&
	topo_in_ns "$TOPO_PUB_NS" ip route add 192.0.2.0/24 dev "${p}p0" || return 1

	# The vault's devices: one per VNI and port, 9001 over 5002.
	_topo_vault_vxlan 5001 4789 "$remote" "$TOPO_IFACE" 10.1.0.1 &&
	_topo_vault_vxlan 5002 4789 "$remote" "$TOPO_IFACE" 10.9.0.1 &&
	_topo_vault_vxlan 7001 4789 "$remote" "$TOPO_IFACE" 10.7.0.1 &&
	_topo_vault_vxlan 9001 4789 10.9.0.2 "${p}x5002" 10.99.0.1 &&
	_topo_vault_vxlan 5003 8472 "$remote" "$TOPO_IFACE" 10.3.0.1 &&
	_topo_vault_vxlan 5004 8472 "$remote" "$TOPO_IFACE" 10.4.0.1 || return 1

	# The tenants behind the trusted endpoint, and the nested device.
	_topo_tenant 5001 4789 10.1.0.2 && _topo_tenant 5002 4789 10.9.0.2 &&
	_topo_tenant 7001 4789 10.7.0.2 && _topo_tenant 5003 8472 10.3.0.2 &&
	_topo_tenant 5004 8472 10.4.0.2 &&
	topo_vxlan "$TOPO_SUBNET_NS" "${p}n9001" 9001 4789 10.9.0.2 "$vault" "${p}s5002" &&
	_topo_client "$TOPO_SUBNET_NS" "${p}n9001" 9001 10.99.0.2 || return 1

	# The public client's own tunnels.
	_topo_public 7001 4789 "$TOPO_DENIED_SRC" 10.7.0.66 &&
	_topo_public 5004 8472 "$TOPO_DENIED_SRC" 10.4.0.66 &&
	_topo_public 5003 8472 "$TOPO_ALLOWED_SRC" 10.3.0.77
}
