#!/bin/bash
# make bench, kernel part: what the PKRS series costs on the system call
# path, the patched kernel judged against the unpatched one in the same
# run.
#
# 1. The assembly: instructions (and RDMSR/WRMSR among them) of the entry
#    and exit code in both vmlinux images, as linked (an alternative's
#    original side; the code that PKS CPUs run instead of a jump over it is
#    counted, since it is inline).
# 2. In QEMU TCG: a getppid() loop (SYSCALL and SYSRET) and a pipe round
#    trip between two processes on one CPU (two context switches), on both
#    kernels, with PKS (-cpu max,-smap) and without (max,-smap,-pks),
#    measured twice:
#    - instructions: one vCPU under -icount shift=0, where the guest's
#      clock advances one nanosecond per instruction, so the figures are
#      instructions per call, the same in every run;
#    - wall-clock time: the four boots interleaved, PASSES times, the best
#      of every boot's rounds kept. TCG flushes its TLB on every IA32_PKRS
#      write, so each MSR write on the path shows; boots of the same
#      kernel differ by up to 10% here, more than the goals.
#    Goals: getppid ratio <= 1.03 with PKS, <= 1.02 without.
#
# Usage: scripts/bench-kernel.sh [BUILD]   (BUILD: build/ of the project)
# Needs make kernel (both kernels) and tests/qemu/mkinitramfs.sh.
# Environment: BENCH_PASSES (default 2), BENCH_BASE, BENCH_PATCHED.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
cache=${PTREGS_CACHE:-/var/cache/ptregs}
ver=6.1.192
# BENCH_BASE, BENCH_PATCHED: other O= build directories (another version
# of the series, say), each with vmlinux and arch/x86/boot/bzImage
base=${BENCH_BASE:-$cache/build/linux-$ver-base}
patched=${BENCH_PATCHED:-$cache/build/linux-$ver-ptregs}
PASSES=${BENCH_PASSES:-2}
out=$build/bench/kernel
mkdir -p "$out"

for k in "$base" "$patched"; do
	if [ ! -f "$k/vmlinux" ] || [ ! -f "$k/arch/x86/boot/bzImage" ]; then
		echo "kernel: skipped (needs make kernel: $k)"
		exit 0
	fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

