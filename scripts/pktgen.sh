#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Line-rate traffic at a NIC that runs vaultfw, from the kernel's packet
# generator (/proc/net/pktgen) on a second host, in the style of the
# kernel's samples/pktgen scripts. Each pktgen thread (one per CPU) sends
# one class of the frame mix, in turn:
#   allowed  sources inside an IP rule of the rules file: vaultfw passes them
#   denied   sources no rule covers (-D): vaultfw drops them
#   vlan     802.1Q-tagged, from the VLAN subnet of the rules file
# pktgen sends UDP only, so the destination port is the first udp/N
# data-plane port of the rules file (or -p): add one to host.dataPlane.ports
# for the run. Read the verdicts on the receiver with `vaultfw stats DEV`.
set -euo pipefail

# VFW_PKTGEN_DIR: another place to look, for the tests only.
PGDIR=${VFW_PKTGEN_DIR:-/proc/net/pktgen}
ME=$(basename "$0")

usage() {
	cat <<EOF
Usage: $ME -i DEV -m DST_MAC [-d DST_IP] [-r RULES.json] [options]
  -i DEV       sending interface (on this host)
  -m DST_MAC   MAC address of the NIC running vaultfw
  -d DST_IP    destination IPv4 (default: the rules file's first data-plane address)
  -r RULES     the vault's rules file: sources and ports come from it
  -M MIX       comma-separated classes: allowed, denied, vlan (default allowed,denied)
  -A CIDR      allowed sources (default: the rules file's first IPv4 IP rule)
  -D CIDR      denied sources, covered by no rule (default 198.51.100.0/26)
  -V VLAN      VLAN id of the vlan class (default: the rules file's first VLAN subnet)
  -S CIDR      sources of the vlan class (default: that subnet's prefix)
  -p PORT      UDP destination port (default: the rules file's first udp/N port)
  -s SIZE      frame size in bytes, without FCS (default 60)
  -t THREADS   pktgen threads, one per CPU from -f (default 1)
  -f CPU       first CPU (default 0)
  -n COUNT     frames per thread, 0 for no end (default 10000000)
  -b BURST     frames sent per skb (default 1)
  -N           dry run: print what would be written to $PGDIR, send nothing
  -v           verbose: print each pktgen command
  -h, --help   this text
EOF
}

err() { echo "$ME: $*" >&2; exit 1; }
info() { [ -z "$VERBOSE" ] || echo "$ME: $*" >&2; }

# pg_write FILE CMD: one pktgen command, or its echo in a dry run.
pg_write() {
	local file=$PGDIR/$1; shift
	info "$file: $*"
	if [ -n "$DRY_RUN" ]; then
		echo "$file: $*"
		return 0
	fi
	echo "$*" >"$file" || err "writing '$*' to $file failed"
	# pktgen reports a rejected command in the thread's or device's file.
	[ "$file" = "$PGDIR/pgctrl" ] || grep -q '^Result: OK' "$file" ||
		err "$file rejected '$*': $(grep '^Result:' "$file")"
}
pg_ctrl() { pg_write pgctrl "$@"; }
pg_thread() { local t=$1; shift; pg_write "kpktgend_$t" "$@"; }
pg_set() { local d=$1; shift; pg_write "$d" "$@"; }

ip_to_int() {
	local IFS=. a b c d
	read -r a b c d <<<"$1"
	echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int_to_ip() {
	echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"
}

# cidr_range CIDR: FIRST and LAST become the ends of an IPv4 prefix.
cidr_range() {
	local addr=${1%/*} len=32 base mask
	[[ $1 == */* ]] && len=${1#*/}
	[[ $addr =~ ^[0-9]+(\.[0-9]+){3}$ && $len =~ ^[0-9]+$ && $len -le 32 ]] ||
		err "'$1' is not an IPv4 address or prefix"
	mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
	base=$(($(ip_to_int "$addr") & mask))
	FIRST=$(int_to_ip $base)
	LAST=$(int_to_ip $((base | (~mask & 0xffffffff))))
}

# rules_value JQ_FILTER: the first value the filter finds in the rules file.
rules_value() {
	[ -n "$RULES" ] || return 0
	jq -r "first($1) // empty" "$RULES" || err "$RULES: not readable JSON"
}

DEV= DST_MAC= DST_IP= RULES= MIX=allowed,denied ALLOWED= DENIED=198.51.100.0/26
VLAN= VLAN_SRC= PORT= SIZE=60 THREADS=1 FIRST_CPU=0 COUNT=10000000 BURST=1
DRY_RUN= VERBOSE=

[ "${1:-}" = --help ] && { usage; exit 0; }
while getopts "i:m:d:r:M:A:D:V:S:p:s:t:f:n:b:Nvh" opt; do
	case $opt in
	i) DEV=$OPTARG ;;
	m) DST_MAC=$OPTARG ;;
	d) DST_IP=$OPTARG ;;
	r) RULES=$OPTARG ;;
	M) MIX=$OPTARG ;;
	A) ALLOWED=$OPTARG ;;
	D) DENIED=$OPTARG ;;
	V) VLAN=$OPTARG ;;
	S) VLAN_SRC=$OPTARG ;;
	p) PORT=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	f) FIRST_CPU=$OPTARG ;;
	n) COUNT=$OPTARG ;;
	b) BURST=$OPTARG ;;
	N) DRY_RUN=1 ;;
	v) VERBOSE=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ $OPTIND -gt $# ] || err "unexpected argument '${!OPTIND}' (see --help)"

