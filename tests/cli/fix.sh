#!/bin/bash
# ptregs fix, the command: options, outputs through a temporary file and a
# rename with mode kept, inputs with nothing to fix left alone, bad inputs
# and unwritable outputs refused with nothing written, objects embedded in
# an executable, JSON.
# Usage: PTREGS=build/ptregs BPF_OBJS=build/bpf PTREGS_FIXTURES=build/fixtures tests/cli/fix.sh
set -u
PTREGS=${PTREGS:-build/ptregs}
OBJS=${BPF_OBJS:-build/bpf}
FX=${PTREGS_FIXTURES:-build/fixtures}
UAPI=$OBJS/uapi
TMP=$(mktemp -d /tmp/ptregs-fixcli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# json_check NAME PYTHON-EXPR: evaluated with d = the JSON on stdout
json_check() {
	if python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if ($2) else 1)"; then
		ok
	else
		bad "$1: $2"
		head -c 600 "$TMP/out" >&2
	fi
}
# same NAME A B: byte-identical files
same() { cmp -s "$2" "$3" && ok || bad "$1: $2 and $3 differ"; }

run help 0 help fix && has help "--to SOURCE" out && has help "portable" out
run usage-nowhere 3 fix "$UAPI/flow.bpf.o" && has usage-nowhere "-o OUT, --in-place or --dry-run" err
run usage-both 3 fix --portable --to builtin:pkrs -n "$UAPI/flow.bpf.o"
run usage-o-two 3 fix -o "$TMP/x.o" "$UAPI/flow.bpf.o" "$UAPI/handwritten.bpf.o"
run usage-o-inplace 3 fix -o "$TMP/x.o" --in-place "$UAPI/flow.bpf.o"
run usage-opt 3 fix --bogus "$UAPI/flow.bpf.o"
run bad-layout 2 fix --to builtin:nope -n "$UAPI/flow.bpf.o"

# text: program, insn, source line, old -> new
run text-retarget 0 fix --to builtin:pkrs -o "$TMP/hw.o" "$UAPI/handwritten.bpf.o"
has text-retarget "own_struct insn 0 (handwritten.bpf.c:20): 112 di -> 120 di, offset" out
has text-retarget "pointer_math insn 7 (handwritten.bpf.c:30): 128 ip -> 136 ip, immediate via insn 3" out
has text-retarget "right on that layout only" out
run text-portable 0 fix -o "$TMP/hwp.o" "$UAPI/handwritten.bpf.o"
has text-portable "own_struct insn 0 (handwritten.bpf.c:20): 112 di -> CO-RE pt_regs___ptregs.di" out
run text-left 1 fix -n "$UAPI/usdt.bpf.o" && has text-left "LEFT   usdt_arg insn 73" out
has text-left "ptregs run" out
run text-repoint 0 fix -n "$UAPI/kprobe_args.bpf.o"
has text-repoint "CO-RE pt_regs.rdx -> pt_regs___ptregs.dx (relocation repointed via insn 1)" out
run text-retarget-fails 1 fix -n --to builtin:pkrs "$UAPI/kprobe_args.bpf.o"
has text-retarget-fails "fails-to-load: its CO-RE relocation names the UAPI field 'rdx'" out

# dry run writes nothing; in place keeps the mode
cp "$UAPI/flow.bpf.o" "$TMP/dry.o"
run dry-run 1 fix -n "$TMP/dry.o" && same dry-run "$UAPI/flow.bpf.o" "$TMP/dry.o"
cp "$UAPI/handwritten.bpf.o" "$TMP/mode.o" && chmod 640 "$TMP/mode.o"
run in-place 0 fix --in-place "$TMP/mode.o"
[ "$(stat -c %a "$TMP/mode.o")" = 640 ] && ok || bad "in-place: mode $(stat -c %a "$TMP/mode.o"), expected 640"
same in-place-result "$TMP/hwp.o" "$TMP/mode.o"
ls -a "$TMP" | grep -q ptregs- && bad "a temporary file was left behind" || ok

# nothing to fix: not rewritten (same inode), or copied byte for byte with -o
if [ -d "$OBJS/core" ]; then
	cp "$OBJS/core/kprobe_args.bpf.o" "$TMP/clean.o"
	ino=$(stat -c %i "$TMP/clean.o")
	run nothing 0 fix --in-place "$TMP/clean.o" && has nothing "nothing to fix" out
	[ "$(stat -c %i "$TMP/clean.o")" = "$ino" ] && ok || bad "nothing: the file was rewritten"
	same nothing "$OBJS/core/kprobe_args.bpf.o" "$TMP/clean.o"
	run nothing-o 0 fix -o "$TMP/clean2.o" "$TMP/clean.o" && same nothing-o "$TMP/clean.o" "$TMP/clean2.o"
	# perf_event: a struct pt_regs CO-RE read over &ctx->regs (shifted twice on
	# the new kernel) loses its relocation and keeps the frozen offset
	run perf-drop 1 fix -o "$TMP/perf.o" "$OBJS/core/perf_event.bpf.o"
	has perf-drop "regs_as_pt_regs insn 8 (perf_event.bpf.c:16): CO-RE pt_regs.sp dropped -> 152 sp" out
	run perf-drop-scan 1 scan --all "$TMP/perf.o" && has perf-drop-scan "safe-abi: load perf_event regs+152" out
