#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end tests of what operators inspect: explain (live and from a
# file), stats --watch and --format prometheus, status (text and JSON), and
# the bpftool commands of docs/bpftool.md. vaultfw runs in
# vfoPID-vault on vfoPIDv0, frames come from vfoPIDp0 in vfoPID-peer (the
# harness's names, tests/lib.sh); the rule set is the demo's, the one the
# README's captured output shows.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init o

PY=/usr/bin/python3	# the one with scapy and prometheus_client
DP_ADDR=192.0.2.10
ALLOWED=203.0.113.5
README=$VFW_ROOT/docs/bpftool.md
README_PIN_DIR=/sys/fs/bpf/vaultfw/net4026531840-if2	# of the page's captured session
README_IFACE=vfwdv0					# ... and its interface

# No IPv6: router solicitations and MLD would move the counters that the
# explain tests expect to stand still.
setup() {
	veth_ns_up $DP_ADDR/24 && no_ipv6 &&
	cp "$VFW_ROOT/scripts/demo-vault.json" "$TMP/vault.json" &&
	vfw attach $IFACE "$TMP/vault.json" >/dev/null 2>&1
}

out_has() { grep -q -- "$2" "$TMP/$1.out"; }
counters() { vfw stats $IFACE --json; }

# flood SRC SECONDS: TCP SYNs to DP_ADDR:443 from the peer, in the
# background (FLOOD_PID; the cleanup ends it if the suite does not).
cat >"$TMP/flood.py" <<-'EOF'
	import socket, sys, time
	from scapy.all import Ether, IP, TCP, raw
	frame = raw(Ether(dst="02:00:00:00:00:01") / IP(src=sys.argv[2], dst=sys.argv[3]) /
	            TCP(sport=40000, dport=443, flags="S"))
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind((sys.argv[1], 0))
	while True:
	    s.send(frame)
	    time.sleep(0.001)
	EOF
flood() {
	topo_bg "$PEER_NS" timeout "$2" $PY "$TMP/flood.py" $PEER "$1" $DP_ADDR >/dev/null 2>&1
	FLOOD_PID=$TOPO_BG_PID
}

if ! setup; then
	fail "observe: namespace setup and attach"
	exit 1
fi

