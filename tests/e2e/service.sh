#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `vaultfw apply IFACE FILE --watch` as a service (docs/service.md): its
# stdout read through a pipe while it runs, sd_notify messages received on
# real AF_UNIX datagram sockets (a path, and an abstract name), SIGHUP,
# a watched directory removed and made again, StrictModes for rules files
# (0666, 0664, a 0777 directory, a non-root owner, the flag), exit
# statuses, and the version in status --json and the Prometheus output.
set -u
. "$(dirname "$0")/../lib.sh"

e2e_init v
CONF=$TMP/conf
RULES=$CONF/vault.json
PY=/usr/bin/python3
DEADLINE=20	# upper bound of every wait; a wait that runs out fails
WATCH_PID=
READER_PID=
NOTIFY_PIDS=()

stop_watcher() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
	[ -n "$READER_PID" ] && wait "$READER_PID" 2>/dev/null	# ends at EOF
	READER_PID=
}
# Before the harness's own cleanup (namespaces, pins, TMP).
cleanup() {
	local pid
	stop_watcher
	for pid in "${NOTIFY_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
}
topo_on_cleanup cleanup

# rules NET: a rules file admitting NET only.
rules() {
	printf '{"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "%s"}]}},
 "host": {"dataPlane": {"addresses": ["192.0.2.10"]}}}\n' "$1"
}
A_NET=203.0.113.0/24
B_NET=198.51.100.0/24

generation_is() { [ "$(generation)" = "$1" ]; }
rules_are() {
	if [ "$1" = A ]; then
		[ "$(verdict 203.0.113.5)" = PASS ] && [ "$(verdict 198.51.100.5)" = DROP ]
	else
		[ "$(verdict 203.0.113.5)" = DROP ] && [ "$(verdict 198.51.100.5)" = PASS ]
	fi
}
err_has() { grep -q -- "$1" "$TMP/watch.err"; }
count_in() { grep -c -- "$2" "$1"; }
# pipe_lines_are N: the reader has received N "applied" lines.
pipe_lines_are() { [ "$(count_in "$TMP/pipe.out" ": applied ")" -eq "$1" ]; }
alive() { kill -0 "$WATCH_PID" 2>/dev/null; }

# notify_listen LOG ADDR [NSENTER...]: a real AF_UNIX datagram socket bound
# to ADDR (a path, or @name for an abstract one, which belongs to a network
# namespace: then it runs in the watcher's). Each datagram becomes one line
# of LOG, its newlines written as '|'. LOG.bound appears once it listens.
notify_listen() {
	local log=$1 addr=$2
	shift 2
	"$@" "$PY" - "$log" "$addr" <<-'EOF' &
	import socket, sys
	log, addr = sys.argv[1], sys.argv[2]
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
	open(log + ".bound", "w").close()
	with open(log, "a") as out:
	    while True:
	        out.write(s.recv(65536).decode().replace("\n", "|") + "\n")
	        out.flush()
	EOF
	NOTIFY_PIDS+=($!)
	wait_for "$DEADLINE" test -e "$log.bound"
}
notified() { grep -qx -- "$2" "$1"; }
notify_count() { grep -cx -- "$2" "$1"; }

# start_watcher NOTIFY_SOCKET FILE [OPTION]: apply --watch in NS, stdout
# into a FIFO that a reader copies to pipe.out as it comes: the watcher's
# stdout is a pipe, as under systemd. nsenter execs vaultfw, so $! is the
# watcher itself.
start_watcher() {
	: >"$TMP/watch.err"
	: >"$TMP/pipe.out"
	rm -f "$TMP/out.fifo" && mkfifo "$TMP/out.fifo"
	# shellcheck disable=SC2086 # no option: no word
	NOTIFY_SOCKET=$1 nsenter --net=/run/netns/$NS "$VAULTFW" apply $IFACE "$2" --watch ${3:-} \
		>"$TMP/out.fifo" 2>"$TMP/watch.err" &
	WATCH_PID=$!
	cat "$TMP/out.fifo" >"$TMP/pipe.out" &
	READER_PID=$!
	wait_for "$DEADLINE" err_has "watching"
}

if ! veth_ns_up 10.79.3.1/24; then
	fail "service: namespace setup"
	exit 1
fi
mkdir -p "$CONF"
rules $A_NET >"$RULES"
vfw -q attach $IFACE "$RULES" --mode generic

