#!/bin/bash
# libptregs exports exactly what its headers declare, each symbol under a
# named version in shim/libptregs.map, and nothing of its internals.
# Usage: tests/install/abi.sh build/libptregs.so
set -eu
SO=${1:-build/libptregs.so}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/ptregs-abi.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# declared: every PTREGS_API function of include/ptregs/*.h
cat "$HERE"/include/ptregs/*.h | tr '\n' ' ' | grep -o 'PTREGS_API[^;]*;' |
	grep -o '[a-z_0-9]*(' | grep '^ptregs_' | tr -d '(' | sort -u >"$TMP/declared"
# versioned: every name listed in the map, under a PTREGS_x.y node
grep -E '^\s+ptregs_[a-z_0-9]+;' "$HERE/shim/libptregs.map" | tr -d ' \t;' | sort >"$TMP/mapped"
# exported: the dynamic symbols the library defines, with their versions
nm -D --defined-only "$SO" | awk '$2 == "T" { print $3 }' | sort >"$TMP/exported.v"
sed 's/@.*//' "$TMP/exported.v" | sort -u >"$TMP/exported"

fail=0
if grep -q '\*' <(sed -n '/global:/,/local:/p' "$HERE/shim/libptregs.map"); then
	echo "FAIL abi: a wildcard in a global: list of libptregs.map"; fail=1
fi
if ! diff -u "$TMP/declared" "$TMP/mapped" >"$TMP/d1"; then
	echo "FAIL abi: headers and libptregs.map differ (- header only, + map only)"; cat "$TMP/d1"; fail=1
fi
if ! diff -u "$TMP/declared" "$TMP/exported" >"$TMP/d2"; then
	echo "FAIL abi: headers and exported symbols differ (- not exported, + exported)"; cat "$TMP/d2"; fail=1
fi
if grep -v '@PTREGS_[0-9]' "$TMP/exported.v" | grep -q .; then
	echo "FAIL abi: unversioned exports:"; grep -v '@PTREGS_[0-9]' "$TMP/exported.v"; fail=1
fi
if [ "$fail" -eq 0 ]; then
	echo "abi: $(wc -l <"$TMP/exported") symbols exported, declared and versioned"
fi
exit "$fail"
