#!/bin/sh
# The QEMU part of "make test": every guest test on the unpatched and the
# patched kernel across the CPU models and boot variants (smoke.sh), the
# upstream x86, protection_keys and rseq selftests compared (selftests.sh),
# a soak on 2 vCPUs (the soak test). Prints one table, test by variant, with
# the unpatched and the patched result side by side, and ends with
#   qemu: N passed, N failed
#
# Usage: tests/qemu/check.sh --base BZIMAGE --patched BZIMAGE
#          [--models LIST] [--no-selftests] [--no-soak]
# Exit status 0 only if every part passed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
logs=$top/build/qemu/logs
base='' patched='' models='' selftests=1 soak=1

usage() { sed -n '2,13s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--base) base=$2; shift ;;
	--patched) patched=$2; shift ;;
	--models) models=$2; shift ;;
	--no-selftests) selftests=0 ;;
	--no-soak) soak=0 ;;
	-h|--help) usage ;;
	*) echo "check: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
[ -f "$base" ] && [ -f "$patched" ] || usage

start=$(date +%s)
failed=0 parts=''
part() { # name, command...
	name=$1; shift
	s=$(date +%s)
	echo "== qemu: $name"
	if "$@"; then r=PASS; else r=FAIL; failed=$((failed + 1)); fi
	parts="$parts$name $r $(($(date +%s) - s))s
"
}

# The two kernels' smoke runs go side by side: a guest mostly keeps one
# vCPU busy, so two QEMUs share the 2 host cores well. Each writes its own
# log; they are printed one after the other.
m=${models:+--models $models}
mkdir -p "$logs"
initrd=$("$here/mkinitramfs.sh" "$top/build/qemu" 2>"$logs/mkinitramfs.log") || {
	cat "$logs/mkinitramfs.log" >&2
	echo "check: error: building the initramfs failed" >&2
	exit 1
}
# the kernel images, for guest tests that check one against the other
# (tests.d/check.sh), as paths in the host share
printf 'base=%s\npatched=%s\n' "$(realpath "$base")" "$(realpath "$patched")" \
	>"$top/build/qemu/kernels"
s=$(date +%s)
echo "== qemu: smoke, unpatched and patched side by side"
# shellcheck disable=SC2086  # $m: zero or two words
"$here/smoke.sh" --kernel "$base" --expect legacy --label base --reference --initrd "$initrd" $m >"$logs/smoke-base.out" 2>&1 &
pid_base=$!
# shellcheck disable=SC2086
"$here/smoke.sh" --kernel "$patched" --expect pkrs --label ptregs --initrd "$initrd" $m >"$logs/smoke-ptregs.out" 2>&1 &
pid_patched=$!
wait $pid_base; rc_base=$?
wait $pid_patched; rc_patched=$?
secs=$(($(date +%s) - s))
cat "$logs/smoke-base.out" "$logs/smoke-ptregs.out"
record() { # name, status, seconds
	if [ "$2" = 0 ]; then r=PASS; else r=FAIL; failed=$((failed + 1)); fi
	parts="$parts$1 $r ${3}s
"
}
record "smoke, unpatched" $rc_base $secs
record "smoke, patched" $rc_patched $secs
[ $selftests = 1 ] &&
	part "upstream selftests (x86, protection_keys, rseq), unpatched vs patched" "$here/selftests.sh" --base "$base" --patched "$patched"
soak() { # kernel, expect, label
	"$here/run.sh" --kernel "$1" --expect "$2" --tests soak --smp 2 --nmi \
		--append ptregs.soak=60 --timeout 600 --initrd "$initrd" --log "$logs/soak/$3.log"
}
if [ $soak = 1 ]; then
	part "soak 60s, 2 vCPUs, unpatched" soak "$base" legacy base
	part "soak 60s, 2 vCPUs, patched" soak "$patched" pkrs ptregs
fi

# One table: variant, test, unpatched, patched. A test that passed on one
# kernel and skipped on the other (or passed with a different number of
# skipped sub-cases) fails unless expected-differences lists it: each such
# row counts as one failure.
table=$logs/matrix.txt
"$here/compare.sh" "$logs/base/table.txt" "$logs/ptregs/table.txt" "$table" >"$logs/compare.out" 2>&1
rc_compare=$?
if [ -s "$table" ]; then
	echo "== qemu: results, unpatched and patched"
	cat "$table"
fi
cat "$logs/compare.out"
ndiff=0
while read -r _ what v t a b; do
	[ "$what" = DIFFERS ] || continue
	ndiff=$((ndiff + 1))
	record "compare $v $t: unpatched $a, patched $b, not in expected-differences" 1 0
done <"$logs/compare.out"
if [ $rc_compare = 0 ]; then
	record "unpatched vs patched: no unexpected PASS/SKIP difference" 0 0
elif [ $ndiff = 0 ]; then
	record "unpatched vs patched: comparison failed" 1 0
fi
# The same, one column per variant, each cell UNPATCHED/PATCHED
# (P pass, F fail, S skip, - not run there, R the reference boot retried)
awk '
	NR == 1 { next }
	{ if (!($1 in sv)) { sv[$1] = 1; vs[++nv] = $1 }
	  if (!($2 in st)) { st[$2] = 1; ts[++nt] = $2 }
	  c[$1, $2] = substr($3, 1, 1) "/" substr($4, 1, 1) }
	END {
		printf "| test |"; for (j = 1; j <= nv; j++) printf " %s |", vs[j]; print ""
		printf "|---|"; for (j = 1; j <= nv; j++) printf "---|"; print ""
		for (i = 1; i <= nt; i++) {
			printf "| %s |", ts[i]
			for (j = 1; j <= nv; j++)
				printf " %s |", ((vs[j], ts[i]) in c ? c[vs[j], ts[i]] : "")
			print ""
		}
	}' "$table" >"$logs/matrix.md" 2>/dev/null || true

# What failed, last: CI keeps only the end of the output.
for k in base ptregs; do
	[ -r "$logs/$k/table.txt" ] || continue
	awk -v k="$k" '$3 == "FAIL" { printf "qemu: FAIL %s %s %s:", (k == "base" ? "unpatched" : "patched"), $1, $2
		for (i = 4; i <= NF; i++) printf " %s", $i; print "" }' "$logs/$k/table.txt" | cut -c1-300
done
echo "== qemu: parts"
printf '%s' "$parts"
echo "qemu: total $(($(date +%s) - start))s; table in $table (and $logs/matrix.md)"
n=$(printf '%s' "$parts" | grep -c .)
echo "qemu: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