# explain against the live rule set: "ARGS|VERDICT REASON" for the demo rules.
EXPLAIN_CASES=(
	"--src $ALLOWED|PASS ip-rule, rule ip-rule 203.0.113.0/24"
	"--src 198.51.100.200|PASS trusted-service, rule trusted-service backup"
	"--src 198.51.100.50|DROP default-deny"
	"--src 10.1.0.5 --vni 5001|PASS vnet-rule, rule vnet-rule /subscriptions/1111/resourcegroups"
	"--src 10.9.0.5 --vni 5001|DROP default-deny"
	"--src 10.1.0.5 --vlan 101|DROP default-deny"
	"--src $ALLOWED --dport 22|PASS control-plane"
	"--src $ALLOWED --proto udp|PASS control-plane"
	"--src $ALLOWED --dst 192.0.2.99|PASS control-plane"
	"--src 2001:db8:1::5|PASS control-plane"	# no IPv6 data-plane address
	"--src 2001:db8:1::5 --dst 2001:db8::10 --vni 5001|PASS control-plane"
)
counters >"$TMP/before.json"
i=0
for tc in "${EXPLAIN_CASES[@]}"; do
	args=${tc%%|*} want=${tc#*|} i=$((i + 1))
	# shellcheck disable=SC2086
	run explain-$i vfw explain $IFACE $args
	check "observe: explain live $args: $want, model agrees" bash -c "
		[ $(rc_of explain-$i) -eq 0 ] &&
		grep -qF -- 'datapath: $want' $TMP/explain-$i.out &&
		grep -qF -- 'model:    $want' $TMP/explain-$i.out &&
		grep -qx '  agree' $TMP/explain-$i.out"
done
counters >"$TMP/after.json"
check "observe: explain moves no live counter" cmp -s "$TMP/before.json" "$TMP/after.json"
check "observe: explain live reads the stored document" out_has explain-1 "rules:    the live document"

rm "$TMP/vault.json"
run explain-gone vfw explain $IFACE --src $ALLOWED
check "observe: explain live works without the rules file" \
	bash -c "[ $(rc_of explain-gone) -eq 0 ] && grep -qx '  agree' $TMP/explain-gone.out"
cp "$VFW_ROOT/scripts/demo-vault.json" "$TMP/vault.json"

run explain-file "$VAULTFW" explain "$TMP/vault.json" --src 10.1.0.5 --vni 5001
check "observe: explain FILE runs a fresh copy and agrees" bash -c "
	[ $(rc_of explain-file) -eq 0 ] && grep -q 'a fresh copy' $TMP/explain-file.out &&
	grep -q 'datapath: PASS vnet-rule' $TMP/explain-file.out &&
	grep -qx '  agree' $TMP/explain-file.out"

# a VNI is believed only from a trusted remote (host.vxlan.remotes)
run explain-untrusted "$VAULTFW" explain "$TMP/vault.json" --src 10.1.0.5 --vni 5001 \
	--tunnel-src 203.0.113.99
check "observe: explain --tunnel-src outside the remotes: untrusted-tunnel, model agrees" \
	bash -c "[ $(rc_of explain-untrusted) -eq 0 ] &&
	grep -q 'datapath: DROP untrusted-tunnel' $TMP/explain-untrusted.out &&
	grep -q 'model:    DROP untrusted-tunnel' $TMP/explain-untrusted.out &&
	grep -q 'from 203.0.113.99' $TMP/explain-untrusted.out"
check "observe: explain --vni sends from the first trusted remote by default" \
	grep -q 'VXLAN VNI 5001 from 192.0.2.1' "$TMP/explain-file.out"
run explain-tsrc vfw explain $IFACE --src $ALLOWED --tunnel-src 192.0.2.1
check "observe: explain --tunnel-src without --vni is one error line" \
	one_error_line explain-tsrc explain
run explain-novx "$VAULTFW" explain "$VFW_ROOT/tests/e2e/cli-a.json" --src 10.1.0.5 --vni 5001
check "observe: explain --vni of a rule set without host.vxlan is one error line" \
	bash -c "grep -q 'opens no VXLAN' $TMP/explain-novx.err && [ $(rc_of explain-novx) -ne 0 ]"

run explain-nosrc vfw explain $IFACE
check "observe: explain without --src is one error line" one_error_line explain-nosrc explain
run explain-both vfw explain $IFACE --src $ALLOWED --vlan 101 --vni 5001
check "observe: explain --vlan with --vni is one error line" one_error_line explain-both explain
run explain-family vfw explain $IFACE --src 2001:db8:1::5 --dst $DP_ADDR
check "observe: explain IPv6 source to an IPv4 destination is one error line" \
	one_error_line explain-family explain
run explain-port vfw explain $IFACE --src $ALLOWED --dport 70000
check "observe: explain --dport 70000 is one error line" one_error_line explain-port explain
run explain-none vfw explain $NOSUCH --src $ALLOWED
check "observe: explain of an interface without vaultfw is one error line" \
	one_error_line explain-none explain

# A file in the working directory named like the live interface: the bare
# name is refused as ambiguous; ./NAME is the file, --live the interface,
# and the first line of each says which it explained.
mkdir -p "$TMP/amb"
sed 's/"defaultAction": "Deny"/"defaultAction": "Allow"/' "$VFW_ROOT/scripts/demo-vault.json" \
	>"$TMP/amb/$IFACE"
cp "$TMP/amb/$IFACE" "$TMP/amb/open.json"
amb_vfw() ( cd "$TMP/amb" && in_ns "$VAULTFW" "$@" )
run explain-amb amb_vfw explain $IFACE --src $ALLOWED
check "observe: explain NAME, both a file here and the live interface, is one error line" \
	one_error_line explain-amb explain
check "observe: the refusal says to write ./NAME or add --live" \
	bash -c "grep -qF -- \"'$IFACE' is both a file here and an interface\" $TMP/explain-amb.err &&
	grep -qF -- './$IFACE for the file, or add --live' $TMP/explain-amb.err"
run explain-dot amb_vfw explain ./$IFACE --src $ALLOWED
check "observe: explain ./NAME explains the file, and its first line says so" \
	bash -c "[ $(rc_of explain-dot) -eq 0 ] && head -n 1 $TMP/explain-dot.out | grep -q '^explain ./$IFACE: ' &&
	grep -q 'datapath: PASS default-allow' $TMP/explain-dot.out"
run explain-live amb_vfw explain $IFACE --live --src $ALLOWED
check "observe: explain NAME --live explains the interface, and its first line says so" \
	bash -c "[ $(rc_of explain-live) -eq 0 ] &&
	head -n 1 $TMP/explain-live.out | grep -q '^explain interface $IFACE (live): ' &&
	grep -q 'datapath: PASS ip-rule' $TMP/explain-live.out"
run explain-bare amb_vfw explain open.json --src $ALLOWED
check "observe: a bare name that is only a file here explains the file" \
	bash -c "[ $(rc_of explain-bare) -eq 0 ] && head -n 1 $TMP/explain-bare.out | grep -q '^explain open.json: '"
run explain-live-path vfw explain "$TMP/amb/open.json" --live --src $ALLOWED
check "observe: explain PATH --live is one error line" one_error_line explain-live-path explain
check "observe: explain IFACE says interface IFACE (live) on its first line" \
	bash -c "head -n 1 $TMP/explain-1.out | grep -q '^explain interface $IFACE (live): '"

# stats --watch under traffic: some refresh shows a non-zero rate for the
# ip-rule reason and for the rule, and SIGINT ends it with status 0.
flood $ALLOWED 12
sleep 2
run watch in_ns timeout --preserve-status -s INT 4 "$VAULTFW" stats $IFACE --watch --interval 0.5
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null
FLOOD_PID=
check "observe: stats --watch ends with status 0 on SIGINT" test "$(rc_of watch)" -eq 0
# A row: KIND VERDICT RATE UNIT RATE UNIT PACKETS BYTES NAME, rates in
# human units ("3.4 kpps", "1.2 Mbit/s").
check "observe: stats --watch shows the columns" \
	out_has watch "KIND  *VERDICT  *PKT/S  *BIT/S  *PACKETS  *BYTES  NAME"
check "observe: stats --watch: non-zero rate of reason ip-rule, verdict pass" \
	awk '$1 == "reason" && $2 == "pass" && $9 == "ip-rule" && $3 > 0 { found = 1 } END { exit !found }' \
	"$TMP/watch.out"
check "observe: stats --watch: non-zero rate of rule 203.0.113.0/24" \
	awk '$1 == "ip-rule" && $9 == "203.0.113.0/24" && $3 > 0 && $5 > 0 { found = 1 } END { exit !found }' \
	"$TMP/watch.out"
check "observe: stats --watch: rates in human units" \
	awk '$1 == "ip-rule" && $4 ~ /^k?pps$/ && $6 ~ /^[kM]bit\/s$/ { found = 1 } END { exit !found }' \
	"$TMP/watch.out"
check "observe: stats --watch: the verdict of each reason (drop, pass, audit)" \
	awk '$1 == "reason" { v[$9] = $2 } END { exit !(v["default-deny"] == "drop" &&
	     v["control-plane"] == "pass" && v["perimeter-would-deny"] == "audit") }' "$TMP/watch.out"