else
	missing nothing "no CO-RE objects (no kernel BTF for vmlinux.h)"
fi
# a fixed object: nothing more to fix, for either strategy
cp "$TMP/hw.o" "$TMP/hw2.o"
run refix-retarget 0 fix --to builtin:pkrs --in-place "$TMP/hw2.o" && has refix-retarget "already retargeted" out
same refix-retarget "$TMP/hw.o" "$TMP/hw2.o"
run refix-other 1 fix -n --to builtin:legacy "$TMP/hw2.o" && has refix-other "fix the original" out
cp "$TMP/hwp.o" "$TMP/hwp2.o"
run refix-portable 0 fix --in-place "$TMP/hwp2.o" && same refix-portable "$TMP/hwp.o" "$TMP/hwp2.o"

# bad input: refused, exit 2, nothing written
head -c 3000 "$UAPI/flow.bpf.o" >"$TMP/trunc.o"
run truncated 2 fix -o "$TMP/t-out.o" "$TMP/trunc.o" && has truncated "nothing written" err
[ -e "$TMP/t-out.o" ] && bad "truncated: an output was written" || ok
cp "$TMP/trunc.o" "$TMP/trunc2.o"
run truncated-in-place 2 fix --in-place "$TMP/trunc2.o" && same truncated-in-place "$TMP/trunc.o" "$TMP/trunc2.o"
printf 'not an object' >"$TMP/text"
run lskel 2 fix -n "$FX/lskel" && has lskel "a light skeleton: its programs are in loader code" err
run not-bpf 2 fix -o "$TMP/n-out" "$TMP/text" && has not-bpf "neither a BPF object" err
run missing 2 fix -n /nonexistent.o && has missing "No such file" err
: >"$TMP/empty"
run empty 2 fix -n "$TMP/empty" && has empty "empty file" err
# a .BTF.ext block that claims more records than its subsection holds
python3 "$(dirname "$0")/elfpatch.py" "$UAPI/flow.bpf.o" "$TMP/overclaim.o" btf-ext-count-past
run bad-ext 2 fix -o "$TMP/o-out.o" "$TMP/overclaim.o" && has bad-ext "nothing written" err
[ -e "$TMP/o-out.o" ] && bad "bad-ext: an output was written" || ok
# an object on which libbpf 1.1's own bpf_object__open_mem() crashes (found by
# the fuzz target): the check that the output opens runs in a child, so the
# command survives and says what it did
SEED=$(dirname "$0")/../fuzz/seeds/fix-libbpf-open-crash
run libbpf-crash-retarget 1 fix --to builtin:pkrs -o "$TMP/lc.o" "$SEED" && has libbpf-crash-retarget "1 fixed, 2 left" out
run libbpf-crash-portable 2 fix -o "$TMP/lc2.o" "$SEED" && has libbpf-crash-portable "nothing written" err
# a section aligned to 2^50 (found by the fuzz target): libelf would lay
# the output out over a petabyte; refused, nothing written
SEED=$(dirname "$0")/../fuzz/seeds/fix-huge-alignment
run huge-alignment 2 fix -o "$TMP/ha.o" "$SEED" && has huge-alignment "section 1: alignment 1125899906842624: not a BPF object's; nothing written" err
[ -e "$TMP/ha.o" ] && bad "huge-alignment: $TMP/ha.o written" || ok
# what the reader cannot take whole (scan's bad inputs: a section cut inside
# an instruction, a program of an unknown type) is an error: the programs it
# skipped were never analysed, so nothing is called fixed or written
python3 "$(dirname "$0")/elfpatch.py" "$UAPI/handwritten.bpf.o" "$TMP/partial.o" shrink-section kprobe/vfs_read 3
run partial-insn 2 fix -o "$TMP/p-out.o" "$TMP/partial.o"
has partial-insn "partial instruction" err && has partial-insn "nothing written" err
[ -e "$TMP/p-out.o" ] && bad "partial-insn: an output was written" || ok
printf '#include <linux/bpf.h>\n__attribute__((section("weird/thing"), used)) int w(void *c) { return 0; }\n' >"$TMP/weird.c"
clang -target bpf -O2 -g -c -o "$TMP/weird.o" "$TMP/weird.c"
run unknown-type 2 fix -o "$TMP/w-out.o" "$TMP/weird.o"
has unknown-type "unknown program type for section 'weird/thing'; nothing written" err
[ -e "$TMP/w-out.o" ] && bad "unknown-type: an output was written" || ok
# a symbolic link named on the command line is followed, as scan does; in
# place, the file it points to is replaced and the link stays a link
cp "$UAPI/handwritten.bpf.o" "$TMP/target.o" && ln -sf target.o "$TMP/link.o"
run symlink 0 fix --to builtin:pkrs --in-place "$TMP/link.o" && has symlink "112 di -> 120 di" out
[ -L "$TMP/link.o" ] && ok || bad "symlink: the link was replaced by a file"
cmp -s "$TMP/target.o" "$TMP/hw.o" && ok || bad "symlink: the target is not the retargeted object"

