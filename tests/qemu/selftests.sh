#!/bin/bash
# The upstream x86 selftests, vm/protection_keys and the rseq selftests as
# an outside judge: build them from the kernel source, run them in QEMU on
# the unpatched and the patched kernel, and fail if any that passes on the
# unpatched kernel fails on the patched one, if one did not run on both, or
# if protection_keys did not find pkeys on both. Both kernels run in the
# same invocation.
#
# Usage: selftests.sh --base BZIMAGE --patched BZIMAGE [--src DIR] [--cpu MODEL]
#   --src   kernel source with tools/testing/selftests (default: the
#           pristine tree under $PTREGS_CACHE/src)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${PTREGS_CACHE:-/var/cache/ptregs}
out=$top/build/qemu/selftests
logs=$top/build/qemu/logs/selftests
base='' patched='' src='' cpu='max,-smap'

while [ $# -gt 0 ]; do
	case $1 in
	--base) base=$2; shift ;;
	--patched) patched=$2; shift ;;
	--src) src=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "selftests: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "selftests: $*" >&2; exit 1; }
[ -f "$base" ] || die "--base BZIMAGE missing"
[ -f "$patched" ] || die "--patched BZIMAGE missing"
if [ -z "$src" ]; then
	src=$(ls -d "$cache"/src/linux-[0-9]* 2>/dev/null | grep -v -- '-[a-z]*$' | head -1)
fi
[ -d "$src/tools/testing/selftests/x86" ] || die "no kernel source with selftests ($src)"

mkdir -p "$out/x86" "$out/vm" "$out/rseq" "$logs"
echo "selftests: building from $src" >&2
make -s -j"${PTREGS_JOBS:-2}" -C "$src/tools/testing/selftests/x86" OUTPUT="$out/x86" \
	>"$logs/build.log" 2>&1 || die "building x86 selftests failed (see $logs/build.log)"
make -s -j"${PTREGS_JOBS:-2}" -C "$src/tools/testing/selftests/rseq" OUTPUT="$out/rseq" \
	>>"$logs/build.log" 2>&1 || die "building rseq selftests failed (see $logs/build.log)"
# The rseq cases the guest runs (NAME PROGRAM ARGUMENTS, with librseq.so
# from LD_LIBRARY_PATH): a bounded choice from run_param_test.sh, whose full
# run (every test type at every injection point in every mode, each twice)
# takes hours under TCG. Its repetitions (1000) and threads (6 per CPU: 12
# on the 2 vCPUs); the injection cases delay inside the critical section
# (-1..-9 loops), and with -1 and -m 4 yield (-y), signal the thread (-k)
# or sleep 1 ms (-s 1) every 4th time there. basic_percpu_ops_test (200
# threads spinning on per-CPU locks) is the slow one: about 110 s on either
# kernel with both boots sharing the 2 host cores (series v1, which wrote
# PKRS on every return to user mode, took 240-250 s: under TCG a PKRS write
# flushes the TLB). param_test has no migration option: migrations come
# from 12 threads on 2 vCPUs and from the sleeps. Every program the build
# makes must be run by some case (checked below).
cat >"$out/rseq/cases" <<'CASES'
rseq/basic_test basic_test
rseq/basic_percpu_ops_test basic_percpu_ops_test
rseq/param_benchmark param_test_benchmark -T i -r 1000 -t 12
rseq/param_spinlock param_test -T s -r 1000 -t 12
rseq/param_list param_test -T l -r 1000 -t 12
rseq/param_buffer param_test -T b -r 1000 -t 12
rseq/param_buffer_barrier param_test -T b -M -r 1000 -t 12
rseq/param_memcpy param_test -T m -r 1000 -t 12
rseq/param_memcpy_barrier param_test -T m -M -r 1000 -t 12
rseq/param_increment param_test -T i -r 1000 -t 12
rseq/param_membarrier param_test -T r -r 1000 -t 12
rseq/param_compare_twice_spinlock param_test_compare_twice -T s -r 1000 -t 12
rseq/param_compare_twice_list param_test_compare_twice -T l -r 1000 -t 12
rseq/param_spinlock_loop1 param_test -T s -r 1000 -t 12 -1 1000
rseq/param_list_loop4 param_test -T l -r 1000 -t 12 -4 1000
rseq/param_buffer_loop6 param_test -T b -r 1000 -t 12 -6 1000
rseq/param_increment_yield7 param_test -T i -r 1000 -t 12 -7 -1 -m 4 -y
rseq/param_spinlock_kill8 param_test -T s -r 1000 -t 12 -8 -1 -m 4 -k
rseq/param_memcpy_kill9 param_test -T m -r 1000 -t 12 -9 -1 -m 4 -k
rseq/param_list_sleep9 param_test -T l -r 1000 -t 12 -9 -1 -m 4 -s 1
CASES
for b in "$out"/rseq/*; do
	case $b in *.so) continue ;; esac
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
	awk -v p="${b##*/}" '$2 == p { f = 1 } END { exit !f }' "$out/rseq/cases" ||
		die "rseq selftest ${b##*/} is built but no case in selftests.sh runs it"
