#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/pktgen.sh (issue 5): its help, the one clear error on a kernel
# without pktgen (this one), and, in a dry run, the pktgen commands it
# derives from a rules file for each class of the frame mix. It never
# sends: the device name below exists nowhere.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init g

PKTGEN=$VFW_ROOT/scripts/pktgen.sh
DEV=$NOSUCH
MAC=02:76:66:77:00:01
ARGS=(-i "$DEV" -m "$MAC")

cat >"$TMP/vault.json" <<'JSON'
{ "name": "pktgen-vault",
  "properties": { "publicNetworkAccess": "Enabled",
    "networkAcls": { "defaultAction": "Deny",
      "ipRules": [ { "value": "203.0.113.0/25" } ], "virtualNetworkRules": [] } },
  "host": { "dataPlane": { "addresses": ["192.0.2.10"], "ports": ["tcp/443", "udp/4433"] },
    "subnets": [ { "id": "vx", "vni": 5001, "prefix": "10.1.0.0/24" },
                 { "id": "vl", "vlan": 42, "prefix": "10.2.0.0/16" } ] } }
JSON
jq '.host.dataPlane.ports = ["tcp/443"]' "$TMP/vault.json" >"$TMP/tcp-only.json"

# one_line NAME PATTERN: failed with one stderr line matching PATTERN.
one_line() {
	[ "$(rc_of "$1")" -ne 0 ] && [ "$(wc -l <"$TMP/$1.err")" -eq 1 ] &&
		grep -q "^pktgen.sh: $2" "$TMP/$1.err"
}
# sets NAME DEV@CPU CMD: the dry run of NAME writes CMD to that device.
sets() { grep -qx "/proc/net/pktgen/$2: $3" "$TMP/$1.out"; }

run help "$PKTGEN" --help
check "pktgen: --help exits 0" [ "$(rc_of help)" -eq 0 ]
for opt in -i -d -m -s -t -n -r -M -N; do
	check "pktgen: --help documents $opt" grep -q -- "^  $opt " "$TMP/help.out"
done

# Wherever pktgen is looked for and missing, the script says so and stops.
run missing env VFW_PKTGEN_DIR="$TMP/no-pktgen" "$PKTGEN" "${ARGS[@]}" -r "$TMP/vault.json"
check "pktgen: no pktgen: one error line naming it" \
	one_line missing "this kernel has no pktgen: $TMP/no-pktgen is missing"
# On this kernel the real check refuses; on one with pktgen, the next step
# refuses the device that exists nowhere. Either way nothing is sent.
run kernel "$PKTGEN" "${ARGS[@]}" -r "$TMP/vault.json"
if [ -d /proc/net/pktgen ]; then
	check "pktgen: this kernel has pktgen: the missing device refused" \
		one_line kernel "$DEV: no such interface"
else
	check "pktgen: this kernel: one error line, /proc/net/pktgen missing" \
		one_line kernel "this kernel has no pktgen: /proc/net/pktgen is missing"
fi

run mix "$PKTGEN" "${ARGS[@]}" -r "$TMP/vault.json" -t 3 -f 4 -M allowed,denied,vlan -N
check "pktgen: dry run exits 0" [ "$(rc_of mix)" -eq 0 ]
check "pktgen: destination and UDP port from the rules file" \
	sets mix "$DEV@4" "dst 192.0.2.10"
check "pktgen: the udp/N data-plane port" sets mix "$DEV@5" "udp_dst_min 4433"
check "pktgen: allowed sources span the IP rule" \
	sets mix "$DEV@4" "src_min 203.0.113.0"
check "pktgen: allowed sources end inside it" sets mix "$DEV@4" "src_max 203.0.113.127"
check "pktgen: denied sources are the default range" \
	sets mix "$DEV@5" "src_max 198.51.100.63"
check "pktgen: vlan class tagged with the subnet's VLAN" sets mix "$DEV@6" "vlan_id 42"
check "pktgen: vlan class from the subnet's prefix" sets mix "$DEV@6" "src_max 10.2.255.255"
check_not "pktgen: untagged classes carry no VLAN" grep -q "$DEV@[45]: vlan_id" "$TMP/mix.out"
check "pktgen: the frame size reaches every thread" \
	[ "$(grep -c ": pkt_size 60$" "$TMP/mix.out")" -eq 3 ]

run tcp "$PKTGEN" "${ARGS[@]}" -r "$TMP/tcp-only.json" -N
check "pktgen: TCP-only data plane refused (pktgen sends UDP)" \
	one_line tcp "pktgen sends UDP only"
run override "$PKTGEN" "${ARGS[@]}" -r "$TMP/tcp-only.json" -p 9 -d 192.0.2.20 -A 192.0.2.77 -N
check "pktgen: -p, -d and -A override the rules file" \
	sets override "$DEV@0" "src_max 192.0.2.77"
check "pktgen: -d overrides the destination" sets override "$DEV@0" "dst 192.0.2.20"
run badmac "$PKTGEN" -i "$DEV" -m 02:76 -d 192.0.2.10 -p 9 -N
check "pktgen: bad MAC named" one_line badmac "-m wants"
run badclass "$PKTGEN" "${ARGS[@]}" -d 192.0.2.10 -p 9 -M denied,ftp -N
check "pktgen: unknown class named" one_line badclass "-M: unknown class 'ftp'"
check "pktgen: nothing written before the check" [ ! -s "$TMP/badclass.out" ]
run novlan "$PKTGEN" "${ARGS[@]}" -d 192.0.2.10 -p 9 -M vlan -N
check "pktgen: vlan class without a VLAN refused" one_line novlan "the vlan class needs -V"
run extra "$PKTGEN" "${ARGS[@]}" -d 192.0.2.10 -p 9 -N stray
check "pktgen: stray argument named" one_line extra "unexpected argument 'stray'"

t_exit
