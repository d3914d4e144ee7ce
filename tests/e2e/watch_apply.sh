#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end tests of `vaultfw apply IFACE FILE --watch` (README "Fleet
# reload"): a change written in place, a broken file, a write-and-rename, a
# Kubernetes ConfigMap symlink swap, an unrelated file in the directory,
# and SIGTERM. Verdicts are read with `vaultfw explain` on the live rules.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init w

CONF=$TMP/conf
# Upper bound of every wait for the watcher; a wait that runs out fails.
DEADLINE=20
WATCH_PID=

stop_watcher() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
}

# rules NET: a rules file admitting NET only.
rules() {
	printf '{"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "%s"}]}},
 "host": {"dataPlane": {"addresses": ["192.0.2.10"]}}}\n' "$1"
}
A_NET=203.0.113.0/24
B_NET=198.51.100.0/24
A_SRC=203.0.113.5
B_SRC=198.51.100.5

# rules_are A|B: the live verdicts are those of that rule set.
rules_are() {
	if [ "$1" = A ]; then
		[ "$(verdict $A_SRC)" = PASS ] && [ "$(verdict $B_SRC)" = DROP ]
	else
		[ "$(verdict $A_SRC)" = DROP ] && [ "$(verdict $B_SRC)" = PASS ]
	fi
}
generation_is() { [ "$(generation)" = "$1" ]; }
log_has() { grep -q -- "$1" "$TMP/watch.err"; }
log_count() { grep -c -- "$1" "$TMP/watch.err"; }

# start_watcher FILE: run apply --watch in the background until it watches.
start_watcher() {
	: >"$TMP/watch.out"
	: >"$TMP/watch.err"
	# TOPO_BG_PID is the watcher itself (for the signals); the cleanup
	# ends it if the suite does not.
	topo_bg "$NS" "$VAULTFW" apply $IFACE "$1" --watch \
		>"$TMP/watch.out" 2>"$TMP/watch.err"
	WATCH_PID=$TOPO_BG_PID
	wait_for "$DEADLINE" log_has "watching"
}

if ! veth_ns_up 10.79.1.1/24; then
	fail "watch: namespace setup"
	exit 1
fi
mkdir -p "$CONF"
rules $A_NET >"$CONF/vault.json"
vfw attach $IFACE "$CONF/vault.json" --mode generic >/dev/null 2>&1

# The shipped unit, with its binary where this build has it.
mkdir -p "$TMP/unit"
sed "s|/usr/local/sbin/vaultfw|$VAULTFW|" "$VFW_ROOT/scripts/systemd/vaultfw@.service" \
	>"$TMP/unit/vaultfw@$IFACE.service"
run unit systemd-analyze verify "$TMP/unit/vaultfw@$IFACE.service"
check "watch: systemd-analyze verify accepts vaultfw@.service" \
	bash -c "[ $(rc_of unit) -eq 0 ] && [ ! -s $TMP/unit.err ]"
check "watch: the unit never detaches on stop" \
	bash -c "! grep -E '^ExecStop' $VFW_ROOT/scripts/systemd/vaultfw@.service"

run help "$VAULTFW" apply --help
check "watch: apply --help lists --watch" grep -q -- '--watch' "$TMP/help.out"

# A broken file at start: nothing to watch from, one error line.
echo '{ "properties": ' >"$TMP/broken-start.json"
G=$(generation)
run broken-start vfw apply $IFACE "$TMP/broken-start.json" --watch
check "watch: a broken file at start fails in one line" one_error_line broken-start apply
check "watch: a broken file at start changes nothing" generation_is "$G"

check "watch: starts and applies once" start_watcher "$CONF/vault.json"
check "watch: the first apply bumps the generation" generation_is $((G + 1))
check "watch: rule set A is live" rules_are A

# A change written in place.
G=$(generation)
rules $B_NET >"$CONF/vault.json"
check "watch: a change written in place is applied" wait_for "$DEADLINE" generation_is $((G + 1))
check "watch: rule set B is live after the change" rules_are B