[ -n "$DEV" ] || err "-i DEV is required (see --help)"
[[ $DST_MAC =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] ||
	err "-m wants the receiver's MAC address as xx:xx:xx:xx:xx:xx, got '$DST_MAC'"
for opt in s:SIZE t:THREADS f:FIRST_CPU n:COUNT b:BURST; do
	n=${opt#*:}
	[[ ${!n} =~ ^[0-9]+$ ]] || err "-${opt%%:*} wants a number, got '${!n}'"
done
[ "$THREADS" -ge 1 ] || err "-t wants at least one thread"
[ -z "$RULES" ] || [ -r "$RULES" ] || err "$RULES: cannot read the rules file"

# A kernel without pktgen cannot run this at all: say so before anything else.
if [ -z "$DRY_RUN" ] && [ ! -d "$PGDIR" ]; then
	[ "$PGDIR" != /proc/net/pktgen ] || ! command -v modprobe >/dev/null ||
		modprobe pktgen 2>/dev/null || true
	[ -d "$PGDIR" ] || err "this kernel has no pktgen: $PGDIR is missing and the" \
		"pktgen module cannot be loaded (needs CONFIG_NET_PKTGEN); run it on a host that has one"
fi
[ -n "$DRY_RUN" ] || [ -e "/sys/class/net/$DEV" ] || err "$DEV: no such interface"

DST_IP=${DST_IP:-$(rules_value '.host.dataPlane.addresses[]? | select(test("^[0-9.]+$"))')}
[ -n "$DST_IP" ] || err "-d DST_IP is required (the rules file names no IPv4 data-plane address)"
cidr_range "$DST_IP"
DST_IP=$FIRST
PORT=${PORT:-$(rules_value '.host.dataPlane.ports[]? | select(startswith("udp/")) | ltrimstr("udp/")')}
[[ $PORT =~ ^[0-9]+$ ]] ||
	err "pktgen sends UDP only: pass -p PORT or add udp/PORT to host.dataPlane.ports"

# class_sources CLASS: FIRST and LAST become the class's source range.
class_sources() {
	case $1 in
	allowed)
		ALLOWED=${ALLOWED:-$(rules_value '.properties.networkAcls.ipRules[]?.value | select(test("^[0-9./]+$"))')}
		[ -n "$ALLOWED" ] || err "the allowed class needs -A CIDR or an IPv4 IP rule in -r RULES"
		cidr_range "$ALLOWED" ;;
	denied)
		cidr_range "$DENIED" ;;
	vlan)
		VLAN=${VLAN:-$(rules_value '.host.subnets[]?.vlan // empty')}
		[[ $VLAN =~ ^[0-9]+$ && $VLAN -ge 1 && $VLAN -le 4094 ]] ||
			err "the vlan class needs -V 1..4094 or a VLAN subnet in -r RULES"
		VLAN_SRC=${VLAN_SRC:-$(rules_value ".host.subnets[]? | select(.vlan == $VLAN) | .prefix // empty")}
		[ -n "$VLAN_SRC" ] || err "the vlan class needs -S CIDR or a prefix on VLAN $VLAN's subnet in -r RULES"
		cidr_range "$VLAN_SRC" ;;
	*)
		err "-M: unknown class '$1' (allowed, denied, vlan)" ;;
	esac
}

# setup_thread CPU CLASS: one pktgen thread sending one class.
setup_thread() {
	local cpu=$1 class=$2 dev=$DEV@$1
	class_sources "$class"
	pg_thread "$cpu" rem_device_all
	pg_thread "$cpu" add_device "$dev"
	pg_set "$dev" "count $COUNT"
	pg_set "$dev" "clone_skb 0"
	pg_set "$dev" "pkt_size $SIZE"
	pg_set "$dev" "burst $BURST"
	pg_set "$dev" "delay 0"
	pg_set "$dev" "flag NO_TIMESTAMP"
	pg_set "$dev" "dst_mac $DST_MAC"
	pg_set "$dev" "dst $DST_IP"
	pg_set "$dev" "udp_dst_min $PORT"
	pg_set "$dev" "udp_dst_max $PORT"
	pg_set "$dev" "udp_src_min 1024"
	pg_set "$dev" "udp_src_max 65535"
	pg_set "$dev" "flag UDPSRC_RND"
	pg_set "$dev" "src_min $FIRST"
	pg_set "$dev" "src_max $LAST"
	pg_set "$dev" "flag IPSRC_RND"
	[ "$class" != vlan ] || pg_set "$dev" "vlan_id $VLAN"
	echo "$ME: thread $cpu ($dev): $class, sources $FIRST..$LAST" >&2
}

print_results() {
	local cpu
	for ((cpu = FIRST_CPU; cpu < FIRST_CPU + THREADS; cpu++)); do
		echo "== $DEV@$cpu"
		grep -A2 '^Result' "$PGDIR/$DEV@$cpu" || true
	done
}

IFS=, read -r -a classes <<<"$MIX"
[ ${#classes[@]} -gt 0 ] || err "-M wants at least one class"
for class in "${classes[@]}"; do
	class_sources "$class"	# every class checked before pktgen is touched
done
pg_ctrl reset
for ((i = 0; i < THREADS; i++)); do
	setup_thread $((FIRST_CPU + i)) "${classes[i % ${#classes[@]}]}"
done
[ -z "$DRY_RUN" ] || exit 0
# pgctrl start blocks until every thread is done; Ctrl-C stops them early.
trap 'pg_ctrl stop; print_results; exit 0' INT
echo "$ME: sending to $DST_IP:$PORT ($DST_MAC) from $DEV, Ctrl-C to stop" >&2
pg_ctrl start
print_results
