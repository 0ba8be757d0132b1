#!/bin/bash
# ptregs fix over every UAPI-built test object, with both strategies:
# - the rewrites match the golden files (expected/fix/{portable,pkrs}/NAME.txt:
#   program, insn, verdict, fixed or left, the edit: kind, insn, old and new
#   value, CO-RE field; UPDATE=1 rewrites them);
# - scan of the output finds no 'breaks' (portable: from the source layout,
#   the rewritten accesses relocated; retargeted: from the target layout);
# - the output reparses (bpftool btf dump, bpftool gen object, and
#   bpftool gen skeleton where the original passes it);
# - fixing the output again changes nothing;
# - where bpf() works: libbpf loads the portable outputs with the running
#   kernel's BTF and with a copy of it where pt_regs has pkrs first
#   (btf_custom_path), and the kernel's instructions hold the old and the
#   new offsets; the retargeted output holds the new ones.
# Usage: PTREGS=build/ptregs BPF_OBJS=build/bpf FIX_LOAD=... MKBTF=... tests/bpf/fix.sh
set -u
PTREGS=${PTREGS:-build/ptregs}
OBJS=${BPF_OBJS:-build/bpf}
FIX_LOAD=${FIX_LOAD:-build/tests/bpf/fix_load}
MKBTF=${MKBTF:-build/bench/mkbtf}
COMPAT_OBJ=${COMPAT_OBJ:-build/bpf/compat/compat.bpf.o}
EXPECTED=$(dirname "$0")/expected/fix
TMP=$(mktemp -d /tmp/ptregs-fix.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/../cli/lib.sh"

normalize() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for o in d["objects"]:
    if "error" in o:
        print("error", o["error"]); continue
    for a in o["accesses"]:
        if a["fixed"]:
            c = a["change"]
            print(a["program"], a["insn"], a["verdict"], "fixed", c["kind"], "insn", c["insn"],
                  c["site"], c["old_value"], "->", c["new_value"], c.get("core_field", "-"),
                  c.get("old_core_field", "-"))
        else:
            print(a["program"], a["insn"], a["verdict"], "left", a["reason"].split(":")[0])
'
}

count_breaks() {	# scan's summary: how many breaks
	"$PTREGS" scan -j "$@" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["breaks"])'
}
count_relocated() {	# scan's summary: how many relocated
	"$PTREGS" scan -j "$@" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["relocated"])'
}

