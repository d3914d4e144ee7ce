#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Privilege (issue 6, point 6): with vaultfw attached, an unprivileged user
# (nobody, no groups) gets one clear error line from every subcommand that
# touches the kernel, while `check`, which only reads and compiles a file,
# works for anyone (docs/design.md "Privilege"). The pin directories are
# root-only, so that user can neither read nor change a pinned map.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init u

PIN_ROOT=$(sed -n 's/^#define VFW_PIN_ROOT[[:space:]]*"\(.*\)"/\1/p' "$VFW_ROOT/maps/vaultfw.h")
ACTIVE_MAP=$(sed -n 's/^#define VFW_MAP_ACTIVE[[:space:]]*"\(.*\)"/\1/p' "$VFW_ROOT/maps/vaultfw.h")
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

if ! veth_ns_up 10.80.0.1/24 || ! no_ipv6 || ! vfw -q attach $IFACE "$VFW_ROOT/tests/rules/example.json"; then
	fail "privilege: namespace setup and attach"
	exit 1
fi
# The unprivileged user must be able to reach the binary and the file, so
# that only privilege is what stops it.
chmod 0755 "$TMP"
cp "$VFW_ROOT/tests/rules/example.json" "$TMP/rules.json"
chmod 0644 "$TMP/rules.json"
as_nobody() { in_ns "${NOBODY[@]}" "$@"; }
run help-nobody as_nobody "$VAULTFW" --help
check "privilege: nobody can run the vaultfw binary" test "$(rc_of help-nobody)" -eq 0
dump_pinned "$PIN_DIR" >"$TMP/before.dump"

check "privilege: $PIN_DIR is a root-owned directory of mode 0700" \
	test "$(stat -c '%u %a' "$PIN_DIR")" = "0 700"
check "privilege: $PIN_ROOT is a root-owned directory of mode 0700" \
	test "$(stat -c '%u %a' "$PIN_ROOT")" = "0 700"

# check works for anyone: it reads a file and touches no kernel state.
run check-nobody as_nobody "$VAULTFW" check "$TMP/rules.json"
check "privilege: nobody may run check, which needs no privilege" \
	bash -c "[ $(rc_of check-nobody) -eq 0 ] && grep -q 'valid' '$TMP/check-nobody.out'"

# Every other command, as listed by `vaultfw --help`, with arguments that
# would succeed for root. Options a command requires are added here.
extra_args() {
	case $1 in
	explain) echo "--src 198.51.100.1" ;;
	rule) echo "--ip-address 198.51.100.9" ;;
	update) echo "--default-action Allow" ;;
	esac
}
# Fill a usage line's placeholders: IFACE, FILE, IFACE|FILE, ACTION, [IFACE].
fill_args() {
	local word out=()
	for word in "$@"; do
		case $word in
		IFACE | "[IFACE]" | "IFACE|FILE") out+=("$IFACE") ;;
		FILE) out+=("$TMP/rules.json") ;;
		ACTION) out+=(add) ;;
		*) out+=("$word") ;;
		esac
	done
	echo "${out[@]}"
}

# refused_as_nobody RUN CMD LABEL: the run failed with one line saying why.
refused_as_nobody() {
	if one_error_line "$1" "$2" && grep -qE 'root|not permitted' "$TMP/$1.err"; then
		pass "privilege: nobody gets one clear error line from '$3'"
	else
		fail "privilege: nobody gets one clear error line from '$3'"
		cat "$TMP/$1.err"
	fi
}

n_cmds=0
for cmd in $(sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p' "$TMP/help-nobody.out"); do
	[ "$cmd" = check ] && continue
	usage=$("$VAULTFW" "$cmd" --help | sed -n "s/^Usage: vaultfw $cmd \(.*\) \[OPTIONS\]$/\1/p")
	# shellcheck disable=SC2086 # the usage words are split on purpose
	args="$(fill_args $usage) $(extra_args "$cmd")"
	# shellcheck disable=SC2086
	run "nobody-$cmd" as_nobody "$VAULTFW" "$cmd" $args
	refused_as_nobody "nobody-$cmd" "$cmd" "$cmd ${args//$TMP/TMP}"
	n_cmds=$((n_cmds + 1))
done
check "privilege: every listed command was tried ($n_cmds besides check)" test "$n_cmds" -ge 5
# explain of a file loads its own copy of the program: also refused.
run nobody-explain-file as_nobody "$VAULTFW" explain "$TMP/rules.json" --src 198.51.100.1
refused_as_nobody nobody-explain-file explain "explain FILE --src 198.51.100.1"

# The maps themselves, through bpftool.
run bpftool-dump as_nobody bpftool map dump pinned "$PIN_DIR/$ACTIVE_MAP"
check_not "privilege: nobody cannot dump a pinned map with bpftool" \
	test "$(rc_of bpftool-dump)" -eq 0
run bpftool-update as_nobody bpftool map update pinned "$PIN_DIR/$ACTIVE_MAP" \
	key hex 00 00 00 00 value hex 01 00 00 00
check_not "privilege: nobody cannot update a pinned map with bpftool" \
	test "$(rc_of bpftool-update)" -eq 0
run ls-pins as_nobody ls "$PIN_DIR"
check_not "privilege: nobody cannot list the pin directory" test "$(rc_of ls-pins)" -eq 0

dump_pinned "$PIN_DIR" >"$TMP/after.dump"
check "privilege: every pinned map is unchanged after all of it" \
	cmp -s "$TMP/before.dump" "$TMP/after.dump"
t_exit