# ---- stdout through a pipe, sd_notify on a path socket -----------------
NLOG=$TMP/notify.log
notify_listen "$NLOG" "$TMP/notify.sock"
G=$(generation)
G0=$G
check "service: the watcher starts with NOTIFY_SOCKET set" start_watcher "$TMP/notify.sock" "$RULES"
check "service: READY=1 with STATUS=applied FILE: generation N, after the first apply" \
	wait_for "$DEADLINE" notified "$NLOG" "READY=1|STATUS=applied $RULES: generation $((G + 1))"
check "service: the first message is READY=1 (nothing before the first apply)" \
	test "$(head -n1 "$NLOG")" = "READY=1|STATUS=applied $RULES: generation $((G + 1))"
check "service: the first 'applied' line comes through the pipe while the watcher runs" \
	bash -c "$(declare -f wait_for topo_wait pipe_lines_are count_in); TMP=$TMP; wait_for $DEADLINE pipe_lines_are 1 && kill -0 $WATCH_PID"

rules $B_NET >"$RULES"
check "service: a change is applied" wait_for "$DEADLINE" generation_is $((G + 2))
check "service: the second 'applied' line comes through the pipe before the watcher exits" \
	bash -c "$(declare -f wait_for topo_wait pipe_lines_are count_in); TMP=$TMP; wait_for $DEADLINE pipe_lines_are 2 && kill -0 $WATCH_PID"
check "service: RELOADING=1, then READY=1 with the new generation, around the re-apply" \
	wait_for "$DEADLINE" notified "$NLOG" "READY=1|STATUS=applied $RULES: generation $((G + 2))"
check "service: RELOADING=1 came just before that READY=1" \
	test "$(tail -n2 "$NLOG" | head -n1)" = "RELOADING=1|STATUS=applying $RULES"

# ---- SIGHUP: applied again though unchanged, the watcher lives on ------
G=$(generation)
kill -HUP "$WATCH_PID"
check "service: SIGHUP applies the unchanged file again" wait_for "$DEADLINE" generation_is $((G + 1))
check "service: the watcher survives SIGHUP (no exit 129)" alive
check "service: SIGHUP is logged" err_has "SIGHUP: applying $RULES again"
check "service: SIGHUP's apply is a third 'applied' line through the pipe" \
	wait_for "$DEADLINE" pipe_lines_are 3
check "service: SIGHUP's apply is announced RELOADING=1 / READY=1" \
	wait_for "$DEADLINE" notified "$NLOG" "READY=1|STATUS=applied $RULES: generation $((G + 1))"
check "service: rule set B is still live after SIGHUP" rules_are B

# ---- a broken file: READY=1 again, STATUS says the rules stay ----------
G=$(generation)
echo '{ "properties": ' >"$RULES"
check "service: a broken file is reported as STATUS= with the rules in force staying" \
	wait_for "$DEADLINE" grep -q "^READY=1|STATUS=$RULES:2:.*(the rules in force stay)$" "$NLOG"
check "service: a broken file installs nothing" generation_is "$G"

# ---- StrictModes while watching: a 0666 file is refused ---------------
rules $A_NET >"$RULES"
check "service: the repaired file is applied" wait_for "$DEADLINE" generation_is $((G + 1))
G=$(generation)
chmod 0666 "$RULES"
check "service: a file made 0666 while watched is refused in one line naming it and the mode" \
	wait_for "$DEADLINE" grep -q "^vaultfw: apply: unsafe permissions: $RULES (mode 0666) .*--allow-unsafe-permissions.*(the rules in force stay)$" "$TMP/watch.err"
check "service: the 0666 refusal is the STATUS=" \
	wait_for "$DEADLINE" grep -q "^READY=1|STATUS=unsafe permissions: $RULES (mode 0666)" "$NLOG"
check "service: a 0666 file installs nothing" generation_is "$G"
check "service: the watcher survives a 0666 file" alive
chmod 0644 "$RULES"
check "service: the same file back at 0644 is applied" wait_for "$DEADLINE" generation_is $((G + 1))
check "service: rule set A is live" rules_are A
# The directory made 0777: the next change is refused; made 0755 again,
# the file (unchanged since) is applied without another write.
G=$(generation)
chmod 0777 "$CONF"
rules $B_NET >"$RULES"
check "service: a change in a directory made 0777 is refused, naming the directory" \
	wait_for "$DEADLINE" grep -q "unsafe permissions: directory $CONF (mode 0777) .*(the rules in force stay)$" "$TMP/watch.err"
