#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end tests of the live rule state: show, rule add/remove/list,
# update, attach --replace, idempotent detach, concurrent writers, limits on
# edits, and failures that must leave the last good rules in force. Runs on
# the veth vfePIDv0 in vfePID-vault; frames come from its peer vfePIDp0 in
# vfePID-peer (the harness's per-run names, so concurrent runs never meet).
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init e

HERE=$VFW_ROOT/tests/e2e
BASE=$HERE/edit-base.json
OPEN=$HERE/edit-open.json
SUBNET=/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/app/subnets/web
PY=/usr/bin/python3

ok() { [ "$(rc_of "$1")" -eq 0 ]; }
err_has() { grep -q -- "$2" "$TMP/$1.err"; }
show() { vfw show $IFACE; }
ip_rules() { vfw rule list $IFACE | sed -n '/^ip rules/,/^virtual/p' | grep '^  ' | tr -d ' '; }
# rule_field NAME FIELD: id or packets of rule NAME in `stats --json`.
rule_field() {
	vfw stats $IFACE --json | $PY -c '
import json, sys
for r in json.load(sys.stdin)["rules"]:
    if r["rule"] == sys.argv[1]:
        print(r[sys.argv[2]])' "$1" "$2"
}
# send N SRC: N TCP/443 frames from SRC to the data-plane address.
send() {
	local mac
	mac=$(ip -n $NS -br link show $IFACE | awk '{print $3}')
	nsenter --net=/run/netns/$PEER_NS $PY -c '
import sys
from scapy.all import Ether, IP, TCP, sendp
sendp(Ether(dst=sys.argv[1]) / IP(src=sys.argv[2], dst="10.79.0.1") / TCP(dport=443),
      iface="'$PEER'", count=int(sys.argv[3]), verbose=False)' "$mac" "$2" "$1"
}
attached() { ip -n $NS -d link show $IFACE | grep -q 'prog/xdp'; }

if ! veth_ns_up 10.79.0.1/24 10.79.0.2/24; then
	fail "edit: namespace setup"
	exit 1
fi

for cmd in show rule update; do
	run help-$cmd "$VAULTFW" $cmd --help
	check "edit: $cmd --help exits 0 with usage" \
		bash -c "[ $(rc_of help-$cmd) -eq 0 ] && grep -q '^Usage: vaultfw $cmd' $TMP/help-$cmd.out"
done

run attach vfw attach $IFACE "$BASE" --mode generic
check "edit: attach" ok attach

# show: the effective rules, in the rules file format
show >"$TMP/show1.json"
check "edit: show prints the document it was attached with" \
	grep -q '"value": "198.51.100.7/32"' "$TMP/show1.json"
run check-show "$VAULTFW" check "$TMP/show1.json"
check "edit: show's output is a valid rules file" ok check-show

# counters of kept rules survive every edit
send 5 203.0.113.9
ID_NET=$(rule_field 203.0.113.0/24 id)
check "edit: traffic counted on 203.0.113.0/24" test "$(rule_field 203.0.113.0/24 packets)" = 5

G=$(generation)
run add vfw rule add $IFACE --ip-address 192.0.2.55 198.51.100.0/25
check "edit: rule add of two addresses" ok add
check "edit: a bare address is stored as /32" bash -c "$(declare -f ip_rules vfw in_ns); \
	NS=$NS IFACE=$IFACE VAULTFW=$VAULTFW; ip_rules | grep -qx 192.0.2.55/32"
check "edit: rule add installs one new generation" test "$(generation)" -eq $((G + 1))
check "edit: a kept rule keeps its id across an add" test "$(rule_field 203.0.113.0/24 id)" = "$ID_NET"
check "edit: a kept rule keeps its counters across an add" \
	test "$(rule_field 203.0.113.0/24 packets)" = 5

G=$(generation)
run add-again vfw rule add $IFACE --ip-address 192.0.2.55/32 198.51.100.7
check "edit: adding existing rules exits 0" ok add-again
check "edit: adding existing rules says so" err_has add-again "already there"
check "edit: adding existing rules installs nothing" test "$(generation)" -eq "$G"

