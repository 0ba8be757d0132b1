#!/bin/sh
# Prepare the kernel source trees for the ptregs series.
#
#   $PTREGS_CACHE/src/linux-<version>/         pristine tree, git repo, tag "base"
#   $PTREGS_CACHE/src/linux-<version>-ptregs/  git worktree, branch "ptregs":
#                                              base + kernel-patch/series applied
#
# The pristine tree is unpacked once per tarball (keyed by its sha256). The
# patched tree is reused as long as the series (kernel-patch/series/series and
# every patch it lists) has not changed; otherwise it is reset to "base" and
# the series is re-applied with "git am -3". A patch that does not apply stops
# the script with the patch name, the source version found and the version
# the series was tested on (kernel-patch/series/TESTED-ON).
#
# Usage: prepare-tree.sh [--base-only] [--force] [--print-env]
#   --base-only  only unpack/verify the pristine tree
#   --force      re-apply the series even if the patched tree has local
#                changes or commits that are not in the series (they are
#                discarded; without --force the script refuses)
#   --print-env  print shell assignments (PTREGS_VERSION, PTREGS_BASE_TREE,
#                PTREGS_PATCHED_TREE, PTREGS_SERIES_HASH) on stdout; all
#                progress messages go to stderr
#
# Environment:
#   PTREGS_CACHE           cache directory (default /var/cache/ptregs)
#   PTREGS_KERNEL_TARBALL  source tarball (default /usr/src/linux-source-6.1.tar.xz)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
kpdir=$(dirname "$here")
series_dir=$kpdir/series
cache=${PTREGS_CACHE:-/var/cache/ptregs}
tarball=${PTREGS_KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

base_only=0
force=0
print_env=0
for arg in "$@"; do
	case $arg in
	--base-only) base_only=1 ;;
	--force) force=1 ;;
	--print-env) print_env=1 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "prepare-tree: unknown argument: $arg" >&2; exit 2 ;;
	esac
done

msg() { echo "prepare-tree: $*" >&2; }
die() { echo "prepare-tree: error: $*" >&2; exit 1; }

# All git operations in the cache use a fixed identity and no user config,
# so results do not depend on who runs the script.
g() {
	GIT_CONFIG_NOSYSTEM=1 HOME=$cache \
	GIT_AUTHOR_NAME="ptregs" GIT_AUTHOR_EMAIL="ptregs@localhost" \
	GIT_COMMITTER_NAME="ptregs" GIT_COMMITTER_EMAIL="ptregs@localhost" \
		git -c core.autocrlf=false -c advice.detachedHead=false \
		    -c gc.auto=0 "$@"
}

[ -r "$tarball" ] || die "kernel source tarball not found: $tarball (install linux-source-6.1)"
command -v git >/dev/null || die "git not found"
mkdir -p "$cache/src"

# One instance at a time per cache.
exec 9>"$cache/src/.lock"
if ! flock -n 9; then
	msg "waiting for another prepare-tree.sh on $cache"
	flock 9
fi

# Identify the tarball cheaply first (size + mtime), hash it only when that
# changes.
tb_id="$(stat -c '%s %Y' "$tarball") $tarball"
tb_sum=
idfile=$cache/src/tarball.id
if [ -f "$idfile" ] && [ "$(sed -n 1p "$idfile")" = "$tb_id" ]; then
	tb_sum=$(sed -n 2p "$idfile")
else
	msg "hashing $tarball"
	tb_sum=$(sha256sum "$tarball" | cut -d' ' -f1)
	printf '%s\n%s\n' "$tb_id" "$tb_sum" >"$idfile.tmp" && mv "$idfile.tmp" "$idfile"
fi

# Debian package version of the tarball, when dpkg knows it.
deb_version=
if command -v dpkg-query >/dev/null; then
	deb_version=$(dpkg-query -S "$tarball" 2>/dev/null | cut -d: -f1 | head -n1 |
		xargs -r dpkg-query -W -f='${Package} ${Version}' 2>/dev/null || true)
fi

kernel_version() { # $1 = tree; prints VERSION.PATCHLEVEL.SUBLEVEL[EXTRAVERSION]
	awk -F' *= *' '
		$1=="VERSION"{v=$2} $1=="PATCHLEVEL"{p=$2}
		$1=="SUBLEVEL"{s=$2} $1=="EXTRAVERSION"{e=$2}
		END { if (v == "") exit 1; printf "%s.%s.%s%s\n", v, p, s, e }' "$1/Makefile"
}