done
for bits in 32 64; do
	gcc -m$bits -O2 -g -mxsave -no-pie -I"$src/tools/testing/selftests" \
		-o "$out/vm/protection_keys_$bits" \
		"$src/tools/testing/selftests/vm/protection_keys.c" -lrt -lpthread \
		>>"$logs/build.log" 2>&1 || die "building protection_keys_$bits failed"
done

run_one() { # label bzImage
	"$here/run.sh" --kernel "$2" --cpu "$cpu" --tests selftests --host-share \
		--timeout 1500 --append "ptregs.timeout=1400" --log "$logs/$1.log" \
		>/dev/null 2>&1 || true
	sed -n 's/.*selftests: selftest \([^ ]*\) \(PASS\|FAIL\) .*/\1 \2/p' "$logs/$1.log" |
		sort >"$logs/$1.txt"
	grep -c -E 'Oops|BUG:|WARNING:|Kernel panic|general protection fault' "$logs/$1.log" \
		>"$logs/$1.oops" || true
}
s=$(date +%s)
run_one base "$base"
run_one patched "$patched"
e=$(date +%s)

pass=0 fail=0
printf '%-32s %-8s %-8s\n' test unpatched patched
while read -r name b; do
	p=$(awk -v n="$name" '$1 == n { print $2 }' "$logs/patched.txt")
	printf '%-32s %-8s %-8s\n' "$name" "$b" "${p:-missing}"
	if [ "$b" = PASS ] && [ "${p:-}" != PASS ]; then
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done <"$logs/base.txt"
nb=$(wc -l <"$logs/base.txt")
built=$(( $(find "$out/x86" "$out/vm" -maxdepth 1 -type f -perm -u+x | wc -l) +
	$(grep -c . "$out/rseq/cases") ))
for k in base patched; do
	n=$(wc -l <"$logs/$k.txt")
	if [ "$n" -ne "$built" ]; then
		echo "selftests: $n of the $built built selftests ran on the $k kernel (see $logs/$k.log)" >&2
		fail=$((fail + 1))
	fi
done
echo "unpatched: $(grep -c PASS "$logs/base.txt" || true)/$nb passed, oops/warn lines $(cat "$logs/base.oops");" \
     "patched: $(grep -c PASS "$logs/patched.txt" || true)/$(wc -l <"$logs/patched.txt") passed, oops/warn lines $(cat "$logs/patched.oops"); $((e - s)) s"
# protection_keys passes without PKU too (it then runs only its
# unsupported-CPU case): on both kernels it must have found pkeys and
# run to its end; its cases are listed.
for k in base patched; do
	for bits in 32 64; do
		l=$(sed -n "s/.*selftests: pkeys vm\/protection_keys_$bits //p" "$logs/$k.log" | tail -n1)
		echo "protection_keys_$bits, $k kernel: ${l:-no report}"
		case $l in
		"has_pkeys=1 done=1 "*) ;;
		*) echo "selftests: protection_keys_$bits did not run its pkey cases on the $k kernel" >&2
		   fail=$((fail + 1)) ;;
		esac
	done
done
if [ "$(cat "$logs/patched.oops")" -gt "$(cat "$logs/base.oops")" ]; then
	echo "selftests: the patched kernel logged more oops/WARN lines (see $logs/patched.log)" >&2
	fail=$((fail + 1))
fi
echo "selftests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