run remove vfw rule remove $IFACE --ip-address 192.0.2.55
check "edit: remove --ip-address A removes the stored A/32" ok remove
check_not "edit: the removed rule is gone from the list" \
	bash -c "in_ns() { nsenter --net=/run/netns/$NS \"\$@\"; }; \
	in_ns $VAULTFW rule list $IFACE | grep -q '192.0.2.55/32'"
check "edit: counters survive a remove" test "$(rule_field 203.0.113.0/24 packets)" = 5

show >"$TMP/before-bad.json"
# As az keyvault network-rule remove: an absent rule is a no-op (exit 0),
# said on stderr as a warning; of several, the present ones go.
G=$(generation)
run remove-missing vfw rule remove $IFACE --ip-address 192.0.2.55
check "edit: removing a missing rule is a no-op that exits 0" ok remove-missing
check "edit: the warning names the missing rule as typed" \
	err_has remove-missing "^warning: $IFACE: --ip-address 192.0.2.55: no such IP rule"
check "edit: removing a missing rule installs nothing" test "$(generation)" -eq "$G"
vfw rule add $IFACE --ip-address 192.0.2.56 >/dev/null
run remove-some vfw rule remove $IFACE --ip-address 192.0.2.57 192.0.2.56/32 192.0.2.58
check "edit: removing present and absent rules exits 0" ok remove-some
check "edit: the present rule of several is removed" bash -c "$(declare -f ip_rules vfw in_ns); \
	NS=$NS IFACE=$IFACE VAULTFW=$VAULTFW; ! ip_rules | grep -qx 192.0.2.56/32"
check "edit: each absent rule of several is a warning" bash -c "
	[ \$(grep -c '^warning: .*no such IP rule' $TMP/remove-some.err) -eq 2 ] &&
	grep -q -- '--ip-address 192.0.2.57:' $TMP/remove-some.err &&
	grep -q -- '--ip-address 192.0.2.58:' $TMP/remove-some.err"
show >"$TMP/before-bad.json"
# Refusals name the flag and the value as typed, not a place in the
# edited document, which nobody wrote.
run add-private vfw rule add $IFACE --ip-address 10.0.0.1
check "edit: a private address is refused in one line" one_error_line add-private rule
check "edit: the refusal names the flag and the address as typed" \
	grep -q '^vaultfw: rule: --ip-address 10.0.0.1: overlaps the RFC 1918' "$TMP/add-private.err"
check "edit: the refusal points into no document" \
	bash -c "! grep -qE 'after rule add|ipRules\[|:[0-9]+:[0-9]+:' $TMP/add-private.err"
run add-ipv6 vfw rule add $IFACE --ip-address 2001:db8::1
check "edit: an IPv6 address is refused as typed, not as A/32" \
	bash -c "grep -q '^vaultfw: rule: --ip-address 2001:db8::1: IPv6' $TMP/add-ipv6.err &&
	! grep -q '/32' $TMP/add-ipv6.err"
run add-hostbits vfw rule add $IFACE --ip-address 203.0.113.9/24
check "edit: host bits are refused with the network meant" err_has add-hostbits "203.0.113.0/24"
check "edit: the host-bits refusal names the flag and the value" \
	err_has add-hostbits "^vaultfw: rule: --ip-address 203.0.113.9/24: has host bits set"
run add-second-bad vfw rule add $IFACE --ip-address 192.0.2.60 1.2.3
check "edit: of several values, the refusal names the bad one" \
	err_has add-second-bad "^vaultfw: rule: --ip-address 1.2.3: is not an IPv4 address"
