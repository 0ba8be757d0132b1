#!/bin/bash
# Scan every test object and compare its findings with the golden file:
# program, instruction index, verdict, access kind, origin, offset, size,
# field before and after, CO-RE field, source file:line. UPDATE=1 rewrites
# the golden files.
# Usage: PTREGS=build/ptregs BPF_OBJS=build/bpf tests/bpf/run.sh
set -u
PTREGS=${PTREGS:-build/ptregs}
OBJS=${BPF_OBJS:-build/bpf}
EXPECTED=$(dirname "$0")/expected
pass=0 fail=0 skip=0

normalize() {
	python3 -c '
import json, os, sys
d = json.load(sys.stdin)
for f in d["findings"]:
    src = f.get("source")
    line = "%s:%d" % (os.path.basename(src["file"]), src["line"]) if src else "-"
    print(f["program"], f["insn"], f["verdict"], f["kind"], f["origin"], f["offset"],
          f["size"], f["old_field"] or "-", f["new_field"] or "-", f.get("core_field", "-"),
          line)
for e in d["errors"]:
    print("error", e.split(": ", 1)[-1])
'
}

for build in core uapi; do
	if [ ! -d "$OBJS/$build" ]; then
		# make test installs every prerequisite: there a skip is a failure
		if [ "${PTREGS_REQUIRE_ALL:-0}" = 1 ]; then
			echo "FAIL $build: no objects (no kernel BTF for vmlinux.h?), PTREGS_REQUIRE_ALL=1"
			fail=$((fail + 1))
		else
			echo "SKIP $build: no objects (no kernel BTF for vmlinux.h?)"
			skip=$((skip + 1))
		fi
		continue
	fi
	for obj in "$OBJS/$build"/*.bpf.o; do
		name=$(basename "$obj" .bpf.o)
		golden=$EXPECTED/$build/$name.txt
		"$PTREGS" scan -j --all "$obj" 2>/dev/null | normalize >"$obj.findings"
		if [ "${UPDATE:-0}" = 1 ]; then
			mkdir -p "$EXPECTED/$build"
			cp "$obj.findings" "$golden"
		fi
		if [ ! -f "$golden" ]; then
			echo "FAIL $build/$name: no golden file $golden"
			fail=$((fail + 1))
		elif diff -u "$golden" "$obj.findings" >"$obj.diff"; then
			pass=$((pass + 1))
		else
			echo "FAIL $build/$name: findings differ from $golden"
			cat "$obj.diff"
			fail=$((fail + 1))
		fi
	done
done
echo "bpf: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
