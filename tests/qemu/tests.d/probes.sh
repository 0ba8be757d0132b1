# Probes, by the values they fetch: kprobes through ftrace and int3,
# kretprobes, optimized kprobes, uprobes, uretprobes, USDT and BPF kprobe
# programs. Every handler sees a struct pt_regs the kernel built on its own
# entry path (ftrace_regs_caller, the int3 exception, the optprobe detour,
# the rethook trampoline, the uprobe int3), so each fetched register checks
# that path's layout. Sourced by tests.sh (busybox sh).
#
# The kprobes sit on ksys_write(fd, buf, count), which /bin/probes calls
# with fd 57, a known buffer and count 4321:
#   +0     the fentry site: an ftrace-based kprobe ([FTRACE])
#   +0x11  "sub $0x8,%rsp": an int3 kprobe; di, si, dx still hold the
#          arguments, r12 = count and r13 = buf (copied at +0x7 and +0xc)
#   +0x5   "push %r13; mov %rsi,%r13": optimizable, arguments live
#   +0x1a  "mov %rax,%rbp; and $-4,%rbp" after __fdget_pos(): optimizable,
#          r12 = count and r13 = buf
# (the same code in the base and the ptregs builds of 6.1.192: objdump -d
# vmlinux --start-address of ksys_write).
#
# shellcheck disable=SC3043  # local: busybox sh has it

PR_TR=/sys/kernel/tracing
PR_KLIST=/sys/kernel/debug/kprobes/list
PR_OPTSYSCTL=/proc/sys/debug/kprobes-optimization
PR_FD=57
PR_COUNT=4321

pr_need() {
	if [ ! -w $PR_TR/kprobe_events ]; then
		echo "detail: no $PR_TR/kprobe_events (CONFIG_KPROBE_EVENTS, tracefs)"; return 77
	fi
	[ -r $PR_KLIST ] || { echo "detail: no $PR_KLIST (debugfs)"; return 77; }
}

# pr_kdef DEFINITION: add a kprobe event
pr_kdef() {
	echo "$1" >>$PR_TR/kprobe_events || { echo "FAIL: kprobe_events rejected: $1"; return 1; }
	echo "defined: $1"
}
# pr_kdel GROUP/EVENT...: remove kprobe events
pr_kdel() {
	local e
	for e; do echo "-:$e" >>$PR_TR/kprobe_events 2>/dev/null; done
	return 0
}
# pr_inst NAME: a fresh trace instance
pr_inst() {
	rmdir $PR_TR/instances/"$1" 2>/dev/null
	mkdir $PR_TR/instances/"$1"
}
# pr_field LINE NAME: the value of NAME= in a trace line
pr_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
# pr_check WHAT GOT WANT: GOT is WANT, and WANT is not empty (two empty
# sides say the value was never found, not that it was right)
pr_check() {
	if [ -z "$3" ]; then echo "FAIL: $1 = ${2:-nothing}, expected value unknown"; return 1; fi
	if [ "$2" = "$3" ]; then echo "ok: $1 = $2"; return 0; fi
	echo "FAIL: $1 = ${2:-nothing}, expected $3"
	return 1
}
# pr_klist SYMBOL+OFF: its line in the kprobes list
pr_klist() { grep -E "[[:space:]]$1[[:space:]]" $PR_KLIST | head -n1; }