# A flag without its value says which argument it needs, also when the
# next word is another option.
for fa in "rule add|--ip-address|A" "rule add|--subnet|ID|NAME" "rule add|--vnet-name|V" \
	  "update|--default-action|Allow|Deny" "update|--bypass|AzureServices|None" \
	  "update|--public-network-access|V"; do
	cmd=${fa%%|*} rest=${fa#*|}
	flag=${rest%%|*} arg=${rest#*|}
	# shellcheck disable=SC2086
	run noarg vfw $cmd $IFACE $flag
	check "edit: $cmd $flag without a value: exit 2, the argument it needs" \
		bash -c "[ $(rc_of noarg) -eq 2 ] && grep -qxF -- 'vaultfw: ${cmd%% *}: $flag needs an argument ($arg)' $TMP/noarg.err"
	# shellcheck disable=SC2086
	run noarg-opt vfw $cmd $IFACE $flag --json
	check "edit: $cmd $flag followed by another option: the argument it needs" \
		bash -c "[ $(rc_of noarg-opt) -eq 2 ] && grep -qxF -- 'vaultfw: ${cmd%% *}: $flag needs an argument ($arg)' $TMP/noarg-opt.err"
done
check "edit: refused edits change nothing" bash -c "$(declare -f); diff -q $TMP/before-bad.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"

# virtual network rules: ids compare without case
run sub-unbound vfw rule add $IFACE --subnet /subscriptions/9/other
check "edit: a subnet without a binding is refused" one_error_line sub-unbound rule
check "edit: the refusal says the binding is missing" err_has sub-unbound "host.subnets binding"
check "edit: the binding refusal names the flag" err_has sub-unbound "^vaultfw: rule: --subnet /subscriptions/9/other: "
# --subnet NAME --vnet-name V, as the vault CLI: the id is built in the
# vault's subscription and resource group, from its "id" in the stored
# document; without one it is refused, and so are mixed forms.
run sub-name vfw rule add $IFACE --subnet web --vnet-name app
check "edit: --subnet NAME --vnet-name V without a vault id is one error line" \
	one_error_line sub-name rule
check "edit: the refusal says the vault id is missing and what to give instead" \
	err_has sub-name "^vaultfw: rule: --subnet web --vnet-name app: .*no vault \"id\".*full resource id"
run sub-name-only vfw rule add $IFACE --subnet web
check "edit: --subnet NAME without --vnet-name is one error line naming --vnet-name" \
	bash -c "grep -q -- '--subnet web is a name.*--vnet-name' $TMP/sub-name-only.err &&
	[ \$(wc -l <$TMP/sub-name-only.err) -eq 1 ] && [ $(rc_of sub-name-only) -ne 0 ]"
run sub-id-vnet vfw rule add $IFACE --subnet "$SUBNET" --vnet-name app
check "edit: --subnet ID with --vnet-name is one error line" one_error_line sub-id-vnet rule
run vnet-only vfw rule add $IFACE --ip-address 192.0.2.61 --vnet-name app
check "edit: --vnet-name without --subnet is one error line" one_error_line vnet-only rule
run sub-add vfw rule add $IFACE --subnet "${SUBNET^^}"
check "edit: rule add --subnet of a bound subnet (any case)" ok sub-add
run sub-again vfw rule add $IFACE --subnet "$SUBNET"
check "edit: the same subnet in another case is already there" \
	bash -c "[ $(rc_of sub-again) -eq 0 ] && grep -q 'already there' $TMP/sub-again.err"
run list-json vfw rule list $IFACE --json
check "edit: rule list --json has both kinds" \
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d["ipRules"]) == 3 and len(d["virtualNetworkRules"]) == 1))' "$TMP/list-json.out"
show >"$TMP/list-show.json"
check "edit: rule list --json is the whole networkAcls, as az prints it" \
	$PY -c 'import json, sys
sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2]))["properties"]["networkAcls"])' \
	"$TMP/list-json.out" "$TMP/list-show.json"
