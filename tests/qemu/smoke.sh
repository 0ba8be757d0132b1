#!/bin/sh
# Smoke tests of one kernel across QEMU TCG CPU models.
#
# Usage: tests/qemu/smoke.sh --kernel BZIMAGE --expect legacy|pkrs
#          [--label NAME] [--tests LIST] [--models LIST] [--timeout SECS]
#          [--initrd FILE] [--reference]
#
#   --expect   the struct pt_regs layout the kernel must have: legacy (168
#              bytes, the unpatched kernel) or pkrs (176, pkrs at 0)
#   --label    names the log directory <project>/build/qemu/logs/NAME/
#              (default: the kernel's build directory name)
#   --tests    default: every t_NAME of tests.sh and tests.d/*.sh except
#              those that need a special boot or take long (selftest,
#              selftests, pksoops, soak, sysbench (make bench) and the
#              outside clients
#              bpftrace, filelife, bpftraceshim, usdtshim, usdttree, coreshim, shimctl,
#              checklive, drgn, bcc,
#              and the ptregs fix tests fixkprobe, fixuprobe, fixperf,
#              fixskel, which only amd runs); icelake,
#              amd-pti and amd-nofsgsbase leave out layout and the probe
#              tests (kprobe, kretprobe, optprobe, pksprobes, uprobes,
#              usdt, kprobebpf)
#   --models   comma-separated variant names from the list below (default all)
#   --timeout  per boot, seconds (default 300; the amd boot with the
#              outside clients gets 300 more)
#   --initrd   use this initramfs instead of building it
#   --reference  this is the unpatched kernel the other one is judged
#              against: a boot that oopses or panics is booted once more
#              (both attempts in the table, the first log kept as
#              VARIANT.attempt1.log); never used for the kernel under test
#
# Every boot but oops shares the host's root (layout test) and gets an NMI
# every 50 ms from the host (nmi test; NMIs also land in the other tests).
#
# Variants (name: QEMU -cpu, extra kernel arguments):
#   amd      max,-smap                        AMD-flavoured "max": PKS, PKU;
#                                             32-bit vDSO uses SYSCALL; also
#                                             the outside clients (bpftrace,
#                                             filelife and the shim tests)
#                                             and the ptregs fix tests
#   intel    max,-smap,vendor=GenuineIntel    Intel-flavoured: SYSENTER, PTI
#   icelake  Icelake-Server,-smap,+pks        a named Intel model (family 6)
#   nopks    max,-smap,-pks                   no PKS
#   amd-pti  max,-smap + pti=on               page table isolation forced
#   amd-nofsgsbase  max,-smap + nofsgsbase    paranoid entry reads GSBASE MSR
#   oops     max,-smap, only pkssuspend (suspend to RAM and resume) and
#            pksoops, run.sh --allow-oops (the PKS test facility's
#            deliberate oops; SKIP on the unpatched kernel), without the
#            host share (the 9p transport does not come back from S3) and
#            without NMIs (one during the resume triple-faults the guest)
#
# Prints a table (variant, test, result, detail) and ends with the line
# "qemu: N passed, N failed"; exit status 1 if anything failed (a test, or
# a boot: oops, warning, timeout), 2 for a usage error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

kernel='' expect='' label='' tests='' initrd='' reference=0
models=amd,intel,icelake,nopks,amd-pti,amd-nofsgsbase,oops timeout=300

usage() { sed -n '2,/^set -eu/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--expect) expect=$2; shift ;;
	--label) label=$2; shift ;;
	--tests) tests=$2; shift ;;
	--models) models=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--reference) reference=1 ;;
	-h|--help) usage ;;
	*) echo "smoke: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
[ -n "$kernel" ] && [ -n "$expect" ] || usage
case "$expect" in legacy|pkrs) ;; *) usage ;; esac
[ -f "$kernel" ] || { echo "smoke: error: kernel $kernel not found" >&2; exit 2; }
if [ -z "$label" ]; then
	label=$(basename "$(cd "$(dirname "$kernel")/../../.." && pwd)")
fi