check "observe: stats --watch rows are sorted by rate" \
	awk 'function rate(v, u) { return v * (u ~ /^k/ ? 1e3 : u ~ /^M/ ? 1e6 : u ~ /^G/ ? 1e9 : 1) }
	     /^KIND/ { last = -1; next }
	     NF >= 9 && $3 ~ /^[0-9.]+$/ { r = rate($3, $4); if (last >= 0 && r > last) bad = 1; last = r }
	     END { exit bad }' "$TMP/watch.out"
# On a terminal of 80x12 (tmux, a server of its own on a socket in TMP): the title and the
# column names stay on top, no line is wider than the terminal, and the
# rows that do not fit are counted on the last line used.
TMUX_SOCK=$TMP/tmux.sock
tmux_watch() {
	tmux -S "$TMUX_SOCK" new-session -d -x 80 -y 12 \
		"nsenter --net=/run/netns/$NS $VAULTFW stats $IFACE --watch --interval 0.3" &&
	topo_on_cleanup "tmux -S '$TMUX_SOCK' kill-server 2>/dev/null"
}
pane() { tmux -S "$TMUX_SOCK" capture-pane -p >"$TMP/pane.txt" && grep -q '^KIND' "$TMP/pane.txt"; }
check "observe: stats --watch runs in an 80x12 tmux" tmux_watch
wait_for 10 pane
sleep 0.7	# a few refreshes more: a scrolling table would have lost its title by now
tmux -S "$TMUX_SOCK" capture-pane -p >"$TMP/pane.txt"
sed 's/^/  | /' "$TMP/pane.txt"
check "observe: stats --watch at 80x12: the title is the first line" \
	bash -c "head -n 1 $TMP/pane.txt | grep -q '^vaultfw stats $IFACE: live slot'"
