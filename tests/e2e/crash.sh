#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Crash safety (docs/design.md "Crash safety"): vaultfw is SIGKILLed at
# every named step of attach, apply and rule add (VAULTFW_FAULT, see
# user/fault.h), and at random moments. After each kill: the old or the
# new rules are fully in force (verdicts through `explain` and the document
# of `show` agree), `status` is consistent, the lock is free and the next
# command works. Prints the figures: kills by phase, and failures.
#
# Applies that alternate two sets (A, B, A, B) write each set into the slot
# that already holds its own config and document, so an install that wrote
# them in the wrong order would look right. The sequences A A B, A B C (C
# with other config flags) and B A then a rule add write a slot holding
# another set's, at every step of the install.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init k

# No command may wait longer than this for the lock a killed one held.
CMD_TIMEOUT=30
ROUNDS=2		# of every named step
RANDOM_KILLS=8		# per phase, after 0-99 ms

# rules ACTION BYPASS NET...: a rules file with that defaultAction and
# bypass, listing the NETs as IP rules.
rules() {
	local action=$1 bypass=$2 list="" net; shift 2
	for net; do list="$list${list:+, }{\"value\": \"$net\"}"; done
	printf '{"properties": {"networkAcls": {"defaultAction": "%s", "bypass": "%s",
 "ipRules": [%s]}}, "host": {"dataPlane": {"addresses": ["192.0.2.10"]}}}\n' \
		"$action" "$bypass" "$list"
}
A_NET=203.0.113.0/24
B_NET=198.51.100.0/24
C_NET=192.0.2.128/25
A_SRC=203.0.113.5
B_SRC=198.51.100.5
C_SRC=100.64.0.5	# in no set's rules: only a default-allow set passes it
rules Deny AzureServices $A_NET >"$TMP/a.json"
rules Deny AzureServices $B_NET >"$TMP/b.json"
# Other config flags than A and B (default allow, no bypass): it admits
# every source, and its document names C_NET.
rules Allow None $C_NET >"$TMP/c.json"

ATTACH_STEPS="attach-dir install-ids install-trie install-config install-document
	install-pin install-flip attach-pin-map attach-pinned attach-prog attach-done"
INSTALL_STEPS="install-ids install-trie install-config install-document install-pin
	install-flip"

declare -A KILLS FAILS
KILLS_TOTAL=0
FAILS_TOTAL=0
WHY=

# cmd ARGS...: vaultfw in the namespace, never waiting forever on a lock.
cmd() { timeout $CMD_TIMEOUT nsenter --net=/run/netns/$NS "$VAULTFW" "$@"; }
verdict() { cmd explain $IFACE --src "$1" | sed -n 's/^  datapath: \([A-Z]*\).*/\1/p'; }
attached() { ip -n $NS -d link show $IFACE | grep -q 'prog/xdp'; }
# The live rule set by its verdicts: A, B, AB (both admitted), C (all
# admitted) or NONE. C_SRC is asked only where it tells AB from C.
live_verdicts() {
	local a b
	a=$(verdict $A_SRC)
	b=$(verdict $B_SRC)
	case "$a/$b" in
	PASS/DROP) echo A ;;
	DROP/PASS) echo B ;;
	PASS/PASS) case $(verdict $C_SRC) in DROP) echo AB ;; PASS) echo C ;; *) echo "?C" ;; esac ;;
	DROP/DROP) echo NONE ;;
	*) echo "?$a/$b" ;;
	esac
}
# The live rule set by its stored document.
live_document() {
	local doc has_a has_b has_c
	doc=$(cmd show $IFACE) || { echo "?show"; return; }
	grep -q "\"$A_NET\"" <<<"$doc" && has_a=1
	grep -q "\"$B_NET\"" <<<"$doc" && has_b=1
	grep -q "\"$C_NET\"" <<<"$doc" && has_c=1
	case "${has_a:-0}${has_b:-0}${has_c:-0}" in
	100) echo A ;; 010) echo B ;; 110) echo AB ;; 001) echo C ;; *) echo NONE ;;
	esac
}

# fully_in_force SET|SET...: verdicts and document agree on one of them.
fully_in_force() {
	local v d
	v=$(live_verdicts)
	d=$(live_document)
	if [ "$v" != "$d" ]; then
		WHY="verdicts say $v, the document says $d"
		return 1
	fi
	if ! grep -qw -- "$v" <<<"$*"; then
		WHY="rule set $v in force, want one of: $*"
		return 1
	fi
	if ! cmd status $IFACE >"$TMP/status" 2>&1 || ! grep -q 'xdp: attached' "$TMP/status"; then
		WHY="status: $(tail -n 1 "$TMP/status")"
		return 1
	fi
	return 0
}