run sub-remove vfw rule remove $IFACE --subnet "${SUBNET,,}"
check "edit: rule remove --subnet in another case" ok sub-remove
run sub-remove-missing vfw rule remove $IFACE --subnet "$SUBNET"
check "edit: removing a missing subnet rule is a no-op with a warning" \
	bash -c "[ $(rc_of sub-remove-missing) -eq 0 ] &&
	grep -q -- '^warning: .*--subnet $SUBNET: no such virtual network rule' $TMP/sub-remove-missing.err"

# update
run update vfw update $IFACE --default-action allow --bypass AzureServices
check "edit: update" ok update
check "edit: update stores the canonical spelling" bash -c "$(declare -f); \
	nsenter --net=/run/netns/$NS $VAULTFW show $IFACE | grep -q '\"defaultAction\": \"Allow\"'"
check "edit: status shows the updated settings" bash -c "$(declare -f); \
	nsenter --net=/run/netns/$NS $VAULTFW status $IFACE | grep -q 'default action: Allow'"
check "edit: status marks the source as edited" bash -c "$(declare -f); \
	nsenter --net=/run/netns/$NS $VAULTFW status $IFACE | grep -q 'edit-base.json (edited)'"
G=$(generation)
run update-bad vfw update $IFACE --default-action Maybe
check "edit: a bad update value is refused in one line" one_error_line update-bad update
check "edit: the refusal lists the choices" err_has update-bad "Allow, Deny"
check "edit: the refusal names the flag and the value" \
	err_has update-bad "^vaultfw: update: --default-action Maybe: "
run update-none vfw update $IFACE
check "edit: update without a setting is refused" one_error_line update-none update
run update-sbp vfw update $IFACE --public-network-access SecuredByPerimeter
check "edit: SecuredByPerimeter without a perimeter is refused" err_has update-sbp "perimeter"
check "edit: the SecuredByPerimeter refusal names the flag" \
	err_has update-sbp "^vaultfw: update: --public-network-access SecuredByPerimeter: "
check "edit: refused updates install nothing" test "$(generation)" -eq "$G"
run update-deny vfw update $IFACE --default-action Deny --bypass None --public-network-access Disabled
check "edit: update of all three settings" ok update-deny
check "edit: publicNetworkAccess Disabled is live" bash -c "$(declare -f); \
	nsenter --net=/run/netns/$NS $VAULTFW status $IFACE | grep -q 'public access: Disabled'"
vfw update $IFACE --public-network-access Enabled >/dev/null 2>&1
check "edit: counters survive updates" test "$(rule_field 203.0.113.0/24 packets)" = 5

# show | apply changes nothing and keeps ids and counters
show >"$TMP/round.json"
run round-apply vfw apply $IFACE "$TMP/round.json"
check "edit: show's output applies" ok round-apply
check "edit: show after applying it prints the same document" \
	bash -c "$(declare -f); diff -q $TMP/round.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"
check "edit: ids kept through show | apply" test "$(rule_field 203.0.113.0/24 id)" = "$ID_NET"
check "edit: counters kept through show | apply" test "$(rule_field 203.0.113.0/24 packets)" = 5

# A rule skipped for a missing binding stays in the stored document (SPEC
# §1, issue 13.1): show, add the binding to what it printed, apply, and the
# rule is live.
LATER=/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/app/subnets/later
$PY - "$BASE" "$TMP/skipped.json" "$LATER" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["properties"]["networkAcls"]["virtualNetworkRules"] = [
    {"id": sys.argv[3], "ignoreMissingVnetServiceEndpoint": True}]
json.dump(doc, open(sys.argv[2], "w"))
EOF
run skipped-apply vfw apply $IFACE "$TMP/skipped.json"
check "edit: a file with an unbound ignore-missing rule applies" ok skipped-apply
check "edit: the unbound rule is skipped with a warning" err_has skipped-apply "skipped because"
check "edit: the skipped rule is not live" test -z "$(rule_field "${LATER,,}" id)"
show >"$TMP/skipped-live.json"
check "edit: show keeps the skipped rule" grep -q "\"$LATER\"" "$TMP/skipped-live.json"
run skipped-list vfw rule list $IFACE
check "edit: rule list marks the skipped rule" \
	grep -q "$LATER (skipped: no host.subnets binding)" "$TMP/skipped-list.out"
