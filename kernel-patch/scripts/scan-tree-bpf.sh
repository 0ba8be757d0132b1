#!/bin/bash
# Compile the BPF programs the patched kernel tree builds for its own user
# space and tests (perf's and bpftool's skeletons, runqslower, the BPF
# selftests' programs, samples/bpf) with clang, the way their makefiles
# do as far as a plain clang call can (CO-RE programs against the
# vmlinux.h of the patched kernel's vmlinux), and scan every object that
# compiles with ptregs scan: what reads the old pt_regs layout.
#
# Usage: scan-tree-bpf.sh [--out DIR] [--jobs N]
#   --out DIR   objects, logs and the report (default:
#               $PTREGS_CACHE/build/scan-tree-bpf)
# Needs make kernel (the patched vmlinux and its tools-libbpf headers).
# Prints one summary line per group and every finding that is not
# relocated; exit 0 when nothing breaks, 1 otherwise, 2 on errors.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${PTREGS_CACHE:-/var/cache/ptregs}
out=$cache/build/scan-tree-bpf
jobs=${PTREGS_JOBS:-2}
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "scan-tree-bpf: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "scan-tree-bpf: error: $*" >&2; exit 2; }

tree=$(ls -d "$cache"/src/linux-*-ptregs 2>/dev/null | head -n1)
O=$(ls -d "$cache"/build/linux-*-ptregs 2>/dev/null | grep -v debian | head -n1)
ptregs=$top/build/ptregs
[ -d "$tree" ] && [ -f "$O/vmlinux" ] || die "no patched tree and build (make kernel)"
[ -d "$O/tools-libbpf/root/usr/include" ] || die "no libbpf of the patched tree (make kernel)"
[ -x "$ptregs" ] || die "$ptregs missing (make all)"

rm -rf "$out"
mkdir -p "$out/inc" "$out/obj"
bpftool btf dump file "$O/vmlinux" format c >"$out/inc/vmlinux.h" || die "bpftool btf dump of $O/vmlinux failed"

# group  directory  pattern  extra clang flags
groups="perf-skel	tools/perf/util/bpf_skel	*.bpf.c	-I$tree/tools/perf/util/bpf_skel
bpftool-skel	tools/bpf/bpftool/skeleton	*.bpf.c	-I$tree/tools/bpf/bpftool/skeleton
runqslower	tools/bpf/runqslower	*.bpf.c	-I$tree/tools/bpf/runqslower
selftests	tools/testing/selftests/bpf/progs	*.c	-I$tree/tools/testing/selftests/bpf -I$tree/tools/testing/selftests/bpf/progs
samples	samples/bpf	*_kern.c	-I$tree/samples/bpf"
base="-g -O2 -target bpf -D__TARGET_ARCH_x86 -mcpu=v3 -I$out/inc -I$O/tools-libbpf/root/usr/include -I$tree/tools/include/uapi -I/usr/include/$(gcc -print-multiarch) -Wno-everything"

rc=0
while IFS=$'\t' read -r group dir pattern flags; do
	mkdir -p "$out/obj/$group"
	# shellcheck disable=SC2086  # flags split on purpose
	find "$tree/$dir" -maxdepth 1 -name "$pattern" -print0 | sort -z |
		xargs -0 -P "$jobs" -I{} sh -c 'f=$1; o=$2/$(basename "$f" | sed "s/\.c$/.o/"); clang $3 -c "$f" -o "$o" 2>"$o.log" || rm -f "$o"' _ {} "$out/obj/$group" "$base $flags"
	total=$(find "$tree/$dir" -maxdepth 1 -name "$pattern" | wc -l)
	built=$(find "$out/obj/$group" -name '*.o' | wc -l)
	if [ "$built" -eq 0 ]; then
		echo "$group: 0 of $total compiled"; continue
	fi
	"$ptregs" scan -j "$out/obj/$group" >"$out/$group.json" 2>"$out/$group.err"
	st=$?
	[ $st -le 1 ] || { echo "$group: ptregs scan failed (status $st): $(head -n1 "$out/$group.err")"; rc=2; continue; }
	python3 - "$out/$group.json" "$group" "$total" "$built" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
s = d["summary"]
c = collections.Counter(f["verdict"] for f in d["findings"])
objs = len({f.get("object") for f in d["findings"]})
print(f"{sys.argv[2]}: {sys.argv[4]} of {sys.argv[3]} compiled; findings: " +
      (", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"))
for f in d["findings"]:
    print(f"  {f['verdict']}: {f.get('object','?').split('/')[-1]} {f.get('program','?')} "
          f"insn {f.get('insn','?')} offset {f.get('offset','?')} {f.get('old_field', f.get('field',''))}")
PY
	[ $st -eq 0 ] || rc=1
done <<<"$groups"
exit $rc
