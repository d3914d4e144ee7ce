#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end tests of the vaultfw command line: check, attach, status,
# apply, stats, detach, errors and --help. Runs vaultfw inside the network
# namespace vfcPID-vault on the veth vfcPIDv0, whose peer vfcPIDp0 sits in
# vfcPID-peer (the harness's names, tests/lib.sh); everything is removed on
# exit.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init c

HERE=$VFW_ROOT/tests/e2e
EXAMPLE=$VFW_ROOT/tests/rules/example.json

out_has() { grep -q -- "$2" "$TMP/$1.out"; }
attached_prog_id() { ip -n $NS -d link show $IFACE | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }

if ! veth_ns_up 10.77.0.1/24 10.77.0.2/24; then
	fail "cli: namespace setup"
	exit 1
fi

# --help everywhere
run help "$VAULTFW" --help
check "cli: vaultfw --help exits 0" test "$(rc_of help)" -eq 0
for cmd in check attach apply detach status stats; do
	run help-$cmd "$VAULTFW" $cmd --help
	check "cli: $cmd --help exits 0 with usage" \
		bash -c "[ $(rc_of help-$cmd) -eq 0 ] && grep -q '^Usage: vaultfw $cmd' $TMP/help-$cmd.out"
	check "cli: vaultfw --help lists $cmd" out_has help "^  $cmd "
done
run badopt "$VAULTFW" stats $IFACE --mode native
check "cli: an option of another command is refused in one line" one_error_line badopt stats
check "cli: the refusal names the option, not its argument" grep -q -- "--mode" "$TMP/badopt.err"

# check
run check-a "$VAULTFW" check "$HERE/cli-a.json"
check "cli: check accepts a valid file" test "$(rc_of check-a)" -eq 0
check "cli: check summarises settings" \
	bash -c "grep -q 'default action: Deny' $TMP/check-a.out && grep -q 'bypass: None' $TMP/check-a.out"
check "cli: check counts rules by kind" out_has check-a 'ip-rule 2,'
check "cli: check shows data-plane addresses and ports" \
	bash -c "grep -q '192.0.2.10' $TMP/check-a.out && grep -q 'tcp/443' $TMP/check-a.out"
check "cli: check shows trie entries" out_has check-a 'trie entries: [1-9]'
run check-example "$VAULTFW" check "$EXAMPLE"
check "cli: check accepts the SPEC example" test "$(rc_of check-example)" -eq 0
check "cli: check shows where VXLAN is opened and from whom" \
	out_has check-example 'vxlan: udp/4789 from 192.0.2.1/32'
printf '%s\n' '{"properties": {"networkAcls": {"defaultAction": "Deny"}}, "host": {}}' \
	>"$TMP/any-dst.json"
run check-any-dst "$VAULTFW" check "$TMP/any-dst.json"
check "cli: check warns that a denying rule set without addresses judges every tunnel" \
	bash -c "[ $(rc_of check-any-dst) -eq 0 ] &&
	grep -q 'host.dataPlane.addresses: warning: .*every tunnel' $TMP/check-any-dst.err"
check "cli: no such warning when the addresses are listed" \
	bash -c "! grep -q 'every tunnel' $TMP/check-example.err"
run check-bad "$VAULTFW" check "$HERE/cli-bad.json"
check "cli: check of a bad file fails with one line" one_error_line check-bad check
check "cli: check names the file and JSON path" \
	grep -q 'cli-bad.json.*properties.networkAcls.ipRules\[0\]' "$TMP/check-bad.err"

# refusals that must change nothing
run nonroot in_ns setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$VAULTFW" attach $IFACE "$HERE/cli-a.json"
check "cli: non-root attach fails with one line" one_error_line nonroot attach
check "cli: non-root error says root is needed" grep -q 'root' "$TMP/nonroot.err"
run attach-bad vfw attach $IFACE "$HERE/cli-bad.json"
check "cli: attach of a bad file fails with one line" one_error_line attach-bad attach
check_not "cli: attach of a bad file leaves no pins" test -e "$PIN_DIR"
check "cli: attach of a bad file leaves no XDP program" test -z "$(attached_prog_id)"
run attach-noif vfw attach $NOSUCH "$HERE/cli-a.json"
check "cli: attach to a missing interface fails with one line" one_error_line attach-noif attach

# attach
run attach vfw attach $IFACE "$HERE/cli-a.json"
check "cli: attach native exits 0" test "$(rc_of attach)" -eq 0
check "cli: pin directory is root-only" test "$(stat -c %a "$PIN_DIR")" = 700
check "cli: program is pinned as vaultfw_xdp" test -e "$PIN_DIR/vaultfw_xdp"
prog_id=$(attached_prog_id)
check "cli: bpftool shows vaultfw_xdp attached to the interface" \
	bash -c "[ -n '$prog_id' ] && bpftool prog show id '$prog_id' | grep -q 'name vaultfw_xdp'"