$PY - "$TMP/skipped-live.json" "$TMP/skipped-bound.json" "$LATER" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["host"]["subnets"].append({"id": sys.argv[3], "vlan": 102, "prefix": "10.3.0.0/24"})
json.dump(doc, open(sys.argv[2], "w"))
EOF
run skipped-bound vfw apply $IFACE "$TMP/skipped-bound.json"
check "edit: show's output with the binding added applies" ok skipped-bound
check "edit: the once-skipped rule is now live" test -n "$(rule_field "${LATER,,}" id)"
run skipped-list2 vfw rule list $IFACE
check "edit: rule list shows it without the mark" grep -qx "  $LATER" "$TMP/skipped-list2.out"

# Service tags (issue 12.3): the stored document keeps the tag names and
# the tags file (made absolute), never the prefixes they stand for; edits
# and show's output applied elsewhere find the file again.
mkdir -p "$TMP/tagsdir"
cp "$VFW_ROOT/tests/rules/service-tags.json" "$TMP/tagsdir/tags.json"
$PY - "$BASE" "$TMP/tagsdir/vault.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["host"]["serviceTagsFile"] = "tags.json"
doc["host"]["trustedServices"] = [{"name": "backup", "prefixes": ["198.51.100.128/28"],
                                   "serviceTags": ["AzureBackup.WestEurope"]}]
json.dump(doc, open(sys.argv[2], "w"))
EOF
run tags-apply vfw apply $IFACE "$TMP/tagsdir/vault.json"
check "edit: a file with serviceTags applies" ok tags-apply
check "edit: the IPv6 prefixes of a tag are skipped with a note" err_has tags-apply "2 IPv6 prefixes skipped"
check "edit: the tag's prefixes are live under its group" test -n "$(rule_field backup id)"
show >"$TMP/tags-live.json"
check "edit: show keeps serviceTagsFile, made absolute" \
	grep -q "\"serviceTagsFile\": \"$TMP/tagsdir/tags.json\"" "$TMP/tags-live.json"
check "edit: show keeps the tag names" grep -q '"AzureBackup.WestEurope"' "$TMP/tags-live.json"
check_not "edit: show does not expand the tags" grep -q '20.38.84.104' "$TMP/tags-live.json"
run tags-edit vfw rule add $IFACE --ip-address 192.0.2.77
check "edit: rule add on a rule set with service tags" ok tags-edit
show >"$TMP/tags-edited.json"
run tags-round bash -c "cd / && $(declare -f in_ns vfw); NS=$NS VAULTFW=$VAULTFW; vfw apply $IFACE $TMP/tags-edited.json"
check "edit: show's output applies from another directory" ok tags-round
check "edit: and stores the same document" \
	bash -c "$(declare -f); diff -q $TMP/tags-edited.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"

# a document without networkAcls: the first IP rule creates them, still open
vfw apply $IFACE "$OPEN" >/dev/null
run add-open vfw rule add $IFACE --ip-address 203.0.113.77
check "edit: rule add without networkAcls" ok add-open
check "edit: the note says the firewall stays open" err_has add-open "default-action Deny"
check "edit: networkAcls created with defaultAction Allow" bash -c "$(declare -f); \
	nsenter --net=/run/netns/$NS $VAULTFW show $IFACE | grep -q '\"defaultAction\": \"Allow\"'"
vfw apply $IFACE "$OPEN" >/dev/null
run list-json-open vfw rule list $IFACE --json
check "edit: rule list --json without networkAcls prints null" \
	bash -c "[ $(rc_of list-json-open) -eq 0 ] && [ \"\$(cat $TMP/list-json-open.out)\" = null ]"

