#!/bin/sh
# Export the commits on the patched tree's "ptregs" branch (base..ptregs) as
# the series: kernel-patch/series/NNNN-*.patch plus the "series" index, and
# run checkpatch --strict on every patch.
#
# Usage: export-series.sh [--from TREE] [--no-checkpatch]
#   --from TREE  export HEAD of this worktree of the kernel repository
#                (default: the patched tree, branch "ptregs")
#
# Workflow: edit and commit in a worktree of the kernel repository in
# $PTREGS_CACHE/src (git commit --amend, git rebase -i base, ...), export,
# then run scripts/build.sh. prepare-tree.sh re-applies the exported series
# from scratch whenever it changes.
#
# Debian's linux-source tree has a top-level .gitignore entry "/*" that
# ignores every file, so new files must be added with "git add -f"; this
# script refuses to export while the tree has ignored or untracked files.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
series_dir=$(dirname "$here")/series
cache=${PTREGS_CACHE:-/var/cache/ptregs}
checkpatch=1
tree=
while [ $# -gt 0 ]; do
	case $1 in
	--no-checkpatch) checkpatch=0 ;;
	--from) tree=$2; shift ;;
	*) echo "export-series: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "export-series: error: $*" >&2; exit 1; }

[ -n "$tree" ] || tree=$(ls -d "$cache"/src/linux-*-ptregs 2>/dev/null | head -n1)
[ -n "$tree" ] && [ -e "$tree/.git" ] || die "no patched tree in $cache/src; run prepare-tree.sh"
[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	die "$tree has uncommitted changes"
stray=$(git -C "$tree" status --porcelain --ignored --untracked-files=all |
	grep -v -e ' \.ptregs-series$' -e ' \.ptregs-base$' || true)
[ -z "$stray" ] || die "$tree has files that are not committed (git add -f them or remove them):
$stray"

rm -f "$series_dir"/[0-9][0-9][0-9][0-9]-*.patch
git -C "$tree" -c core.abbrev=12 format-patch -q --no-signature --zero-commit \
	-N -o "$series_dir" base..HEAD
{
	echo '# ptregs kernel series, applied in this order with "git am -3"'
	(cd "$series_dir" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null) || true
} >"$series_dir/series"
echo "export-series: $(grep -c '\.patch$' "$series_dir/series") patches in $series_dir" >&2

if [ "$checkpatch" -eq 1 ]; then
	rc=0
	for p in $(grep '\.patch$' "$series_dir/series"); do
		echo "== $p" >&2
		# checkpatch runs scripts/spdxcheck.py with "env python3": use the
		# system one, which has python3-ply and python3-git.
		(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict -q \
			"$series_dir/$p") >&2 || rc=1
	done
	[ "$rc" -eq 0 ] && echo "export-series: checkpatch --strict: clean" >&2
	exit "$rc"
fi