# A broken file: reported in one line with the parser's error, B stays.
G=$(generation)
echo '{ "properties": { "networkAcls": ' >"$CONF/vault.json"
check "watch: a broken file is reported" wait_for "$DEADLINE" log_has "the rules in force stay"
check "watch: the report is one line naming the file and the JSON error" \
	test "$(grep "the rules in force stay" "$TMP/watch.err" | grep -c "vault.json:2:")" -eq 1
check "watch: a broken file installs nothing" generation_is "$G"
check "watch: the old rules stay after a broken file" rules_are B
check "watch: the watcher survives a broken file" kill -0 "$WATCH_PID"

# An editor's write-and-rename over the file.
rules $A_NET >"$CONF/.vault.json.swp"
mv "$CONF/.vault.json.swp" "$CONF/vault.json"
check "watch: a rename over the file is applied" wait_for "$DEADLINE" generation_is $((G + 1))
check "watch: rule set A is live after the rename" rules_are A

# Another file in the directory changes nothing; the next real change
# installs exactly one generation (events are handled in order).
G=$(generation)
rules $B_NET >"$CONF/other-iface.json"
rules $B_NET >"$CONF/vault.json"
check "watch: the next change is applied" wait_for "$DEADLINE" rules_are B
check "watch: an unrelated file installs nothing" generation_is $((G + 1))

stop_watcher

# A ConfigMap volume: FILE -> ..data/FILE, ..data -> ..TIMESTAMP; an update
# writes a new ..TIMESTAMP, swaps ..data with a rename and removes the old.
CM=$TMP/configmap
mkdir -p "$CM/..2024_01" && rules $A_NET >"$CM/..2024_01/vault.json"
ln -s ..2024_01 "$CM/..data" && ln -s ..data/vault.json "$CM/vault.json"
check "watch: starts on a ConfigMap volume" start_watcher "$CM/vault.json"
configmap_update() {
	mkdir "$CM/$2" && rules "$1" >"$CM/$2/vault.json" &&
	ln -s "$2" "$CM/..data_tmp" && mv -T "$CM/..data_tmp" "$CM/..data" &&
	rm -rf "$CM/$3"
}
G=$(generation)
configmap_update $B_NET ..2024_02 ..2024_01
check "watch: a ConfigMap symlink swap is applied" wait_for "$DEADLINE" generation_is $((G + 1))
check "watch: rule set B is live after the swap" rules_are B
G=$(generation)
configmap_update $A_NET ..2024_03 ..2024_02
check "watch: a second swap is applied too" wait_for "$DEADLINE" generation_is $((G + 1))
check "watch: rule set A is live after the second swap" rules_are A

# SIGTERM: exit 0, the rules stay in force.
G=$(generation)
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
check "watch: SIGTERM ends the watcher with status 0" test $? -eq 0
WATCH_PID=
check "watch: the watcher says it stopped" log_has "stopped watching"
check "watch: the rules stay after the watcher stops" \
	bash -c "[ \"\$(ip -n $NS -d link show $IFACE | grep -c prog/xdp)\" -eq 1 ]"
check "watch: nothing is installed on the way out" generation_is "$G"
check "watch: rule set A is still live" rules_are A

# The service tags file the rules name is watched too: a new week's tags
# are applied like a change of the rules file itself.
mkdir -p "$TMP/tagsdir"
tags_file() {
	printf '{"values": [{"name": "Backup", "properties": {"addressPrefixes": ["%s"]}}]}\n' "$1" \
		>"$TMP/tagsdir/tags.new" && mv "$TMP/tagsdir/tags.new" "$TMP/tagsdir/tags.json"
}
tags_file "$A_NET"
printf '{"properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}},
 "host": {"dataPlane": {"addresses": ["192.0.2.10"]}, "serviceTagsFile": "%s",
  "trustedServices": [{"name": "backup", "serviceTags": ["Backup"]}]}}\n' \
	"$TMP/tagsdir/tags.json" >"$CONF/tagged.json"
start_watcher "$CONF/tagged.json"
check "watch: the rules naming a service tags file are applied" wait_for "$DEADLINE" rules_are A
G=$(generation)
tags_file "$B_NET"
check "watch: a change of the service tags file alone is applied" \
	wait_for "$DEADLINE" generation_is $((G + 1))
check "watch: ... with the tag's new prefixes" rules_are B
stop_watcher

t_exit