# concurrent writers: all land
vfw apply $IFACE "$BASE" >/dev/null
for i in $(seq 1 20); do
	vfw rule add $IFACE --ip-address 192.0.2.$i >/dev/null 2>>"$TMP/race.err" &
	vfw rule add $IFACE --ip-address 198.51.100.$((100 + i)) >/dev/null 2>>"$TMP/race.err" &
	wait
done
grep -v '^note: ' "$TMP/race.err"	# any failure, for the log
check "edit: 20 pairs of simultaneous rule adds all land" test "$(ip_rules | wc -l)" -eq 42

# limits on edits: the 1000th IP rule fits, the 1001st does not
$PY - "$BASE" "$TMP/999.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["properties"]["networkAcls"]["ipRules"] = [
    {"value": "203.0.%d.%d" % (113 if i < 256 else 114 + i // 256, i % 256)} for i in range(999)]
json.dump(doc, open(sys.argv[2], "w"))
EOF
vfw apply $IFACE "$TMP/999.json" >/dev/null
run add-1000 vfw rule add $IFACE --ip-address 198.51.100.200
check "edit: the 1000th IP rule is accepted" ok add-1000
show >"$TMP/1000.json"
G=$(generation)
run add-1001 vfw rule add $IFACE --ip-address 198.51.100.201
check "edit: the 1001st IP rule is refused in one line" one_error_line add-1001 rule
check "edit: the refusal names the limit" err_has add-1001 "more than 1000 IP rules"
check "edit: the limit refusal names the flag and the value it refused" \
	err_has add-1001 "^vaultfw: rule: --ip-address 198.51.100.201: more than 1000"
check "edit: a refused 1001st rule changes nothing" \
	bash -c "[ $(generation) -eq $G ] && diff -q $TMP/1000.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"

# the largest valid document fits; a larger one is refused, old rules stay
$PY - "$TMP/largest.json" "$TMP/huge.json" <<'EOF'
import json, sys
long_id = lambda i: ("/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/"
                     "virtualNetworks/v%03d/subnets/" % i).ljust(255, "s")
subnets = [{"id": long_id(i), "vni": 1000 + i, "prefix": "10.%d.%d.0/24" % (i // 256, i % 256)}
           for i in range(512)]
doc = {"name": "vfwr-largest", "properties": {"networkAcls": {
    "defaultAction": "Deny",
    "ipRules": [{"value": "203.%d.%d.0/24" % (i // 256, i % 256)} for i in range(1000)],
    "virtualNetworkRules": [{"id": s["id"]} for s in subnets[:200]]}},
    "host": {"vxlan": {"ports": [4789, 8472, 4790, 4791],
                       "remotes": ["192.0.2.%d/32" % (i + 1) for i in range(16)]},
             "subnets": subnets}}
json.dump(doc, open(sys.argv[1], "w"))
# Perimeter subscriptions no access rule names compile to nothing, so
# only the stored document outgrows its limit.
subs = [{"id": ("/subscriptions/%05d/" % i).ljust(250, "x"), "vnis": [], "vlans": []}
        for i in range(17000)]
huge = {"properties": {}, "host": {"perimeter": {"accessMode": "Learning", "subscriptions": subs}}}
json.dump(huge, open(sys.argv[2], "w"))
EOF
# from a small rule set: ids of live rules are not reused (design.md)
vfw apply $IFACE "$BASE" >/dev/null
run largest vfw apply $IFACE "$TMP/largest.json"
check "edit: the largest valid document (1000 IP, 200 vnet rules, 512 subnets) is stored" ok largest
check "edit: show prints all 1000 IP rules of it" \
	test "$(vfw show $IFACE | grep -c '"value"')" -eq 1000
show >"$TMP/largest-live.json"
run huge vfw apply $IFACE "$TMP/huge.json"
check "edit: a document larger than the store is refused in one line" one_error_line huge apply
check "edit: the refusal gives the size limit" err_has huge "at most 4194304"
check "edit: the refused document changes nothing" \
	bash -c "$(declare -f); diff -q $TMP/largest-live.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"
check "edit: the document map stays at two slots of 4 MiB" \
	bash -c "bpftool map show pinned $PIN_DIR/vfw_document | grep -q 'value 4194308B  max_entries 2'"

# fail closed: a bad file leaves the filter and the last good rules
vfw apply $IFACE "$BASE" >/dev/null
show >"$TMP/good.json"
echo '{ "properties": { "networkAcls": { "ipRules": [ { "value": "0.0.0.0/0" } ] } } }' \
	>"$TMP/wide.json"
run wide vfw apply $IFACE "$TMP/wide.json"
check "edit: a rule set wider than allowed is refused" one_error_line wide apply
run garbage vfw apply $IFACE /dev/null
check "edit: an empty file is refused" one_error_line garbage apply
check "edit: after refused applies the filter is attached" attached
check "edit: after refused applies the last good rules are live" \
	bash -c "$(declare -f); diff -q $TMP/good.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"

# attach on an attached interface; --replace; detach twice
run attach-again vfw attach $IFACE "$BASE" --mode generic
check "edit: attach on an attached interface fails in one line" one_error_line attach-again attach
check "edit: the error points to --replace" err_has attach-again "\-\-replace"
send 3 203.0.113.9
P=$(rule_field 203.0.113.0/24 packets)
PROG=$(ip -n $NS -d link show $IFACE | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
run replace vfw attach $IFACE "$TMP/round.json" --mode generic --replace
check "edit: attach --replace on an attached interface" ok replace
check "edit: --replace installs the new rules" \
	bash -c "$(declare -f); diff -q $TMP/round.json <(nsenter --net=/run/netns/$NS $VAULTFW show $IFACE)"
check "edit: --replace keeps the program attached (same id)" \
	test "$(ip -n $NS -d link show $IFACE | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')" = "$PROG"
check "edit: --replace keeps counters of kept rules" test "$(rule_field 203.0.113.0/24 packets)" = "$P"
ip -n $NS link set $IFACE xdpgeneric off
run replace-gone vfw attach $IFACE "$BASE" --mode generic --replace
check "edit: --replace attaches again a program that is gone" \
	bash -c "[ $(rc_of replace-gone) -eq 0 ] && ip -n $NS -d link show $IFACE | grep -q prog/xdp"
check "edit: the re-attached program keeps the counters" \
	test "$(rule_field 203.0.113.0/24 packets)" = "$P"
send 2 203.0.113.9
check "edit: the re-attached program counts on the same maps" \
	test "$(rule_field 203.0.113.0/24 packets)" = "$((P + 2))"
run detach1 vfw detach $IFACE
run detach2 vfw detach $IFACE
check "edit: detach" ok detach1
check "edit: detach again is a no-op that exits 0" \
	bash -c "[ $(rc_of detach2) -eq 0 ] && grep -q 'nothing to do' $TMP/detach2.out"
run replace-fresh vfw attach $IFACE "$BASE" --mode generic --replace
check "edit: --replace on a free interface attaches" ok replace-fresh
run show-none vfw show $NOSUCH
check "edit: show on an interface without vaultfw fails in one line" one_error_line show-none show

# With the vault's resource id in the document, the vault CLI's shorthand
# builds the subnet id in its subscription and resource group.
$PY - "$BASE" "$TMP/with-id.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc = {"id": "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", **doc}
json.dump(doc, open(sys.argv[2], "w"))
EOF
vfw apply $IFACE "$TMP/with-id.json" >/dev/null
run show-id vfw show $IFACE
check "edit: show keeps the vault's resource id" \
	grep -qE '"id": ?"/subscriptions/1111/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"' \
	"$TMP/show-id.out"
run sub-short vfw rule add $IFACE --subnet web --vnet-name app
short_added() {
	[ "$(rc_of sub-short)" -eq 0 ] && vfw rule list $IFACE | grep -qi 'virtualNetworks/app/subnets/web$'
}
check "edit: --subnet NAME --vnet-name V adds the subnet of the vault's scope" short_added

t_exit
