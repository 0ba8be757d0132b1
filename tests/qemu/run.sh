#!/bin/sh
# Boot a kernel in QEMU (TCG) with the ptregs test initramfs and run tests.
#
# Usage: tests/qemu/run.sh --kernel BZIMAGE [--cpu MODEL] [--append "ARGS"]
#          [--tests LIST] [--expect legacy|pkrs] [--timeout SECS]
#          [--host-share] [--log FILE] [--smp N] [--initrd FILE] [--nmi]
#          [--allow-oops]
#
#   --cpu        QEMU -cpu model (default max,-smap: QEMU 7.2's TCG
#                mis-emulates SMAP on a far return to 32-bit user code)
#   --append     extra kernel command line arguments
#   --tests      comma-separated tests (default boot); see tests.sh
#   --expect     the struct pt_regs layout the kernel should have
#   --timeout    hard limit for the whole run in seconds (default 300)
#   --host-share share the host's / read-only (9p) at /host in the guest
#   --log        serial console log (default <project>/build/qemu/logs/run.log)
#   --smp        guest CPUs (default 2)
#   --initrd     use this initramfs instead of building it (mkinitramfs.sh)
#   --nmi        inject an NMI every 50 ms through QMP (qmp-nmi.py) from the
#                start of /init to the end; the guest is told (ptregs.nmi=1)
#   --allow-oops for tests that oops on purpose: no oops=panic, and the log
#                between the guest's PTREGS-EXPECT-OOPS-BEGIN and -END
#                markers is not checked (the test checks it)
#
# The guest prints "PTREGS-TEST name PASS|FAIL|SKIP detail" per test and
# "PTREGS-DONE pass=N fail=N skip=N" on the console and on its second serial
# port, which goes to LOG without .log plus .results. Exit status 0 only if every test
# reported PASS or SKIP, the guest finished, and the log holds no kernel
# oops, BUG, WARNING, panic, general protection fault or unwinder warning.
# 1 otherwise, 2 for a usage error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

kernel='' cpu=max,-smap append='' tests=boot expect='' timeout=300 share=0
log=$top/build/qemu/logs/run.log smp=2 initrd='' nmi=0 allow_oops=0

usage() { sed -n '2,22s/^# \{0,1\}//p' "$0" >&2; exit 2; }
die() { echo "run: error: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--append) append=$2; shift ;;
	--tests) tests=$2; shift ;;
	--expect) expect=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--host-share) share=1 ;;
	--log) log=$2; shift ;;
	--smp) smp=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--nmi) nmi=1 ;;
	--allow-oops) allow_oops=1 ;;
	-h|--help) usage ;;
	*) echo "run: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
[ -n "$kernel" ] || usage
[ -f "$kernel" ] || die "kernel $kernel not found"
case "$expect" in ""|legacy|pkrs) ;; *) die "--expect legacy or pkrs" ;; esac
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
if [ -z "$initrd" ]; then
	initrd=$("$here/mkinitramfs.sh" 2>/dev/null) ||
		die "building the initramfs failed (run tests/qemu/mkinitramfs.sh)"
fi
[ -f "$initrd" ] || die "initramfs $initrd not found"
mkdir -p "$(dirname "$log")"

# The kernel release, for the boot test's uname check.
release=$(file -bL "$kernel" 2>/dev/null | sed -n 's/.*version \([^ ,]*\).*/\1/p')

cmdline="console=ttyS0 panic=-1 loglevel=7 ptregs.tests=$tests"
if [ $allow_oops = 1 ]; then
	cmdline="$cmdline ptregs.allow_oops=1"
else
	cmdline="$cmdline oops=panic"
fi
[ -n "$expect" ] && cmdline="$cmdline ptregs.expect=$expect"
[ -n "$release" ] && cmdline="$cmdline ptregs.release=$release"
[ $nmi = 1 ] && cmdline="$cmdline ptregs.nmi=1"
cmdline="$cmdline ptregs.hostdir=$top $append"

results=${log%.log}.results
rm -f "$results"
set -- -accel tcg -cpu "$cpu" -smp "$smp" -m 1G -nographic -no-reboot \
	-serial mon:stdio -serial "file:$results" \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-global PIIX4_PM.disable_s3=0