retyped=0
for strat in portable pkrs; do
	mkdir -p "$TMP/$strat"
	for obj in "$OBJS"/uapi/*.bpf.o; do
		name=$(basename "$obj" .bpf.o)
		out=$TMP/$strat/$name.bpf.o
		args=()
		[ "$strat" = pkrs ] && args=(--to builtin:pkrs)
		"$PTREGS" fix -j "${args[@]}" -o "$out" "$obj" >"$TMP/$name.json" 2>"$TMP/err"
		rc=$?
		if [ $rc -gt 1 ]; then
			bad "$strat/$name: fix exit $rc: $(head -1 "$TMP/err")"
			continue
		fi
		normalize <"$TMP/$name.json" >"$TMP/$strat-$name.txt"
		golden=$EXPECTED/$strat/$name.txt
		if [ "${UPDATE:-0}" = 1 ]; then
			mkdir -p "$EXPECTED/$strat"
			cp "$TMP/$strat-$name.txt" "$golden"
		fi
		if [ ! -f "$golden" ]; then
			bad "$strat/$name: no golden file $golden"
		elif diff -u "$golden" "$TMP/$strat-$name.txt" >"$TMP/diff"; then
			ok
		else
			bad "$strat/$name: rewrites differ from $golden"
			cat "$TMP/diff"
		fi
		# the exit status says whether something was left
		left=$(grep -c ' left ' "$TMP/$strat-$name.txt")
		if { [ "$left" -eq 0 ] && [ $rc -eq 0 ]; } || { [ "$left" -gt 0 ] && [ $rc -eq 1 ]; }; then
			ok
		else
			bad "$strat/$name: exit $rc with $left left"
		fi
		# nothing the fixer claims fixed still breaks
		if [ "$strat" = portable ]; then
			n=$(count_breaks "$out")
			want=$(count_breaks "$obj")
		else
			n=$(count_breaks --from builtin:pkrs --to builtin:pkrs "$out")
			want=0
		fi
		fixed_breaks=$(grep -c ' breaks fixed ' "$TMP/$strat-$name.txt")
		left_breaks=$(grep -c ' breaks left ' "$TMP/$strat-$name.txt")
		if [ "$strat" = portable ]; then
			want=$((want - fixed_breaks))
		fi
		if [ "$strat" = portable ]; then
			[ "$n" = "$want" ] && ok || bad "$strat/$name: scan of the output: $n breaks, expected $want"
		else	# what scan still finds is among what the fixer left
			[ "$n" -le "$left_breaks" ] && ok ||
				bad "$strat/$name: scan of the output: $n breaks, $left_breaks left"
		fi
		if [ "$left_breaks" -eq 0 ] && [ "$n" != 0 ]; then
			bad "$strat/$name: nothing left, yet scan finds $n breaks"
		fi
		# portable: every access fixed is now one scan calls relocated
		if [ "$strat" = portable ]; then
			fixed_all=$(awk '$4 == "fixed"' "$TMP/$strat-$name.txt" | wc -l)
			r=$(( $(count_relocated "$out") - $(count_relocated "$obj") ))
			[ "$r" = "$fixed_all" ] && ok ||
				bad "$strat/$name: scan finds $r more relocated accesses, $fixed_all fixed"
		fi
		# fixing it again changes nothing
		cp "$out" "$TMP/again.o"
		"$PTREGS" fix "${args[@]}" --in-place "$TMP/again.o" >/dev/null 2>&1
		cmp -s "$out" "$TMP/again.o" && ok || bad "$strat/$name: a second fix changed the object"
		# libbpf and bpftool read it
		if bpftool btf dump file "$out" >/dev/null 2>"$TMP/err"; then ok; else
			bad "$strat/$name: bpftool btf dump: $(head -1 "$TMP/err")"; fi
		if bpftool gen object "$TMP/linked.o" "$out" 2>"$TMP/err"; then ok; else
			bad "$strat/$name: bpftool gen object: $(head -1 "$TMP/err")"; fi
		# portable: the declared context of a program whose every access was
		# fixed names the local type; of one with something left, the original
		if [ "$strat" = portable ]; then
			if python3 - "$obj" "$out" "$TMP/$strat-$name.txt" >"$TMP/retype" 2>&1 <<'PY'
import json, subprocess, sys
def ctx_types(path):
    t = json.loads(subprocess.run(["bpftool", "-j", "btf", "dump", "file", path],
                                  check=True, capture_output=True).stdout)["types"]
    by = {x["id"]: x for x in t}
    by[0] = {"kind": "VOID"}
    def strip(i):
        while by[i]["kind"] in ("CONST", "VOLATILE", "TYPEDEF", "RESTRICT"):
            i = by[i]["type_id"]
        return by[i]
    r = {}
    for x in t:
        if x["kind"] != "FUNC":
            continue
        proto = by[x["type_id"]]
        if not proto.get("params"):
            continue
        p = strip(proto["params"][0]["type_id"])
        if p["kind"] == "PTR":
            r[x["name"]] = strip(p["type_id"]).get("name", "")
    return r
before, after = ctx_types(sys.argv[1]), ctx_types(sys.argv[2])
fixed, left = set(), set()
for line in open(sys.argv[3]):
    w = line.split()
    (fixed if w[3] == "fixed" else left).add(w[0])
bad = 0
for prog, was in before.items():
    want = "pt_regs___ptregs" if (was == "pt_regs" and prog in fixed and prog not in left) else was
    if after.get(prog) != want:
        print(f"{prog}: context {after.get(prog)}, expected {want}"); bad = 1
    elif want != was:
        print(f"{prog}: retyped")
sys.exit(bad)
PY
			then ok; else bad "$strat/$name: declared contexts: $(grep -v retyped "$TMP/retype" | head -3)"; fi
			grep -q retyped "$TMP/retype" && retyped=$((retyped + 1))
		fi
		if bpftool gen skeleton "$obj" >/dev/null 2>&1; then
			if bpftool gen skeleton "$out" >/dev/null 2>"$TMP/err"; then ok; else
				bad "$strat/$name: bpftool gen skeleton: $(head -1 "$TMP/err")"; fi
		fi
	done
done

# the retyping was seen at all
[ "$retyped" -gt 0 ] && ok || bad "portable: no object had a program's context retyped"

# an object that has the local type already: retyping must not read types
# an addition moved (ASan in make check-san)
if ${CLANG:-clang} -target bpf -mcpu=v3 -O2 -g -D__TARGET_ARCH_x86 \
	-I/usr/include/"$(gcc -print-multiarch)" -c -o "$TMP/own.o" \
	"$(dirname "$0")/extra/own_local_type.bpf.c" 2>"$TMP/err"; then
	if "$PTREGS" fix -o "$TMP/own.fixed.o" "$TMP/own.o" >"$TMP/out" 2>&1 &&
		bpftool btf dump file "$TMP/own.fixed.o" | grep -A1 "FUNC_PROTO" | grep -q "type_id=$(
			bpftool btf dump file "$TMP/own.fixed.o" | sed -n "s/^\[\([0-9]*\)\] PTR .*type_id=$(
			bpftool btf dump file "$TMP/own.fixed.o" | sed -n "s/^\[\([0-9]*\)\] STRUCT 'pt_regs___ptregs'.*/\1/p")\$/\1/p" | head -n1)\$"; then
		ok
	else
		bad "own local type: $(head -n3 "$TMP/out")"
	fi
