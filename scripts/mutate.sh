#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make mutate`: mutation testing. Each tests/mutants/NAME.mutant is one
# planted one-line bug (format in tests/mutants/README.md). Every mutant is
# applied to its own copy of the tree under build/mutate/NAME (the tree
# itself is never written), built there, and the suites it lists are run
# in the copy. A mutant is killed when a suite prints a FAIL line or exits
# non-zero; one that every suite passes survived, and means a gap in the
# tests.
#
#   scripts/mutate.sh [NAME...]        all mutants, or the named ones
#   scripts/mutate.sh --apply FILE DIR plant one mutant in DIR (a copy)
#
# Exit status: 0 when every mutant was killed, 1 when one survived, 2 when
# the run could not be judged (a stale snippet, a mutant that does not
# build, or suites that already fail without any mutant).
set -u
CALLER=$PWD
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
MUTANTS=tests/mutants
OUT=build/mutate
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}	# seconds; a mutant may hang a suite
JOBS=${JOBS:-2}

die() { echo "mutate: $*" >&2; exit 2; }

# field SPEC KEY: the text after "KEY: " on the spec's one KEY line.
field() {
	local n
	n=$(grep -c "^$2: " "$1")
	[ "$n" -eq 1 ] || { echo "mutate: $1: needs exactly one \"$2: \" line, has $n" >&2; return 1; }
	sed -n "s/^$2: //p" "$1"
}

# occurrences FILE TEXT: how many times TEXT occurs in FILE, literally.
occurrences() {
	MUT_FIND=$2 awk 'BEGIN { f = ENVIRON["MUT_FIND"]; n = 0 }
		{ line = $0; while ((i = index(line, f)) > 0) { n++; line = substr(line, i + length(f)) } }
		END { print n }' "$1"
}

# check_snippet SPEC DIR: the spec's snippet occurs exactly once in its file
# under DIR. A stale mutant must be fixed, never skipped.
check_snippet() {
	local spec=$1 dir=$2 file find n
	file=$(field "$spec" file) && find=$(field "$spec" find) || return 1
	[ -n "$find" ] || { echo "mutate: $spec: empty snippet" >&2; return 1; }
	[ -f "$dir/$file" ] || { echo "mutate: $spec: no file $file" >&2; return 1; }
	n=$(occurrences "$dir/$file" "$find")
	if [ "$n" -eq 0 ]; then
		echo "mutate: $spec: snippet not found in $file (the code changed:" \
		     "update the mutant): $find" >&2
		return 1
	fi
	if [ "$n" -ne 1 ]; then
		echo "mutate: $spec: snippet found $n times in $file, it must be" \
		     "unique: $find" >&2
		return 1
	fi
}

# apply SPEC DIR: replaces the snippet in DIR's copy of the file.
apply() {
	local spec=$1 dir=$2 file find replace target
	check_snippet "$spec" "$dir" || return 1
	file=$(field "$spec" file) && find=$(field "$spec" find) &&
		replace=$(field "$spec" replace) || return 1
	target=$dir/$file
	MUT_FIND=$find MUT_REPLACE=$replace awk '
		BEGIN { f = ENVIRON["MUT_FIND"]; r = ENVIRON["MUT_REPLACE"] }
		{
			line = $0; out = ""
			while ((i = index(line, f)) > 0) {
				out = out substr(line, 1, i - 1) r
				line = substr(line, i + length(f))
			}
			print out line
		}' "$target" >"$target.mutated" && mv "$target.mutated" "$target"
}

# copy_tree DIR: the working tree (uncommitted edits included) minus
# build/ and git metadata.
copy_tree() {
	rm -rf "$1" && mkdir -p "$1" &&
		tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . | tar -C "$1" -xf -
}

