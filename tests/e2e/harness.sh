#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The e2e harness itself (tests/lib.sh, scripts/topology.sh): per-run names
# fit IFNAMSIZ at any PID, runs never collide, and each run's cleanup
# removes everything it made, and nothing else, on success, on failure and
# on SIGTERM (issue 13 item 11).
#
# A "holder" is this script run as `harness.sh --hold DIR [fail]`: a run of
# its own that builds the demo topology (topo_up), attaches vaultfw, writes
# its names to DIR/names and then waits for DIR/go (or, with fail, exits 1
# at once). One holder stays up while two copies of tests/e2e/edit.sh and
# two demos (scripts/demo.sh) run at the same time: all four must pass, and
# the holder must still have every namespace, pin and listener, and still
# filter, after the four cleanups. Two more holders are ended by SIGTERM
# and by a failure: neither may leave anything behind.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init h

DEMO_RULES=$VFW_ROOT/scripts/demo-vault.json

# --- the holder ----------------------------------------------------------------
if [ "${1:-}" = --hold ]; then
	dir=$2
	topo_up >"$dir/setup.log" 2>&1 || exit 2
	topo_vaultfw -q attach "$TOPO_IFACE" "$DEMO_RULES" --mode native || exit 2
	{
		echo "prefix $TOPO_PREFIX"
		echo "ns ${TOPO_NS_LIST[*]}"
		echo "pins $TOPO_PIN_DIR"
		echo "tmp $TOPO_TMP"
		echo "pids ${TOPO_PIDS[*]}"
	} >"$dir/names.new" && mv "$dir/names.new" "$dir/names"
	[ "${3:-}" != fail ] || exit 1
	topo_wait 300 test -e "$dir/go" || exit 3
	# Still filtering, as attached: the IP rule passes, the rest is dropped.
	topo_connect "$TOPO_ALLOWED_SRC" "$TOPO_DATA_PORT" >"$dir/after.log" 2>&1 &&
	! topo_connect "$TOPO_DENIED_SRC" "$TOPO_DATA_PORT" >>"$dir/after.log" 2>&1 &&
	topo_vaultfw status "$TOPO_IFACE" >>"$dir/after.log" 2>&1 &&
	echo ok >"$dir/result"
	exit 0
fi

# field DIR KEY: the words after KEY in DIR/names.
field() { sed -n "s/^$2 //p" "$1/names"; }

# hold NAME [fail]: start a holder in $TMP/NAME; HOLDER_PID is its PID.
# It is a run of its own, so topo_bg starts it in this namespace (no NS)
# and this run's cleanup ends it should the suite stop first.
hold() {
	mkdir -p "$TMP/$1"
	topo_bg "" bash "$0" --hold "$TMP/$1" ${2:+"$2"} >"$TMP/$1/out" 2>&1
	HOLDER_PID=$TOPO_BG_PID
	topo_on_cleanup "touch '$TMP/$1/go'"
}
ready() { [ -s "$TMP/$1/names" ]; }