check "observe: stats --watch at 80x12: the column names are the third line" \
	bash -c "sed -n 3p $TMP/pane.txt | grep -q '^KIND  *VERDICT  *PKT/S'"
check "observe: stats --watch at 80x12: no line is wider than 80 columns" \
	awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$TMP/pane.txt"
check "observe: stats --watch at 80x12: 11 lines used, the last counting the rows left out" \
	bash -c "[ \$(awk 'NF { last = NR } END { print last }' $TMP/pane.txt) -eq 11 ] &&
	sed -n 11p $TMP/pane.txt | grep -qE '^\.\.\. [0-9]+ more rows'"
tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
run watch-json vfw stats $IFACE --watch --json
check "observe: stats --watch --json is one error line" one_error_line watch-json stats
run bad-output vfw stats $IFACE --output "$TMP/x.prom"
check "observe: stats --output without prometheus is one error line" one_error_line bad-output stats

# A strict reading of the exposition format with the client library's
# parser, plus what that parser lets through: HELP and TYPE before each
# family's samples, every sample labelled as documented, each reason in
# exactly one family (perimeter-would-deny, counted beside the deciding
# reason, in the audit one), verdicts as the reason gives them, and the
# gauges of the rule set as status reports it.
prom_check() {
	$PY - "$1" "$IFACE" "$2" "$3" <<-'EOF'
	import json, sys
	from prometheus_client.parser import text_string_to_metric_families
	text = open(sys.argv[1]).read()
	iface, stats = sys.argv[2], json.load(open(sys.argv[3]))
	rule_set = json.load(open(sys.argv[4]))["interfaces"][0]["rule_set"]
	counters = {"vaultfw_packets": {"iface", "reason", "verdict"},
	            "vaultfw_bytes": {"iface", "reason", "verdict"},
	            "vaultfw_audit_packets": {"iface", "reason"},
	            "vaultfw_audit_bytes": {"iface", "reason"},
	            "vaultfw_rule_packets": {"iface", "kind", "rule"},
	            "vaultfw_rule_bytes": {"iface", "kind", "rule"}}
	gauges = {"vaultfw_ruleset_generation": rule_set["generation"],
	          "vaultfw_ruleset_applied_timestamp_seconds": rule_set["applied_unix"]}
	drops = {"malformed", "untrusted-tunnel", "perimeter-deny", "public-access-disabled",
	         "default-deny"}
	audit = {"perimeter-would-deny"}
	seen, declared = {}, []
	for line in text.splitlines():
	    if line.startswith("# "):
	        declared.append(line.split()[2])
	    else:
	        assert line.split("{")[0] in declared, "sample before its HELP/TYPE: " + line
	for fam in text_string_to_metric_families(text):
	    assert fam.documentation, fam.name
	    if fam.name == "vaultfw_build_info":
	        assert fam.type == "gauge" and [s.value for s in fam.samples] == [1.0], fam
	        assert set(fam.samples[0].labels) == {"version"}, fam
	        continue
	    if fam.name in gauges:
	        assert fam.type == "gauge" and len(fam.samples) == 1, fam
	        s = fam.samples[0]
	        assert s.labels == {"iface": iface} and s.value == gauges[fam.name], (s, gauges)
	        seen[(fam.name, None)] = s.value
	        continue
	    assert fam.type == "counter", fam.name
	    for s in fam.samples:
	        assert s.name == fam.name + "_total" and set(s.labels) == counters[fam.name], s
	        assert s.labels["iface"] == iface, s
	        if "verdict" in s.labels:
	            assert s.labels["verdict"] == ("drop" if s.labels["reason"] in drops else "pass"), s
	        key = (fam.name, s.labels.get("reason") or s.labels["rule"])
	        assert key not in seen, ("twice", key)
	        seen[key] = s.value
	assert set(counters) | set(gauges) == {name for name, _ in seen}, seen
	for r in stats["reasons"]:
	    fam = "vaultfw_audit" if r["reason"] in audit else "vaultfw"
	    other = "vaultfw" if r["reason"] in audit else "vaultfw_audit"
	    assert seen[(fam + "_packets", r["reason"])] == r["packets"], r
	    assert seen[(fam + "_bytes", r["reason"])] == r["bytes"], r
	    assert (other + "_packets", r["reason"]) not in seen, r
	for r in stats["rules"]:
	    assert seen[("vaultfw_rule_packets", r["rule"])] == r["packets"], r
	    assert seen[("vaultfw_rule_bytes", r["rule"])] == r["bytes"], r
	EOF
}

