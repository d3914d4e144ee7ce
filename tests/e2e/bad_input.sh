#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The bad-input corpus (issue 6, point 4). Every broken rules file, the
# committed ones in tests/bad/ (NAME.json, with NAME.expect holding the text
# its error must contain) and the ones generated below (limits + 1, a 50 MB
# file, a trie overflow), must be refused by `vaultfw check` and by
# `vaultfw apply` onto an attached interface: non-zero exit, exactly one
# stderr line naming the file, the expected place (JSON path or line:col)
# and message, and every pinned map dumping exactly as before.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init b

BAD=$VFW_ROOT/tests/bad
HEADER=$VFW_ROOT/maps/vaultfw.h

# No IPv6: nothing may cross the link and move a counter while the maps
# are compared (IPv4 stays quiet unless asked).
setup() {
	veth_ns_up 10.79.0.1/24 && no_ipv6 &&
	vfw -q attach $IFACE "$VFW_ROOT/tests/rules/example.json"
}

limit() { sed -n "s/^#define $1[[:space:]]*\([0-9]*\).*/\1/p" "$HEADER"; }

# gen_limit NAME COUNT: writes $TMP/NAME-COUNT.json, a valid file but for
# COUNT entries of the list NAME.
gen_limit() {
	/usr/bin/python3 - "$1" "$2" >"$TMP/$1-$2.json" <<'EOF'
import json, sys
kind, n = sys.argv[1], int(sys.argv[2])
sub = lambda i: "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s%d" % i
pub = lambda i: "20.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
doc = {"name": "kv", "properties": {}, "host": {}}
acls, host = {}, doc["host"]
if kind == "ipRules":
    acls["ipRules"] = [{"value": pub(i)} for i in range(n)]
elif kind == "virtualNetworkRules":
    acls["virtualNetworkRules"] = [{"id": sub(i)} for i in range(n)]
    host["subnets"] = [{"id": sub(i), "vni": i + 1} for i in range(n)]
elif kind == "subnets":
    host["subnets"] = [{"id": sub(i), "vni": i + 1} for i in range(n)]
elif kind == "trustedServices":
    host["trustedServices"] = [{"name": "t%d" % i, "vni": i + 1} for i in range(n)]
elif kind == "privateEndpoints":
    host["privateEndpoints"] = [{"name": "pe%d" % i, "vni": i + 1, "status": "Approved"}
                                for i in range(n)]
elif kind == "accessRules":
    host["perimeter"] = {"accessMode": "Enforced", "accessRules": [
        {"name": "r%d" % i, "direction": "Inbound", "addressPrefixes": [pub(i) + "/32"]}
        for i in range(n)]}
elif kind == "members":
    host["perimeter"] = {"accessMode": "Enforced",
                         "members": [{"name": "m%d" % i, "vni": i + 1} for i in range(n)]}
elif kind == "addresses":
    host["dataPlane"] = {"addresses": ["192.0.2.%d" % (i + 1) for i in range(n)]}
elif kind == "ports":
    host["dataPlane"] = {"ports": ["tcp/%d" % (i + 1) for i in range(n)]}
elif kind == "vnis":
    host["perimeter"] = {"accessMode": "Enforced",
                         "subscriptions": [{"id": "/subscriptions/2", "vnis": list(range(1, n + 1))}],
                         "accessRules": [{"name": "r", "direction": "Inbound",
                                          "subscriptions": [{"id": "/subscriptions/2"}]}]}
if "vni" in json.dumps(host):
    host["vxlan"] = {"remotes": ["192.0.2.1/32"]}
if acls:
    doc["properties"]["networkAcls"] = acls
json.dump(doc, sys.stdout)
EOF
}

# The generated cases: list, limit (from maps/vaultfw.h), and the error at
# the first entry over it (@ stands for its index, the limit).
GEN_CASES=(
	"ipRules $(limit VFW_MAX_IP_RULES) properties.networkAcls.ipRules[@]: more than"
	"virtualNetworkRules $(limit VFW_MAX_VNET_RULES) properties.networkAcls.virtualNetworkRules[@]: more than"
	"subnets $(limit VFW_MAX_SUBNETS) host.subnets[@]: more than"
	"trustedServices $(limit VFW_MAX_TRUSTED) host.trustedServices[@]: more than"
	"privateEndpoints $(limit VFW_MAX_PRIVATE_EP) host.privateEndpoints[@]: more than"
	"accessRules $(limit VFW_MAX_ACCESS_RULES) host.perimeter.accessRules[@]: more than"
	"members $(limit VFW_MAX_MEMBERS) host.perimeter.members[@]: more than"
	"addresses $(limit VFW_MAX_DP_ADDRS) host.dataPlane.addresses[@]: more than"
	"ports $(limit VFW_MAX_DP_PORTS) host.dataPlane.ports[@]: more than"
)

# refused NAME CMD FILE EXPECT: the run NAME exited non-zero with one stderr
# line "vaultfw: CMD: FILE:..." containing EXPECT.
refused() {
	local name=$1 cmd=$2 file=$3 expect=$4 line
	[ "$(rc_of "$name")" -ne 0 ] || { echo "$name: exit 0"; return 1; }
	[ "$(wc -l <"$TMP/$name.err")" -eq 1 ] ||
		{ echo "$name: stderr is not one line:"; cat "$TMP/$name.err"; return 1; }
	line=$(cat "$TMP/$name.err")
	case $line in
	"vaultfw: $cmd: $file:"*"$expect"*) return 0 ;;
	esac
	echo "$name: got:  $line"
	echo "$name: want: vaultfw: $cmd: $file:...$expect..."
	return 1
}