else
	bad "own local type: clang: $(head -n1 "$TMP/err")"
fi

# sizeof(struct pt_regs) arithmetic off the top of a task's stack (suspect):
# --to rewrites the immediate that holds THREAD_SIZE - sizeof + the offset
# read for the target's size and offset, and a scan of the output from the
# target layout finds nothing suspect. With pkrs the registers keep their
# distance from the top of the stack (16384 - 176 + 136 = 16384 - 168 + 128);
# with a layout that appends a member they do not (16384 - 176 + 128).
# sizeof_check NAME TARGET OUT: the change, the instruction, the rescan
sizeof_check() {
	local want
	want=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
l = json.load(open(sys.argv[2]))
ip = [f["offset"] for f in l["fields"] if f["name"] == "ip"][0]
a = [a for a in d["objects"][0]["accesses"] if a["verdict"] == "suspect"]
c = a[0].get("change", {}) if len(a) == 1 and a[0]["fixed"] else {}
ok = (c.get("kind") == "offset" and c.get("site") == "imm" and c.get("old_value") == 16344 and
      c.get("old_sizeof") == 168 and c.get("new_sizeof") == l["size"] == 176 and
      c.get("new_offset") == ip and c.get("new_value") == 16384 - 176 + ip)
print(c["insn"], c["new_value"]) if ok else print("bad", a)' "$TMP/sz.json" "$TMP/sz-layout.json" 2>&1)
	case "$want" in
	bad* | *Error* | "") bad "sizeof $1: fix -j: $want"; return ;;
	esac
	ok
	llvm-objdump -d --no-show-raw-insn "$3" 2>/dev/null |
		grep -Eq "^ *${want% *}:[[:space:]]+r0 \+= ${want#* }\$" && ok ||
		bad "sizeof $1: insn ${want% *} of the output does not add ${want#* }"
	n=$("$PTREGS" scan -j --from "$2" --to "$2" "$3" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["suspect"])')
	[ "$n" = 0 ] && ok || bad "sizeof $1: scan of the output from $2 finds $n suspect"
}
SZ=$OBJS/uapi/sizeof_regs.bpf.o
"$PTREGS" layout -j builtin:pkrs >"$TMP/sz-layout.json"
"$PTREGS" fix -j --to builtin:pkrs -o "$TMP/sz-pkrs.o" "$SZ" >"$TMP/sz.json" 2>/dev/null &&
	ok || bad "sizeof pkrs: fix --to builtin:pkrs exit $?"