run status vfw status $IFACE
check "cli: status exits 0" test "$(rc_of status)" -eq 0
check "cli: status shows native attachment" out_has status 'attached, native mode'
check "cli: status shows the program id and name" out_has status "program id $prog_id name vaultfw_xdp"
check "cli: status says dispatcher or legacy" bash -c "grep -Eq 'legacy|dispatcher' $TMP/status.out"
check "cli: status shows generation 1 and the source" \
	bash -c "grep -q 'generation 1,' $TMP/status.out && grep -q 'source: .*cli-a.json' $TMP/status.out"
check "cli: status counts live rules by kind" out_has status 'rules: 2 (ip-rule 2,'
run status-all vfw status
check "cli: status without IFACE lists the interface" out_has status-all "^$IFACE:"
run dump bpftool map dump pinned "$PIN_DIR/vfw_rules"
check "cli: bpftool dumps vfw_rules with named fields" \
	bash -c "grep -q tag_kind $TMP/dump.out && grep -q '\"addr\"' $TMP/dump.out"
run attach-twice vfw attach $IFACE "$HERE/cli-a.json"
check "cli: attaching twice fails with one line" one_error_line attach-twice attach
check "cli: attaching twice says it is already attached" grep -q 'already attached' "$TMP/attach-twice.err"
check "cli: attaching twice keeps the program" test "$(attached_prog_id)" = "$prog_id"

# apply
run apply vfw apply $IFACE "$HERE/cli-b.json"
check "cli: apply exits 0" test "$(rc_of apply)" -eq 0
check "cli: apply prints a one-line summary" \
	bash -c "[ \$(wc -l <$TMP/apply.out) -eq 1 ] && grep -q 'generation 2' $TMP/apply.out"
check "cli: apply bumps the generation" test "$(generation)" = 2
run status2 vfw status $IFACE
check "cli: status shows the new rule set" \
	bash -c "grep -q 'ip-rule 2, vnet-rule 1' $TMP/status2.out && grep -q 'udp/443' $TMP/status2.out"
run apply-bad vfw apply $IFACE "$HERE/cli-bad.json"
check "cli: apply of a bad file fails with one line" one_error_line apply-bad apply
check "cli: apply of a bad file keeps the generation" test "$(generation)" = 2
run apply-noif vfw apply $NOSUCH "$HERE/cli-a.json"
check "cli: apply where vaultfw is not attached fails with one line" one_error_line apply-noif apply

# stats: counters are summed; traffic stays between the two namespaces
nsenter --net=/run/netns/$PEER_NS ping -c 3 -i 0.2 -W 1 10.77.0.1 >/dev/null 2>&1
run stats vfw stats $IFACE
check "cli: stats exits 0" test "$(rc_of stats)" -eq 0
check "cli: stats lists reasons and live rules" \
	bash -c "grep -q '^default-deny ' $TMP/stats.out && grep -q 'vnet-rule .*subnets/web' $TMP/stats.out"
run stats-json vfw stats $IFACE --json
check "cli: stats --json is the documented object" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
table = open(sys.argv[2]).read()
assert d["iface"] == sys.argv[3]
assert d["reasons"] and all(r["reason"] in table for r in d["reasons"])
assert {r["kind"] for r in d["rules"]} == {"ip-rule", "vnet-rule"}
assert all(set(r) == {"id", "kind", "rule", "packets", "bytes"} for r in d["rules"])
assert sum(r["packets"] for r in d["reasons"]) > 0, "no packet counted"
' "$TMP/stats-json.out" "$TMP/stats.out" $IFACE

# detach
run detach vfw detach $IFACE
check "cli: detach exits 0" test "$(rc_of detach)" -eq 0
check_not "cli: detach removes the pin directory" test -e "$PIN_DIR"
check "cli: detach removes the XDP program" test -z "$(attached_prog_id)"
run detach-again vfw detach $IFACE
check "cli: detach again exits 0" test "$(rc_of detach-again)" -eq 0
check "cli: detach again says nothing was attached" out_has detach-again 'not attached'
run status-gone vfw status $IFACE
check "cli: status of a detached interface fails with one line" one_error_line status-gone status

# generic mode, then detach after the interface is gone
run attach-generic vfw attach $IFACE "$HERE/cli-a.json" --mode generic
check "cli: attach --mode generic exits 0" test "$(rc_of attach-generic)" -eq 0
run status-generic vfw status $IFACE
check "cli: status shows generic mode" out_has status-generic 'attached, generic mode'
run attach-mode vfw attach $IFACE "$HERE/cli-a.json" --mode turbo
check "cli: an unknown mode fails with one line" one_error_line attach-mode attach
ip -n $NS link del $IFACE
run detach-noif vfw detach $IFACE
check "cli: detach after the interface is gone exits 0" test "$(rc_of detach-noif)" -eq 0
check_not "cli: detach after the interface is gone removes the pins" test -e "$PIN_DIR"

t_exit
