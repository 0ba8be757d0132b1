#!/bin/sh
# shellcheck disable=SC2086,SC3013  # $CFLAGS splits on purpose; -nt: dash, bash, busybox
# Build the initramfs of the ptregs QEMU tests:
#   BUILD/initramfs.cpio.gz  busybox-static, /init (init.sh), the tests
#                            (tests.sh) and the static guest programs;
#   BUILD/guest/             the guest programs (gcc -static, -m32 -static
#                            for the compat child, clang -target bpf).
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
CFLAGS="-O2 -g -Wall -Wextra -Werror"
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

stale "$g/debug-exit" "$src/debug-exit.c" &&
	run $CC $CFLAGS -static -o "$g/debug-exit" "$src/debug-exit.c"
stale "$g/cpuid" "$src/cpuid.c" &&
	run $CC $CFLAGS -static -o "$g/cpuid" "$src/cpuid.c"
stale "$g/rdmsr" "$src/rdmsr.c" &&
	run $CC $CFLAGS -static -o "$g/rdmsr" "$src/rdmsr.c"
stale "$g/ptrace-regs" "$src/ptrace-regs.c" "$src/ptrace-values.h" &&
	run $CC $CFLAGS -static -o "$g/ptrace-regs" "$src/ptrace-regs.c"
stale "$g/ptrace-child32" "$src/ptrace-child32.c" "$src/ptrace-values.h" &&
	{ run $CC $CFLAGS -m32 -static -fno-pie -no-pie -o "$g/ptrace-child32" \
		"$src/ptrace-child32.c" ||
		die "cannot build 32-bit static programs (apt-get install gcc-multilib)"; }
stale "$g/coreregs" "$src/coreregs.c" "$src/ptrace-values.h" &&
	run $CC $CFLAGS -static -o "$g/coreregs" "$src/coreregs.c"
stale "$g/sigregs" "$src/sigregs.c" "$src/ptrace-values.h" &&
	run $CC $CFLAGS -static -o "$g/sigregs" "$src/sigregs.c"
stale "$g/sigregs32" "$src/sigregs.c" "$src/ptrace-values.h" &&
	run $CC $CFLAGS -m32 -static -fno-pie -no-pie -o "$g/sigregs32" "$src/sigregs.c"
# x32: optional (needs the x32 libc of gcc-multilib); the test skips it
# when it is missing.
if stale "$g/sigregsx32" "$src/sigregs.c" "$src/ptrace-values.h"; then
	run $CC $CFLAGS -mx32 -static -fno-pie -no-pie -o "$g/sigregsx32" \
		"$src/sigregs.c" || rm -f "$g/sigregsx32"
fi
stale "$g/perfbpf.bpf.o" "$src/perfbpf.bpf.c" "$src/perfbpf.h" &&
	run $CLANG -target bpf -O2 -g -Wall -Werror -I"/usr/include/$multiarch" \
		-c -o "$g/perfbpf.bpf.o" "$src/perfbpf.bpf.c"
stale "$g/uprobe.bpf.o" "$src/uprobe.bpf.c" "$src/uprobe.h" &&
	run $CLANG -target bpf -O2 -g -Wall -Werror -I"/usr/include/$multiarch" \
		-c -o "$g/uprobe.bpf.o" "$src/uprobe.bpf.c"
# libbpf, libelf and zlib linked statically (Debian ships the .a files).
stale "$g/perfbpf" "$src/perfbpf.c" "$src/perfbpf.h" &&
	run $CC $CFLAGS -static -o "$g/perfbpf" "$src/perfbpf.c" -lbpf -lelf -lz
stale "$g/uprobe" "$src/uprobe.c" "$src/uprobe.h" "$src/ptrace-values.h" &&
	run $CC $CFLAGS -static -o "$g/uprobe" "$src/uprobe.c" -lbpf -lelf -lz

# The file system tree.
root=$build/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/dev" "$root/proc" "$root/sys" \
	"$root/tmp" "$root/host" "$root/run" "$root/lib/ptregs" "$root/usr/bin" \
	"$root/usr/sbin"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
for p in debug-exit cpuid rdmsr ptrace-regs ptrace-child32 coreregs sigregs sigregs32 \
	sigregsx32 perfbpf uprobe; do
	[ -e "$g/$p" ] || [ $p = sigregsx32 ] || die "$g/$p missing"
	[ -e "$g/$p" ] && cp "$g/$p" "$root/bin/$p"
done
cp "$g/perfbpf.bpf.o" "$g/uprobe.bpf.o" "$root/lib/ptregs/"
cp "$here/tests.sh" "$root/lib/ptregs/tests.sh"
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
