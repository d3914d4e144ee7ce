#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every test suite (build/tests/test_* binaries, then tests/e2e/*.sh),
# counts their "PASS:" / "FAIL:" lines and ends with "N passed, N failed".
# A suite that exits non-zero without reporting a failure counts as one.
#
#   tests/run.sh [-t SUITE[/CASE]]... [-l]
#
# -t SUITE runs only the suites whose name (as printed after "== ", e.g.
#    test_datapath or e2e-cli) matches the glob SUITE. -t SUITE/CASE runs
#    only the cases whose name (as printed after "PASS: ") matches the glob
#    CASE: a C suite gets it as its own -t and runs just those (and, without
#    reporting them, the cases they build on); an e2e script still runs
#    every step but reports only the matching checks (VFW_TEST_CASE, see
#    tests/lib.sh). Globs are shell wildcard patterns over the whole name
#    ('*vxlan*' matches a part of it); -t may be given more than once.
# -l lists the cases instead of running them: SUITE/CASE for C suites,
#    SUITE for e2e scripts.
#
# Each failing case is followed by the command that reruns it alone, and
# all of those are listed again before the totals.
set -u
cd "$(dirname "$0")/.."
RUN=tests/run.sh

usage() {
	echo "usage: $RUN [-t SUITE[/CASE]]... [-l]" >&2
	exit 2
}

patterns=()
list=false
while getopts t:lh opt; do
	case $opt in
	t) patterns+=("$OPTARG") ;;
	l) list=true ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

# select_suite NAME: whether the -t patterns select suite NAME; sets
# case_globs to the CASE globs that apply to it (none: all of its cases).
select_suite() {
	local p whole=false hit=false
	case_globs=()
	[ ${#patterns[@]} -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # the suite part is a glob
		[[ $1 == ${p%%/*} ]] || continue
		hit=true
		if [[ $p == */* ]]; then case_globs+=("${p#*/}"); else whole=true; fi
	done
	if $whole; then case_globs=(); fi
	$hit
}

# rerun_command SUITE [CASE]: the command that runs SUITE, or just CASE of
# it: CASE as a glob that matches only itself, the whole quoted for sh.
rerun_command() {
	local arg=$1 name
	if [ $# -gt 1 ]; then
		name=${2//\\/\\\\}
		name=${name//\*/\\*}
		name=${name//\?/\\?}
		name=${name//\[/\\[}
		arg="$1/$name"
	fi
	printf "%s -t '%s'\n" "$RUN" "${arg//\'/\'\\\'\'}"
}

passed=0
failed=0
suites=0
reruns=()
log_dir=$(mktemp -d /tmp/vaultfw-tests.XXXXXX)
trap 'rm -rf "$log_dir"' EXIT
# The C suites pin maps before any e2e attach would mount bpffs: on a fresh
# boot it is not mounted yet.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# note_rerun SUITE [CASE]: print, and keep for the end, how to rerun it.
note_rerun() {
	local cmd
	cmd=$(rerun_command "$@")
	echo "   rerun: $cmd"
	reruns+=("$cmd")
}

run_suite() {
	local name=$1; shift
	local out="$log_dir/$name.log" rc p f c
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
	while IFS= read -r c; do
		note_rerun "$name" "$c"
	done < <(sed -n 's/^FAIL: //p' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   FAIL: $name exited $rc"
		note_rerun "$name"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

# c_suite BIN: runs (or lists) one C suite with the case globs -t gives it.
c_suite() {
	local name g args=()
	name=$(basename "$1")
	select_suite "$name" || return 0
	suites=$((suites + 1))
	for g in "${case_globs[@]}"; do args+=(-t "$g"); done
	if $list; then
		"$1" -l "${args[@]}" | while IFS= read -r g; do echo "$name/$g"; done
	else
		run_suite "$name" "$1" "${args[@]}"
	fi
}

# e2e_suite SCRIPT: runs (or lists) one e2e script, reporting the checks
# its one case glob (if any) matches.
e2e_suite() {
	local name
	name=e2e-$(basename "$1" .sh)
	select_suite "$name" || return 0
	suites=$((suites + 1))
	if $list; then
		echo "$name"
	elif [ ${#case_globs[@]} -gt 1 ]; then
		echo "$RUN: $name: an e2e suite takes one CASE glob, not ${#case_globs[@]}" >&2
		exit 2
	elif [ ${#case_globs[@]} -eq 1 ]; then
		run_suite "$name" env VFW_TEST_CASE="${case_globs[0]}" bash "$1"
	else
		run_suite "$name" bash "$1"
	fi
}

for bin in build/tests/test_*; do
	[ -x "$bin" ] || continue
	c_suite "$bin"
done
for script in tests/e2e/*.sh; do
	[ -f "$script" ] || continue
	e2e_suite "$script"
done
if [ "$suites" -eq 0 ]; then
	echo "$RUN: no suite matches ${patterns[*]}; $RUN -l lists them" >&2
	exit 2
fi
$list && exit 0

if [ ${#reruns[@]} -gt 0 ]; then
	echo "== to rerun what failed:"
	printf '   %s\n' "${reruns[@]}"
fi
[ $((passed + failed)) -eq 0 ] && echo "no case matches ${patterns[*]}; $RUN -l lists them"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
