#!/bin/bash
# make bench: 'ptregs fix' over every UAPI-built test object (build/bpf/uapi)
# against what a user does otherwise: recompiling the same sources with
# clang (the Makefile's BPF_CFLAGS, one clang per source, as make -j1).
# Prints both medians and their ratio (goal <= 0.1), for the portable
# strategy and for --to builtin:pkrs, and the peak memory (max RSS) of the
# fix of the largest object.
#
# Usage: scripts/bench-fix.sh PTREGS UAPI_DIR SRC_DIR   (BPF_CFLAGS, CLANG
# from the environment: make bench passes them)
set -eu
PTREGS=${1:-build/ptregs}
UAPI=${2:-build/bpf/uapi}
SRC=${3:-tests/bpf/progs}
RUNS=${BENCH_RUNS:-5}
CLANG=${CLANG:-clang}
: "${BPF_CFLAGS:?BPF_CFLAGS unset (run through make bench)}"
TMP=$(mktemp -d /tmp/ptregs-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mapfile -t objs < <(ls "$UAPI"/*.bpf.o 2>/dev/null)
if [ "${#objs[@]}" -eq 0 ]; then
	echo "bench: no objects in $UAPI (make bench builds them)" >&2
	exit 1
fi
srcs=()
for o in "${objs[@]}"; do
	srcs+=("$SRC/$(basename "${o%.o}").c")
done

# median_fix_us ARGS...: median wall time of 'ptregs fix --in-place ARGS'
# over fresh copies of the objects (copying is not timed; exit status 1,
# something left unfixed, is expected for some of them)
median_fix_us() {
	local t=() s e
	for _ in $(seq "$RUNS"); do
		rm -rf "$TMP/fix" && mkdir "$TMP/fix" && cp "${objs[@]}" "$TMP/fix/"
		s=$(date +%s%N)
		"$PTREGS" fix "$@" --in-place "$TMP"/fix/*.bpf.o >/dev/null 2>&1 || true
		e=$(date +%s%N)
		t+=($(( (e - s) / 1000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

compile_all() {
	local s
	for s in "${srcs[@]}"; do
		# shellcheck disable=SC2086  # BPF_CFLAGS is a list of flags
		$CLANG $BPF_CFLAGS -c -o "$TMP/cc.o" "$s" || return 1
	done
}

# one untimed pass of each: the fix's summary, and the compiler must work
rm -rf "$TMP/fix" && mkdir "$TMP/fix" && cp "${objs[@]}" "$TMP/fix/"
"$PTREGS" fix --in-place "$TMP"/fix/*.bpf.o 2>/dev/null | grep -E '^[^ ].*: (portable|nothing)' |
	sed 's/; written to.*//; s|^.*/||' | sed 's/^/ptregs: /' || true
compile_all || { echo "bench: $CLANG $BPF_CFLAGS failed" >&2; exit 1; }

us_port=$(median_fix_us --portable)
us_to=$(median_fix_us --to builtin:pkrs)
us_cc=$(median_us compile_all)

largest=$(stat -c '%s %n' "${objs[@]}" | sort -n | tail -1 | cut -d' ' -f2-)
/usr/bin/time -o "$TMP/rss" -f '%M' "$PTREGS" fix -o "$TMP/largest.o" "$largest" >/dev/null 2>&1 || true
/usr/bin/time -o "$TMP/rss-to" -f '%M' "$PTREGS" fix --to builtin:pkrs -o "$TMP/largest-to.o" \
	"$largest" >/dev/null 2>&1 || true
kb=$(tail -1 "$TMP/rss") kb_to=$(tail -1 "$TMP/rss-to")

echo "${#objs[@]} UAPI-built objects ($(du -cb "${objs[@]}" | tail -1 | cut -f1) bytes), ${#srcs[@]} sources"
awk -v p="$us_port" -v t="$us_to" -v c="$us_cc" -v r="$RUNS" 'BEGIN {
	printf "ptregs fix --portable (all, one run)   %8.1f ms (median of %d)\n", p / 1000, r
	printf "ptregs fix --to builtin:pkrs (all)     %8.1f ms (median of %d)\n", t / 1000, r
	printf "clang -target bpf (each source)        %8.1f ms (median of %d)\n", c / 1000, r
	printf "ratio fix/recompile: portable %.3f, --to %.3f (goal <= 0.1)\n", p / c, t / c
}'
echo "largest object $(basename "$largest") ($(stat -c %s "$largest") bytes): max RSS ${kb} KiB portable, ${kb_to} KiB --to"
