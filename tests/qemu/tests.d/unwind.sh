# Unwinding (ORC) through every kind of kernel entry: stack traces taken in
# the kernel must be complete down to the entry frame, whose struct pt_regs
# the unwinder reads through the entry code's UNWIND_HINT_REGS (pkrs at
# offset 0 moves every register 8 bytes up: a hint or a frame built with
# the old offsets loses the trace there). Sourced by tests.sh (busybox sh).
#
# shellcheck disable=SC3043  # local: busybox sh has it
# shellcheck disable=SC2154  # vendor: set by /init from cpuid

UW_TR=/sys/kernel/tracing
UW_INST=ptregs-unwind
# The task column of a trace record from probes (probes32): its comm, or
# "<...>" when the comm is not in the tracer's saved_cmdlines cache (it is
# recorded at a context switch, best effort: seen missing for the short
# int80 run on the intel model). The triggers' filters already select the
# comm, so "<...>" here is that process.
UW_PROBES='^ *(probes|<\.\.\.>)-[0-9]'
UW_PROBES32='^ *(probes32|<\.\.\.>)-[0-9]'

# uw_blocks FILE COMMRE: the stack traces in a trace file whose
# "<stack trace>" line matches COMMRE, one per line, frames space-separated
# (offsets stripped)
uw_blocks() {
	awk -v re="$2" '
	function flush() { if (b != "") print substr(b, 2); b = "" }
	/<stack trace>/ { flush(); on = ($0 ~ re); next }
	/^ => / { if (on) { f = $2; sub(/\+.*/, "", f); b = b " " f }; next }
	{ flush(); on = 0 }
	END { flush() }' "$1"
}

# uw_last BLOCK: its last frame
uw_last() { echo "$1" | awk '{ print $NF }'; }

# uw_expect WHAT BLOCK FRAMES LAST...: every frame of FRAMES (space
# separated) in BLOCK, and its last frame one of LAST
uw_expect() {
	local what="$1" block="$2" frames="$3" f last ok=0
	shift 3
	echo "$what: $block"
	if [ -z "$block" ]; then
		echo "FAIL: $what: no stack trace"
		echo "trace file: $(grep -c '<stack trace>' /tmp/uw.trace) stack traces, $(grep -v -c '^#' /tmp/uw.trace) lines"
		grep -v '^#' /tmp/uw.trace | head -n 8
		return 1
	fi
	for f in $frames; do
		case " $block " in *" $f "*) ;; *) echo "FAIL: $what: no $f frame"; return 1 ;; esac
	done
	last=$(uw_last "$block")
	for f; do [ "$last" = "$f" ] && ok=1; done
	if [ $ok = 0 ]; then echo "FAIL: $what: ends in $last, not in $*"; return 1; fi
	echo "ok: $what: ends in $last"
}

# uw_event_trace EVENT TRIGGER CMD...: set TRIGGER on the existing EVENT
# (SYSTEM/NAME) in a fresh instance, run CMD, leave the trace in
# /tmp/uw.trace
uw_event_trace() {
	local ev="$1" trig="$2" r=0
	shift 2
	rmdir $UW_TR/instances/$UW_INST 2>/dev/null
	mkdir $UW_TR/instances/$UW_INST || return 1
	echo "$trig" >"$UW_TR/instances/$UW_INST/events/$ev/trigger" ||
		{ echo "FAIL: trigger $trig on $ev rejected"; r=1; }
	[ $r = 0 ] && { "$@" || r=1; }
	echo "!$trig" >"$UW_TR/instances/$UW_INST/events/$ev/trigger"
	cat $UW_TR/instances/$UW_INST/trace >/tmp/uw.trace
	rmdir $UW_TR/instances/$UW_INST
	return $r
}