# all_there DIR: every namespace, the pin directory, the temporary
# directory and every background process of the holder in DIR exist.
all_there() {
	local ns pid
	for ns in $(field "$1" ns); do
		[ -e "/run/netns/$ns" ] || { echo "  $ns is gone"; return 1; }
	done
	[ -d "$(field "$1" pins)" ] || { echo "  $(field "$1" pins) is gone"; return 1; }
	[ -d "$(field "$1" tmp)" ] || { echo "  $(field "$1" tmp) is gone"; return 1; }
	for pid in $(field "$1" pids); do
		[ -d "/proc/$pid" ] || { echo "  listener $pid is gone"; return 1; }
	done
}
# none_left PREFIX...: no namespace, pin directory or temporary directory
# with any PREFIX is left, and no process of the holder in $LEFT_DIR runs.
none_left() {
	local p f pid found=()
	for p; do
		for f in /run/netns/"$p"[-a-z]* "$TOPO_PIN_ROOT/$p"[a-z]* /tmp/"$p".*; do
			[ ! -e "$f" ] || found+=("$f")
		done
	done
	if [ -n "${LEFT_DIR:-}" ]; then
		for pid in $(field "$LEFT_DIR" pids); do
			[ ! -d "/proc/$pid" ] || found+=("process $pid")
		done
	fi
	[ ${#found[@]} -eq 0 ] || { echo "  left: ${found[*]}"; return 1; }
}
# holder_left_nothing DIR: the holder in DIR got as far as naming itself,
# and nothing of it is left.
holder_left_nothing() {
	[ -s "$1/names" ] || { echo "  $1: the holder never got ready"; return 1; }
	LEFT_DIR=$1 none_left "$(field "$1" prefix)"
}
# holder_names_ok DIR: every interface in the holder's namespaces is its
# prefix and a suffix of at most 5 characters (lo aside).
holder_names_ok() {
	local ns dev prefix
	prefix=$(field "$1" prefix)
	for ns in $(field "$1" ns); do
		for dev in $(topo_in_ns "$ns" ip -o link show |
			     awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			[ "$dev" = lo ] || [[ $dev =~ ^${prefix}[a-z][a-z0-9]{0,4}$ ]] ||
				{ echo "  $ns: $dev"; return 1; }
		done
	done
}

# --- names -----------------------------------------------------------------------
check "harness: the run's prefix is vf, the tag and the PID" \
	test "$TOPO_PREFIX" = "vfh$$"
check "harness: names are PREFIX-ROLE for namespaces and PREFIXSUFFIX for interfaces" \
	test "$NS $IFACE $PEER_NS $PEER" = "vfh$$-vault vfh$$v0 vfh$$-peer vfh$$p0"
# The suffixes the topologies use; the longest at the largest PID.
longest() {
	local s name max=
	TOPO_PREFIX=$(topo_prefix z $((TOPO_PID_MAX - 1)))
	for s in v0 r0 p0 t0 bt bp br none x5001 s5001 a7001 n9001 x9001; do
		name=$(topo_ifname "$s") || return 1
		[ ${#name} -le ${#max} ] || max=$name
	done
	echo "$max"
}
LONGEST=$( (longest) )
check "harness: at the largest PID the longest interface name, $LONGEST, fits IFNAMSIZ (${#LONGEST} <= 15)" \
	test -n "$LONGEST" -a ${#LONGEST} -le 15
check_not "harness: a suffix over five characters is refused" topo_ifname x50010 2>/dev/null
check_not "harness: a namespace without this run's prefix is refused" \
	topo_ns_add vfx-not-ours 2>/dev/null

# --- a holder, and four runs at once beside it -----------------------------------
hold keep
KEEP_PID=$HOLDER_PID
check "harness: a holder run built the demo topology and attached vaultfw" \
	wait_for 30 ready keep
check "harness: every interface of the holder is its prefix and a suffix of at most 5 characters" \
	holder_names_ok "$TMP/keep"

# Snapshots of the namespaces while the four run, to see them side by side.
snapshots() {
	while [ ! -e "$TMP/stop" ]; do
		{ ip netns list 2>/dev/null | awk '{ print $1 }'; echo '='; } >>"$TMP/snapshots"
		sleep 0.2
	done
}
topo_bg "" snapshots
SNAP_PID=$TOPO_BG_PID

topo_bg "" bash "$VFW_ROOT/tests/e2e/edit.sh" >"$TMP/edit-a.out" 2>&1
EDIT_A=$TOPO_BG_PID
topo_bg "" bash "$VFW_ROOT/tests/e2e/edit.sh" >"$TMP/edit-b.out" 2>&1
EDIT_B=$TOPO_BG_PID
topo_bg "" "$VFW_ROOT/scripts/demo.sh" >"$TMP/demo-c.out" 2>&1
DEMO_C=$TOPO_BG_PID
topo_bg "" "$VFW_ROOT/scripts/demo.sh" >"$TMP/demo-d.out" 2>&1
DEMO_D=$TOPO_BG_PID
for pid in $EDIT_A $EDIT_B $DEMO_C $DEMO_D; do
	wait "$pid"
	echo $? >"$TMP/rc-$pid"
done
touch "$TMP/stop"
wait "$SNAP_PID"

# Both ran under their own names, at the same time.
side_by_side() {
	awk -v a="$1" -v b="$2" '$0 == "=" { if (sa && sb) found = 1; sa = sb = 0; next }
		$1 == a { sa = 1 } $1 == b { sb = 1 } END { exit !found }' "$TMP/snapshots"
}
check "harness: two copies of edit.sh ran at the same time under their own names" \
	side_by_side "vfe$EDIT_A-vault" "vfe$EDIT_B-vault"
check "harness: both copies of edit.sh pass, with the same checks" bash -c "
	[ \$(cat $TMP/rc-$EDIT_A) -eq 0 ] && [ \$(cat $TMP/rc-$EDIT_B) -eq 0 ] &&
	! grep -q '^FAIL' $TMP/edit-a.out $TMP/edit-b.out &&
	[ \$(grep -c '^PASS: ' $TMP/edit-a.out) -gt 50 ] &&
	diff <(grep '^PASS: ' $TMP/edit-a.out) <(grep '^PASS: ' $TMP/edit-b.out)"
check "harness: two demos ran at the same time under their own names" \
	side_by_side "vfd$DEMO_C-vault" "vfd$DEMO_D-vault"
check "harness: both demos behaved as expected" bash -c "
	[ \$(cat $TMP/rc-$DEMO_C) -eq 0 ] && [ \$(cat $TMP/rc-$DEMO_D) -eq 0 ] &&
	grep -q 'every attempt behaved as expected' $TMP/demo-c.out &&
	grep -q 'every attempt behaved as expected' $TMP/demo-d.out &&
	grep -q 'namespaces vfd$DEMO_C-vault,' $TMP/demo-c.out &&
	grep -q 'namespaces vfd$DEMO_D-vault,' $TMP/demo-d.out"
for f in edit-a edit-b demo-c demo-d; do
	grep -q '^FAIL\|UNEXPECTED' "$TMP/$f.out" && sed -n '/^FAIL\|UNEXPECTED/p' "$TMP/$f.out" | sed "s/^/  $f: /"
done
check "harness: the four runs left nothing behind" \
	none_left "vfe$EDIT_A" "vfe$EDIT_B" "vfd$DEMO_C" "vfd$DEMO_D"
check "harness: the holder's namespaces, pins, listeners and files outlived the four cleanups" \
	all_there "$TMP/keep"
touch "$TMP/keep/go"
wait "$KEEP_PID"
rc=$?
check "harness: the holder still filters as attached, and exits 0" \
	bash -c "[ $rc -eq 0 ] && grep -qx ok $TMP/keep/result"
check "harness: released, the holder removed everything it made" \
	holder_left_nothing "$TMP/keep"

# --- SIGTERM and failure ---------------------------------------------------------
hold term
TERM_PID=$HOLDER_PID
hold fail fail
FAIL_PID=$HOLDER_PID
wait_for 30 ready term
kill -TERM "$TERM_PID"
wait "$TERM_PID"
check "harness: a run ended by SIGTERM exits 143" test $? -eq 143
check "harness: a run ended by SIGTERM removed everything it made" \
	holder_left_nothing "$TMP/term"
wait "$FAIL_PID"
check "harness: a run that fails midway exits 1" test $? -eq 1
check "harness: a run that fails midway removed everything it made" \
	holder_left_nothing "$TMP/fail"

t_exit