mkdir -p "$TMP/textfile"
run prom vfw stats $IFACE --format prometheus --output "$TMP/textfile/vaultfw.prom"
counters >"$TMP/prom-stats.json"
vfw status $IFACE --json >"$TMP/prom-status.json"
check "observe: prometheus --output exits 0 and prints nothing" \
	bash -c "[ $(rc_of prom) -eq 0 ] && [ ! -s $TMP/prom.out ]"
check "observe: prometheus file parses strictly and matches stats --json" \
	prom_check "$TMP/textfile/vaultfw.prom" "$TMP/prom-stats.json" "$TMP/prom-status.json"
check "observe: prometheus file: non-zero ip-rule packets after traffic" \
	grep -qE '^vaultfw_packets_total\{iface="[^"]*",reason="ip-rule",verdict="pass"\} [1-9]' "$TMP/textfile/vaultfw.prom"
check "observe: prometheus file is world-readable and no temporary file is left" bash -c "
	[ \$(stat -c %a $TMP/textfile/vaultfw.prom) = 644 ] &&
	[ \$(ls -A $TMP/textfile | wc -l) -eq 1 ]"
run prom-stdout vfw stats $IFACE --format prometheus
check "observe: prometheus on stdout parses strictly" \
	prom_check "$TMP/prom-stdout.out" "$TMP/prom-stats.json" "$TMP/prom-status.json"

# status: program tag and map memory agree with bpftool.
run status vfw status $IFACE
run status-json vfw status $IFACE --json
check "observe: status shows the program tag" grep -qE "program id [0-9]+ name vaultfw_xdp tag [0-9a-f]{16}" "$TMP/status.out"
check "observe: status lists the memory of every pinned map" bash -c "
	for m in \$(ls $PIN_DIR | grep -v '^vaultfw_xdp\$'); do
		grep -qE \"^    \$m +[a-z_]+ +id [0-9]+ +[1-9][0-9]* bytes\" $TMP/status.out || exit 1
	done"
