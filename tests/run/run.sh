#!/bin/bash
# ptregs run on this machine: the preload translates what a host program
# sends through glibc's syscall(), here from builtin:legacy to builtin:pkrs
# (--to), and the kernel's own copy of the program or map value shows it.
# The kernel part needs bpf() (root); without it only the CLI part runs.
set -u
PTREGS=${PTREGS:-build/ptregs}
LOADER=${LOADER:-build/tests/run/loader}
STATIC=${STATIC:-build/tests/run/static}
TMP=$(mktemp -d /tmp/ptregs-run.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/../cli/lib.sh"
skipped=0
# an ASan-built loader with the (uninstrumented) preload ahead of libasan
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# same NAME FILE1 FILE2: identical contents
same() {
	if cmp -s "$2" "$3"; then ok; else bad "$1: $2 and $3 differ"; diff "$2" "$3" >&2; fi
}
# lines NAME N PATTERN FILE: exactly N lines of FILE match PATTERN
lines() {
	local n
	n=$(grep -c -- "$3" "$4")
	if [ "$n" -eq "$2" ]; then ok; else bad "$1: $n lines match '$3' in $4, expected $2"; cat "$4" >&2; fi
}
# loader NAME STATUS ARGS...: the loader without the preload, output in $TMP/out
loader() {
	local name=$1 want=$2 rc
	shift 2
	"$LOADER" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$name: loader $* exited $rc, expected $want"; cat "$TMP/out" "$TMP/err" >&2
	else
		ok
	fi
}

# ---- the command line --------------------------------------------------
run "help run" 0 help run
has "help run" "--on-unanalysed refuse|pass" out
run "missing command" 2 run --to builtin:pkrs -- /nonexistent/cmd
one_line_err "missing command" "/nonexistent/cmd: command not found"
run "static command" 2 run -- "$STATIC"
one_line_err "static command" "is statically linked"
cp /bin/true "$TMP/suid" && chmod u+s "$TMP/suid"
run "setuid command" 2 run -- "$TMP/suid"
one_line_err "setuid command" "is setuid"
run "no command" 3 run --to builtin:pkrs
run "bad policy" 3 run --policy some -- true
one_line_err "bad policy" "policy must be auto, all or none"
run "bad on-unanalysed" 3 run --on-unanalysed maybe -- true
run "bad --to" 2 run --to builtin:nosuch -- true
run "unwritable log" 2 run --log /nonexistent/dir/log -- true
run "exit status is the command's" 7 run -- sh -c 'exit 7'
LD_PRELOAD=libm.so.6 run "environment" 0 run --policy all --programs a,b -- env
has "environment" "^LD_PRELOAD=libm.so.6:/.*/libptregs-preload.so$" out
has "environment" "^PTREGS_RUN_FROM=builtin:legacy$" out
has "environment" "^PTREGS_RUN_TO=kernel$" out
has "environment" "^PTREGS_RUN_POLICY=all$" out
has "environment" "^PTREGS_RUN_PROGRAMS=a,b$" out
has "environment" "^PTREGS_RUN_ON_UNANALYSED=refuse$" out
# the running kernel's layout by a built-in's name when one equals it, so
# the preload parses no BTF; none with --to
if [ -r /sys/kernel/btf/vmlinux ]; then
	kas=$(sed -n 's/^PTREGS_RUN_KERNEL_AS=//p' "$TMP/out")
	if [ -n "$kas" ]; then
		"$PTREGS" diff -q "$kas" /sys/kernel/btf/vmlinux && ok ||
			bad "environment: PTREGS_RUN_KERNEL_AS=$kas differs from the kernel's layout"
	else	# then no built-in may equal it
		for b in legacy pkrs fred uapi; do
			"$PTREGS" diff -q builtin:$b /sys/kernel/btf/vmlinux &&
				bad "environment: no PTREGS_RUN_KERNEL_AS, yet builtin:$b is the kernel's"
		done
		ok
	fi
fi
run "environment --to" 0 run --to builtin:pkrs -- env
has "environment --to" "^PTREGS_RUN_KERNEL_AS=$" out
run "which syscall()" 0 run -- "$LOADER" which
has "which syscall()" "syscall from .*/libptregs-preload.so$" out

# ---- non-bpf system calls: values and errno as glibc gives them ---------
loader "passthrough plain" 0 passthrough
cp "$TMP/out" "$TMP/plain"
run "passthrough preloaded" 0 run --to builtin:pkrs -- "$LOADER" passthrough
same "passthrough" "$TMP/plain" "$TMP/out"
lines "passthrough" 7 "^ok " "$TMP/out"

# ---- the kernel's copy: needs bpf() ------------------------------------
"$LOADER" probe >"$TMP/probe" 2>&1
if [ $? -eq 77 ]; then
	echo "run: kernel part skipped: $(cat "$TMP/probe") (needs root)"
	skipped=1
else
	LOG=$TMP/log
	# (a) UAPI offsets, no BTF: 112 di, 104 si, probe read of ctx + 96 dx
	loader "nobtf plain" 0 nobtf
	has "nobtf plain" "^insn 1 ldx 112$" out
	has "nobtf plain" "^insn 2 ldx 104$" out
	has "nobtf plain" "^insn 4 add 96$" out
	run "nobtf translated" 0 run --to builtin:pkrs --log "$LOG" -- "$LOADER" nobtf
	has "nobtf translated" "^insn 1 ldx 120$" out
	has "nobtf translated" "^insn 2 ldx 112$" out
	has "nobtf translated" "^insn 4 add 104$" out
	has "nobtf translated" "^insn 6 add -8$" out
	has "nobtf translated" "^log_true_size set$" out
	has "nobtf log" "^ptregs-run: prog 'uapi_nobtf' (kprobe): 3 insns rewritten, builtin:legacy -> builtin:pkrs \[evidence: no BTF\]$" log
	has "nobtf log" "^ptregs-run: prog 'uapi_nobtf' (kprobe): insn 1: ctx+112 -> ctx+120 (di) \[evidence: no BTF\]$" log
	has "nobtf log" "^ptregs-run: prog 'uapi_nobtf' (kprobe): insn 2: ctx+104 -> ctx+112 (si) \[evidence: no BTF\]$" log
	has "nobtf log" "^ptregs-run: prog 'uapi_nobtf' (kprobe): insn 8: probe read ctx+96 -> ctx+104 (dx), imm of insn 4 \[evidence: no BTF\]$" log
	lines "nobtf log" 4 . "$LOG"
	# without a log the patches come from the quick path alone, with one
	# from the records of every access: the same program either way
	cp "$TMP/out" "$TMP/nobtf.logged"
	run "nobtf translated, no log" 0 run --to builtin:pkrs -- "$LOADER" nobtf
	same "nobtf translated, no log" "$TMP/nobtf.logged" "$TMP/out"
	# this machine's own layout has the registers where legacy has them
	rm -f "$LOG"
	run "nobtf on the running kernel" 0 run --log "$LOG" -- "$LOADER" nobtf
	has "nobtf on the running kernel" "^insn 1 ldx 112$" out
	lines "nobtf on the running kernel" 0 . "$LOG"
	run "policy none" 0 run --to builtin:pkrs --policy none -- "$LOADER" nobtf
	has "policy none" "^insn 1 ldx 112$" out
	run "policy none, listed" 0 run --to builtin:pkrs --policy none --programs x,uapi_nobtf -- "$LOADER" nobtf
	has "policy none, listed" "^insn 1 ldx 120$" out

	# (b) BTF evidence: kernel names are left alone, UAPI names translated
	rm -f "$LOG"
	run "kernel-named BTF" 0 run --to builtin:pkrs --log "$LOG" -- "$LOADER" btf kernel
	has "kernel-named BTF" "^insn 1 ldx 112$" out
	has "kernel-named BTF" "^insn 4 add 96$" out
	lines "kernel-named BTF" 1 . "$LOG"
	has "kernel-named BTF" "prog 'kernel_btf' (kprobe): left as it is \\[BTF: pt_regs with kernel names\\]$" log
	run "kernel-named BTF, policy all" 0 run --to builtin:pkrs --policy all -- "$LOADER" btf kernel
	has "kernel-named BTF, policy all" "^insn 1 ldx 120$" out
	run "UAPI-named BTF" 0 run --to builtin:pkrs --log "$LOG" -- "$LOADER" btf uapi
	has "UAPI-named BTF" "^insn 1 ldx 120$" out
	has "UAPI-named BTF" "^insn 4 add 104$" out
	has "UAPI-named BTF log" "prog 'uapi_btf' (kprobe): 3 insns rewritten, .*\[evidence: BTF: pt_regs with UAPI names\]$" log

	# perf_event programs keep their layout
	rm -f "$LOG"
	run "perf_event" 0 run --to builtin:pkrs --policy all --log "$LOG" -- "$LOADER" perf
	has "perf_event" "^insn 1 ldx 112$" out
	lines "perf_event" 0 . "$LOG"

	# (c) libbpf's USDT spec map: reg_off of register arguments only
	loader "usdt plain" 0 usdt
	has "usdt plain" "^spec key 0: arg0 reg_off 112, arg1 reg_off 104 val_off 16, arg2 val_off 112, arg3 reg_off 112, cookie 0xabc, arg_cnt 3$" out
	run "usdt translated" 0 run --to builtin:pkrs --log "$LOG" -- "$LOADER" usdt
	has "usdt translated" "^batch count 2$" out
	has "usdt translated" "^spec key 0: arg0 reg_off 120, arg1 reg_off 112 val_off 16, arg2 val_off 112, arg3 reg_off 112, cookie 0xabc, arg_cnt 3$" out
	has "usdt translated" "^spec key 1: arg0 reg_off 120, arg1 reg_off 112 " out
	has "usdt translated" "^spec key 2: arg0 reg_off 136, arg1 reg_off 112 " out
	has "usdt other map" "^other key 0: arg0 reg_off 112, arg1 reg_off 104 " out
	if grep -q "caller memory modified" "$TMP/out"; then bad "usdt: caller's value modified"; else ok; fi
	has "usdt log" "^ptregs-run: usdt spec map '__bpf_usdt_spec': key 0 arg 0 reg_off 112 -> 120 (di)$" log
	has "usdt log" "^ptregs-run: usdt spec map '__bpf_usdt_spec': key 2 arg 0 reg_off 128 -> 136 (ip)$" log
	lines "usdt log" 6 "usdt spec map" "$LOG"

	# (d) the caller's memory, wherever it is: read, never trusted. The
	# attr on a stack (the thread's own, another thread's, a signal stack),
	# on the heap, in a forked child whose parent holds other instructions
	# at the same address; and what cannot be read: the kernel's EFAULT
	loader "memory plain" 0 memory
	cp "$TMP/out" "$TMP/mem.plain"
	run "memory translated" 0 run --to builtin:pkrs -- "$LOADER" memory
	for w in "attr on the stack" "attr on the heap" "attr on another thread's own stack" \
		 "attr on a signal stack" "attr and instructions in a forked child"; do
		has "memory plain: $w" "^$w: insn 1 ldx 112$" mem.plain
		has "memory translated: $w" "^$w: insn 1 ldx 120$" out
	done
	grep -v "insn" "$TMP/mem.plain" >"$TMP/mem.plain.err"
	grep -v "insn" "$TMP/out" >"$TMP/mem.err"
	same "memory: what cannot be read" "$TMP/mem.plain.err" "$TMP/mem.err"
	lines "memory: what cannot be read" 7 ": Bad address$" "$TMP/mem.err"
	# the attr on the caller's stack is copied without a system call: one
	# process_vm_readv() per load, for the instructions
	# (LeakSanitizer cannot run under ptrace)
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 run "memory: one read per load" 0 run --to builtin:pkrs -- \
		strace -f -qq -e trace=process_vm_readv -o "$TMP/strace" "$LOADER" nobtf
	lines "memory: one read per load" 1 "process_vm_readv(" "$TMP/strace"
	# with no limit on the stack's size the C library says the main
	# thread's stack may reach down to the heap's end
	run "memory, stack size unlimited" 0 run --to builtin:pkrs -- \
		sh -c 'ulimit -s unlimited && exec "$0" memory' "$LOADER"
	has "memory, stack size unlimited" "^attr on a signal stack: insn 1 ldx 120$" out
	grep -v "insn" "$TMP/out" >"$TMP/mem.err"
	same "memory, stack size unlimited: what cannot be read" "$TMP/mem.plain.err" "$TMP/mem.err"

	# (e) an access the analysis cannot follow: refused, or passed untranslated
	run "varoff refused" 1 run --to builtin:pkrs -- "$LOADER" varoff
	has "varoff refused" "^load failed: Invalid argument$" out
	has "varoff refused" "^ptregs-run: prog 'varoff': 1 access cannot be translated, not loaded: insn 8: variable offset" err
	run "varoff passed" 0 run --to builtin:pkrs --on-unanalysed pass -- "$LOADER" varoff
	has "varoff passed" "^ptregs-run: prog 'varoff': 1 access cannot be translated (insn 8: variable offset.*); loaded as it is" err

	# (f) ptregs check sees what a process keeps loaded: the kernel's
	# instructions (helper calls named back), the BTF's evidence, the holder
	"$LOADER" hold >"$TMP/hold" 2>&1 &
	hp=$!
	for _ in $(seq 50); do grep -q '^held' "$TMP/hold" && break; sleep 0.1; done
	ids=$(sed -n 's/^held uapi_nobtf=\([0-9]*\) kernel_btf=\([0-9]*\) uapi_btf=\([0-9]*\)$/\1 \2 \3/p' "$TMP/hold")
	if [ -z "$ids" ]; then
		bad "check live: the loader held nothing: $(cat "$TMP/hold")"
	else
		set -- $ids
		run "check live" 1 check --from builtin:legacy --kernel builtin:pkrs --no-files -j
		pyc() {
			if python3 -c "import json,sys; d=json.load(open('$TMP/out')); p={x['id']: x for x in d['running']}; sys.exit(0 if ($2) else 1)"; then
				ok
			else
				bad "$1: $2"; head -c 800 "$TMP/out" >&2
			fi
		}
		pyc "check live: no BTF" "[(f['insn'], f['offset'], f['old_field'], f['new_field']) for f in p[$1]['findings']] == [(1, 112, 'di', 'si'), (2, 104, 'si', 'dx'), (8, 96, 'dx', 'cx')]"
		pyc "check live: no BTF" "p[$1]['evidence'] == 'no BTF' and p[$1]['name'] == 'uapi_nobtf' and 'loader[$hp]' in p[$1]['holders']"
		pyc "check live: UAPI-named BTF" "p[$3]['evidence'] == 'BTF: pt_regs with UAPI names' and len(p[$3]['findings']) == 3"
		pyc "check live: kernel-named BTF (CO-RE)" "p[$2]['findings'] == [] and p[$2]['evidence'] == 'BTF: pt_regs with kernel names'"
		run "check live text" 1 check --from builtin:legacy --kernel builtin:pkrs --no-files
		has "check live text" "^  prog $1 'uapi_nobtf' (kprobe, tag [0-9a-f]*), evidence: no BTF$" out
		has "check live text" "^    held by loader.$hp." out
		has "check live text" "^    insn 8: breaks: probe-read ctx+96 (8 bytes): dx before, cx after" out
		if grep -q "'kernel_btf'" "$TMP/out"; then bad "check live text: the CO-RE program is listed"; else ok; fi
	fi
	kill "$hp" 2>/dev/null
	wait "$hp" 2>/dev/null
fi

if [ "$skipped" -eq 1 ]; then echo "run: $pass passed, $fail failed, 1 skipped (no bpf())"; else echo "run: $pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