# After the next command: no temporary pin left, nothing half-done.
no_leftovers() {
	[ ! -e "$PIN_DIR/vfw_rules_new" ] || { WHY="vfw_rules_new left after the next command"; return 1; }
}

# killed PHASE RC: record a kill; a command that ran to its end is a
# failure of the test itself (the step was never reached).
killed() {
	KILLS[$1]=$((${KILLS[$1]:-0} + 1))
	KILLS_TOTAL=$((KILLS_TOTAL + 1))
}
failed() {
	FAILS[$1]=$((${FAILS[$1]:-0} + 1))
	FAILS_TOTAL=$((FAILS_TOTAL + 1))
	echo "  $1 ($2): $WHY"
}

# run_killed PHASE STEP|@DELAY ARGS...: vaultfw killed at STEP, or after
# DELAY seconds (nsenter execs it, so $! is vaultfw). A kill is counted; a
# timed run that finished first is not, and any other exit is a failure.
run_killed() {
	local phase=$1 how=$2 pid rc; shift 2
	if [ "${how:0:1}" = @ ]; then
		nsenter --net=/run/netns/$NS "$VAULTFW" -q "$@" >/dev/null 2>&1 &
		pid=$!
		sleep "${how:1}"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null	# no "Killed" from the shell
		rc=$?
	else
		# The subshell reports the kill to /dev/null and exits 137.
		(VAULTFW_FAULT=$how nsenter --net=/run/netns/$NS "$VAULTFW" -q "$@" >/dev/null; exit $?) \
			2>/dev/null
		rc=$?
	fi
	if [ $rc -eq 137 ]; then
		killed "$phase"
	elif [ $rc -ne 0 ] || [ "${how:0:1}" != @ ]; then
		WHY="exit $rc, not killed"
		return 1
	fi
}

random_delay() { printf '@0.%03d' $((RANDOM % 100)); }

# After a killed first attach: attached with A, or nothing attached and
# the next plain attach works (clearing what the dead one left).
check_after_attach() {
	if attached; then
		fully_in_force A || return 1
		cmd attach $IFACE "$TMP/a.json" --mode generic >/dev/null 2>&1 &&
			{ WHY="a second attach did not refuse"; return 1; }
		cmd attach $IFACE "$TMP/a.json" --mode generic --replace >/dev/null 2>&1 ||
			{ WHY="attach --replace after the kill failed"; return 1; }
	else
		if [ -d "$PIN_DIR" ] && cmd status $IFACE >"$TMP/status" 2>&1 &&
		   ! grep -q 'NOT attached' "$TMP/status"; then
			WHY="nothing attached, but status says: $(head -n 2 "$TMP/status" | tail -n 1)"
			return 1
		fi
		cmd attach $IFACE "$TMP/a.json" --mode generic >"$TMP/next" 2>&1 ||
			{ WHY="the next attach failed: $(tail -n 1 "$TMP/next")"; return 1; }
	fi
	fully_in_force A
}

kill_attach() {
	local how=$1
	cmd detach $IFACE >/dev/null 2>&1
	if ! run_killed attach "$how" attach $IFACE "$TMP/a.json" --mode generic; then
		failed attach "$how"
		return
	fi
	check_after_attach && no_leftovers || failed attach "$how"
	cmd detach $IFACE >/dev/null 2>&1 || { WHY="detach after the kill failed"; failed attach "$how"; }
	if [ -d "$PIN_DIR" ] || attached; then
		WHY="detach left pins or a program"
		failed attach "$how"
	fi
}

# apply B over A (or A over B), killed: either set fully in force, and the
# next apply works.
kill_apply() {
	local how=$1 old new
	old=$(live_verdicts)
	new=$([ "$old" = A ] && echo B || echo A)
	run_killed apply "$how" apply $IFACE "$TMP/${new,}.json" || { failed apply "$how"; return; }
	fully_in_force "$old" "$new" || failed apply "$how"
	cmd apply $IFACE "$TMP/${new,}.json" >"$TMP/next" 2>&1 ||
		{ WHY="the next apply failed: $(tail -n 1 "$TMP/next")"; failed apply "$how"; return; }
	fully_in_force "$new" && no_leftovers || failed apply "$how"
}