# t_kprobe: kprobe events on ksys_write+0 (through ftrace) and +0x11 (int3,
# optimization switched off meanwhile) fetch fd, buf, count (and the user
# buffer's text, and r12/r13 at +0x11) of a write with known arguments.
t_kprobe() {
	local inst=ptregs-kprobe rc=0 out line buf opt l
	pr_need || return 77
	opt=$(cat $PR_OPTSYSCTL 2>/dev/null)
	[ -n "$opt" ] && echo 0 >$PR_OPTSYSCTL
	pr_kdel ptregs_k/kp_ftrace ptregs_k/kp_int3
	if ! pr_kdef "p:ptregs_k/kp_ftrace ksys_write fd=%di:s32 buf=%si:x64 count=%dx:u64 text=+u0(%si):ustring" ||
	   ! pr_kdef "p:ptregs_k/kp_int3 ksys_write+0x11 fd=%di:s32 buf=%si:x64 count=%dx:u64 r12=%r12:u64 r13=%r13:x64"; then
		[ -n "$opt" ] && echo "$opt" >$PR_OPTSYSCTL
		pr_kdel ptregs_k/kp_ftrace ptregs_k/kp_int3
		echo "detail: defining the kprobe events failed"; return 1
	fi
	pr_inst $inst
	echo 'comm == "probes"' >$PR_TR/instances/$inst/events/ptregs_k/filter
	echo 1 >$PR_TR/instances/$inst/events/ptregs_k/enable
	grep ksys_write $PR_KLIST
	l=$(pr_klist 'ksys_write\+0x0')
	case "$l" in *'[FTRACE]'*) echo "ok: ksys_write+0x0 is an ftrace kprobe" ;;
	*) echo "FAIL: ksys_write+0x0 is not [FTRACE]: $l"; rc=1 ;; esac
	l=$(pr_klist 'ksys_write\+0x11')
	case "$l" in
	'') echo "FAIL: ksys_write+0x11 not in $PR_KLIST"; rc=1 ;;
	*FTRACE*|*OPTIMIZED*|*DISABLED*) echo "FAIL: ksys_write+0x11 is not a plain int3 kprobe: $l"; rc=1 ;;
	*) echo "ok: ksys_write+0x11 is an int3 kprobe" ;;
	esac
	out=$(/bin/probes write $PR_FD $PR_COUNT) || rc=1
	echo "probes: $out"
	buf=$(pr_field "$out" buf)
	echo 0 >$PR_TR/instances/$inst/events/ptregs_k/enable
	grep -v '^#' $PR_TR/instances/$inst/trace
	line=$(grep -m1 ' kp_ftrace: ' $PR_TR/instances/$inst/trace)
	pr_check "ftrace kprobe fd" "$(pr_field "$line" fd)" $PR_FD || rc=1
	pr_check "ftrace kprobe buf" "$(pr_field "$line" buf)" "$buf" || rc=1
	pr_check "ftrace kprobe count" "$(pr_field "$line" count)" $PR_COUNT || rc=1
	pr_check "ftrace kprobe +u0(buf)" "$(pr_field "$line" text)" '"ptregs-kprobe"' || rc=1
	line=$(grep -m1 ' kp_int3: ' $PR_TR/instances/$inst/trace)
	pr_check "int3 kprobe fd" "$(pr_field "$line" fd)" $PR_FD || rc=1
	pr_check "int3 kprobe buf" "$(pr_field "$line" buf)" "$buf" || rc=1
	pr_check "int3 kprobe count" "$(pr_field "$line" count)" $PR_COUNT || rc=1
	pr_check "int3 kprobe r12" "$(pr_field "$line" r12)" $PR_COUNT || rc=1
	pr_check "int3 kprobe r13" "$(pr_field "$line" r13)" "$buf" || rc=1
	rmdir $PR_TR/instances/$inst
	pr_kdel ptregs_k/kp_ftrace ptregs_k/kp_int3
	[ -n "$opt" ] && echo "$opt" >$PR_OPTSYSCTL
	if [ $rc = 0 ]; then
		echo "detail: ksys_write+0 [FTRACE] and +0x11 (int3): fd buf count r12 r13 and *buf exact"
	else
		echo "detail: a fetched argument is wrong (see above)"
	fi
	return $rc
}