# ---- pristine tree -------------------------------------------------------
base=
for d in "$cache"/src/linux-*/; do
	[ -f "$d.ptregs-base" ] || continue
	if [ "$(sed -n 's/^tarball-sha256=//p' "$d.ptregs-base")" = "$tb_sum" ]; then
		base=${d%/}
		break
	fi
done

if [ -z "$base" ] || ! g -C "$base" rev-parse -q --verify refs/tags/base >/dev/null; then
	tmp=$cache/src/.unpack.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp"' EXIT INT TERM
	msg "unpacking $tarball"
	tar -C "$tmp" -xJf "$tarball"
	top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
	[ "$(printf '%s\n' "$top" | wc -l)" -eq 1 ] && [ -f "$top/Makefile" ] ||
		die "$tarball does not contain a single kernel source directory"
	version=$(kernel_version "$top") || die "cannot read the kernel version from $top/Makefile"
	base=$cache/src/linux-$version
	if [ -e "$base" ]; then
		msg "replacing stale $base"
		g -C "$base" worktree list --porcelain 2>/dev/null |
			sed -n 's/^worktree //p' | tail -n +2 | while read -r wt; do rm -rf "$wt"; done
		rm -rf "$base"
	fi
	msg "creating git baseline in $base"
	g -C "$top" init -q -b master
	# -f: the tarball is the truth; take every file even if a .gitignore
	# in the tree matches it.
	g -C "$top" add -f -A .
	GIT_AUTHOR_DATE="1970-01-01T00:00:00Z" GIT_COMMITTER_DATE="1970-01-01T00:00:00Z" \
		g -C "$top" commit -q -m "linux $version from $(basename "$tarball")${deb_version:+ ($deb_version)}"
	g -C "$top" tag base
	{
		echo "version=$version"
		echo "tarball=$tarball"
		echo "tarball-sha256=$tb_sum"
		echo "debian-package=$deb_version"
	} >"$top/.git/ptregs-base.tmp"
	mv "$top" "$base"
	mv "$base/.git/ptregs-base.tmp" "$base/.ptregs-base"
	# keep the marker out of "git status"
	echo ".ptregs-base" >>"$base/.git/info/exclude"
	rm -rf "$tmp"
	trap - EXIT INT TERM
fi
version=$(sed -n 's/^version=//p' "$base/.ptregs-base")
msg "pristine tree: $base (linux $version${deb_version:+, $deb_version})"

# Refuse to build on a pristine tree somebody modified by hand.
if [ -n "$(g -C "$base" status --porcelain --untracked-files=no)" ]; then
	die "$base has local modifications; run: git -C $base checkout -f base"
fi

patched=$cache/src/linux-$version-ptregs
series_hash=