# try_bad LABEL FILE EXPECT: check and apply both refuse FILE; maps unchanged.
try_bad() {
	local label=$1 file=$2 expect=$3
	run "$label-check" "$VAULTFW" check "$file"
	check "bad: $label: check refuses it, naming file and place" \
		refused "$label-check" check "$file" "$expect"
	run "$label-apply" vfw apply $IFACE "$file"
	check "bad: $label: apply refuses it the same way" \
		refused "$label-apply" apply "$file" "$expect"
	dump_pinned "$PIN_DIR" >"$TMP/after.dump"
	if cmp -s "$TMP/before.dump" "$TMP/after.dump"; then
		pass "bad: $label: every pinned map unchanged by the failed apply"
	else
		fail "bad: $label: every pinned map unchanged by the failed apply"
		diff "$TMP/before.dump" "$TMP/after.dump" | head -20
		# Judge the next case on its own.
		mv "$TMP/after.dump" "$TMP/before.dump"
	fi
}

if ! setup; then
	fail "bad: namespace setup and attach"
	exit 1
fi
dump_pinned "$PIN_DIR" >"$TMP/before.dump"
check "bad: the pin directory holds maps to compare" \
	test "$(grep -c ', digest ' "$TMP/before.dump")" -ge 5

n_files=0
for json in "$BAD"/*.json; do
	name=$(basename "$json" .json)
	if [ ! -f "$BAD/$name.expect" ]; then
		fail "bad: $name: has no $name.expect"
		continue
	fi
	try_bad "$name" "$json" "$(cat "$BAD/$name.expect")"
	n_files=$((n_files + 1))
done
check "bad: at least 40 committed broken files ($n_files)" test "$n_files" -ge 40

for c in "${GEN_CASES[@]}"; do
	read -r list max expect <<<"$c"
	gen_limit "$list" "$max"
	run "$list-at-limit" "$VAULTFW" -q check "$TMP/$list-$max.json"
	check "bad: $list: exactly $max entries are accepted" \
		test "$(rc_of "$list-at-limit")" -eq 0
	gen_limit "$list" $((max + 1))
	try_bad "$list-limit+1" "$TMP/$list-$((max + 1)).json" "${expect//@/$max}"
done

# A perimeter subscription has no count limit, but the lookup trie does.
trie=$(limit VFW_TRIE_MAX_ENTRIES)
gen_limit vnis $((trie + 1))
try_bad "trie-overflow" "$TMP/vnis-$((trie + 1)).json" "lookup entries, at most $trie fit"

# 100,000 trusted-service prefixes from service tags load (SPEC §1); one
# more entry than the trie holds is refused, naming its limit. No IPv6
# prefixes: their notes would make more than the one line try_bad wants.
/usr/bin/python3 - "$TMP" "$trie" <<'EOF'
import json, sys
tmp, trie = sys.argv[1], int(sys.argv[2])
pfx = lambda n: "%d.%d.%d.%d/32" % (20 + (n >> 24), n >> 16 & 255, n >> 8 & 255, n & 255)
def tags(total, per):
    return [{"name": "Tag%d" % t, "id": "Tag%d" % t, "properties": {
             "addressPrefixes": [pfx(t * per + i) for i in range(min(per, total - t * per))]}}
            for t in range((total + per - 1) // per)]
for name, total in (("100k", 100000), ("over", trie + 1)):
    values = tags(total, 25000)
    json.dump({"changeNumber": 1, "cloud": "Public", "values": values},
              open("%s/tags-%s.json" % (tmp, name), "w"))
    json.dump({"properties": {}, "host": {
        "serviceTagsFile": "tags-%s.json" % name,
        "trustedServices": [{"name": "t", "serviceTags": [v["name"] for v in values]}]}},
        open("%s/tags-%s-vault.json" % (tmp, name), "w"))
EOF
run tags-100k-check "$VAULTFW" -q check "$TMP/tags-100k-vault.json"
check "bad: 100,000 service-tag prefixes are a valid rule set" \
	bash -c "[ $(rc_of tags-100k-check) -eq 0 ] && grep -q 'valid' $TMP/tags-100k-check.out"
run tags-over-check "$VAULTFW" -q check "$TMP/tags-over-vault.json"
check "bad: one lookup entry more than the trie holds is refused naming its limit" \
	grep -q "$((trie + 1)) lookup entries, at most $trie fit: the limit of each slot's LPM trie (VFW_TRIE_MAX_ENTRIES" \
	"$TMP/tags-over-check.err"
try_bad "service-tags-over" "$TMP/tags-over-vault.json" "VFW_TRIE_MAX_ENTRIES"

# 50 MB: refused by size before anything reads it as JSON.
/usr/bin/python3 -c '
import sys
sys.stdout.write("{\"properties\": {}, \"pad\": \"" + "a" * (50 << 20) + "\"}")
' >"$TMP/huge.json"
try_bad "50MB-file" "$TMP/huge.json" "larger than 16 MiB"
rm -f "$TMP/huge.json"

# Deeper than any limit of a recursive parser, streamed, never committed.
/usr/bin/python3 -c 'import sys; sys.stdout.write("[" * 1000000 + "]" * 1000000)' \
	>"$TMP/deep.json"
try_bad "nesting-1000000" "$TMP/deep.json" "maximum parsing depth reached"

vfw status $IFACE >"$TMP/status.out" 2>&1
check "bad: the filter is still attached with its first rules" \
	grep -q example.json "$TMP/status.out"
t_exit