default_tests=
if [ -z "$tests" ]; then
	default_tests=1
	tests=$(sed -n 's/^t_\([a-z0-9_]*\)() *{.*/\1/p' "$here/tests.sh" "$here"/tests.d/*.sh |
		grep -v -x -E 'selftests?|pksoops|pkssuspend|sysbench|bpftrace|filelife|bpftraceshim|usdtshim|usdttree|perfprologue|foreignregs|coreshim|shimctl|shimbench|checklive|drgn|bcc|soak|fixkprobe|fixuprobe|fixperf|fixskel' |
		tr '\n' ',' | sed 's/,$//')
fi
all_tests=$tests
# Variants that change only the entry path (a CPU model, pti, nofsgsbase)
# leave out the tests of kernel-internal paths (BTF layout, kprobes,
# uprobes, USDT) that amd, intel and nopks run.
entry_tests=$tests
if [ -n "$default_tests" ]; then
	entry_tests=$(echo "$tests" | tr ',' '\n' |
		grep -v -x -E 'layout|kprobe|kretprobe|optprobe|pksprobes|uprobes|usdt|kprobebpf' |
		tr '\n' ',' | sed 's/,$//')
fi

# The outside clients run in the amd variant only, which gets more time:
# they load from the host share and parse the kernel's BTF under TCG.
clients=bpftrace,filelife,bpftraceshim,usdtshim,usdttree,perfprologue,foreignregs,coreshim,shimctl,checklive,drgn,bcc
# ptregs fix against the kernel: a matter of the layout, not of the CPU
# model or the entry path, so once per kernel (about 6 s).
fixes=fixkprobe,fixuprobe,fixperf,fixskel
variant() {
	flags='' share=--host-share nmi=--nmi tests=$all_tests btimeout=$timeout
	case "$1" in
	amd) cpu=max,-smap append='' tests=$all_tests${default_tests:+,$clients,$fixes}
		if [ -n "$default_tests" ]; then btimeout=$((timeout + 300)); fi ;;
	intel) cpu=max,-smap,vendor=GenuineIntel append='' ;;
	icelake) cpu=Icelake-Server,-smap,+pks append='' tests=$entry_tests ;;
	nopks) cpu=max,-smap,-pks append='' ;;
	amd-pti) cpu=max,-smap append=pti=on tests=$entry_tests ;;
	amd-nofsgsbase) cpu=max,-smap append=nofsgsbase tests=$entry_tests ;;
	# No host share: 9p requests never complete after an S3 resume. No
	# NMIs: one that lands while the resuming CPU has no IDT yet
	# (the wakeup trampoline) triple-faults it, on either kernel.
	oops) cpu=max,-smap append='' flags=--allow-oops share='' nmi='' tests=pkssuspend,pksoops ;;
	*) echo "smoke: unknown variant $1" >&2; exit 2 ;;
	esac
}
for m in $(echo "$models" | tr ',' ' '); do variant "$m"; done

logs=$top/build/qemu/logs/$label
mkdir -p "$logs"
[ -n "$initrd" ] || initrd=$("$here/mkinitramfs.sh" "$top/build/qemu" 2>"$logs/mkinitramfs.log") || {
	cat "$logs/mkinitramfs.log" >&2
	echo "smoke: error: building the initramfs failed" >&2
	exit 1
}

start=$(date +%s)
passed=0 failed=0 skipped=0
table=$logs/table.txt
: >"$table"
row() { printf '%-14s %-12s %-5s %s\n' "$1" "$2" "$3" "$4" | tee -a "$table"; }

# boot: the variant set by variant(), log in $log; sets rc and msg
boot() {
	rc=0
	# shellcheck disable=SC2086  # $flags, $share, $nmi: zero or one word
	msg=$("$here/run.sh" --kernel "$kernel" --cpu "$cpu" --append "$append" \
		--tests "$tests" --expect "$expect" --timeout "$btimeout" $flags \
		$share $nmi --initrd "$initrd" --log "$log" 2>&1 >/dev/null) || rc=$?
}
retried=0

echo "smoke: $kernel (label $label, expect $expect)"
row VARIANT TEST RESULT DETAIL
for m in $(echo "$models" | tr ',' ' '); do
	variant "$m"
	log=$logs/$m.log
	boot
	# The reference kernel gets a second boot when the first one oopsed
	# or panicked; both are in the table and the first attempt's log is
	# kept. The kernel under test never does.
	if [ $rc != 0 ] && [ $reference = 1 ] &&
	   grep -q -E '^(BUG: |Oops: |Kernel panic - )' "$log" 2>/dev/null; then
		mv "$log" "$logs/$m.attempt1.log"
		row "$m" "(boot#1)" RETRY "reference kernel oopsed: $(grep -m1 -E '^(BUG: |Oops: |Kernel panic - )' \
			"$logs/$m.attempt1.log"); log $m.attempt1.log"
		retried=$((retried + 1))
		boot
	fi
	for t in $(echo "$tests" | tr ',' ' '); do
		line=$(grep "^PTREGS-TEST $t " "${log%.log}.results" 2>/dev/null | tail -n1 || true)
		v=$(echo "$line" | cut -d' ' -f3)
		d=$(echo "$line" | cut -d' ' -f4-)
		case "$v" in
		PASS) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		FAIL) failed=$((failed + 1)) ;;
		*) v=- d="no result (see the boot line)" ;;
		esac
		row "$m" "$t" "$v" "$d"
	done
	# The boot itself: a kernel problem (oops, warning, timeout, no verdict)
	# fails it even if every test passed; failed tests count on their rows.
	case "$msg" in
	*"): test "*" failed: "*|*"): guest reported failures: "*) testfail=1 ;;
	*) testfail=0 ;;
	esac
	if [ $rc = 0 ] || [ $testfail = 1 ]; then
		passed=$((passed + 1))
		facts=$(sed -n 's/^PTREGS-CPU //p' "${log%.log}.results" | head -n1)
		row "$m" "(boot)" PASS "cpu=$cpu${append:+ $append}; $facts"
	else
		failed=$((failed + 1))
		row "$m" "(boot)" FAIL "$(echo "$msg" | grep '^run: ' | tail -n1 | sed 's/^run: //')"
	fi
done
secs=$(($(date +%s) - start))
echo "smoke: $skipped skipped; $retried reference boots retried; ${secs}s; logs in $logs"
echo "qemu: $passed passed, $failed failed" | tee -a "$table"
[ $failed = 0 ]