check "service: ... and installs nothing" generation_is "$G"
chmod 0755 "$CONF"
check "service: the directory made 0755 again, the waiting file is applied" \
	wait_for "$DEADLINE" generation_is $((G + 1))
check "service: rule set B is live" rules_are B
check "service: the 0777 refusal was reported once" \
	test "$(grep -c "directory $CONF (mode 0777)" "$TMP/watch.err")" -eq 1
rules $A_NET >"$RULES"
check "service: and the next change is applied" wait_for "$DEADLINE" generation_is $((G + 2))

# ---- the directory removed and made again ------------------------------
G=$(generation)
rm -rf "$CONF"
check "service: a removed directory is noticed" wait_for "$DEADLINE" err_has "is gone; waiting for it"
check "service: the watcher survives its directory going" alive
mkdir "$CONF"
rules $B_NET >"$RULES"
check "service: a file in the directory made again is applied" \
	wait_for "$DEADLINE" generation_is $((G + 1))
check "service: rule set B is live from the new directory" rules_are B
check "service: the watcher says it watches the directory again" err_has "is back; watching it again"
rules $A_NET >"$RULES"
check "service: a later change in the new directory is applied too (it is watched)" \
	wait_for "$DEADLINE" generation_is $((G + 2))
# Renamed away and replaced: the old directory (still watched at first,
# elsewhere) must not keep the watcher.
G=$(generation)
mv "$CONF" "$TMP/conf.old"
mkdir "$CONF" && rules $B_NET >"$RULES.tmp" && mv "$RULES.tmp" "$RULES"
check "service: a directory renamed away and replaced is watched anew" \
	wait_for "$DEADLINE" generation_is $((G + 1))
rules $A_NET >"$TMP/conf.old/vault.json"
rules $A_NET >"$RULES"
check "service: the replacement's next change is applied" wait_for "$DEADLINE" rules_are A
check "service: the renamed-away directory installs nothing" generation_is $((G + 2))

# ---- SIGTERM -------------------------------------------------------------
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
check "service: SIGTERM ends the watcher with status 0" test $? -eq 0
WATCH_PID=
check "service: STOPPING=1 is the last message" \
	wait_for "$DEADLINE" bash -c "tail -n1 '$NLOG' | grep -q '^STOPPING=1'"
N_APPLIED=$(($(generation) - G0))
stop_watcher
check "service: the pipe reader got one 'applied' line per generation installed ($N_APPLIED)" \
	pipe_lines_are "$N_APPLIED"
check "service: one READY=1 per apply and per refusal, and no other message but RELOADING/STOPPING" \
	test "$(grep -c '^READY=1|STATUS=' "$NLOG")" -eq \
	"$((N_APPLIED + $(grep -c '(the rules in force stay)$' "$NLOG")))" -a \
	"$(grep -cvE '^(READY=1|RELOADING=1|STOPPING=1)[|]STATUS=' "$NLOG")" -eq 0
check "service: each RELOADING=1 is followed by a READY=1" \
	bash -c "! grep -A1 '^RELOADING=1' '$NLOG' | grep -v '^--$' | paste - - | grep -v $'^RELOADING=1.*\tREADY=1'"

# ---- sd_notify to an abstract socket (in the watcher's network namespace)
ALOG=$TMP/abstract.log
ANAME=@vfws-notify-$$
notify_listen "$ALOG" "$ANAME" nsenter --net=/run/netns/$NS
G=$(generation)
check "service: the watcher starts with an abstract NOTIFY_SOCKET" start_watcher "$ANAME" "$RULES"
check "service: READY=1 reaches an abstract socket ('@' name)" \
	wait_for "$DEADLINE" notified "$ALOG" "READY=1|STATUS=applied $RULES: generation $((G + 1))"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
WATCH_PID=
check "service: STOPPING=1 reaches the abstract socket" \
	wait_for "$DEADLINE" grep -q '^STOPPING=1' "$ALOG"
stop_watcher

# ---- StrictModes for attach, apply and apply --watch at start -----------
G=$(generation)
chmod 0666 "$RULES"
run w666 vfw apply $IFACE "$RULES" --watch
check "service: apply --watch refuses a 0666 file at start: exit 1, one line" one_error_line w666 apply
check "service: the refusal names the file and mode 0666" \
	grep -q "unsafe permissions: $RULES (mode 0666) is writable by everyone" "$TMP/w666.err"