# rule add of B's network to A, killed: A or A+B in force, the next edit works.
kill_rule_add() {
	local how=$1
	run_killed "rule add" "$how" rule add $IFACE --ip-address $B_NET ||
		{ failed "rule add" "$how"; return; }
	fully_in_force A AB || failed "rule add" "$how"
	cmd rule add $IFACE --ip-address $B_NET >"$TMP/next" 2>&1 ||
		{ WHY="the next rule add failed: $(tail -n 1 "$TMP/next")"; failed "rule add" "$how"; }
	cmd rule remove $IFACE --ip-address $B_NET >"$TMP/next" 2>&1 ||
		{ WHY="the next rule remove failed: $(tail -n 1 "$TMP/next")"; failed "rule add" "$how"; }
	fully_in_force A && no_leftovers || failed "rule add" "$how"
}

# kill_after PHASE HOW "SET..." NEW CMD ARGS...: apply each SET in turn
# (so the slot the next install writes holds the one before the last),
# then run CMD killed at HOW: the last SET or NEW fully in force, the next
# CMD works and leaves NEW. A rule add that finds its rule there installs
# nothing, and only an install removes the temporary pin a kill left
# (docs/design.md "Crash safety"), so leftovers are checked after installs.
kill_after() {
	local phase=$1 how=$2 sets=$3 new=$4 set old; shift 4
	for set in $sets; do
		cmd apply $IFACE "$TMP/${set,}.json" >"$TMP/next" 2>&1 ||
			{ WHY="apply $set failed: $(tail -n 1 "$TMP/next")"; failed "$phase" "$how"; return; }
		old=$set
	done
	run_killed "$phase" "$how" "$@" || { failed "$phase" "$how"; return; }
	fully_in_force "$old" "$new" || failed "$phase" "$how"
	cmd "$@" >"$TMP/next" 2>&1 ||
		{ WHY="the next $1 failed: $(tail -n 1 "$TMP/next")"; failed "$phase" "$how"; return; }
	fully_in_force "$new" || failed "$phase" "$how"
	grep -q 'nothing installed' "$TMP/next" || no_leftovers || failed "$phase" "$how"
}

if ! veth_ns_up 10.79.2.1/24; then
	fail "crash: namespace setup"
	exit 1
fi

for ((round = 0; round < ROUNDS; round++)); do
	for step in $ATTACH_STEPS; do kill_attach "$step"; done
done
for ((i = 0; i < RANDOM_KILLS; i++)); do kill_attach "$(random_delay)"; done

cmd attach $IFACE "$TMP/a.json" --mode generic >/dev/null 2>&1
for ((round = 0; round < ROUNDS; round++)); do
	for step in $INSTALL_STEPS; do kill_apply "$step"; done
done
for ((i = 0; i < RANDOM_KILLS; i++)); do kill_apply "$(random_delay)"; done

cmd apply $IFACE "$TMP/a.json" >/dev/null 2>&1
for ((round = 0; round < ROUNDS; round++)); do
	for step in $INSTALL_STEPS; do kill_rule_add "$step"; done
done
for ((i = 0; i < RANDOM_KILLS; i++)); do kill_rule_add "$(random_delay)"; done

SEQUENCES=("apply A A B" "apply A B C" "rule add after B A")
for step in $INSTALL_STEPS; do
	kill_after "apply A A B" "$step" "A A" B apply $IFACE "$TMP/b.json"
	kill_after "apply A B C" "$step" "A B" C apply $IFACE "$TMP/c.json"
	kill_after "rule add after B A" "$step" "B A" AB rule add $IFACE --ip-address $B_NET
done

echo "  kills: $KILLS_TOTAL (attach ${KILLS[attach]:-0}, apply ${KILLS[apply]:-0}," \
	"rule add ${KILLS[rule add]:-0}$(for phase in "${SEQUENCES[@]}"; do
		printf ', %s %s' "$phase" "${KILLS[$phase]:-0}"; done)); failures: $FAILS_TOTAL"
for phase in attach apply "rule add" "${SEQUENCES[@]}"; do
	check "crash: ${KILLS[$phase]:-0} kills during $phase, old or new rules fully in force after each" \
		test "${FAILS[$phase]:-0}" -eq 0 -a "${KILLS[$phase]:-0}" -gt 0
done
check "crash: at least 50 kills" test "$KILLS_TOTAL" -ge 50
check "crash: detach at the end" cmd detach $IFACE
t_exit
