#!/bin/sh
# Compare the unpatched and the patched kernel's smoke results, variant by
# variant, and write the table check.sh prints.
#
# Usage: tests/qemu/compare.sh BASE_TABLE PATCHED_TABLE MATRIX [EXPECTED]
#
#   BASE_TABLE, PATCHED_TABLE  smoke.sh's table.txt of each kernel
#              (VARIANT TEST RESULT DETAIL)
#   MATRIX     written: VARIANT TEST UNPATCHED PATCHED [NOTE], one row per
#              test and variant; a cell is PASS, SKIP, FAIL, RETRY, "-" (not
#              run there) or PASS+Ns: passed with N skipped sub-cases (the
#              "skipped sub-cases N" the guest's /init adds to the detail)
#   EXPECTED   the expected differences (default: expected-differences
#              next to this script, which says why each is expected)
#
# A row where one kernel passed and the other skipped, or where both passed
# with different numbers of skipped sub-cases, is a difference; unless
# EXPECTED lists it (NOTE "expected"), it is printed as
#   compare: DIFFERS VARIANT TEST UNPATCHED PATCHED
# (NOTE "DIFFERS" in MATRIX). Failures are smoke.sh's to count, not this.
# Ends with "compare: N unexpected differences, N expected"; exit status 1
# if there was an unexpected difference, 2 for a usage error.
set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	sed -n '2,/^set -u/s/^# \{0,1\}//p' "$0" | sed '$d' >&2
	exit 2
fi
base=$1 patched=$2 matrix=$3 expected=${4:-$here/expected-differences}
for f in "$base" "$patched" "$expected"; do
	[ -r "$f" ] || { echo "compare: error: cannot read $f" >&2; exit 2; }
done

awk -v out="$matrix" '
	function cell(   n, s) {
		s = $3
		if (s == "PASS" && match($0, /skipped sub-cases [0-9]+/)) {
			n = substr($0, RSTART + 18, RLENGTH - 18) + 0
			if (n > 0) s = s "+" n "s"
		}
		return s
	}
	FILENAME == ARGV[1] {
		if ($0 ~ /^#/ || NF < 4) next
		key = $1 " " $2 " " $3 " " $4
		want[key] = 1
		next
	}
	FILENAME == ARGV[2] || FILENAME == ARGV[3] {
		if ($1 == "VARIANT" || $1 == "qemu:" || NF < 3) next
		k = (FILENAME == ARGV[2]) ? 1 : 2
		key = $1 " " $2
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		r[k, key] = cell()
	}
	function listed(v, t, a, b) {
		return ((v " " t " " a " " b) in want) || (("* " t " " a " " b) in want)
	}
	function judgeable(c) { return c == "SKIP" || c ~ /^PASS/ }
	END {
		printf "%-14s %-12s %-9s %-9s %s\n", "VARIANT", "TEST", "UNPATCHED", "PATCHED", "NOTE" >out
		bad = 0; ok = 0
		for (i = 1; i <= n; i++) {
			split(order[i], f, " ")
			a = ((1, order[i]) in r) ? r[1, order[i]] : "-"
			b = ((2, order[i]) in r) ? r[2, order[i]] : "-"
			note = ""
			if (a != b && judgeable(a) && judgeable(b)) {
				if (listed(f[1], f[2], a, b)) { note = "expected"; ok++ }
				else {
					note = "DIFFERS"; bad++
					printf "compare: DIFFERS %s %s %s %s\n", f[1], f[2], a, b
				}
			}
			printf "%-14s %-12s %-9s %-9s %s\n", f[1], f[2], a, b, note >out
		}
		printf "compare: %d unexpected differences, %d expected\n", bad, ok
		exit bad > 0
	}' "$expected" "$base" "$patched"