# make_targets SUITE...: what the suites need built.
make_targets() {
	local s
	for s; do
		case $s in
		build/*) echo "$s" ;;
		tests/e2e/*.sh) echo build/vaultfw ;;
		*) echo "mutate: unknown kind of suite: $s" >&2; return 1 ;;
		esac
	done | sort -u
}

build_copy() {
	local dir=$1 log=$2 targets
	shift 2
	targets=$(make_targets "$@") || return 1
	# shellcheck disable=SC2086 # one target per word
	make -C "$dir" -j"$JOBS" --no-print-directory $targets >"$log" 2>&1
}

# run_suite DIR SUITE LOG: prints "FAILS", "EXIT n" or "passed".
run_suite() {
	local dir=$1 suite=$2 log=$3 rc fails
	case $suite in
	*.sh) (cd "$dir" && timeout "$SUITE_TIMEOUT" bash "$suite") >"$log" 2>&1 ;;
	*) (cd "$dir" && timeout "$SUITE_TIMEOUT" "./$suite") >"$log" 2>&1 ;;
	esac
	rc=$?
	fails=$(grep -c '^FAIL: ' "$log")
	if [ "$fails" -gt 0 ]; then
		echo "$fails FAIL"
	elif [ "$rc" -eq 124 ]; then
		echo "timed out"
	elif [ "$rc" -ne 0 ]; then
		echo "exit $rc"
	else
		echo passed
	fi
}

suites_of() { field "$1" suites; }

# The suites must pass on the unmutated tree, or every kill is meaningless.
baseline() {
	local dir=$OUT/baseline suites s result bad=0
	suites=$(for spec in "$@"; do suites_of "$spec" | tr ' ' '\n'; done | sort -u)
	echo "== baseline: the suites on the unmutated tree"
	copy_tree "$dir" || die "cannot copy the tree to $dir"
	# shellcheck disable=SC2086
	build_copy "$dir" "$OUT/logs/baseline-build.log" $suites ||
		die "the unmutated tree does not build (see $OUT/logs/baseline-build.log)"
	for s in $suites; do
		result=$(run_suite "$dir" "$s" "$OUT/logs/baseline-$(basename "$s").log")
		echo "   $s: $result"
		[ "$result" = passed ] || bad=1
	done
	rm -rf "$dir"
	[ "$bad" -eq 0 ] || die "suites fail without any mutant: fix them first (logs in $OUT/logs)"
}

# run_mutant SPEC: prints one result line; returns 0 killed, 1 survived,
# 2 not judged.
run_mutant() {
	local spec=$1 name dir what suites s result verdict=survived detail=""
	name=$(basename "$spec" .mutant)
	dir=$OUT/$name
	what=$(field "$spec" what) && suites=$(suites_of "$spec") || return 2
	copy_tree "$dir" || { echo "ERROR    $name: cannot copy the tree"; return 2; }
	apply "$spec" "$dir" || { echo "ERROR    $name: cannot apply"; return 2; }
	# shellcheck disable=SC2086
	if ! build_copy "$dir" "$OUT/logs/$name-build.log" $suites; then
		echo "ERROR    $name: does not build (see $OUT/logs/$name-build.log)"
		return 2
	fi
	for s in $suites; do
		result=$(run_suite "$dir" "$s" "$OUT/logs/$name-$(basename "$s").log")
		detail="$detail${detail:+, }$(basename "$s") $result"
		[ "$result" = passed ] || verdict=killed
	done
	[ -n "${MUTATE_KEEP:-}" ] || rm -rf "$dir"
	if [ "$verdict" = killed ]; then
		echo "KILLED   $name: $detail"
		return 0
	fi
	echo "SURVIVED $name: $what ($detail)"
	return 1
}

main() {
	local specs=() spec name killed=0 survived=0 errors=0 rc stale=0 names=""

	if [ $# -eq 0 ]; then
		specs=("$MUTANTS"/*.mutant)
	else
		for name; do
			spec=$MUTANTS/${name%.mutant}.mutant
			[ -f "$spec" ] || die "no mutant $spec"
			specs+=("$spec")
		done
	fi
	[ -f "${specs[0]}" ] || die "no mutants in $MUTANTS"
	for spec in "${specs[@]}"; do
		check_snippet "$spec" "$ROOT" || stale=1
	done
	[ "$stale" -eq 0 ] || die "stale mutants: update them to the current code"

	{ rm -rf "$OUT" && mkdir -p "$OUT/logs"; } || die "cannot create $OUT"
	baseline "${specs[@]}"
	echo "== mutants: ${#specs[@]}"
	for spec in "${specs[@]}"; do
		run_mutant "$spec"
		rc=$?
		case $rc in
		0) killed=$((killed + 1)) ;;
		1) survived=$((survived + 1)); names="$names $(basename "$spec" .mutant)" ;;
		*) errors=$((errors + 1)) ;;
		esac
	done
	echo "mutate: $killed of ${#specs[@]} killed ($((100 * killed / ${#specs[@]}))%)," \
	     "$survived survived${names:+:$names}$([ "$errors" -eq 0 ] || echo ", $errors not judged")"
	echo "mutate: logs in $OUT/logs"
	[ "$errors" -eq 0 ] || exit 2
	[ "$survived" -eq 0 ] || exit 1
}

# A copy has no git metadata: that keeps --apply off every checkout.
if [ "${1:-}" = --apply ]; then
	[ $# -eq 3 ] || die "usage: $0 --apply MUTANT_FILE DIR"
	cd "$CALLER" || die "cannot return to $CALLER"
	{ [ -d "$3" ] && [ ! -e "$3/.git" ] && [ "$(cd "$3" && pwd)" != "$ROOT" ]; } ||
		die "$3: not a copy of the tree (it has git metadata, or is the tree)"
	apply "$2" "$3" || exit 2
	exit 0
fi
main "$@"
