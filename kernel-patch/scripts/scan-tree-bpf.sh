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
# An object whose BTF has the patched kernel's struct pt_regs (a pkrs
# member, from vmlinux.h) is judged from the new layout, the others from
# the old one. Prints one summary line per group and every finding that
# breaks, fails to load or is suspect; exit 0 when nothing breaks or
# fails to load, 1 otherwise, 2 on errors.
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
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "scan-tree-bpf: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "scan-tree-bpf: error: $*" >&2; exit 2; }

tree=$(ls -d "$cache"/src/linux-*-ptregs 2>/dev/null | head -n1)
# the O= directory of the full patched build (not -debian-, -coverage-)
O=$(ls "$cache"/build/linux-*-ptregs/arch/x86/boot/bzImage 2>/dev/null | head -n1)
O=${O%/arch/x86/boot/bzImage}
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
	# one object at a time: an object scan cannot read (a section type it
	# does not know) is listed, not fatal for the rest
	: >"$out/$group.jsonl"
	: >"$out/$group.unreadable"
	for o in "$out/obj/$group"/*.o; do
		# built against the patched kernel's own struct pt_regs (vmlinux.h
		# of its vmlinux: a pkrs member), its fixed offsets are those of the
		# new layout: judged from it, not from the old one
		from=builtin:legacy
		bpftool btf dump file "$o" 2>/dev/null | grep -A1 "STRUCT 'pt_regs' size=" |
			grep -q "'pkrs'" && from=builtin:pkrs
		"$ptregs" scan -j --from $from "$o" >"$out/scan.json" 2>"$out/scan.err"
		st=$?
		if [ $st -le 1 ]; then
			tr -d '\n' <"$out/scan.json" >>"$out/$group.jsonl"; echo >>"$out/$group.jsonl"
		else
			echo "$(basename "$o"): $(head -n1 "$out/scan.err")" >>"$out/$group.unreadable"
		fi
	done
	python3 - "$out/$group.jsonl" "$group" "$total" "$built" "$out/$group.unreadable" <<'PY' || rc=1
import json, sys, collections
c, lines = collections.Counter(), []
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    for f in json.loads(line)["findings"]:
        c[f["verdict"]] += 1
        if f["verdict"] in ("breaks", "fails-to-load", "suspect"):
            src = f.get("source") or {}
            lines.append(f"  {f['verdict']}: {f['file'].split('/')[-1]} {f['program']} insn {f['insn']}: "
                         f"{f['kind']} {f['origin']}+{f['offset']} ({f['old_field']} -> {f['new_field']})"
                         f" {src.get('file', '').split('/')[-1]}:{src.get('line', '')}")
unread = [l.strip() for l in open(sys.argv[5]) if l.strip()]
print(f"{sys.argv[2]}: {sys.argv[4]} of {sys.argv[3]} compiled, {len(unread)} not readable by scan; findings: "
      + (", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"))
print("\n".join(lines)) if lines else None
for u in unread:
    print("  not scanned:", u)
sys.exit(1 if c["breaks"] or c["fails-to-load"] else 0)
PY
done <<<"$groups"
exit $rc