status_vs_bpftool() {
	$PY - "$TMP/status-json.out" <<-'EOF'
	import json, subprocess, sys
	st = json.load(open(sys.argv[1]))["interfaces"][0]
	prog = st["xdp"]["program"]
	bt = json.loads(subprocess.check_output(["bpftool", "-j", "prog", "show", "id", str(prog["id"])]))
	assert bt["tag"] == prog["tag"] and bt["name"] == prog["name"], (bt, prog)
	assert st["xdp"]["attached"] and st["xdp"]["mode"] == "native", st["xdp"]
	assert st["settings"] == {"public_access": "Enabled", "default_action": "Deny",
	                          "bypass": "AzureServices", "perimeter": None,
	                          "data_plane": {"addresses": ["192.0.2.10"], "ports": ["tcp/443"]},
	                          "vxlan": {"ports": [4789], "remotes": ["192.0.2.1/32"]}}, st["settings"]
	assert st["rules"]["total"] == 3 and st["rules"]["ip-rule"] == 1, st["rules"]
	assert st["rule_set"]["source"].endswith("/vault.json"), st["rule_set"]
	for m in st["maps"]:
	    bm = json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "id", str(m["id"])]))
	    assert int(bm["bytes_memlock"]) == m["memlock"], (bm, m)
	assert st["memlock_total"] == sum(m["memlock"] for m in st["maps"])
	EOF
}
check "observe: status --json: tag, settings, rules, memlock of each map as bpftool reports" \
	status_vs_bpftool

# The README's bpftool commands, run on this interface with the same rule
# set: lookups and dumps print what the README shows; the others carry the
# fields it shows.
readme_bpftool() {
	$PY - "$README" "$TMP/readme" <<-'EOF'
	import os, sys
	text = open(sys.argv[1]).read()
	os.makedirs(sys.argv[2], exist_ok=True)
	n, cmd, out, fence = 0, None, [], False
	def flush():
	    global n
	    if cmd:
	        n += 1
	        open(f"{sys.argv[2]}/{n}.cmd", "w").write(cmd)
	        open(f"{sys.argv[2]}/{n}.want", "w").write("".join(out))
	for line in text.splitlines(True):
	    if line.startswith("```"):
	        flush(); cmd, out, fence = None, [], not fence
	    elif fence and line.startswith("# "):
	        flush(); out = []
	        cmd = line[2:].strip() if line.startswith("# bpftool ") else None
	    elif cmd:
	        out.append(line)
	EOF
}
readme_bpftool
n_cmds=$(ls "$TMP/readme" 2>/dev/null | grep -c '\.cmd$')
check "observe: the README's bpftool section has its commands" test "$n_cmds" -ge 6
prog_id=$(sed -n 's/.*program id \([0-9]*\) .*/\1/p' "$TMP/status.out")
for f in "$TMP"/readme/*.cmd; do
	[ -f "$f" ] || continue
	cmd=$(sed -e "s|$README_PIN_DIR|$PIN_DIR|g" -e "s/$README_IFACE/$IFACE/g" "$f")
	want=${f%.cmd}.want
	name="observe: README: $(cat "$f")"
	# shellcheck disable=SC2086
	in_ns $cmd >"$TMP/got" 2>&1
	case "$cmd" in
	*"map lookup pinned"*|*"map dump pinned"*/vfw_rules)
		check "$name" diff -u "$want" "$TMP/got" ;;
	*"prog show name vaultfw_xdp"*)
		check "$name" grep -qE "^$prog_id: xdp  name vaultfw_xdp  tag [0-9a-f]{16}  gpl" "$TMP/got" ;;
	*"net show"*)
		check "$name" grep -qE "^$IFACE\([0-9]+\) driver id $prog_id\$" "$TMP/got" ;;
	*"map dump pinned"*/vfw_reasons)
		check "$name" bash -c "grep -q '\"cpu\": 0' $TMP/got && grep -q '\"packets\": ' $TMP/got &&
			grep -q '\"bytes\": ' $TMP/got && grep -q '\"key\": 12' $TMP/got" ;;
	*)
		fail "$name: no check for this command" ;;
	esac
done

