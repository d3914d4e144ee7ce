#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every test suite (build/tests/test_* binaries, then tests/e2e/*.sh),
# counts their "PASS:" / "FAIL:" lines and ends with "N passed, N failed".
# A suite that exits non-zero without reporting a failure counts as one.
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
log_dir=$(mktemp -d /tmp/vaultfw-tests.XXXXXX)
# The C suites pin maps before any e2e attach would mount bpffs: on a fresh
# boot it is not mounted yet.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

run_suite() {
	local name=$1; shift
	local out="$log_dir/$name.log" rc p f
	echo "== $name"
	"$@" >"$out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL): ' "$out" | sed 's/^/   /'
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
		echo "   -- $name output (exit $rc):"
		grep -vE '^(PASS|FAIL): ' "$out" | tail -n 40 | sed 's/^/   | /'
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   FAIL: $name exited $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for bin in build/tests/test_*; do
	[ -x "$bin" ] || continue
	run_suite "$(basename "$bin")" "$bin"
done
for script in tests/e2e/*.sh; do
	[ -f "$script" ] || continue
	run_suite "e2e-$(basename "$script" .sh)" bash "$script"
done

rm -rf "$log_dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