# (S3: the pkssuspend test suspends to RAM; the CMOS RTC's alarm wakes it)
[ $share = 1 ] &&
	set -- "$@" -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap

# For debugging only: PTREGS_QEMU_EXTRA="-s" gives a gdb stub on :1234
# shellcheck disable=SC2086  # word splitting wanted
[ -n "${PTREGS_QEMU_EXTRA:-}" ] && set -- "$@" $PTREGS_QEMU_EXTRA

nmipid=''
if [ $nmi = 1 ]; then
	qmp=$(mktemp -u /tmp/ptregs-qmp.XXXXXX)
	set -- "$@" -qmp "unix:$qmp,server=on,wait=off"
	python3 "$here/qmp-nmi.py" "$qmp" 0.05 "$log.raw" PTREGS-INIT 2>"$log.nmi" &
	nmipid=$!
fi

start=$(date +%s)
rc=0
timeout -k 5 "$timeout" qemu-system-x86_64 "$@" </dev/null >"$log.raw" 2>&1 || rc=$?
if [ -n "$nmipid" ]; then
	wait "$nmipid" || true
	cat "$log.nmi" >>"$log.raw"
	rm -f "$log.nmi" "$qmp"
fi
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"
secs=$(($(date +%s) - start))

# The verdicts: from ttyS1, or from the console if that channel is empty.
[ -s "$results" ] && tr -d '\r' <"$results" >"$results.tmp" && mv "$results.tmp" "$results"
[ -s "$results" ] || grep -a '^PTREGS-' "$log" >"$results" || true
grep -E '^PTREGS-(TEST|CPU|DONE)' "$results" || true

fail() {
	echo "run: FAIL ($cpu${append:+, $append}): $*; see $log" >&2
	exit 1
}
# With --allow-oops, what the guest brackets between the two markers is
# left out (a test that oopses on purpose checks that part itself).
# Backtrace frames (symbol+0xoff/0xlen) are taken out before the match: a
# frame such as "? unwind_next_frame+0x39c/0x620", which a test may echo,
# names the unwinder without being a complaint of it.
bad=$(awk -v allow=$allow_oops '
	allow && /PTREGS-EXPECT-OOPS-BEGIN/ { skip = 1 }
	allow && /PTREGS-EXPECT-OOPS-END/ { skip = 0; next }
	!skip { print NR ":" $0 }' "$log" |
	sed -E 's/[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+//g' |
	grep -E 'Oops|BUG:|WARNING:|Kernel panic|general protection fault|[Uu]nwind|Call Trace:|segfault at|traps: ' |
	head -n 3 | tr '\n' ' ' || true)
[ -z "$bad" ] || fail "kernel problem in the log: $bad"
[ $rc = 124 ] || [ $rc = 137 ] && fail "timed out after ${timeout}s"
done_line=$(grep '^PTREGS-DONE ' "$results" | tail -n1 || true)
qerr=$(grep -m1 '^qemu-system-x86_64: ' "$log" || true)
[ -n "$done_line" ] || fail "the guest did not finish (qemu exit status $rc${qerr:+: $qerr})"
# isa-debug-exit: (value << 1) | 1, value 0 = no failure; 0 = reboot fallback.
case $rc in 0|1) ;; 3) ;; *) fail "qemu exit status $rc" ;; esac
for t in $(echo "$tests" | tr ',' ' '); do
	v=$(sed -n "s/^PTREGS-TEST $t \([A-Z]*\).*/\1/p" "$results" | tail -n1)
	case "$v" in
	PASS|SKIP) ;;
	FAIL) fail "test $t failed: $(sed -n "s/^PTREGS-TEST $t FAIL //p" "$results" | tail -n1)" ;;
	*) fail "test $t reported nothing" ;;
	esac
done
case "$done_line" in *" fail=0 "*) ;; *) fail "guest reported failures: $done_line" ;; esac
[ $rc = 3 ] && fail "guest exit status says failure"
echo "run: PASS ($cpu${append:+, $append}; ${secs}s): $done_line; log $log" >&2
exit 0