# t_kretprobe: $retval of ksys_write through the rethook trampoline: the
# byte count of a write and -EBADF of a write to a closed descriptor.
t_kretprobe() {
	local inst=ptregs-kretprobe rc=0 out line
	pr_need || return 77
	pr_kdel ptregs_k/krp_write
	# shellcheck disable=SC2016  # $retval is the kernel's
	pr_kdef 'r:ptregs_k/krp_write ksys_write rv=$retval:s64' || {
		echo "detail: defining the kretprobe event failed"; return 1; }
	pr_inst $inst
	echo 'comm == "probes"' >$PR_TR/instances/$inst/events/ptregs_k/filter
	echo 1 >$PR_TR/instances/$inst/events/ptregs_k/enable
	out=$(/bin/probes write $PR_FD $PR_COUNT) || rc=1
	echo "probes: $out"
	echo >$PR_TR/instances/$inst/trace
	out=$(/bin/probes badwrite $((PR_FD + 1))) || rc=1
	echo "probes: $out"
	line=$(grep -m1 ' krp_write: ' $PR_TR/instances/$inst/trace)
	echo "$line"
	pr_check "kretprobe \$retval of write(closed fd)" "$(pr_field "$line" rv)" -9 || rc=1
	echo >$PR_TR/instances/$inst/trace
	out=$(/bin/probes write $PR_FD $PR_COUNT) || rc=1
	echo "probes: $out"
	echo 0 >$PR_TR/instances/$inst/events/ptregs_k/enable
	line=$(grep -m1 ' krp_write: ' $PR_TR/instances/$inst/trace)
	echo "$line"
	case "$line" in *'<- ksys_write'*) ;; *) echo "FAIL: not a return event of ksys_write"; rc=1 ;; esac
	pr_check "kretprobe \$retval of write($PR_COUNT bytes)" "$(pr_field "$line" rv)" $PR_COUNT || rc=1
	rmdir $PR_TR/instances/$inst
	pr_kdel ptregs_k/krp_write
	if [ $rc = 0 ]; then
		echo "detail: ksys_write \$retval $PR_COUNT and -9 (EBADF) exact"
	else
		echo "detail: a fetched return value is wrong (see above)"
	fi
	return $rc
}

