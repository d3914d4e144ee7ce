#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: runs build/bench (tests/bench/), which prints the tables and
# writes the results as JSON, then plots per-frame cost against rule count
# beside them. Usage: scripts/bench.sh [RESULTS.json] [bench options...];
# the results path also comes from $BENCH_OUT (default bench/results.json).
#
# The driver attaches each program under test to an idle veth of a private
# namespace while it measures (see hold_in_dispatcher() in
# tests/bench/testrun.c), and sends live traffic over a veth pair of the same
# namespace (see tests/bench/live.c); the namespace is created here and
# removed on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/build/bench
# One device per program under test; tests/bench/ loads fewer than this.
HOLD_DEVICES=16
HOLD_PREFIX=vfwb
LIVE_TX=vfwbtx
LIVE_RX=vfwbrx
COMMAND_IFACE=vfwbc0	# the commands are timed on it (a veth pair, up)
NS=vfwb-bench-$$

out=${BENCH_OUT:-bench/results.json}
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
	out=$1
	shift
fi
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
plot=$(dirname "$out")/cost.png
plot_prefixes=$(dirname "$out")/cost-prefixes.png

die() { echo "bench: $*" >&2; exit 1; }

# The peer: xdp-filter in deny policy with IPv4/IPv6 matching only, the
# closest xdp-filter comes to a source allowlist. Debian 12 ships the
# program objects of the xdp-tools sources in libxdp1.
xdpfilter_obj=$(dpkg -L xdp-tools libxdp1 2>/dev/null | grep '/xdpfilt_dny_ip\.o$' | head -n1) ||
	die "no xdpfilt_dny_ip.o in xdp-tools or libxdp1 (are they installed?)"

cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$NS" || die "cannot create namespace $NS"
for ((i = 0; i < HOLD_DEVICES; i++)); do
	ip -n "$NS" link add "$HOLD_PREFIX$i" type veth peer name "${HOLD_PREFIX}p$i" ||
		die "cannot create veth $HOLD_PREFIX$i in $NS"
done
# A veth takes frames sent by XDP only into a NAPI poll, which it runs when
# the receiving end has an XDP program or GRO; nftables' run has no program.
# No IPv6 on the pair: its neighbour discovery would add frames to the counts.
live_pair() {
	local dev
	ip -n "$NS" link add "$LIVE_TX" type veth peer name "$LIVE_RX" || return 1
	for dev in "$LIVE_TX" "$LIVE_RX"; do
		nsenter --net="/run/netns/$NS" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" &&
			ip -n "$NS" link set "$dev" up || return 1
	done
	nsenter --net="/run/netns/$NS" ethtool -K "$LIVE_RX" gro on
}
live_pair ||
	die "cannot set up the live-traffic pair $LIVE_TX/$LIVE_RX in $NS"
{ ip -n "$NS" link add "$COMMAND_IFACE" type veth peer name "${COMMAND_IFACE}p" &&
  ip -n "$NS" link set "$COMMAND_IFACE" up && ip -n "$NS" link set "${COMMAND_IFACE}p" up; } ||
	die "cannot set up the veth $COMMAND_IFACE in $NS"

nsenter --net="/run/netns/$NS" "$BENCH" --out "$out" --xdp-filter "$xdpfilter_obj" \
	--hold-ifaces "$HOLD_PREFIX" --live "$LIVE_TX,$LIVE_RX" \
	--commands "$COMMAND_IFACE" --vaultfw "$ROOT/build/vaultfw" "$@"

# One row per vaultfw rule count: label, then median/min/max ns per frame of
# vaultfw, of xdp-filter at the same number of addresses ("?" where it has
# no equivalent), and of the floor.
data=$(mktemp /tmp/vaultfw-bench.XXXXXX)
trap 'rm -f "$data"; cleanup' EXIT
jq -r '
  def ns: [.ns_per_frame.median, .ns_per_frame.min, .ns_per_frame.max];
  .per_frame as $all
  | ($all | map(select(.program == "floor"))[0] | ns) as $floor
  | $all[] | select(.program == "vaultfw") | . as $v
  | ($all | map(select(.program == "xdp-filter" and .ip_rules == $v.ip_rules
                       and $v.subnet_rules == 0))
         | if length > 0 then .[0] | ns else ["?", "?", "?"] end) as $peer
  | [if .subnet_rules > 0 then "\(.ip_rules)+\(.subnet_rules)" else "\(.ip_rules)" end]
    + ns + $peer + $floor | @tsv' "$out" >"$data"

gnuplot <<EOF
set terminal pngcairo size 900,560 noenhanced
set output "$plot"
set title "Per-frame cost, BPF_PROG_TEST_RUN (median, bars: min..max)"
set xlabel "rules (IP rules + subnet rules)"
set ylabel "ns per frame"
set yrange [0:*]
set key below
set offsets 0.2, 0.2, 0, 0
set grid ytics
set datafile missing "?"
set datafile separator "\t"
plot "$data" using 0:2:3:4:xtic(1) with yerrorlines lw 2 title "vaultfw", \
     "" using 0:5:6:7 with yerrorlines lw 2 title "xdp-filter (deny policy, source list)", \
     "" using 0:8:9:10 with yerrorlines lw 2 dt 2 title "floor (bare XDP_DROP)"
EOF
echo "bench: plot in $plot" >&2

# Cost against the number of source prefixes in one rule set (the prefix
# table), log scale: vaultfw warm and cold, the floor and the cold floor,
# and xdp-filter at its address counts (> 0: the axis is logarithmic).
prefixes=$(mktemp /tmp/vaultfw-bench.XXXXXX)
peers=$(mktemp /tmp/vaultfw-bench.XXXXXX)
trap 'rm -f "$data" "$prefixes" "$peers"; cleanup' EXIT
jq -r '
  (.per_frame | map(select(.program == "floor"))[0].ns_per_frame.median) as $floor
  | .prefixes.cold_floor_ns.median as $cfloor
  | .prefixes.points[] | select(.subnet_rules == 0)
  | [.prefixes, .warm_ns_per_frame.median, .warm_ns_per_frame.min, .warm_ns_per_frame.max,
     .cold_ns_per_frame.median, .cold_ns_per_frame.min, .cold_ns_per_frame.max,
     $floor, $cfloor] | @tsv' "$out" >"$prefixes"
jq -r '.per_frame[] | select(.program == "xdp-filter" and .ip_rules > 0)
  | [.ip_rules, .ns_per_frame.median, .ns_per_frame.min, .ns_per_frame.max] | @tsv' \
	"$out" >"$peers"

gnuplot <<EOF
set terminal pngcairo size 900,560 noenhanced
set output "$plot_prefixes"
set title "Per-frame cost by source prefixes in one rule set (median, bars: min..max)"
set xlabel "source prefixes (10 IP rules, the rest in trusted-service groups)"
set ylabel "ns per frame"
set logscale x
set logscale y
set key below
set grid xtics ytics
set datafile separator "\t"
plot "$prefixes" using 1:2:3:4 with yerrorlines lw 2 title "vaultfw, warm (1024-frame corpus)", \
     "" using 1:5:6:7 with yerrorlines lw 2 title "vaultfw, cold (65,536 frames, once each)", \
     "$peers" using 1:2:3:4 with yerrorlines lw 2 title "xdp-filter (deny policy, addresses)", \
     "$prefixes" using 1:8 with lines lw 2 dt 2 title "floor (bare XDP_DROP)", \
     "" using 1:9 with lines lw 2 dt 3 title "cold floor (harness + XDP_DROP)"
EOF
echo "bench: plot in $plot_prefixes" >&2