# insns VMLINUX SYMBOL: "INSNS MSR" of the symbol's code
insns() {
	local line start size
	line=$(nm -S "$1" | awk -v s="$2" '$4 == s && NF == 4 { print $1, $2; exit }')
	[ -n "$line" ] || { echo "- -"; return; }
	start=$((16#${line% *}))
	size=$((16#${line#* }))
	objdump -d --no-show-raw-insn --start-address=$start --stop-address=$((start + size)) "$1" |
		awk '/^ *[0-9a-f]+:\t/ { n++; if ($0 ~ /\t(rdmsr|wrmsr)/) m++ } END { print n + 0, m + 0 }'
}

echo "entry and exit assembly, instructions as linked (RDMSR/WRMSR among them):"
printf '  %-44s %16s %16s\n' symbol unpatched patched
for s in entry_SYSCALL_64 entry_SYSCALL_compat entry_SYSENTER_compat \
	common_interrupt_return error_entry paranoid_entry paranoid_exit \
	asm_exc_nmi __switch_to_asm; do
	read -r bi bm <<<"$(insns "$base/vmlinux" "$s")"
	read -r pi pm <<<"$(insns "$patched/vmlinux" "$s")"
	printf '  %-44s %9s (%s msr) %9s (%s msr)\n' "$s" "$bi" "$bm" "$pi" "$pm"
done
echo "  (entry_SYSCALL_64 holds the 64-bit entry and its SYSRET exit; common_interrupt_return the IRET exits)"

initrd=$("$top/tests/qemu/mkinitramfs.sh" "$build/qemu" 2>"$out/mkinitramfs.log") ||
	{ echo "kernel: mkinitramfs failed (see $out/mkinitramfs.log)"; exit 1; }

# boot KERNEL_DIR CPU LOG [RUN.SH ARGS]: the two sysbench lines' best
# figures, "G S"
boot() {
	local dir=$1 cpu=$2 log=$3
	shift 3
	"$top/tests/qemu/run.sh" --kernel "$dir/arch/x86/boot/bzImage" --cpu "$cpu" \
		--tests sysbench --initrd "$initrd" --timeout 600 --log "$log" "$@" >/dev/null 2>&1 || true
	local g s
	g=$(grep -a -m1 'sysbench: getppid:' "$log" | sed 's/.*getppid: \([0-9.]*\) ns.*/\1/')
	s=$(grep -a -m1 'sysbench: switch:' "$log" | sed 's/.*switch: \([0-9.]*\) ns.*/\1/')
	echo "${g:-0} ${s:-0}"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == 0 || (b > 0 && b < a)) print b; else print a }'; }

rc=0
echo "QEMU TCG -icount shift=0, one vCPU: instructions per call (user loop included)"
for cpu in max,-smap max,-smap,-pks; do
	case $cpu in *-pks) what="without PKS" goal=1.02 ;; *) what="with PKS" goal=1.03 ;; esac
	read -r gb sb <<<"$(PTREGS_QEMU_EXTRA='-icount shift=0' boot "$base" "$cpu" "$out/icount.base.${cpu//,/}.log" --smp 1)"
	read -r gp sp <<<"$(PTREGS_QEMU_EXTRA='-icount shift=0' boot "$patched" "$cpu" "$out/icount.ptregs.${cpu//,/}.log" --smp 1)"
	if [ "$gb" = 0 ] || [ "$gp" = 0 ]; then
		echo "  $what: no result (logs in $out)"; rc=1; continue
	fi
	printf '  %s (-cpu %s): getppid %s unpatched, %s patched (%+.1f), ratio %s (goal <= %s)\n' \
		"$what" "$cpu" "$gb" "$gp" "$(awk -v a="$gp" -v b="$gb" 'BEGIN { print a - b }')" "$(ratio "$gp" "$gb")" "$goal"
	printf '  %s (-cpu %s): pipe round trip %s unpatched, %s patched (%+.1f), ratio %s\n' \
		"$what" "$cpu" "$sb" "$sp" "$(awk -v a="$sp" -v b="$sb" 'BEGIN { print a - b }')" "$(ratio "$sp" "$sb")"
done

declare -A G S
for cpu in max,-smap max,-smap,-pks; do
	for k in base ptregs; do G[$cpu.$k]=0 S[$cpu.$k]=0; done
done
for pass in $(seq "$PASSES"); do
	for cpu in max,-smap max,-smap,-pks; do
		for k in base ptregs; do
			dir=$base; [ $k = ptregs ] && dir=$patched
			echo "kernel: pass $pass/$PASSES, $k, -cpu $cpu" >&2
			read -r g s <<<"$(boot "$dir" "$cpu" "$out/$k.${cpu//,/}.$pass.log")"
			G[$cpu.$k]=$(min "${G[$cpu.$k]}" "$g")
			S[$cpu.$k]=$(min "${S[$cpu.$k]}" "$s")
		done
	done
done

echo "QEMU TCG wall-clock time, best of $PASSES boots x 5 rounds each:"
for cpu in max,-smap max,-smap,-pks; do
	case $cpu in *-pks) what="without PKS (-cpu $cpu)" goal=1.02 ;; *) what="with PKS (-cpu $cpu)" goal=1.03 ;; esac
	gb=${G[$cpu.base]} gp=${G[$cpu.ptregs]} sb=${S[$cpu.base]} sp=${S[$cpu.ptregs]}
	if [ "$gb" = 0 ] || [ "$gp" = 0 ]; then
		echo "  $what: no result (logs in $out)"
		rc=1
		continue
	fi
	printf '  %s: getppid %s ns unpatched, %s ns patched, ratio %s (goal <= %s)\n' \
		"$what" "$gb" "$gp" "$(ratio "$gp" "$gb")" "$goal"
	printf '  %s: pipe round trip %s ns unpatched, %s ns patched, ratio %s\n' \
		"$what" "$sb" "$sp" "$(ratio "$sp" "$sb")"
done
exit $rc