if [ "$base_only" -eq 0 ]; then
	# ---- series ------------------------------------------------------
	[ -f "$series_dir/series" ] || die "no series index: $series_dir/series"
	patches=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$series_dir/series")
	for p in $patches; do
		[ -f "$series_dir/$p" ] || die "series lists $p, but $series_dir/$p does not exist"
	done
	tested_on=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series_dir/TESTED-ON" 2>/dev/null || true)
	tested_version=$(printf '%s\n' "$tested_on" | sed -n 's/^version=//p')
	tested_desc=$(printf '%s\n' "$tested_on" | tr '\n' ' ' | sed 's/ *$//')
	if [ -n "$tested_version" ] && [ "$tested_version" != "$version" ]; then
		msg "warning: the series was tested on linux $tested_version, this tree is linux $version"
	fi

	series_hash=$( {
		echo "base=$tb_sum"
		for p in $patches; do
			echo "patch=$p"
			cat "$series_dir/$p"
		done
	} | sha256sum | cut -d' ' -f1)

	# The stamp records the series hash and the commit the series produced.
	stamp=$patched/.ptregs-series
	reuse=0
	if [ -f "$stamp" ] && [ -e "$patched/.git" ]; then
		stamp_hash=$(sed -n 1p "$stamp")
		stamp_head=$(sed -n 2p "$stamp")
		head=$(g -C "$patched" rev-parse -q --verify HEAD || true)
		dirty=$(g -C "$patched" status --porcelain --untracked-files=no)
		# Commits made there and exported since (export-series.sh) are
		# not lost by re-applying: the series has the same patch ids.
		exported=0
		if [ "$head" != "$stamp_head" ] && [ -z "$dirty" ]; then
			ids_tree=$(g -C "$patched" log -p --reverse base..HEAD | g patch-id --stable | cut -d' ' -f1)
			ids_series=$(for p in $patches; do cat "$series_dir/$p"; done | g patch-id --stable | cut -d' ' -f1)
			[ "$ids_tree" = "$ids_series" ] && exported=1
		fi
		if [ "$force" -eq 0 ] && [ "$exported" -eq 0 ] &&
			{ [ -n "$dirty" ] || [ "$head" != "$stamp_head" ]; }; then
			die "$patched has uncommitted changes or commits that are not in the series;
  export them with scripts/export-series.sh, or discard them with --force"
		fi
		if [ "$stamp_hash" = "$series_hash" ] && [ "$head" = "$stamp_head" ] && [ -z "$dirty" ]; then
			reuse=1
		fi
	fi

	if [ "$reuse" -eq 1 ]; then
		msg "patched tree up to date: $patched"
	else
		# Apply the series in a scratch worktree, then move the patched
		# tree to the result with one checkout: only files whose content
		# differs get new timestamps, so the O= build of the patched tree
		# recompiles only what changed since its last build.
		scratch=$cache/src/.apply.$$
		cleanup_scratch() {
			g -C "$base" worktree remove -f "$scratch" >/dev/null 2>&1 || rm -rf "$scratch"
			g -C "$base" worktree prune
		}
		g -C "$base" worktree prune
		g -C "$base" worktree add -q -f --detach "$scratch" base
		trap cleanup_scratch EXIT INT TERM
		n=0
		for p in $patches; do
			n=$((n + 1))
			msg "applying [$n] $p"
			if ! g -C "$scratch" am -q -3 --keep-cr "$series_dir/$p" >"$cache/src/am.log" 2>&1; then
				grep -v -e '^hint:' -e '^When you have resolved' -e '^If you prefer' \
					-e '^To restore the original' "$cache/src/am.log" >&2 || true
				g -C "$scratch" am --abort >/dev/null 2>&1 || true
				echo >&2
				echo "prepare-tree: error: patch $n ($p) does not apply to linux $version${deb_version:+ ($deb_version)}." >&2
				if [ -n "$tested_desc" ]; then
					echo "prepare-tree: the series was tested on: $tested_desc" >&2
				else
					echo "prepare-tree: $series_dir/TESTED-ON does not say which source the series was tested on." >&2
				fi
				echo "prepare-tree: rebase the series onto this source or install the tested linux-source package." >&2
				exit 1
			fi
		done
		result=$(g -C "$scratch" rev-parse HEAD)
		cleanup_scratch
		trap - EXIT INT TERM

		rm -f "$stamp"
		if [ ! -e "$patched/.git" ]; then
			rm -rf "$patched"
			msg "creating worktree $patched"
			g -C "$base" worktree add -q -f -B ptregs "$patched" "$result"
			grep -qx .ptregs-series "$base/.git/info/exclude" ||
				echo ".ptregs-series" >>"$base/.git/info/exclude"
		else
			g -C "$patched" am --abort >/dev/null 2>&1 || true
			g -C "$patched" checkout -q -f -B ptregs "$result"
			# Nothing but base + series: also drop untracked and ignored
			# files (Debian's .gitignore ignores every new file).
			g -C "$patched" clean -q -f -d -x -e .ptregs-series
		fi
		printf '%s\n%s\n' "$series_hash" "$result" >"$stamp"
		msg "patched tree: $patched ($n patches on base)"
	fi
fi

if [ "$print_env" -eq 1 ]; then
	echo "PTREGS_VERSION='$version'"
	echo "PTREGS_DEB_VERSION='$deb_version'"
	echo "PTREGS_BASE_TREE='$base'"
	[ "$base_only" -eq 1 ] || echo "PTREGS_PATCHED_TREE='$patched'"
	[ "$base_only" -eq 1 ] || echo "PTREGS_SERIES_HASH='$series_hash'"
fi
