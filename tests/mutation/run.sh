#!/bin/bash
# make mutation: every mutant of tests/mutation/mutants.txt, alone, in a
# scratch copy of the tree, against the fast tests (check-unit check-cli
# check-bpf, no sanitizer pass). A table of killed and survived; exit 1 on
# a survivor, on a mutant whose text is no longer in its file, or on one
# that does not build. The tree itself is never touched.
# Usage: tests/mutation/run.sh [MUTANTS_FILE]   (MUTATION_JOBS, default 2)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
LIST=$(realpath "${1:-$ROOT/tests/mutation/mutants.txt}")
JOBS=${MUTATION_JOBS:-2}
TARGETS="check-unit check-cli check-bpf"
SCRATCH=$(mktemp -d /tmp/ptregs-mutation.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
# a prerequisite missing would make tests skip and mutants survive unseen
export PTREGS_REQUIRE_ALL=1

start=$(date +%s)
# the tree as it is (tracked and untracked files, uncommitted edits), no build
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar -c --null -T - -f -) | tar -x -C "$SCRATCH/" || { echo "mutation: copying the tree failed"; exit 2; }
TREE=$SCRATCH
LOGS=$SCRATCH/.mutation-logs
mkdir -p "$LOGS"

echo "== mutation: the unmutated tree ($TARGETS, -j$JOBS)"
if ! make -C "$TREE" --no-print-directory -j"$JOBS" all $TARGETS >"$LOGS/baseline.log" 2>&1; then
	tail -30 "$LOGS/baseline.log"
	echo "mutation: the unmutated tree fails its tests"
	exit 2
fi

# mutate FILE FROM TO: in the scratch tree; 0 applied, 1 not found, 2 ambiguous
mutate() {
	python3 - "$TREE/$1" "$2" "$3" <<'PY'
import os, sys
path, old, new = sys.argv[1:]
lines = open(path, encoding='utf-8').read().split('\n')
hits = [i for i, l in enumerate(lines) if old in l]
if len(hits) != 1 or lines[hits[0]].count(old) != 1:
    sys.exit(1 if not hits else 2)
lines[hits[0]] = lines[hits[0]].replace(old, new)
open(path, 'w', encoding='utf-8').write('\n'.join(lines))
PY
}

# first failure named in a log: a FAIL line, a failed CMocka test, or a build error
first_failure() {
	local re
	for re in '^\[  FAILED  \] [a-z_0-9]+$' '^FAIL' 'error:'; do
		if grep -q -E "$re" "$1"; then
			grep -m1 -h -E "$re" "$1" | sed -E 's/^\[  FAILED  \] /unit test /; s/^FAIL:? //' |
				cut -c1-90
			return
		fi
	done
	echo "(make failed, no test named)"
}

n=0 killed=0 survived=0 stale=0
declare -a rows
run_mutant() {	# FILE FROM TO WHAT
	local file=$1 from=$2 to=$3 what=$4 status why log
	n=$((n + 1))
	log=$LOGS/$n.log
	cp -p "$TREE/$file" "$LOGS/orig" 2>/dev/null
	mutate "$file" "$from" "$to"
	case $? in
	0)
		touch "$TREE/$file"
		if ! make -C "$TREE" --no-print-directory -j"$JOBS" all >"$log" 2>&1; then
			status=NOBUILD why=$(first_failure "$log")
			stale=$((stale + 1))
		elif timeout 900 make -C "$TREE" --no-print-directory -j"$JOBS" $TARGETS >>"$log" 2>&1; then
			status=SURVIVED why="-"
			survived=$((survived + 1))
		else
			status=killed why=$(first_failure "$log")
			killed=$((killed + 1))
		fi
		cp "$LOGS/orig" "$TREE/$file" && touch "$TREE/$file"
		;;
	1) status=STALE why="text not found in $file"; stale=$((stale + 1)) ;;
	*) status=STALE why="text found more than once in $file"; stale=$((stale + 1)) ;;
	esac
	rows+=("$(printf '%2d  %-8s  %-22s  %s\n      killed by: %s' "$n" "$status" "$file" "$what" "${why:--}")")
	printf '%2d  %-8s  %s\n' "$n" "$status" "$what"
}

# val LINE: what follows "key:", without the spaces before it
val() {
	local v=${1#*:}
	printf '%s' "${v#"${v%%[! ]*}"}"
}
file= from= to= what=
flush() {
	if [ -n "$file" ]; then
		if [ -z "$from" ] || [ -z "$what" ]; then
			echo "mutation: incomplete entry for $file in $LIST"
			exit 2
		fi
		run_mutant "$file" "$from" "$to" "$what"
	fi
	file= from= to= what=
}
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'#'*) ;;
	'') flush ;;
	file:*) file=$(val "$line") ;;
	from:*) from=$(val "$line") ;;
	to:*) to=$(val "$line") ;;
	what:*) what=$(val "$line") ;;
	*) echo "mutation: bad line in $LIST: $line"; exit 2 ;;
	esac
done <"$LIST"
flush

echo
echo "== mutation table"
printf '%s\n' "${rows[@]}"
echo
echo "mutation: $n mutants, $killed killed, $survived survived, $stale stale or not building ($(( $(date +%s) - start )) s)"
[ "$survived" -eq 0 ] && [ "$stale" -eq 0 ]