# t_optprobe: kprobes at ksys_write+0x5 and +0x1a, which the kprobe
# optimizer turns into jumps to a detour buffer (kprobes/list: [OPTIMIZED]);
# the detour's saved struct pt_regs must hold the live arguments (+0x5:
# di si dx) and callee-saved copies (+0x1a: r12 = count, r13 = buf).
t_optprobe() {
	local inst=ptregs-optprobe rc=0 out line buf i l5 l1a its
	pr_need || return 77
	[ -r $PR_OPTSYSCTL ] || { echo "detail: no $PR_OPTSYSCTL (CONFIG_OPTPROBES)"; return 77; }
	if [ "$(cat $PR_OPTSYSCTL)" != 1 ]; then
		echo "detail: debug.kprobes-optimization is $(cat $PR_OPTSYSCTL), expected the default 1"; return 1
	fi
	pr_kdel ptregs_k/kp_opt5 ptregs_k/kp_opt1a
	if ! pr_kdef "p:ptregs_k/kp_opt5 ksys_write+0x5 fd=%di:s32 buf=%si:x64 count=%dx:u64" ||
	   ! pr_kdef "p:ptregs_k/kp_opt1a ksys_write+0x1a r12=%r12:u64 r13=%r13:x64"; then
		pr_kdel ptregs_k/kp_opt5 ptregs_k/kp_opt1a
		echo "detail: defining the kprobe events failed"; return 1
	fi
	pr_inst $inst
	echo 'comm == "probes"' >$PR_TR/instances/$inst/events/ptregs_k/filter
	echo 1 >$PR_TR/instances/$inst/events/ptregs_k/enable
	# The optimizer is delayed work that waits for RCU-tasks grace
	# periods: seconds under TCG, more when the host is loaded.
	i=0
	while [ $i -lt 600 ]; do
		l5=$(pr_klist 'ksys_write\+0x5') l1a=$(pr_klist 'ksys_write\+0x1a')
		case "$l5 $l1a" in *OPTIMIZED*OPTIMIZED*) break ;; esac
		sleep 0.1; i=$((i + 1))
	done
	grep ksys_write $PR_KLIST
	echo "waited $((i / 10)).$((i % 10)) s for the optimizer"
	# ITS (Intel CPUs, 6.1.y backport) sends a return to its_return_thunk
	# when the RET's address has bit 5 clear, and 6.1's can_optimize()
	# treats a jump into __indirect_thunk_start..end, which holds that
	# thunk, as an indirect jump: no optprobe in such a function. Whether
	# ksys_write has one depends on where the build put it, so on an ITS
	# boot an unoptimized probe is a skip, not a failure, and the values
	# below are still checked (through int3).
	its=$(cat /sys/devices/system/cpu/vulnerabilities/indirect_target_selection 2>/dev/null)
	case "$l5 $l1a" in
	*OPTIMIZED*OPTIMIZED*) its='' ;;
	*)
		case "$its" in
		*"Aligned branch/return thunks"*)
			echo "note: not optimized, ITS: $its"
			its=1 ;;
		*)
			its=''
			echo "FAIL: not optimized: $l5 / $l1a"; rc=1 ;;
		esac ;;
	esac
	out=$(/bin/probes write $PR_FD $PR_COUNT) || rc=1
	echo "probes: $out"
	buf=$(pr_field "$out" buf)
	echo 0 >$PR_TR/instances/$inst/events/ptregs_k/enable
	grep -v '^#' $PR_TR/instances/$inst/trace
	line=$(grep -m1 ' kp_opt5: ' $PR_TR/instances/$inst/trace)
	pr_check "optprobe +0x5 fd" "$(pr_field "$line" fd)" $PR_FD || rc=1
	pr_check "optprobe +0x5 buf" "$(pr_field "$line" buf)" "$buf" || rc=1
	pr_check "optprobe +0x5 count" "$(pr_field "$line" count)" $PR_COUNT || rc=1
	line=$(grep -m1 ' kp_opt1a: ' $PR_TR/instances/$inst/trace)
	pr_check "optprobe +0x1a r12" "$(pr_field "$line" r12)" $PR_COUNT || rc=1
	pr_check "optprobe +0x1a r13" "$(pr_field "$line" r13)" "$buf" || rc=1
	rmdir $PR_TR/instances/$inst
	pr_kdel ptregs_k/kp_opt5 ptregs_k/kp_opt1a
	if [ $rc = 0 ] && [ -n "$its" ]; then
		echo "detail: not optimized under ITS aligned return thunks (as when ksys_write returns through its_return_thunk, DEVELOPERS.md); fd buf count, r12 r13 exact through int3"
		return 77
	elif [ $rc = 0 ]; then
		echo "detail: ksys_write+0x5 and +0x1a [OPTIMIZED]: fd buf count, r12 r13 exact"
	else
		echo "detail: optimization or a fetched value failed (see above)"
	fi
	return $rc
}

# t_uprobes: uprobe and uretprobe events on functions of /bin/probes (see
# guest/probes.c): rdi..r9, rsp and the return address at [rsp] at entry,
# $retval at return.
t_uprobes() {
	[ -w $PR_TR/uprobe_events ] || { echo "detail: no $PR_TR/uprobe_events"; return 77; }
	/bin/probes uprobes $PR_TR
}

# t_usdt: uprobe events at the USDT notes of /bin/probes fetching the
# operands the notes describe (registers, rip-relative and rsp-relative
# memory, immediates).
t_usdt() {
	[ -w $PR_TR/uprobe_events ] || { echo "detail: no $PR_TR/uprobe_events"; return 77; }
	/bin/probes usdt $PR_TR
}

# t_kprobebpf: BPF kprobe programs on ksys_write+0 (ftrace) and +0x11
# (int3), a kretprobe and the wrapper __x64_sys_write: CO-RE and
# compat.bpf.h exact everywhere, UAPI offsets exact on legacy and one
# register off (or wrong) on pkrs (see guest/kprobe.c).
t_kprobebpf() {
	[ -e /sys/kernel/btf/vmlinux ] || { echo "detail: no kernel BTF"; return 77; }
	/bin/kprobe /lib/ptregs/kprobe.bpf.o "${EXPECT:-any}" 0 0x11
}
