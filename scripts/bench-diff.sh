#!/bin/bash
# make bench: 'ptregs diff --all' between two whole-kernel BTFs, side by side
# with what people do today: a full pahole dump of each, then diff; then the
# same through DWARF, between the two built kernels' vmlinux.
set -eu

PTREGS=${1:-build/ptregs}
MKBTF=${MKBTF:-build/bench/mkbtf}
CACHE=${PTREGS_CACHE:-/var/cache/ptregs}
RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d /tmp/ptregs-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# The unpatched and patched 6.1 kernels when 'make kernel' has built them,
# else this machine's kernel BTF and a copy of it with pkrs prepended.
old=/sys/kernel/btf/vmlinux
new=
for cand in "$CACHE"/build/linux-*-base/vmlinux; do
	[ -r "$cand" ] && old=$cand && break
done
for cand in "$CACHE"/build/linux-*-ptregs/vmlinux; do
	[ -r "$cand" ] && [ "$old" != /sys/kernel/btf/vmlinux ] && new=$cand && break
done
if [ ! -r "$old" ]; then
	echo "bench: no kernel BTF here (no /sys/kernel/btf/vmlinux, no built kernel);" \
	     "run 'make kernel' first" >&2
	exit 1
fi
if [ -z "$new" ]; then
	# no patched kernel built yet: a copy of OLD with pkrs prepended to pt_regs
	new=$TMP/vmlinux-pkrs.btf
	"$MKBTF" "$old" "$new"
	note="(a copy of the first with pkrs prepended to pt_regs; 'make kernel' gives a real one)"
else
	note=""
fi

. "$(dirname "$0")/lib.sh"

pahole_diff() {
	pahole -F btf "$old" >"$TMP/old.txt" 2>/dev/null || true
	pahole -F btf "$new" >"$TMP/new.txt" 2>/dev/null || true
	diff "$TMP/old.txt" "$TMP/new.txt" >"$TMP/diff.txt" || true
}

echo "old: $old"
echo "new: $new $note"
"$PTREGS" diff --all "$old" "$new" >"$TMP/ptregs.txt" || true
tail -n 2 "$TMP/ptregs.txt" | sed 's/^/ptregs: /'
us_ptregs=$(median_us "$PTREGS" diff --all "$old" "$new")
us_pahole=$(median_us pahole_diff)
echo "pahole: $(wc -l <"$TMP/old.txt") + $(wc -l <"$TMP/new.txt") lines dumped," \
     "$(grep -c '^[<>]' "$TMP/diff.txt" || true) lines of diff"
awk -v a="$us_ptregs" -v b="$us_pahole" -v r="$RUNS" 'BEGIN {
	printf "ptregs diff --all        %8.1f ms (median of %d)\n", a / 1000, r
	printf "pahole dump x2 + diff    %8.1f ms (median of %d)\n", b / 1000, r
	printf "ratio ptregs/pahole      %8.3f (goal <= 0.25)\n", a / b
}'

# The same comparison through DWARF: only the built kernels have it (no
# copy can stand in), so without them this part is skipped, not faked.
# BENCH_DWARF_OLD/BENCH_DWARF_NEW name other ELF files to compare.
dold=${BENCH_DWARF_OLD:-}
dnew=${BENCH_DWARF_NEW:-}
if [ -z "$dold" ] || [ -z "$dnew" ]; then
	for cand in "$CACHE"/build/linux-*-base/vmlinux; do
		[ -r "$cand" ] && dold=$cand && break
	done
	for cand in "$CACHE"/build/linux-*-ptregs/vmlinux; do
		[ -r "$cand" ] && dnew=$cand && break
	done
fi
if [ ! -r "$dold" ] || [ ! -r "$dnew" ]; then
	echo "dwarf: skipped, needs both built kernels' vmlinux under $CACHE/build" \
	     "(linux-*-base and linux-*-ptregs): run 'make kernel' first"
	exit 0
fi

pahole_dwarf_diff() {
	pahole -F dwarf "$dold" >"$TMP/dold.txt" 2>/dev/null || true
	pahole -F dwarf "$dnew" >"$TMP/dnew.txt" 2>/dev/null || true
	diff "$TMP/dold.txt" "$TMP/dnew.txt" >"$TMP/ddiff.txt" || true
}

echo "dwarf old: $dold"
echo "dwarf new: $dnew"
"$PTREGS" diff --all --dwarf "$dold" "$dnew" >"$TMP/dptregs.txt" || true
tail -n 2 "$TMP/dptregs.txt" | sed 's/^/ptregs: /'
us_ptregs=$(median_us "$PTREGS" diff --all --dwarf "$dold" "$dnew")
us_pahole=$(median_us pahole_dwarf_diff)
echo "pahole: $(wc -l <"$TMP/dold.txt") + $(wc -l <"$TMP/dnew.txt") lines dumped," \
     "$(grep -c '^[<>]' "$TMP/ddiff.txt" || true) lines of diff"
awk -v a="$us_ptregs" -v b="$us_pahole" -v r="$RUNS" 'BEGIN {
	printf "ptregs diff --all --dwarf %8.1f ms (median of %d)\n", a / 1000, r
	printf "pahole -F dwarf x2 + diff %8.1f ms (median of %d)\n", b / 1000, r
	printf "ratio ptregs/pahole       %8.3f (goal <= 0.25)\n", a / b
}'
