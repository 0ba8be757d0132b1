#!/bin/sh
# /init of the ptregs QEMU test initramfs (busybox sh).
#
# Kernel command line:
#   ptregs.tests=boot,ptrace,...  tests to run, in order (default: boot)
#   ptregs.expect=legacy|pkrs     expected struct pt_regs layout (layout, uprobe, pks)
#   ptregs.release=6.1.x          expected uname -r (boot)
#   ptregs.hostdir=/work/main     the project tree inside the host share
#   ptregs.timeout=SECS           per-test timeout (default 300)
#   ptregs.pkrs_default=0x...     IA32_PKRS of kernel contexts (pks test)
#   ptregs.nmi=1                  the host injects NMIs (nmi test)
#
# Output, one line per test and a summary, on the console and on the second
# serial port (ttyS1: run.sh reads the verdicts there, where kernel messages
# cannot interleave with them):
#   PTREGS-TEST <name> PASS|FAIL|SKIP <detail>
#   PTREGS-DONE pass=N fail=N skip=N
# then QEMU is ended through isa-debug-exit (value 0: no failure, 1: some
# failure) when the kernel allows port access, else by a reboot (QEMU runs
# with -no-reboot, so it exits; the verdict is in the log either way).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/ TERM=dumb

/bin/busybox mkdir -p /proc /sys /dev /tmp /host /run
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# The host's root file system, read-only, when QEMU shares it (run.sh
# --host-share). Absent otherwise: tests that need it report SKIP.
if mount -t 9p -o trans=virtio,version=9p2000.L,ro host /host 2>/dev/null; then
	HOST=/host
else
	HOST=
fi

TESTS=boot EXPECT='' RELEASE='' HOSTDIR=/work/main TIMEOUT=300 PKRS_DEFAULT=0x55555554 NMI=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	ptregs.tests=*) TESTS=${arg#ptregs.tests=} ;;
	ptregs.expect=*) EXPECT=${arg#ptregs.expect=} ;;
	ptregs.release=*) RELEASE=${arg#ptregs.release=} ;;
	ptregs.hostdir=*) HOSTDIR=${arg#ptregs.hostdir=} ;;
	ptregs.timeout=*) TIMEOUT=${arg#ptregs.timeout=} ;;
	ptregs.pkrs_default=*) PKRS_DEFAULT=${arg#ptregs.pkrs_default=} ;;
	ptregs.nmi=*) NMI=${arg#ptregs.nmi=} ;;
	esac
done

# The results channel: ttyS1 if QEMU has a second serial port.
if stty -F /dev/ttyS1 raw -echo 2>/dev/null; then
	exec 3>/dev/ttyS1
else
	exec 3>/dev/null
fi
report() { echo "$*"; echo "$*" >&3; }

report "PTREGS-INIT kernel=$(uname -r) tests=$TESTS expect=${EXPECT:-none} host=${HOST:-none}"
eval "$(/bin/cpuid)"
report "PTREGS-CPU vendor=$vendor family=$family model=$model cpuid.pks=$pks cpuid.pku=$pku ospke=$ospke" \
	"cpuinfo.flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -x -E 'pku|ospke|pks|smap|smep|pti|sep|syscall' | tr '\n' ',' | sed 's/,$//')"

# The tests: t_NAME functions.
. /lib/ptregs/tests.sh
export EXPECT RELEASE HOSTDIR HOST TIMEOUT PKRS_DEFAULT NMI vendor family model pks pku ospke

pass=0 fail=0 skip=0
for t in $(echo "$TESTS" | tr ',' ' '); do
	out=/tmp/test-$t.out
	if type "t_$t" >/dev/null 2>&1; then
		( timeout "$TIMEOUT" sh -c ". /lib/ptregs/tests.sh; t_$t" ) >$out 2>&1 </dev/null
		rc=$?
	else
		echo "detail: unknown test" >$out; rc=2
	fi
	sed "s/^/  $t: /" $out
	detail=$(grep '^detail: ' $out | tail -n1 | sed 's/^detail: //')
	[ $rc = 143 ] && detail="timed out after ${TIMEOUT}s; $detail"
	case $rc in
	0) verdict=PASS; pass=$((pass + 1)) ;;
	77) verdict=SKIP; skip=$((skip + 1)) ;;
	*) verdict=FAIL; fail=$((fail + 1)); detail="(exit $rc) $detail" ;;
	esac
	# A test that passed but could not run some of its cases prints a
	# "SKIP: CASE: why" line for each: they are named and counted in the
	# detail (the comparison of the two kernels compares the counts).
	nsub=$(grep -c '^SKIP: ' $out)
	if [ $rc = 0 ] && [ "$nsub" -gt 0 ]; then
		detail="${detail%;}; skipped sub-cases $nsub: $(sed -n 's/^SKIP: \([^:]*\).*/\1/p' $out | tr '\n' '|' | sed 's/|$//; s/|/, /g')"
	fi
	report "PTREGS-TEST $t $verdict $detail"
done
report "PTREGS-DONE pass=$pass fail=$fail skip=$skip"
exec 3>&-
sync
[ -n "$HOST" ] && umount -l /host 2>/dev/null
/bin/debug-exit "$([ $fail = 0 ] && echo 0 || echo 1)" 2>/dev/null
reboot -f
sleep 5
poweroff -f
