#!/bin/bash
# ptregs run's costs on this machine: non-bpf system calls through
# syscall() with and without the preload (goal: ratio <= 1.01), and
# BPF_PROG_LOAD of the programs Debian's bpftrace generates for the
# one-liners of tests/bench/loads.bt (bpftrace --emit-elf; without
# bpftrace, a bpftrace-like program built in the loader: eight ctx + index
# * 8 reads, two helpers) plain and through the preload, with nothing to
# translate (the running kernel's layout) and translated to builtin:pkrs;
# then the same loads in QEMU on the pkrs kernel (when make kernel has
# built it), translated for real, and a whole bpftrace run of the same
# probes there (start, compile, load, attach, exit at BEGIN), the time a
# user waits.
# The loads are paired (loader pairbench): every program is loaded through
# glibc's syscall() and through the preload's, in turn, the order swapped
# every round, and each way's median per load is compared. Whatever the
# machine does meanwhile (a neighbour on the host, the kernel freeing the
# previous program) then falls on both alike; separate processes timed
# one after the other differed by 5-10% between runs here. The first load
# of each program, where the preload reads its settings, is not timed.
# Usage: scripts/bench-run.sh build/ptregs build/tests/run/loader
set -eu
PTREGS=${1:-build/ptregs}
LOADER=${2:-build/tests/run/loader}
CALLS=${BENCH_CALLS:-2000000}
LOADS=${BENCH_LOADS:-300}
ROUNDS=${BENCH_ROUNDS:-5}

# best of ROUNDS, rounds interleaved so that drift hits both sides
best() { sort -n | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# the median of the rounds' own ratios (arrays A and B, same length): on a
# noisy machine steadier than a ratio of two bests
median_ratio() {
	local -n a_=$1 b_=$2
	local i
	for i in "${!a_[@]}"; do ratio "${a_[$i]}" "${b_[$i]}"; echo; done | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
plain=() pre=()
for _ in $(seq "$ROUNDS"); do
	plain+=("$("$LOADER" bench "$CALLS")")
	pre+=("$("$PTREGS" run -- "$LOADER" bench "$CALLS")")
done
p=$(printf '%s\n' "${plain[@]}" | best)
q=$(printf '%s\n' "${pre[@]}" | best)
printf 'syscall(SYS_getppid), %s calls, best of %s: %s ns plain, %s ns preloaded, ratio %s (goal <= 1.01)\n' \
	"$CALLS" "$ROUNDS" "$p" "$q" "$(ratio "$q" "$p")"

if ! "$LOADER" probe >/dev/null 2>&1; then
	echo "BPF_PROG_LOAD: skipped (bpf() refused: needs root)"
	exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "$(dirname "$PTREGS")" && pwd)
elf=() what="bpftrace-like program"
mkdir -p "$build/bench"
if command -v bpftrace >/dev/null &&
   bpftrace --emit-elf "$build/bench/loads.o.tmp" "$top/tests/bench/loads.bt" >/dev/null 2>&1; then
	mv "$build/bench/loads.o.tmp" "$build/bench/loads.o"
	elf=("$build/bench/loads.o")
	what="bpftrace 0.17's programs for tests/bench/loads.bt"
fi
preload=$build/libptregs-preload.so
# pair KIND...: ROUNDS runs of pairbench ("plain preloaded" us, and how
# many programs the kernel holds otherwise through the preload), env KIND
# for the preload's settings; sets P and Q (medians of the rounds' medians),
# R (median of the rounds' ratios) and X (programs translated, last round)
pair() {
	local out=() pa=() qa=() i a b
	for _ in $(seq "$ROUNDS"); do
		out+=("$(env -u PTREGS_RUN_LOG -u PTREGS_RUN_POLICY -u PTREGS_RUN_PROGRAMS \
			-u PTREGS_RUN_FROM -u PTREGS_RUN_KERNEL_AS "$@" \
			"$LOADER" pairbench "$LOADS" "$preload" "${elf[@]}")")
	done
	for i in "${!out[@]}"; do
		read -r a b X <<<"${out[$i]}"
		pa+=("$a") qa+=("$b")
	done
	P=$(printf '%s\n' "${pa[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	Q=$(printf '%s\n' "${qa[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	R=$(median_ratio qa pa)
}
pair PTREGS_RUN_TO=kernel
printf 'BPF_PROG_LOAD, %s, %s loads of each both ways in turn, %s rounds, medians:\n' "$what" "$LOADS" "$ROUNDS"
printf '  preloaded, same layout (nothing analysed): %s us plain, %s us preloaded, ratio %s (%s programs translated)\n' \
	"$P" "$Q" "$R" "$X"
pair PTREGS_RUN_TO=builtin:pkrs
printf '  preloaded, translated to builtin:pkrs:     %s us plain, %s us preloaded, ratio %s (goal <= 1.05; %s programs translated)\n' \
	"$P" "$Q" "$R" "$X"

# The same loads in QEMU on the pkrs kernel, where ptregs run translates
# for real (tests/qemu/tests.d/shim.sh: t_shimbench). Needs make kernel.
kernel=${PTREGS_CACHE:-/var/cache/ptregs}/build/linux-6.1.192-ptregs/arch/x86/boot/bzImage
if [ ${#elf[@]} = 0 ] || [ ! -f "$kernel" ]; then
	echo "BPF_PROG_LOAD in QEMU: skipped (needs bpftrace and make kernel: $kernel)"
	exit 0
fi
"$top/tests/qemu/mkinitramfs.sh" >"$build/bench/mkinitramfs.log" 2>&1 ||
	{ echo "BPF_PROG_LOAD in QEMU: mkinitramfs failed (see $build/bench/mkinitramfs.log)"; exit 1; }
"$top/tests/qemu/run.sh" --kernel "$kernel" --expect pkrs --tests shimbench --host-share \
	--cpu max,-smap --timeout 900 --log "$build/bench/shimbench.log" >/dev/null 2>&1 || true
line=$(grep -a -m1 'shimbench: plain' "$build/bench/shimbench.log" | sed 's/.*shimbench: //')
p=$(echo "$line" | sed -n 's/^plain \([0-9.]*\) us.*/\1/p')
x=$(echo "$line" | sed -n 's/.*translated \([0-9.]*\) us.*/\1/p')
r=$(echo "$line" | sed -n 's/.*ratio \([0-9.]*\);.*/\1/p')
if [ -z "$p" ] || [ -z "$x" ]; then
	echo "BPF_PROG_LOAD in QEMU: no result (see $build/bench/shimbench.log)"
	exit 1
fi
printf 'BPF_PROG_LOAD in QEMU (TCG, pkrs kernel, translated for real), paired, median of 31 processes: %s us plain, %s us through the preload, ratio %s (goal <= 1.05)\n' \
	"$p" "$x" "$r"
bp=$(echo "$line" | sed -n 's/.*bpftrace run plain \([0-9]*\) ms.*/\1/p')
bx=$(echo "$line" | sed -n 's/.*bpftrace run plain [0-9]* ms, translated \([0-9]*\) ms.*/\1/p')
if [ -n "$bp" ] && [ -n "$bx" ]; then
	printf 'A whole bpftrace run of the same probes in QEMU (start, load, attach, exit), best of 3: %s ms plain, %s ms through ptregs run, ratio %s\n' \
		"$bp" "$bx" "$(ratio "$bx" "$bp")"
fi
