#!/bin/bash
# ptregs check over this machine's /usr and /opt (no running programs, the
# layouts builtin:legacy -> builtin:pkrs so that every file is looked at)
# against reading the same regular files with cat, both with a warm page
# cache and as many jobs as CPUs; the ratio (goal <= 2), ptregs check's
# peak memory (goal < 200 MB) and how busy it kept the CPUs, and the rate
# that sizes a scan of a whole distribution archive (docs/design.md).
# Exits 1, saying which, when a goal is missed (or the check did not run).
# Usage: scripts/bench-check.sh build/ptregs
set -eu
PTREGS=${1:-build/ptregs}
ROUNDS=${BENCH_ROUNDS:-3}
ncpu=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dirs=()
for d in /usr /opt; do [ -d "$d" ] && dirs+=("$d"); done

now() { date +%s.%N; }
readall() {
	find "${dirs[@]}" -type f -print0 | xargs -0 -r -P "$ncpu" -n 4000 cat >/dev/null 2>&1 || true
}
readall	# warm the cache
best_cat='' best_chk='' rss=0 cpu=''
for _ in $(seq "$ROUNDS"); do
	s=$(now); readall; e=$(now)
	c=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$PTREGS" check --no-live \
		--from builtin:legacy --kernel builtin:pkrs -J "$ncpu" "${dirs[@]}" >"$tmp/out" 2>"$tmp/err" || true
	# a check that died or was killed says nothing of the goals
	if ! grep -q '^verdict: ' "$tmp/out"; then
		echo "bench-check: FAIL: ptregs check gave no verdict" >&2
		grep -hv '^[0-9. ]*$' "$tmp/time" "$tmp/err" | tail -n 3 >&2
		exit 1
	fi
	read -r w u sy m < <(tail -n 1 "$tmp/time")
	[ "$m" -gt "$rss" ] && rss=$m	# the peak of every round
	if [ -z "$best_chk" ] || awk -v a="$w" -v b="$best_chk" 'BEGIN { exit !(a < b) }'; then
		best_chk=$w cpu=$(awk -v u="$u" -v s="$sy" -v w="$w" -v n="$ncpu" 'BEGIN { printf "%.0f", 100 * (u + s) / (w * n) }')
	fi
	if [ -z "$best_cat" ] || awk -v a="$c" -v b="$best_cat" 'BEGIN { exit !(a < b) }'; then
		best_cat=$c
	fi
done
files=$(sed -n 's/^installed files: \([0-9]*\) scanned.*/\1/p' "$tmp/out")
bytes=$(find "${dirs[@]}" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
ratio=$(awk -v a="$best_chk" -v b="$best_cat" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
printf 'check --no-live over %s: %s files, %.1f GB, best of %s: %s s; cat of the same files: %s s; ratio %s (goal <= 2)\n' \
	"${dirs[*]}" "$files" "$(awk -v b="$bytes" 'BEGIN { print b / 1e9 }')" "$ROUNDS" "$best_chk" "$best_cat" \
	"$ratio"
printf '  peak RSS %s MB (goal < 200), CPU use %s%% of %s CPUs, %s MB/s scanned\n' \
	"$((rss / 1024))" "$cpu" "$ncpu" "$(awk -v b="$bytes" -v t="$best_chk" 'BEGIN { printf "%.0f", b / 1e6 / t }')"
st=0
if [ -z "$ratio" ] || ! awk -v r="$ratio" 'BEGIN { exit !(r + 0 <= 2) }'; then
	echo "bench-check: FAIL: time ratio ${ratio:-unknown} against cat, goal <= 2" >&2
	st=1
fi
if [ "$rss" -ge $((200 * 1024)) ]; then
	echo "bench-check: FAIL: peak RSS $((rss / 1024)) MB, goal < 200 MB" >&2
	st=1
fi
exit "$st"
