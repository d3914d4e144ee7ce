# SPDX-License-Identifier: GPL-2.0
# Shell side of the test harness: one "PASS: name" / "FAIL: name" line per
# case, the format tests/run.sh counts. Source it from tests/e2e/*.sh.

VFW_ROOT=${VFW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VAULTFW=${VAULTFW:-$VFW_ROOT/build/vaultfw}
T_FAILED=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; T_FAILED=$((T_FAILED + 1)); }

# check NAME CMD...: PASS when CMD exits 0.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# check_not NAME CMD...: PASS when CMD exits non-zero.
check_not() {
	local name=$1; shift
	if "$@"; then fail "$name"; else pass "$name"; fi
}

t_exit() { [ "$T_FAILED" -eq 0 ]; }
