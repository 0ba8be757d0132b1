#!/bin/sh
# Install the Debian 12 packages ptregs needs. Idempotent and quiet when
# everything is already present; non-interactive; fails loudly otherwise.
set -eu

PACKAGES="
build-essential pkg-config
libbpf-dev libelf-dev libdw-dev zlib1g-dev libcmocka-dev
liblzma-dev libzstd-dev liblz4-dev libbz2-dev
clang llvm lld libclang-rt-14-dev
bpftool dwarves
qemu-system-x86 busybox-static cpio
linux-source-6.1 linux-config-6.1
gcc-multilib flex bison bc libssl-dev ccache kmod rsync
python3 python3-ply python3-git file clang-tidy cppcheck strace
libbpf-tools bpftrace systemtap-sdt-dev python3-drgn bpfcc-tools linux-perf
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo $0) to install them" >&2
	exit 1
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/ptregs-update-stamp
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
	if ! apt-get update -qq >/dev/null; then
		echo "install-deps: apt-get update failed" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing </dev/null >/tmp/ptregs-apt.log 2>&1; then
	tail -n 20 /tmp/ptregs-apt.log >&2
	echo "install-deps: apt-get install failed (log: /tmp/ptregs-apt.log)" >&2
	exit 1
fi
echo "install-deps: done" >&2
