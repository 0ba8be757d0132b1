#!/bin/bash
# The object reader as scan sees it: which programs it finds, what it says
# about files that hold no BPF or hold a cut one, light skeletons by shape.
# Usage: PTREGS=build/ptregs BPF_OBJS=build/bpf PTREGS_FIXTURES=build/fixtures tests/cli/reader.sh
set -u
PTREGS=${PTREGS:-build/ptregs}
OBJS=${BPF_OBJS:-build/bpf}
FX=${PTREGS_FIXTURES:-build/fixtures}
HERE=$(dirname "$0")
TMP=$(mktemp -d /tmp/ptregs-reader.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"

UAPI=$OBJS/uapi/loadable.bpf.o

# a '?' section is a kprobe (libbpf: autoload off), a static program is a
# program (libbpf refuses the object, other loaders do not): both analysed
run optional-and-static 1 -j scan "$UAPI"
json_check optional-prog "[(f['program'], f['section'], f['offset'], f['old_field'], f['new_field']) for f in d['findings'] if f['program']=='optional_prog'] == [('optional_prog', '?kprobe/vfs_write', 96, 'dx', 'cx')]"
json_check static-prog "[(f['program'], f['offset'], f['old_field'], f['new_field']) for f in d['findings'] if f['program']=='static_prog'] == [('static_prog', 88, 'cx', 'ax')]"
json_check no-unknown-type "d['errors'] == []"
json_check static-notice-json "len(d['notices']) == 1 and 'program static_prog is static' in d['notices'][0]"
run static-notice 1 scan "$UAPI" && has static-notice "program static_prog is static: libbpf refuses" err

# a named file with no BPF in it says so, and a scan that found nothing is an error
run no-bpf 2 scan /bin/true
has no-bpf "/bin/true: no BPF here" err
has no-bpf "no BPF object found" err
run no-bpf-count 2 -j scan /bin/true
json_check no-bpf-count "d['summary']['files'] == 0 and d['summary']['objects'] == 0 and any('no BPF here' in n for n in d['notices'])"
# ... but next to a real object it is only a notice
run no-bpf-beside 1 scan /bin/true "$UAPI" && has no-bpf-beside "/bin/true: no BPF here" err

# cut objects are truncated, whatever the cut
size=$(stat -c %s "$UAPI")
head -c $((size - 1)) "$UAPI" >"$TMP/cut1.o"
run cut-by-one 2 scan "$TMP/cut1.o" && has cut-by-one "cut1.o: truncated: the section headers end at byte $size, the file has $((size - 1)) bytes" err
head -c 16 "$UAPI" >"$TMP/cut16.o"
run cut-to-16 2 scan "$TMP/cut16.o" && has cut-to-16 "cut16.o: truncated: 16 bytes, shorter than an ELF header" err
run cut-counts 2 -j scan "$TMP/cut16.o"
json_check cut-counts "d['summary']['objects'] == 0 and len(d['errors']) >= 1"

# copies of the registers: the copy of the old sizeof, and the reads of it
run copies 1 -j scan "$OBJS/uapi/copies.bpf.o"
json_check copies-size "[(f['insn'], f['verdict'], f['copy_size'], 'copy_insn' in f) for f in d['findings'] if f['program']=='whole_copy'] == [(4, 'suspect', 168, False), (7, 'breaks', 168, True), (11, 'breaks', 168, True)]"
json_check copies-read "[(f['offset'], f['old_field'], f['new_field'], f['copy_insn']) for f in d['findings'] if f['program']=='map_copy' and f['kind']=='load'] == [(128, 'ip', 'orig_ax', 13)]"
run copies-text 1 scan "$OBJS/uapi/copies.bpf.o"
has copies-text "suspect: probe-read ctx+0 (168 bytes): several registers at once (copies sizeof(struct pt_regs)" out

# layout reads the same cut files as truncated, not as files without debug info
run layout-cut-bpf 2 layout "$TMP/cut1.o" && one_line_err layout-cut-bpf "cut1.o: truncated: the section headers end at byte $size"
run layout-cut-16 2 layout "$TMP/cut16.o" && one_line_err layout-cut-16 "cut16.o: truncated: 16 bytes"
if [ -f "$FX/regs_dwarf_rel.o" ]; then
	rsize=$(stat -c %s "$FX/regs_dwarf_rel.o")
	head -c $((rsize - 1)) "$FX/regs_dwarf_rel.o" >"$TMP/rel-cut.o"
	run layout-cut-dwarf 2 layout "$TMP/rel-cut.o"
	one_line_err layout-cut-dwarf "rel-cut.o: truncated: the section headers end at byte $rsize, the file has $((rsize - 1)) bytes"
else
	bad "layout-cut-dwarf: fixture regs_dwarf_rel.o missing"
fi

# a big-endian object: its layout reads (libelf swaps), scan refuses it by name
run bpfeb-layout 0 layout "$FX/regs_bpfeb.o" && has bpfeb-layout "struct pt_regs:" out
run bpfeb-scan 2 scan "$FX/regs_bpfeb.o" && has bpfeb-scan "regs_bpfeb.o: big-endian BPF objects are not supported" err
has bpfeb-scan "verdict: incomplete" out

# separate debug info is found on this machine, never through debuginfod
DEBUGINFOD_URLS=http://127.0.0.1:9 DEBUGINFOD_VERBOSE=1 "$PTREGS" layout "$FX/regs_stripped" >"$TMP/out" 2>"$TMP/err"
if grep -q "struct pt_regs: 168 bytes" "$TMP/out" && ! grep -q -i "url\|debuginfod" "$TMP/err"; then ok; else bad "no-debuginfod: $(head -3 "$TMP/err")"; fi
DEBUGINFOD_URLS=http://127.0.0.1:9 DEBUGINFOD_VERBOSE=1 "$PTREGS" layout /bin/true >"$TMP/out" 2>"$TMP/err"
if grep -q "no separate debug file found" "$TMP/err" && ! grep -q -i "url\|debuginfod" "$TMP/err"; then ok; else bad "no-debuginfod-missing: $(head -3 "$TMP/err")"; fi

# light skeletons by their loader program, not by a string
run light-skeleton 0 scan "$FX/lskel" && has light-skeleton "light skeleton" err
printf 'xx __loader.prog xx __loader.map\0 xx' >"$TMP/strings-only"
run light-strings-only 2 scan "$TMP/strings-only" && has light-strings-only "no BPF here" err
run self-not-light 2 scan "$PTREGS"
if grep -q "light skeleton" "$TMP/err"; then bad "self-not-light: ptregs reported as a light skeleton"; else ok; fi

echo "reader-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