# Label values are escaped: a rule named with a quote and a backslash.
sed 's/"name": "backup"/"name": "back\\"up\\\\x"/' "$TMP/vault.json" >"$TMP/odd.json"
vfw apply $IFACE "$TMP/odd.json" >/dev/null
run prom-odd vfw stats $IFACE --format prometheus
counters >"$TMP/odd-stats.json"
vfw status $IFACE --json >"$TMP/odd-status.json"
check "observe: prometheus escapes quotes and backslashes in label values" \
	grep -qF 'rule="back\"up\\x"' "$TMP/prom-odd.out"
check "observe: escaped label values parse back to the rule name" \
	prom_check "$TMP/prom-odd.out" "$TMP/odd-stats.json" "$TMP/odd-status.json"

# status tells the story show tells, in text and JSON alike: both print
# one set of words, so each text line is checked against the JSON field it
# renders, and publicNetworkAccess against the stored document.
status_settings() {
	$PY - "$TMP/$1.out" "$TMP/$1-json.out" "$TMP/$1-show.out" "$2" <<-'EOF'
	import json, sys
	lines = [l[2:].split(": ", 1) for l in open(sys.argv[1]).read().splitlines()
	         if l.startswith("  ") and not l.startswith("   ") and ": " in l]
	text = dict(lines)
	st = json.load(open(sys.argv[2]))["interfaces"][0]["settings"]
	doc = json.load(open(sys.argv[3]))
	for key, value in json.loads(sys.argv[4]).items():
	    assert st[key] == value, (key, st[key], value)
	assert text["public access"] == st["public_access"] == doc["properties"]["publicNetworkAccess"], (text, st)
	assert text["default action"] == st["default_action"], (text, st)
	assert text["bypass"] == st["bypass"], (text, st)
	perim = st["perimeter"]
	if perim is None:
	    assert text["perimeter"] == "none" and "perimeter" not in doc["host"], text
	else:
	    assert text["perimeter"].startswith(perim["access_mode"]), (text, perim)
	    assert ("not enforced" not in text["perimeter"]) == perim["enforced"], (text, perim)
	    assert perim["access_mode"] == doc["host"]["perimeter"]["accessMode"], (perim, doc)
	dp = st["data_plane"]
	assert text["data-plane addresses"] == (" ".join(dp["addresses"]) or "any"), (text, dp)
	assert text["data-plane ports"] == " ".join(dp["ports"]), (text, dp)
	vx = st["vxlan"]
	assert text["vxlan"] == ("not opened" if vx is None else "udp/%s from %s" % (
	    ",".join(map(str, vx["ports"])), " ".join(vx["remotes"]) or "no trusted endpoint")), (text, vx)
	EOF
}
# status_of NAME FILE: apply FILE, keep status, status --json and show.
status_of() {
	vfw apply $IFACE "$2" >/dev/null &&
	vfw status $IFACE >"$TMP/$1.out" && vfw status $IFACE --json >"$TMP/$1-json.out" &&
	vfw show $IFACE >"$TMP/$1-show.out"
}
perimeter_file() {
	$PY - "$TMP/vault.json" "$1" "$2" >"$TMP/$3.json" <<-'EOF'
	import json, sys
	doc = json.load(open(sys.argv[1]))
	doc["properties"]["publicNetworkAccess"] = sys.argv[2]
	doc["host"]["perimeter"] = {"accessMode": sys.argv[3], "accessRules": [
	    {"name": "corp", "direction": "Inbound", "addressPrefixes": ["203.0.113.0/24"]}]}
	print(json.dumps(doc))
	EOF
}
perimeter_file SecuredByPerimeter Learning sbp
perimeter_file Enabled Audit audit
status_of st-demo "$TMP/vault.json"
check "observe: status text and JSON say the same: the demo rules" \
	status_settings st-demo '{"perimeter": null, "vxlan": {"ports": [4789], "remotes": ["192.0.2.1/32"]}}'
status_of st-sbp "$TMP/sbp.json"
check "observe: status says publicNetworkAccess SecuredByPerimeter, as show does" \
	out_has st-sbp "^  public access: SecuredByPerimeter$"
check "observe: status text and JSON say the same: SecuredByPerimeter enforces a Learning perimeter" \
	status_settings st-sbp '{"public_access": "SecuredByPerimeter",
		"perimeter": {"access_mode": "Learning", "enforced": true},
		"data_plane": {"addresses": ["192.0.2.10"], "ports": ["tcp/443"]}}'