# an output that cannot be written leaves the input as it was
cp "$UAPI/flow.bpf.o" "$TMP/keep.o"
run unwritable 2 fix -o /proc/ptregs-fix-test.o "$TMP/keep.o" && has unwritable "nothing written" err
same unwritable "$UAPI/flow.bpf.o" "$TMP/keep.o"

# an executable embedding an object: retargeted in place, same size;
# the portable strategy cannot grow it and says so
cat "$FX/regs_dwarf" "$UAPI/handwritten.bpf.o" >"$TMP/host" && chmod 755 "$TMP/host"
run embedded-portable 1 fix -n "$TMP/host" && has embedded-portable "use --to" out
run embedded 0 fix --to builtin:pkrs --in-place "$TMP/host"
has embedded "host@0x" out
[ "$(stat -c %s "$TMP/host")" = $(( $(stat -c %s "$FX/regs_dwarf") + $(stat -c %s "$UAPI/handwritten.bpf.o") )) ] &&
	ok || bad "embedded: the host changed size"
[ "$(stat -c %a "$TMP/host")" = 755 ] && ok || bad "embedded: mode not kept"
run embedded-scan 0 scan --from builtin:pkrs --to builtin:pkrs "$TMP/host" && has_count embedded-scan 0 breaks
head -c "$(stat -c %s "$FX/regs_dwarf")" "$TMP/host" | cmp -s - "$FX/regs_dwarf" && ok ||
	bad "embedded: bytes outside the object changed"
tail -c "$(stat -c %s "$UAPI/handwritten.bpf.o")" "$TMP/host" | cmp -s - "$TMP/hw.o" && ok ||
	bad "embedded: the object differs from the retargeted plain object"

# a real skeleton (bpftool gen skeleton) of a UAPI-built object in an
# executable: retargeted, the executable still opens its object, and where
# bpf() works the kernel holds the new offsets of the program it loads
if [ -x "$FX/skel_host" ]; then
	cp "$FX/skel_host" "$TMP/skel_host"
	run skeleton 0 fix --to builtin:pkrs --in-place "$TMP/skel_host"
	has skeleton "own_struct insn 0 (handwritten.bpf.c:20): 112 di -> 120 di, offset" out
	"$TMP/skel_host" && ok || bad "skeleton: the fixed executable does not open its object"
	if before=$("$FX/skel_host" load 2>/dev/null); then
		[ "$(echo $before)" = "ldx 112 ldx 152" ] && ok || bad "skeleton: unfixed loads '$before'"
		after=$("$TMP/skel_host" load 2>/dev/null)
		[ "$(echo $after)" = "ldx 120 ldx 160" ] && ok || bad "skeleton: fixed loads '$after'"
	else
		missing skeleton-load "bpf() refused here"
	fi
else
	bad "skeleton: no $FX/skel_host"
fi

# directories: every object found, in place
mkdir -p "$TMP/dir/sub" && cp "$UAPI/handwritten.bpf.o" "$TMP/dir/" && cp "$UAPI/flow.bpf.o" "$TMP/dir/sub/"
run dir 1 fix --in-place "$TMP/dir" && has dir "2 files, 2 written" out
run dir-o 3 fix -o "$TMP/x" "$TMP/dir"

# JSON
run json 1 fix -j -n "$UAPI/flow.bpf.o"
json_check json "d['strategy']=='portable' and d['dry_run'] and d['summary']=={'files':1,'written':0,'fixed':1,'unfixed':1,'errors':0}"
json_check json-change "[a['change'] for a in d['objects'][0]['accesses'] if a['fixed']]==[{'kind':'inject-relocation','insn':8,'site':'off','old_value':128,'new_value':128,'core_field':'ip'}]"
json_check json-left "[a['reason'].split(':')[0] for a in d['objects'][0]['accesses'] if not a['fixed']]==['the instruction\\'s constant is not the start of a register (an offset folded into other arithmetic), which a CO-RE field relocation cannot express']"
run json-error 2 fix -j -n "$TMP/trunc.o"
json_check json-error "d['summary']['errors']==1 and 'truncated' in d['objects'][0]['error']"

echo "fix-cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