sizeof_check pkrs builtin:pkrs "$TMP/sz-pkrs.o"
cat >"$TMP/tail.c" <<'C'
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
	unsigned long orig_ax, ip, cs, flags, sp, ss, appended;
};
struct pt_regs regs;
C
if ${CC:-cc} -g -c -o "$TMP/tail.o" "$TMP/tail.c" 2>"$TMP/err"; then
	"$PTREGS" layout -j "$TMP/tail.o" >"$TMP/sz-layout.json"
	"$PTREGS" fix -j --to "$TMP/tail.o" -o "$TMP/sz-tail.o" "$SZ" >"$TMP/sz.json" 2>/dev/null &&
		ok || bad "sizeof appended: fix --to exit $?"
	sizeof_check appended "$TMP/tail.o" "$TMP/sz-tail.o"
	# the constant in a mov or an ld_imm64 (its one use: rewritten), or
	# used elsewhere too (left)
	if ${CLANG:-clang} -target bpf -mcpu=v3 -O2 -g -I/usr/include/"$(gcc -print-multiarch)" \
		-c -o "$TMP/forms.o" "$(dirname "$0")/extra/sizeof_forms.bpf.c" 2>"$TMP/err"; then
		"$PTREGS" fix -j --to "$TMP/tail.o" -o "$TMP/forms.fixed.o" "$TMP/forms.o" \
			>"$TMP/forms.json" 2>/dev/null
		got=$(python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["objects"][0]["accesses"]:
    c = a.get("change", {})
    print(a["program"], c.get("insn", "left"), c.get("old_value", "-"), c.get("new_value", "-"))
' "$TMP/forms.json" | tr '\n' ';')
		[ "$got" = "by_mov 1 16344 16336;by_ld_imm64 2 -168 -176;shared left - -;" ] && ok ||
			bad "sizeof forms: $got"
		llvm-objdump -d --no-show-raw-insn "$TMP/forms.fixed.o" >"$TMP/forms.dis" 2>&1
		grep -Eq '^ *1:[[:space:]]+r6 = 16336$' "$TMP/forms.dis" &&
			grep -Eq '^ *13:[[:space:]]+r6 = -176 ll$' "$TMP/forms.dis" &&
			grep -Eq '^ *25:[[:space:]]+r6 = 16344$' "$TMP/forms.dis" && ok ||
			bad "sizeof forms: the output's constants: $(grep 'r6 =' "$TMP/forms.dis" | tr '\n' ' ')"
	else
		bad "sizeof forms: clang: $(head -n1 "$TMP/err")"
	fi
else
	bad "sizeof appended: cc: $(head -n1 "$TMP/err")"
fi
# portable mode cannot: it says so, with the source change
"$PTREGS" fix -n "$SZ" >"$TMP/out" 2>&1
grep -q "LEFT .*suspect: sizeof(struct pt_regs) baked into pointer arithmetic: not rewritten; use bpf_task_pt_regs()" "$TMP/out" &&
	ok || bad "sizeof portable: $(head -n2 "$TMP/out")"

# an object without .BTF and .BTF.ext (built without -g, stripped): the
# portable strategy creates both, libbpf reads them, and every access is
# relocated; loaded below
llvm-objcopy --remove-section=.BTF --remove-section=.BTF.ext --remove-section=.rel.BTF \
	--remove-section=.rel.BTF.ext "$OBJS/uapi/handwritten.bpf.o" "$TMP/nobtf.o"
if llvm-readelf -S "$TMP/nobtf.o" | grep -q '\.BTF'; then
	bad "no BTF: llvm-objcopy left a .BTF section"
elif "$PTREGS" fix -o "$TMP/nobtf.fixed.o" "$TMP/nobtf.o" >"$TMP/out" 2>&1; then
	grep -q "portable: 3 fixed, 0 left" "$TMP/out" && ok || bad "no BTF: $(head -n1 "$TMP/out")"
	llvm-readelf -S "$TMP/nobtf.fixed.o" | grep -q ' \.BTF\.ext ' && ok || bad "no BTF: no .BTF.ext made"
	bpftool btf dump file "$TMP/nobtf.fixed.o" 2>/dev/null | grep -q "STRUCT 'pt_regs___ptregs'" && ok ||
		bad "no BTF: the made .BTF has no pt_regs___ptregs"
	[ "$(count_breaks "$TMP/nobtf.fixed.o")" = 0 ] && [ "$(count_relocated "$TMP/nobtf.fixed.o")" = 3 ] && ok ||
		bad "no BTF: scan of the output: $(count_breaks "$TMP/nobtf.fixed.o") breaks, $(count_relocated "$TMP/nobtf.fixed.o") relocated (expected 0 and 3)"
else
	bad "no BTF: fix exit $?: $(head -n1 "$TMP/out")"
fi
# --from names the layout the object was built for: from the FRED layout
# (the same slots) it retargets as from legacy; from pkrs there is nothing
# to do; an object retargeted once is not retargeted again from elsewhere
"$PTREGS" fix --from builtin:fred --to builtin:pkrs -o "$TMP/fred.o" "$OBJS/uapi/handwritten.bpf.o" >/dev/null 2>&1 &&
	cmp -s "$TMP/fred.o" "$TMP/pkrs/handwritten.bpf.o" && ok || bad "from fred: not the legacy retarget"
"$PTREGS" fix --from builtin:pkrs --to builtin:pkrs -n "$OBJS/uapi/handwritten.bpf.o" 2>&1 | grep -q "nothing to fix" &&
	ok || bad "from pkrs to pkrs: something to fix"
"$PTREGS" fix --from builtin:pkrs --to builtin:legacy -n "$TMP/pkrs/handwritten.bpf.o" 2>&1 |
	grep -q "retargeted before for another layout than builtin:legacy" && ok || bad "retarget twice: not refused"

# compat.bpf.h: a UAPI build whose every read is relocated or perf_event-frozen
if [ -f "$COMPAT_OBJ" ]; then
	"$PTREGS" scan -j --all "$COMPAT_OBJ" >"$TMP/compat.json" 2>/dev/null
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = sorted(f["verdict"] for f in d["findings"])
sys.exit(0 if v == ["relocated"] * 7 + ["safe-abi"] * 2 else 1)' "$TMP/compat.json" && ok ||
		bad "compat: scan finds $(python3 -c 'import json,sys; print([f["verdict"] for f in json.load(open(sys.argv[1]))["findings"]])' "$TMP/compat.json")"
	"$PTREGS" fix -n "$COMPAT_OBJ" >"$TMP/out" 2>&1
	grep -q "nothing to fix" "$TMP/out" && ok || bad "compat: fix finds something: $(head -2 "$TMP/out")"
else
	bad "compat: no $COMPAT_OBJ"
fi

# Loading: the offsets the kernel holds.
# load_check NAME OBJ BTF PROG EXPECTED: the constants, joined by spaces, start with EXPECTED
load_check() {
	local got
	got=$("$FIX_LOAD" "$2" "$3" "$4" 2>"$TMP/err" | tr '\n' ' ')
	case "$got" in
	"$5"*) ok ;;
	*) bad "$1: kernel holds '$got', expected '$5...' ($(head -1 "$TMP/err"))" ;;
	esac
}
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	missing load "no /sys/kernel/btf/vmlinux to derive a BTF with the new layout from"
elif ! "$FIX_LOAD" "$TMP/portable/handwritten.bpf.o" - own_struct >/dev/null 2>"$TMP/err"; then
	missing load "bpf() refused here: $(head -1 "$TMP/err")"