status_of st-audit "$TMP/audit.json"
check "observe: status text and JSON say the same: an Audit perimeter is not enforced" \
	status_settings st-audit '{"public_access": "Enabled", "perimeter": {"access_mode": "Audit", "enforced": false}}'

# Summing vaultfw_packets_total counts each frame once: under the Audit
# perimeter applied above, a frame it would deny is counted beside the
# reason that decided, in the audit family.
# prom_sums FILE: "packets pass drop audit" summed over the samples.
prom_sums() {
	$PY - "$1" <<-'EOF'
	import sys
	from prometheus_client.parser import text_string_to_metric_families
	sums = {"packets": 0, "pass": 0, "drop": 0, "audit": 0}
	for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
	    for s in fam.samples:
	        if s.name == "vaultfw_packets_total":
	            sums["packets"] += s.value
	            sums[s.labels["verdict"]] += s.value
	        elif s.name == "vaultfw_audit_packets_total":
	            sums["audit"] += s.value
	print(" ".join("%d" % sums[k] for k in ("packets", "pass", "drop", "audit")))
	EOF
}
# frames SRC N: N TCP/443 frames from SRC to the data-plane address.
frames() {
	nsenter --net=/run/netns/$PEER_NS $PY - "$PEER" "$1" $DP_ADDR "$2" <<-'EOF'
	import logging, sys
	logging.getLogger("scapy.runtime").setLevel(logging.ERROR)	# no route: none needed
	from scapy.all import Ether, IP, TCP, sendp
	sendp(Ether(dst="02:00:00:00:00:01") / IP(src=sys.argv[2], dst=sys.argv[3]) /
	      TCP(sport=40001, dport=443, flags="S"), iface=sys.argv[1], count=int(sys.argv[4]),
	      verbose=False)
	EOF
}
vfw stats $IFACE --format prometheus >"$TMP/sum-before.prom"
frames 198.51.100.200 7	# trusted-service, outside the perimeter: pass, would deny
frames 198.51.100.50 5	# default-deny, outside the perimeter: drop, would deny
frames 203.0.113.5 3	# ip-rule and perimeter access rule: pass
vfw stats $IFACE --format prometheus >"$TMP/sum-after.prom"
vfw status $IFACE --json >"$TMP/sum-status.json"
counters >"$TMP/sum-stats.json"
read -r P0 PASS0 DROP0 A0 < <(prom_sums "$TMP/sum-before.prom")
read -r P1 PASS1 DROP1 A1 < <(prom_sums "$TMP/sum-after.prom")
check "observe: prometheus: sum(vaultfw_packets_total) grows by the frames sent (15)" \
	test "$((P1 - P0))" -eq 15
check "observe: prometheus: by verdict, 10 frames passed and 5 dropped" \
	test "$((PASS1 - PASS0)) $((DROP1 - DROP0))" = "10 5"
check "observe: prometheus: the 12 frames the perimeter would deny are in the audit family" \
	test "$((A1 - A0))" -eq 12
check "observe: prometheus after an apply: parses strictly, gauges as status reports them" \
	prom_check "$TMP/sum-after.prom" "$TMP/sum-stats.json" "$TMP/sum-status.json"
check "observe: prometheus: vaultfw_ruleset_generation is the live generation" \
	grep -qE "^vaultfw_ruleset_generation\{iface=\"$IFACE\"\} $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["interfaces"][0]["rule_set"]["generation"])' "$TMP/sum-status.json")\$" \
	"$TMP/sum-after.prom"
check "observe: prometheus: the applied timestamp is of this run" bash -c "
	t=\$(sed -n 's/^vaultfw_ruleset_applied_timestamp_seconds{iface=\"$IFACE\"} //p' $TMP/sum-after.prom)
	[ -n \"\$t\" ] && [ \$(( \$(date +%s) - t )) -ge 0 ] && [ \$(( \$(date +%s) - t )) -lt 600 ]"

t_exit
