#!/bin/sh
# Smoke test: boot a kernel built by build.sh in QEMU (TCG) with a minimal
# busybox initramfs and check that user space runs. This is a quick sanity
# check, not the test harness (tests/qemu/).
#
# Usage: boot-smoke.sh [base|ptregs] [extra kernel command line...]
#   base    the unpatched kernel (default)
#   ptregs  the patched kernel
#
# Environment: PTREGS_CACHE (default /var/cache/ptregs), PTREGS_QEMU_CPU
# (default "max,-smap"), PTREGS_BOOT_TIMEOUT in seconds (default 180).
set -eu

cache=${PTREGS_CACHE:-/var/cache/ptregs}
which=${1:-base}
[ $# -gt 0 ] && shift
cpu=${PTREGS_QEMU_CPU:-max,-smap}
timeout=${PTREGS_BOOT_TIMEOUT:-180}

die() { echo "boot-smoke: error: $*" >&2; exit 1; }

case $which in
base|ptregs) ;;
*) die "unknown kernel: $which (base or ptregs)" ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
eval "$("$here/prepare-tree.sh" --base-only --print-env)"
O=$cache/build/linux-$PTREGS_VERSION-$which
[ -f "$O/arch/x86/boot/bzImage" ] ||
	die "no $which kernel in $O; run scripts/build.sh"
gen=$O/usr/gen_init_cpio
[ -x "$gen" ] || die "$gen not found (CONFIG_BLK_DEV_INITRD build)"
busybox=/bin/busybox
file -L "$busybox" | grep -q 'statically linked' ||
	die "$busybox is not static (install busybox-static)"

work=$cache/initramfs
mkdir -p "$work" "$cache/build/logs"
cat >"$work/smoke-init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "ptregs-smoke: user space running on $(uname -r)"
echo "ptregs-smoke: cpu flags: $(grep -m1 -o -w -E 'pku|ospke|pks' /proc/cpuinfo | tr '\n' ' ')"
echo "ptregs-smoke: cmdline: $(cat /proc/cmdline)"
if grep -q -w pks /proc/cpuinfo && [ -e /dev/cpu/0/msr ]; then
	echo "ptregs-smoke: IA32_PKRS:$(dd if=/dev/cpu/0/msr bs=8 count=1 skip=1761 iflag=skip_bytes 2>/dev/null | od -A n -t x8)"
fi
# fork, exec, a pipe and a timer
[ "$(echo ok | cat)" = ok ] || echo "ptregs-smoke: pipe failed"
sleep 0.1
echo "ptregs-smoke: done"
reboot -f
EOF
cat >"$work/smoke.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
dir /bin 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
file /bin/busybox $busybox 0755 0 0
file /init $work/smoke-init 0755 0 0
EOF
"$gen" "$work/smoke.list" | gzip -9 >"$work/smoke.cpio.gz"

log=$cache/build/logs/boot-smoke-$which.log
echo "boot-smoke: booting $O/arch/x86/boot/bzImage (log: $log)" >&2
rc=0
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 2 -m 1G \
	-nographic -no-reboot \
	-kernel "$O/arch/x86/boot/bzImage" -initrd "$work/smoke.cpio.gz" \
	-append "console=ttyS0 panic=-1 $*" </dev/null >"$log" 2>&1 || rc=$?
tr -d '\r' <"$log" | grep -E 'ptregs-smoke|Linux version|Kernel panic|BUG:|WARNING:|Oops' >&2 || true
if ! grep -q 'ptregs-smoke: done' "$log"; then
	[ "$rc" -eq 124 ] && echo "boot-smoke: timed out after ${timeout}s" >&2
	die "user space did not finish; see $log"
fi
if grep -q -E 'BUG:|WARNING:|Oops|Kernel panic' "$log"; then
	die "kernel reported a problem; see $log"
fi
echo "boot-smoke: OK ($which)" >&2
