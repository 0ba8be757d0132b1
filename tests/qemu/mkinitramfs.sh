#!/bin/sh
# shellcheck disable=SC2086,SC3013  # $CFLAGS splits on purpose; -nt: dash, bash, busybox
# Build the initramfs of the ptregs QEMU tests:
#   BUILD/initramfs.cpio.gz  busybox-static, /init (init.sh), the tests
#                            (tests.sh) and the guest programs (static,
#                            but for the skel kind, which runs in the host
#                            share's chroot);
#   BUILD/guest/             the guest programs (gcc -static, -m32 -static
#                            for the compat child, clang -target bpf,
#                            bpftool gen skeleton, and copies of some
#                            rewritten by the host's build/ptregs fix,
#                            each with its report in NAME.fix.txt).
#
# Usage: tests/qemu/mkinitramfs.sh [BUILD]   (default: <project>/build/qemu)
# Prints the path of the archive on stdout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build/qemu}
src=$here/guest
busybox=${BUSYBOX:-/bin/busybox}
CC=${CC:-gcc}
CLANG=${CLANG:-clang}
PTREGS=${PTREGS:-$top/build/ptregs}
CFLAGS="-O2 -g -Wall -Wextra -Werror"
# libbpf built from the patched kernel tree (kernel-patch/scripts/build.sh)
tree_libbpf=${PTREGS_TREE_LIBBPF:-$(ls -d "${PTREGS_CACHE:-/var/cache/ptregs}"/build/linux-*-ptregs/tools-libbpf 2>/dev/null | head -n1)}
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

file -L "$busybox" | grep -q 'statically linked' ||
	die "$busybox is not a static binary (apt-get install busybox-static)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"

mkdir -p "$build/guest"
g=$build/guest

# out is older than any of the given inputs (or missing)?
stale() {
	out=$1; shift
	[ -e "$out" ] || return 0
	for i in "$@"; do [ "$i" -nt "$out" ] && return 0; done
	return 1
}
run() { echo "  $*" >&2; "$@"; }

# The programs, from guest/programs (NAME KIND SOURCE).
headers=$(ls "$src"/*.h 2>/dev/null || true)
m32="-m32 -static -fno-pie -no-pie"
grep -v -e '^#' -e '^[[:space:]]*$' "$src/programs" >"$g/programs.list"
while read -r name kind source; do
	out=$g/$name
	case $kind in
	fix|fixto) [ -e "$g/$source" ] ||
			die "guest/programs: $name: $source must be built first"
		[ -x "$PTREGS" ] || die "$PTREGS missing (make all)"
		deps="$g/$source $PTREGS" ;;
	*) [ -f "$src/$source" ] || die "guest/programs: $name: $source not found"
		deps="$src/$source" ;;
	esac
	[ "$kind" = skel ] && deps="$deps $g/$name.bpf.o"
	[ "$kind" = skeltree ] && deps="$deps $g/${source%.c}.skel.h $tree_libbpf/libbpf.a"
	stale "$out" $deps $headers || continue
	case $kind in
	64) run $CC $CFLAGS -static -o "$out" "$src/$source" ;;
	32) run $CC $CFLAGS $m32 -o "$out" "$src/$source" ||
		die "cannot build 32-bit static programs (apt-get install gcc-multilib)" ;;
	x32) run $CC $CFLAGS -mx32 -static -fno-pie -no-pie -o "$out" "$src/$source" ||
		rm -f "$out" ;;
	libbpf) run $CC $CFLAGS -static -o "$out" "$src/$source" -lbpf -lelf -lz ;;
	skel) [ -e "$g/$name.bpf.o" ] || die "guest/programs: $name: $name.bpf.o must be built first"
		run bpftool gen skeleton "$g/$name.bpf.o" name "$name" >"$g/$name.skel.h.tmp" ||
			die "bpftool gen skeleton of $name.bpf.o failed (apt-get install bpftool)"
		mv "$g/$name.skel.h.tmp" "$g/$name.skel.h"
		run $CC $CFLAGS -I"$g" -o "$out" "$src/$source" \
			-Wl,-Bstatic -lbpf -lelf -lz -Wl,-Bdynamic ;;
	skeltree) [ -e "$g/${source%.c}.skel.h" ] ||
			die "guest/programs: $name: the skel line of $source must come first"
		if [ ! -e "$tree_libbpf/libbpf.a" ]; then
			echo "mkinitramfs: $name left out: no libbpf of the patched tree (make kernel)" >&2
			rm -f "$out"; continue
		fi
		run $CC $CFLAGS -I"$tree_libbpf/root/usr/include" -I"$g" -o "$out" "$src/$source" \
			"$tree_libbpf/libbpf.a" -Wl,-Bstatic -lelf -lz -Wl,-Bdynamic ;;
	bpf) run $CLANG -target bpf -O2 -g -Wall -Werror -I"/usr/include/$multiarch" \
		-I"$top/include" -c -o "$out" "$src/$source" ;;
	fix|fixto)
		# 1: something left unfixed, listed in the report; the rest written
		rm -f "$out"
		how=--portable
		[ $kind = fixto ] && how="--to builtin:pkrs"
		st=0
		run "$PTREGS" fix $how -o "$out" "$g/$source" >"$out.fix.txt" 2>&1 || st=$?
		cat "$out.fix.txt" >&2
		if [ $st -gt 1 ] || [ ! -e "$out" ]; then
			die "guest/programs: $name: ptregs fix of $source failed (status $st)"
		fi ;;
	*) die "guest/programs: $name: unknown kind $kind" ;;
	esac
done <"$g/programs.list"

# The file system tree.
root=$build/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/dev" "$root/proc" "$root/sys" \
	"$root/tmp" "$root/host" "$root/run" "$root/lib/ptregs" "$root/usr/bin" \
	"$root/usr/sbin"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
while read -r name kind source; do
	if [ ! -e "$g/$name" ]; then
		[ "$kind" = x32 ] && continue
		die "$g/$name missing"
	fi
	case $kind/$name in
	bpf/*|fix*/*.o) cp "$g/$name" "$root/lib/ptregs/$name" ;;
	*) cp "$g/$name" "$root/bin/$name" ;;
	esac
done <"$g/programs.list"
cp "$here/tests.sh" "$root/lib/ptregs/tests.sh"
mkdir -p "$root/lib/ptregs/tests.d"
for f in "$here"/tests.d/*.sh; do
	[ -e "$f" ] && cp "$f" "$root/lib/ptregs/tests.d/"
done
# Where the guest finds the perf of the patched tree (in the host share,
# run in its chroot): one line, empty when it is not built.
tree_perf=${tree_libbpf:+$(dirname "$tree_libbpf")/tools-perf/perf}
if [ -n "$tree_perf" ] && [ -x "$tree_perf" ]; then
	echo "$tree_perf" >"$root/lib/ptregs/tree-perf"
else
	echo "mkinitramfs: no perf of the patched tree (make kernel): its guest test will fail" >&2
	: >"$root/lib/ptregs/tree-perf"
fi
cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"
chmod 1777 "$root/tmp"
# /dev/console must exist before devtmpfs is mounted (the kernel opens it
# for init's stdin/stdout/stderr).
if [ "$(id -u)" = 0 ]; then
	mknod -m 0600 "$root/dev/console" c 5 1
	mknod -m 0666 "$root/dev/null" c 1 3
else
	die "run as root (device nodes in the archive)"
fi

out=$build/initramfs.cpio.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