run a666 vfw apply $IFACE "$RULES"
check "service: apply refuses a 0666 file in one line" one_error_line a666 apply
chmod 0664 "$RULES"
run a664 vfw apply $IFACE "$RULES"
check "service: apply refuses a 0664 file in one line naming the mode" \
	bash -c "$(declare -f one_error_line rc_of); TMP=$TMP; one_error_line a664 apply && grep -q '$RULES (mode 0664) is writable by its group' $TMP/a664.err"
run t664 vfw attach $IFACE "$RULES" --replace
check "service: attach refuses a 0664 file in one line naming the mode" \
	bash -c "$(declare -f one_error_line rc_of); TMP=$TMP; one_error_line t664 attach && grep -q '(mode 0664)' $TMP/t664.err"
chmod 0644 "$RULES"
chmod 0777 "$CONF"
run d777 vfw apply $IFACE "$RULES"
check "service: a 0644 file in a 0777 directory is refused, naming the directory and mode" \
	bash -c "$(declare -f one_error_line rc_of); TMP=$TMP; one_error_line d777 apply && grep -q 'directory $CONF (mode 0777) is writable by everyone' $TMP/d777.err"
check "service: nothing refused installed anything" generation_is "$G"
run d777-flag vfw apply $IFACE "$RULES" --allow-unsafe-permissions
check "service: --allow-unsafe-permissions applies it anyway" \
	bash -c "[ $(rc_of d777-flag) -eq 0 ] && grep -q ': applied ' $TMP/d777-flag.out"
chmod 1777 "$CONF"
run sticky vfw apply $IFACE "$RULES"
check "service: a sticky world-writable directory (like /tmp) is accepted" test "$(rc_of sticky)" -eq 0
chmod 0755 "$CONF"
chmod 0666 "$RULES"
G=$(generation)
check "service: apply --watch --allow-unsafe-permissions starts on a 0666 file" \
	start_watcher "" "$RULES" --allow-unsafe-permissions
check "service: ... and applies it" generation_is $((G + 1))
stop_watcher
chmod 0644 "$RULES"
chown 65534 "$RULES"
run nobody vfw apply $IFACE "$RULES"
check "service: a file owned by another user than root is refused" \
	bash -c "$(declare -f one_error_line rc_of); TMP=$TMP; one_error_line nobody apply && grep -q 'is owned by uid 65534, not root' $TMP/nobody.err"
run check-nobody "$VAULTFW" check "$RULES"
check "service: check, which loads nothing into the kernel, does not judge permissions" \
	test "$(rc_of check-nobody)" -eq 0
chown 0 "$RULES"

# ---- exit statuses ---------------------------------------------------------
run usage vfw apply $IFACE --watch
check "service: apply --watch without FILE is a usage error (2)" test "$(rc_of usage)" -eq 2
run badopt vfw apply $IFACE "$RULES" --watch --no-such-option
check "service: an unknown option is a usage error (2)" test "$(rc_of badopt)" -eq 2
run badrate vfw attach $IFACE "$RULES" --replace --log-rate lots
check "service: a malformed attach --log-rate is a usage error (2), like a malformed --mode" \
	test "$(rc_of badrate)" -eq 2
run badrate-log vfw log $IFACE --rate -1
check "service: a malformed log --rate is a usage error (2)" test "$(rc_of badrate-log)" -eq 2
run noiface vfw apply vfwsnone$$ "$RULES" --watch
check "service: apply --watch on an interface without vaultfw fails (1) in one line" \
	bash -c "$(declare -f one_error_line rc_of); TMP=$TMP; one_error_line noiface apply && [ $(rc_of noiface) -eq 1 ]"

# ---- the version in status --json and the Prometheus output ------------
VERSION=$(cat "$VFW_ROOT/VERSION")
run sj vfw status $IFACE --json
check "service: status --json has a top-level version next to interfaces" \
	"$PY" -c "import json,sys; d=json.load(open('$TMP/sj.out')); sys.exit(not (d['version'] == '$VERSION' and d['interfaces'][0]['iface'] == '$IFACE'))"
run prom vfw stats $IFACE --format prometheus
check "service: vaultfw_build_info{version} 1 is a gauge the Prometheus parser reads" \
	"$PY" - "$TMP/prom.out" "$VERSION" <<-'EOF'
	import sys
	from prometheus_client.parser import text_string_to_metric_families
	fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
	f = fams["vaultfw_build_info"]
	assert f.type == "gauge" and f.documentation, f
	assert [(s.labels, s.value) for s in f.samples] == [({"version": sys.argv[2]}, 1.0)], f.samples
	EOF

t_exit