# uw_probe_trace DEF TRIGGER CMD...: uw_event_trace on kprobe event DEF
# (named ptregs_w/uw), defined for the call and removed after it
uw_probe_trace() {
	local def="$1" r=0
	shift
	echo "-:ptregs_w/uw" >>$UW_TR/kprobe_events 2>/dev/null
	echo "$def" >>$UW_TR/kprobe_events || { echo "FAIL: kprobe_events rejected $def"; return 1; }
	uw_event_trace ptregs_w/uw "$@" || r=1
	echo "-:ptregs_w/uw" >>$UW_TR/kprobe_events
	return $r
}

# uw_sysrq_frames FILE PID: the frames (offsets stripped) of the kernel
# log backtrace of process PID in FILE (sysrq-l output: "NMI backtrace for
# cpu N", "CPU: N PID: P Comm: ...", the frames), without ORC's "? " lines
# (stale text addresses found on the stack) and without the other CPUs'
# backtraces, space-separated on one line
uw_sysrq_frames() {
	awk -v pid="$2" '
	{ sub(/^<[0-9]+>/, ""); sub(/^\[[^]]*\] ?/, "") }
	/NMI backtrace for cpu|^Sending NMI from CPU/ { on = 0; next }
	/^CPU: [0-9]+ PID: [0-9]+ Comm: / { on = ($4 == pid); next }
	on && /^ *\? / { next }
	on && /^ *[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+/ {
		f = $1; sub(/\+.*/, "", f); b = b " " f
	}
	END { print substr(b, 2) }' "$1"
}

uw_sysentry=entry_SYSCALL_64_after_hwframe
# int $0x80: an IDT entry since the INT80 emulation rework (backported to
# 6.1.y), entry_INT80_compat before
uw_int80="asm_int80_emulation entry_INT80_compat"
# where a complete kernel stack ends: an entry from user mode, the idle
# task's start, a kernel thread's start
uw_bottoms="$uw_sysentry entry_SYSENTER_compat_after_hwframe
	entry_SYSCALL_compat_after_hwframe $uw_int80 asm_exc_page_fault
	asm_sysvec_apic_timer_interrupt asm_common_interrupt asm_exc_int3
	asm_exc_debug secondary_startup_64_no_verify ret_from_fork"

