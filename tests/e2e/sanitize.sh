#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vaultfw under AddressSanitizer + UndefinedBehaviorSanitizer (the build in
# build/asan/, made by `make asan`) and under valgrind (the normal build):
# the unit tests, a replay of the fuzz corpus, and an attach / apply / stats
# / detach cycle on a veth in a namespace, with its error paths. Any
# sanitizer report, leak or valgrind error fails the case.
#
# No LSan suppressions are needed: libbpf and libxdp free what vaultfw
# asks them to. Valgrind needs tests/e2e/valgrind.supp, which explains each
# entry (all are valgrind not knowing what the bpf() syscall writes).
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init s

ASAN=$VFW_ROOT/build/asan
SAN_EXIT=86
VG_EXIT=99

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=$SAN_EXIT"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=$SAN_EXIT"
VALGRIND=(valgrind -q --suppressions="$VFW_ROOT/tests/e2e/valgrind.supp"
	  --leak-check=full --errors-for-leak-kinds=definite,indirect
	  --error-exitcode=$VG_EXIT)

# A report is the sanitizers' or valgrind's exit code, or their text.
no_report() {
	local log=$1 rc=$2
	[ "$rc" -ne $SAN_EXIT ] && [ "$rc" -ne $VG_EXIT ] &&
	! grep -qE 'Sanitizer|runtime error:|^==[0-9]+== ' "$log"
}

# Unit tests: each asan suite must pass all its checks with no report.
for bin in "$ASAN"/tests/test_*; do
	name=$(basename "$bin")
	(cd "$VFW_ROOT" && "$bin") >"$TMP/$name.log" 2>&1
	rc=$?
	n=$(grep -c '^PASS: ' "$TMP/$name.log")
	if [ "$rc" -eq 0 ] && [ "$n" -gt 0 ] && ! grep -q '^FAIL: ' "$TMP/$name.log" &&
	   no_report "$TMP/$name.log" "$rc"; then
		pass "sanitize: asan+ubsan $name: $n checks, no report"
	else
		fail "sanitize: asan+ubsan $name (exit $rc)"
		grep -E '^FAIL|Sanitizer|runtime error' "$TMP/$name.log" | head -20
	fi
done

# Every seed, regression and bad-input file through parse -> compile.
"$ASAN/fuzz_rules_replay" "$VFW_ROOT/tests/fuzz/corpus" "$VFW_ROOT/tests/fuzz/regress" \
	"$VFW_ROOT/tests/bad" >"$TMP/replay.log" 2>&1
rc=$?
check "sanitize: fuzz corpus and regressions replay with no report ($(cat "$TMP/replay.log" | tail -n 1))" \
	bash -c "[ $rc -eq 0 ] && grep -q 'replayed [1-9]' '$TMP/replay.log'"
no_report "$TMP/replay.log" $rc || cat "$TMP/replay.log"

if ! veth_ns_up 10.78.0.1/24 10.78.0.2/24; then
	fail "sanitize: namespace setup"
	exit 1
fi

# The cycle: "ok" or "err" (the exit status wanted), then the arguments.
CYCLE=(
	"ok check $VFW_ROOT/tests/rules/example.json"
	"err check $VFW_ROOT/tests/bad/binary.json"
	"ok attach $IFACE $VFW_ROOT/tests/rules/example.json"
	"ok status $IFACE"
	"ok apply $IFACE $VFW_ROOT/tests/e2e/cli-b.json"
	"err apply $IFACE $VFW_ROOT/tests/bad/subnet-overlap-on-tag.json"
	"ok stats $IFACE"
	"ok stats $IFACE --json"
	"ok status"
	"err stats $NOSUCH"
	"ok detach $IFACE"
	"err stats $IFACE"
)

# cycle TOOL PREFIX...: runs every CYCLE step under PREFIX (the vaultfw binary last).
cycle() {
	local tool=$1; shift
	local step want args rc i=0
	for step in "${CYCLE[@]}"; do
		read -r want args <<<"$step"
		i=$((i + 1))
		# shellcheck disable=SC2086 # args is a word list on purpose
		in_ns "$@" $args >"$TMP/$tool-$i.out" 2>"$TMP/$tool-$i.err"
		rc=$?
		if ! no_report "$TMP/$tool-$i.err" $rc; then
			fail "sanitize: $tool: vaultfw $args: report (exit $rc)"
			head -40 "$TMP/$tool-$i.err"
		elif [ "$want" = ok ] && [ $rc -ne 0 ]; then
			fail "sanitize: $tool: vaultfw $args: exit $rc"
			cat "$TMP/$tool-$i.err"
		elif [ "$want" = err ] && [ $rc -eq 0 ]; then
			fail "sanitize: $tool: vaultfw $args: succeeded but must fail"
		else
			pass "sanitize: $tool: vaultfw $args: exit $rc, no report"
		fi
	done
}

cycle asan+ubsan "$ASAN/vaultfw"
cycle valgrind "${VALGRIND[@]}" "$VFW_ROOT/build/vaultfw"
t_exit