elif [ "$("$PTREGS" layout /sys/kernel/btf/vmlinux -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')" != 168 ]; then
	missing load "the running kernel's pt_regs is not the legacy layout"
else
	"$MKBTF" /sys/kernel/btf/vmlinux "$TMP/pkrs.btf" >/dev/null
	P=$TMP/portable/kprobe_args.bpf.o
	load_check load-legacy "$P" - direct_args "ldx 104 ldx 112 "
	load_check load-pkrs "$P" "$TMP/pkrs.btf" direct_args "ldx 112 ldx 120 "
	# a relocation that named rdx/rip failed to load; repointed it loads on both
	load_check load-repointed-legacy "$P" - core_read_args "mov 96 add -8 ldx -8 stx 0 mov 128 "
	load_check load-repointed-pkrs "$P" "$TMP/pkrs.btf" core_read_args "mov 104 add -8 ldx -8 stx 0 mov 136 "
	if "$FIX_LOAD" "$OBJS/uapi/kprobe_args.bpf.o" - core_read_args >/dev/null 2>&1; then
		bad "load-unfixed: the UAPI core_read_args loads before the fix"
	else
		ok
	fi
	P=$TMP/portable/syscalls.bpf.o
	load_check load-wrapper-legacy "$P" - wrapper "mov 104 "
	load_check load-wrapper-pkrs "$P" "$TMP/pkrs.btf" wrapper "mov 112 "
	P=$TMP/portable/handwritten.bpf.o
	load_check load-own-legacy "$P" - own_struct "ldx 112 "
	load_check load-own-pkrs "$P" "$TMP/pkrs.btf" own_struct "ldx 120 "
	P=$TMP/nobtf.fixed.o
	load_check load-nobtf-legacy "$P" - own_struct "ldx 112 "
	load_check load-nobtf-pkrs "$P" "$TMP/pkrs.btf" own_struct "ldx 120 "
	# retargeted: the new offsets, whatever BTF libbpf is given
	load_check load-retarget "$TMP/pkrs/kprobe_args.bpf.o" - direct_args "ldx 112 ldx 120 "
	load_check load-retarget-handwritten "$TMP/pkrs/handwritten.bpf.o" - own_struct "ldx 120 "
	# compat.bpf.h
	C=$COMPAT_OBJ
	load_check compat-args-legacy "$C" - args "ldx 112 stx 0 ldx 104 stx 0 ldx 128 "
	load_check compat-args-pkrs "$C" "$TMP/pkrs.btf" args "ldx 120 stx 0 ldx 112 stx 0 ldx 136 "
	load_check compat-rc-pkrs "$C" "$TMP/pkrs.btf" ret "ldx 88 "
	load_check compat-wrapper-pkrs "$C" "$TMP/pkrs.btf" wrapper "ldx 120 mov 112 add -8 ldx -8 stx 0 mov 64 "
	load_check compat-perf-legacy "$C" - perf "ldx 0 ldx 128 stx 0 ldx 0 ldx 152 "
	load_check compat-perf-pkrs "$C" "$TMP/pkrs.btf" perf "ldx 0 ldx 128 stx 0 ldx 0 ldx 152 "
	load_check compat-task-legacy "$C" - task_stack "mov 32 add -8 mov 168 ldx -8 mov 128 "
	load_check compat-task-pkrs "$C" "$TMP/pkrs.btf" task_stack "mov 32 add -8 mov 176 ldx -8 mov 136 "