t_stacks() {
	local rc=0 d='' b f pid st last want32 dmesg0
	if [ ! -w $UW_TR/kprobe_events ]; then echo "detail: no kprobe_events"; return 77; fi
	# A marker, not a line count: NMI messages can fill the ring buffer.
	dmesg0=PTREGS-STACKS-$$
	echo "$dmesg0" >/dev/kmsg

	# (a) a 64-bit system call: ksys_write from write()
	uw_probe_trace "p:ptregs_w/uw ksys_write" 'stacktrace if comm == "probes"' \
		/bin/probes write 57 100 >/dev/null || rc=1
	b=$(uw_blocks /tmp/uw.trace "$UW_PROBES" | head -n1)
	uw_expect "syscall64" "$b" "ksys_write do_syscall_64" $uw_sysentry && d="$d syscall64" || rc=1

	# (b) 32-bit system calls: int $0x80, and the vDSO (SYSENTER on Intel,
	# SYSCALL on AMD)
	uw_probe_trace "p:ptregs_w/uw ksys_write" 'stacktrace if comm == "probes32"' \
		/bin/probes32 int80 57 100 >/dev/null || rc=1
	b=$(uw_blocks /tmp/uw.trace "$UW_PROBES32" | head -n1)
	# shellcheck disable=SC2086
	uw_expect "int80" "$b" "ksys_write" $uw_int80 && d="$d int80" || rc=1
	case "$vendor" in
	GenuineIntel) want32=entry_SYSENTER_compat_after_hwframe ;;
	*) want32=entry_SYSCALL_compat_after_hwframe ;;
	esac
	uw_probe_trace "p:ptregs_w/uw ksys_write" 'stacktrace if comm == "probes32"' \
		/bin/probes32 vdso 57 100 >/dev/null || rc=1
	b=$(uw_blocks /tmp/uw.trace "$UW_PROBES32" | head -n1)
	uw_expect "vdso32 ($vendor)" "$b" "ksys_write do_fast_syscall_32" $want32 &&
		d="$d ${want32%%_compat*}" || rc=1

	# (c) the timer interrupt: the local_timer_entry tracepoint in
	# __sysvec_apic_timer_interrupt, from whatever the CPU was doing
	# (idle, user, kernel); every trace must reach its bottom. Not a
	# kprobe on update_process_times: arming and disarming the
	# ftrace-based one at +0 while the timer interrupt runs the function
	# oopses 6.1.y, unpatched as well, on the Intel-flavoured models now
	# and then, and ORC stops at the function when the probe is an int3
	# at +5 (DEVELOPERS.md); the kprobe traces are (a), (b) and (d).
	uw_event_trace irq_vectors/local_timer_entry 'stacktrace:4' sleep 0.3 || rc=1
	f=0
	uw_blocks /tmp/uw.trace . >/tmp/uw.blocks
	while read -r b; do
		case $(uw_last "$b") in
		__x86_indirect_thunk_*|__x86_indirect_its_thunk_*)
			# The retpoline thunks carry UNWIND_HINT_EMPTY in 6.1
			# (arch/x86/lib/retpoline.S): ORC ends the stack at an
			# interrupted thunk on any kernel, by design.
			echo "timer irq: $b"
			echo "note: interrupted inside a retpoline thunk (UNWIND_HINT_EMPTY): ORC stops there on any 6.1 kernel"
			;;
		*)
			# shellcheck disable=SC2086
			uw_expect "timer irq" "$b" "__sysvec_apic_timer_interrupt" $uw_bottoms || rc=1
			;;
		esac
		case " $b " in
		*" asm_sysvec_apic_timer_interrupt "*|*" asm_common_interrupt "*) f=$((f + 1)) ;;
		*) echo "FAIL: timer irq: no interrupt entry frame"; rc=1 ;;
		esac
	done </tmp/uw.blocks
	if [ $f = 0 ]; then echo "FAIL: no timer interrupt stack traces"; rc=1; else d="$d irq($f)"; fi

	# (d) user page faults: handle_mm_fault; faults from user mode end in
	# asm_exc_page_fault, those of the kernel touching user memory in the
	# system call below it
	uw_probe_trace "p:ptregs_w/uw handle_mm_fault" 'stacktrace:40 if comm == "probes"' \
		/bin/probes fault 4 >/dev/null || rc=1
	f=0
	uw_blocks /tmp/uw.trace "$UW_PROBES" >/tmp/uw.blocks
	while read -r b; do
		uw_expect "page fault" "$b" "handle_mm_fault exc_page_fault asm_exc_page_fault" \
			asm_exc_page_fault $uw_sysentry || rc=1
		[ "$(uw_last "$b")" = asm_exc_page_fault ] && f=$((f + 1))
	done </tmp/uw.blocks
	if [ $f = 0 ]; then
		echo "FAIL: no user-mode page fault traced"
		echo "trace file: $(grep -c '<stack trace>' /tmp/uw.trace) stack traces, $(grep -v -c '^#' /tmp/uw.trace) lines"
		grep -v '^#' /tmp/uw.trace | head -n 8
		rc=1
	else
		d="$d #PF($f user)"
	fi

	# (e) /proc/PID/stack of tasks blocked in system calls
	if [ -r /proc/self/stack ]; then
		sleep 5 &
		pid=$!
		sleep 0.3
		st=$(sed 's/^\[<[0-9a-f]*>\] //; s/+.*//' /proc/$pid/stack | tr '\n' ' ')
		kill $pid; wait $pid 2>/dev/null
		uw_expect "/proc/PID/stack (sleep)" "$st" "do_syscall_64" $uw_sysentry &&
			d="$d stack64" || rc=1
		/bin/probes32 pause &
		pid=$!
		sleep 0.3
		st=$(sed 's/^\[<[0-9a-f]*>\] //; s/+.*//' /proc/$pid/stack | tr '\n' ' ')
		kill $pid; wait $pid 2>/dev/null
		# shellcheck disable=SC2086
		uw_expect "/proc/PID/stack (int80 pause)" "$st" "" $uw_int80 &&
			d="$d stack32" || rc=1
	else
		echo "SKIP: /proc/PID/stack: not available"; d="$d (no /proc/PID/stack)"
	fi

	# (f) the function tracer's stack traces (func_stack_trace), taken in
	# its callback from the ftrace trampoline: ksys_write of a write(). The
	# trace is read before the tracer goes back to nop (which resets it).
	rmdir $UW_TR/instances/$UW_INST 2>/dev/null
	if mkdir $UW_TR/instances/$UW_INST &&
	   echo ksys_write >$UW_TR/instances/$UW_INST/set_ftrace_filter &&
	   echo function >$UW_TR/instances/$UW_INST/current_tracer &&
	   echo 1 >$UW_TR/instances/$UW_INST/options/func_stack_trace; then
		/bin/probes write 57 100 >/dev/null
		echo 0 >$UW_TR/instances/$UW_INST/tracing_on
		cat $UW_TR/instances/$UW_INST/trace >/tmp/uw.trace
		echo 0 >$UW_TR/instances/$UW_INST/options/func_stack_trace
		echo nop >$UW_TR/instances/$UW_INST/current_tracer
		grep -m1 'probes-.* ksys_write' /tmp/uw.trace
		b=$(uw_blocks /tmp/uw.trace 'probes-' | head -n1)
		uw_expect "function tracer" "$b" "do_syscall_64" $uw_sysentry &&
			d="$d func_stack_trace" || rc=1
	else
		echo "FAIL: the function tracer with func_stack_trace in an instance"; rc=1
	fi
	rmdir $UW_TR/instances/$UW_INST 2>/dev/null

	# NMI: sysrq l prints every CPU's backtrace (other CPUs through an NMI);
	# the writer's own trace must reach the system call entry ("? "
	# lines are ORC's listing of stale text addresses found on the stack,
	# printed on both kernels, not unwinder errors). The console is kept
	# out of it (run.sh fails a log with "Call Trace:").
	if [ -w /proc/sysrq-trigger ]; then
		local lvl n0
		lvl=$(cut -f1 /proc/sys/kernel/printk)
		n0=PTREGS-SYSRQ-$$
		echo "$n0" >/dev/kmsg
		echo 1 >/proc/sys/kernel/printk
		# the writer: a shell of its own, whose PID names its backtrace
		pid=$(sh -c 'echo $$; echo l >/proc/sysrq-trigger')
		sleep 1
		echo "$lvl" >/proc/sys/kernel/printk
		dmesg | sed -n "/$n0/,\$p" >/tmp/uw.sysrq
		# shown with "Call Trace:" renamed: this output reaches the console
		sed -n -e 's/Call Trace:/call trace:/' -e '1,40s/^/  sysrq: /p' /tmp/uw.sysrq
		if ! grep -q 'NMI backtrace for cpu' /tmp/uw.sysrq; then
			echo "FAIL: sysrq l: no NMI backtrace"; rc=1
		else
			# the writer's own backtrace (not a stale "? " line, not
			# another CPU's) ends at the system call entry
			uw_expect "sysrq l (writer, pid $pid)" "$(uw_sysrq_frames /tmp/uw.sysrq "$pid")" \
				"write_sysrq_trigger ksys_write do_syscall_64" $uw_sysentry &&
				d="$d sysrq-l" || rc=1
		fi
	else
		d="$d (NMI backtrace: no sysrq)"
	fi

	# no unwinder complaint in the kernel log (frames such as
	# "? unwind_next_frame+0x39c/0x620" in the NMI backtraces above are
	# stale addresses, not complaints: symbol+offset tokens are dropped)
	st=$(dmesg | sed -n "/$dmesg0/,\$p" | sed -E 's/[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+//g' |
		grep -i -E 'unwind|WARNING|unreliable|stack going' | head -n3)
	[ -z "$st" ] || { echo "FAIL: kernel log: $st"; rc=1; }
	echo "detail: complete to the entry frame:$d"
	return $rc
}