fi

# The patched kernel built here, when there is one: retargeting for its BTF
# is retargeting for builtin:pkrs, byte for byte, and libbpf relocates the
# portable output against it to the new offsets. Not a prerequisite even
# under make test, which runs these checks before it builds the kernels.
VMLINUX=$(ls "${PTREGS_CACHE:-/var/cache/ptregs}"/build/linux-*-ptregs/vmlinux 2>/dev/null | head -1)
if [ -n "$VMLINUX" ]; then
	"$PTREGS" fix --to "$VMLINUX" -o "$TMP/kv.o" "$OBJS/uapi/kprobe_args.bpf.o" >/dev/null 2>&1
	cmp -s "$TMP/kv.o" "$TMP/pkrs/kprobe_args.bpf.o" && ok ||
		bad "kernel: --to $VMLINUX differs from --to builtin:pkrs"
	if "$FIX_LOAD" "$TMP/portable/handwritten.bpf.o" - own_struct >/dev/null 2>&1; then
		load_check kernel-load "$TMP/portable/kprobe_args.bpf.o" "$VMLINUX" direct_args "ldx 112 ldx 120 "
		load_check kernel-load-repointed "$TMP/portable/kprobe_args.bpf.o" "$VMLINUX" core_read_args "mov 104 add -8 ldx -8 stx 0 mov 136 "
	fi
else
	echo "SKIP: kernel: no patched kernel built under ${PTREGS_CACHE:-/var/cache/ptregs} (make kernel)" >&2
fi

echo "fix-bpf: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
