# PKRS semantics (DESIGN.md D5) through the kernel's PKS test facility
# (CONFIG_PKS_TEST, patch "x86/pks: Add a test facility"):
# /sys/kernel/debug/x86/pks_test runs a command inside the write() system
# call; reading it returns "COMMAND PASS|FAIL|SKIP key=value...".
#
# shellcheck shell=sh disable=SC2154  # pks, NMI, EXPECT: set by /init

PKS_TEST=/sys/kernel/debug/x86/pks_test

# The facility, or why not: SKIP on the unpatched kernel, FAIL on a
# patched one that lacks it.
pks_facility() {
	[ -e $PKS_TEST ] && return 0
	if [ "$EXPECT" = pkrs ]; then
		echo "detail: $PKS_TEST missing on the patched kernel (CONFIG_PKS_TEST)"
		return 1
	fi
	echo "detail: no PKS test facility (unpatched kernel)"
	return 77
}

# Run one facility command; prints its result line.
pks_cmd() {
	echo "$1" >$PKS_TEST || return 1
	cat $PKS_TEST
}

# "key=value" of a result line
pks_val() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# pks_num LINE KEY OP N: KEY of LINE is a decimal number and compares so
# with N (OP: eq, ge); else prints what is wrong and returns 1. An absent
# or garbled key is wrong, never a pass.
pks_num() {
	local v
	v=$(pks_val "$1" "$2")
	v=${v%%(*}
	case "$v" in
	''|*[!0-9]*) echo "$2=${v:-absent}: not a number"; return 1 ;;
	esac
	case $3 in
	eq) [ "$v" -eq "$4" ] && return 0 ;;
	ge) [ "$v" -ge "$4" ] && return 0 ;;
	esac
	echo "$2=$v, expected $3 $4"
	return 1
}

# pks_str LINE KEY WANT: KEY of LINE is exactly WANT
pks_str() {
	local v
	v=$(pks_val "$1" "$2")
	[ "$v" = "$3" ] && return 0
	echo "$2=${v:-absent}, expected $3"
	return 1
}

# pks_context_check CONTEXT ENTRY WANT_PKS NMI NCPUS DEFAULT: every value
# and counter of the facility's "context" and "entry" results, besides
# their own PASS: the default and set values, every *_bad counter 0, the
# coverage the test relies on (timer interrupts, NMIs when injected,
# int3s, faults, a preemption, CPU changes with more than one CPU) and the
# entry frames that saved the set value (none without PKS). Prints each
# problem; returns 1 if there was one.
pks_context_check() {
	local r=$1 e=$2 want=$3 nmi=$4 ncpus=$5 def=$6 rc=0 k set
	case "$r" in "context PASS "*) ;; *) echo "context: not PASS"; rc=1 ;; esac
	case "$e" in "entry PASS "*) ;; *) echo "entry: not PASS"; rc=1 ;; esac
	pks_str "$r" pks "$want" || rc=1
	[ "$want" = 1 ] || def=0x0
	pks_str "$r" default "$def" || rc=1
	for k in entry user kworker kthread kthread_slot; do
		pks_str "$r" $k "$def" || rc=1
	done
	pks_str "$e" entry "$def" || rc=1
	pks_str "$e" user "$def" || rc=1
	set=$(pks_val "$r" set)
	pks_str "$r" now "${set:-a set value}" || rc=1
	if [ "$want" = 1 ] && [ "$set" = "$def" ]; then
		echo "set=$set is the default: nothing was tested"; rc=1
	fi
	for k in busy_bad irq_msr_bad irq_saved_bad nmi_msr_bad nmi_saved_bad \
		 int3_msr_bad int3_saved_bad exc_bad sleep_bad; do
		pks_num "$r" $k eq 0 || rc=1
	done
	pks_num "$r" irqs ge 1 || rc=1
	pks_num "$r" int3 eq 10 || rc=1
	pks_num "$r" preempted ge 1 || rc=1
	pks_num "$r" sleeps ge 1 || rc=1
	[ "$ncpus" -gt 1 ] && { pks_num "$r" cpu_changes ge 1 || rc=1; }
	[ "$nmi" = 1 ] && { pks_num "$r" nmis ge 1 || rc=1; }
	if [ "$want" = 1 ]; then
		pks_num "$r" faults eq 20 || rc=1
		pks_num "$r" irq_saved_set ge 1 || rc=1
		pks_num "$r" int3_saved_set eq 10 || rc=1
		if [ "$nmi" = 1 ] && ! pks_num "$r" nmi_saved_set ge 1; then
			echo "no NMI hit the test context although NMIs were injected"; rc=1
		fi
	else
		pks_num "$r" faults eq 10 || rc=1
		for k in irq_saved_set nmi_saved_set int3_saved_set; do
			pks_num "$r" $k eq 0 || rc=1
		done
	fi
	return $rc
}

# A PKRS value set inside a system call survives timer interrupts, NMIs,
# int3 and page-fault exceptions, preemption, sleeps and migrations; the
# handlers, a kworker and a new kernel thread run with the default; the
# handlers' entry frames saved the test value; the next system call starts
# with the default again (the exit dropped the value), from a 64-bit shell
# and from an IA32 process (SYSRETL). Without PKS every saved slot is 0.
t_pkscontext() {
	local r e rc=0 want_pks=0
	pks_facility || return
	[ "$pks" = 1 ] && want_pks=1
	# QEMU's inject-nmi (run.sh --nmi) reaches CPU 0 only (see the NMI
	# line of /proc/interrupts): the test context starts there. The
	# facility moves it between CPUs later, in its sleeping phase.
	taskset -p 1 $$ >/dev/null 2>&1
	grep -E '^ *(NMI|LOC):' /proc/interrupts
	r=$(pks_cmd context) || { echo "detail: context command failed"; return 1; }
	grep -E '^ *(NMI|LOC):' /proc/interrupts
	e=$(pks_cmd entry) || { echo "detail: entry command failed"; return 1; }
	echo "$r"
	echo "$e"
	pks_context_check "$r" "$e" $want_pks "$NMI" "$(grep -c ^processor /proc/cpuinfo)" \
		"$(printf '%#x' "${PKRS_DEFAULT:-0x55555554}")" || rc=1
	# The same from an IA32 process, whose system calls return through
	# SYSRETL on the fast path (entered by SYSENTER on Intel): the value
	# the context command leaves loaded must be gone when the next
	# system call of the same process enters.
	local r32 e32 d32=''
	if r32=$(/bin/pkscmd32 context entry 2>&1); then
		echo "$r32"
		e32=$(echo "$r32" | grep '^entry ')
		case "$e32" in
		"entry PASS "*) d32="; IA32 next entry $(pks_val "$e32" entry)" ;;
		*) echo "FAIL: IA32: the next system call entered with $(pks_val "$e32" entry), not the default"; rc=1 ;;
		esac
	else
		echo "FAIL: /bin/pkscmd32: $r32"; rc=1
	fi
	echo "detail: $(echo "$r" | cut -d' ' -f3-4) irqs=$(pks_val "$r" irqs)/$(pks_val "$r" irq_saved_set) nmis=$(pks_val "$r" nmis)/$(pks_val "$r" nmi_saved_set) int3=$(pks_val "$r" int3) faults=$(pks_val "$r" faults) preempted=$(pks_val "$r" preempted) kthread=$(pks_val "$r" kthread) cpu_changes=$(pks_val "$r" cpu_changes); next entry $(pks_val "$e" entry) (saved $(pks_val "$e" user))$d32"
	return $rc
}

# A page protected with supervisor key 1: reads and writes fault under the
# default PKRS, both succeed once PKRS allows key 1, only reads with key 1
# write-disabled. No PKS: SKIP.
t_pksfault() {
	local r
	pks_facility || return
	r=$(pks_cmd fault) || { echo "detail: fault command failed"; return 1; }
	echo "$r"
	case "$r" in
	"fault PASS "*) echo "detail: default $(pks_val "$r" default): write $(pks_val "$r" deny_write) read $(pks_val "$r" deny_read); allow $(pks_val "$r" allow): write $(pks_val "$r" allow_write) read $(pks_val "$r" allow_got); write-disable $(pks_val "$r" wd): write $(pks_val "$r" wd_write) read $(pks_val "$r" wd_got)" ;;
	"fault SKIP "*) echo "detail: CPU without PKS"; return 77 ;;
	*) echo "detail: $r"; return 1 ;;
	esac
}

# The facility's deliberate fault: a write to the key-1 page with key 1
# write-disabled and no fixup oopses; the oops names a protection-key
# violation and prints the faulting context's PKRS (patch "x86/process:
# Print PKRS in register dumps"). Needs a boot with run.sh --allow-oops. The writer dies; the system goes on and
# the next system call starts with the default PKRS.
t_pksoops() {
	local rc=0 out pkrs e
	pks_facility || return
	if ! grep -q 'ptregs.allow_oops=1' /proc/cmdline; then
		echo "detail: needs a boot with run.sh --allow-oops"; return 77
	fi
	[ "$pks" = 1 ] || { echo "detail: CPU without PKS"; return 77; }
	echo "PTREGS-EXPECT-OOPS-BEGIN" >/dev/kmsg
	sh -c "echo oops >$PKS_TEST" 2>/dev/null
	rc=$?
	sleep 1
	echo "PTREGS-EXPECT-OOPS-END" >/dev/kmsg
	out=$(dmesg | sed -n '/PTREGS-EXPECT-OOPS-BEGIN/,/PTREGS-EXPECT-OOPS-END/p')
	# shown with BUG/Oops lowercased: this output reaches the console
	# after the END marker
	echo "$out" | grep -E 'BUG:|#PF:|Oops|PKRS|RIP:' | sed -e 's/BUG:/bug:/' -e 's/Oops/oops/'
	pkrs=$(echo "$out" | sed -n 's/.*PKRS: \([0-9a-f]*\).*/\1/p' | head -n1)
	e=$(pks_cmd entry)
	echo "$e"
	local fail=0
	[ $rc -ne 0 ] || { echo "the writer was not killed"; fail=1; }
	echo "$out" | grep -q 'protection keys violation' || { echo "no 'protection keys violation' in the oops"; fail=1; }
	[ "$pkrs" = 55555558 ] || { echo "oops PKRS '$pkrs', expected 55555558"; fail=1; }
	case "$e" in "entry PASS "*) ;; *) fail=1 ;; esac
	echo "detail: writer exit $rc; oops: protection keys violation, PKRS: ${pkrs:-none}; next entry $(pks_val "$e" entry)"
	return $fail
}

# Probe handlers see one PKRS semantics however the probe was installed
# (patch "x86/kprobes: Run every probe handler with the default PKRS"):
# the same probed call with the test value loaded, through an int3 kprobe,
# an optimized kprobe, a kprobe on ftrace and a kretprobe's return. Each
# handler must run with the default, find the test value in regs->pkrs,
# and the value it writes there must be live after the call. Without PKS
# every value is 0. The optimizer may decline the probe only where ITS
# sends returns through its thunk (as in t_optprobe).
t_pksprobes() {
	local r k rc=0 its d=''
	pks_facility || return
	r=$(pks_cmd probes) || { echo "detail: probes command failed"; return 1; }
	echo "$r"
	case "$r" in
	"probes PASS "*|"probes FAIL "*) ;;
	*) echo "detail: $r"; return 1 ;;
	esac
	its=$(cat /sys/devices/system/cpu/vulnerabilities/indirect_target_selection 2>/dev/null)
	for k in int3 opt ftrace kretprobe; do
		case "$(pks_val "$r" $k)" in
		ok) d="$d $k: saw $(pks_val "$r" ${k}_saved) with $(pks_val "$r" ${k}_msr) live, left $(pks_val "$r" ${k}_after);" ;;
		skip*)
			case "$k:$its" in
			opt:*"Aligned branch/return thunks"*) d="$d opt: not optimized (ITS: $its);" ;;
			*) echo "FAIL: $k: $(pks_val "$r" $k)"; rc=1 ;;
			esac ;;
		*) echo "FAIL: $k: $(pks_val "$r" $k)"; rc=1 ;;
		esac
	done
	case "$r" in "probes FAIL "*) rc=1 ;; esac
	echo "detail:$d"
	return $rc
}

# Suspend to RAM and resume (S3; the CMOS RTC's alarm wakes the guest). On
# the patched kernel through the PKS test facility, with a test PKRS value
# loaded in the suspending context: after the resume that value must be
# live again (the boot CPU comes out of S3 with PKRS 0, every key allowed,
# unless restore_processor_state() loads it); without PKS every value is
# 0. On the unpatched kernel, which has no facility, through
# /sys/power/state: the guest must come back. Runs in the oops boot,
# without the host share and without NMIs (see below), before pksoops.
t_pkssuspend() {
	local r w=/sys/class/rtc/rtc0/wakealarm t0 t1
	if ! grep -qw mem /sys/power/state 2>/dev/null; then
		echo "detail: no suspend to RAM (/sys/power/state: $(cat /sys/power/state 2>/dev/null))"
		return 1
	fi
	[ -w $w ] || { echo "detail: no RTC wake alarm ($w)"; return 1; }
	# virtio-9p has no freeze/restore callbacks: after the resume its
	# requests never complete, and the next access to the share (init's
	# sync and umount at the latest) hangs the guest
	# An NMI that lands while the resuming CPU runs the wakeup trampoline
	# without an IDT triple-faults it (either kernel): run.sh --nmi is out
	if grep -q 'ptregs.nmi=1' /proc/cmdline; then
		echo "detail: NMIs are injected into this boot: boot without run.sh --nmi (one during the resume resets the guest)"
		return 1
	fi
	if grep -q ' /host 9p ' /proc/mounts; then
		echo "detail: the host share is mounted: boot without run.sh --host-share (9p does not come back from S3)"
		return 1
	fi
	echo 0 >$w
	echo +3 >$w || { echo "detail: arming the RTC wake alarm failed"; return 1; }
	t0=$(cut -d. -f1 /proc/uptime)
	if [ -e $PKS_TEST ]; then
		r=$(pks_cmd suspend) || { echo "detail: suspend command failed"; return 1; }
		echo "$r"
		t1=$(cut -d. -f1 /proc/uptime)
		dmesg | grep -E 'PM: suspend (entry|exit)|ACPI: PM: (Preparing|Waking up)' | tail -n 4
		case "$r" in
		"suspend PASS "*)
			echo "detail: resumed after S3 with PKRS $(pks_val "$r" after), the value the suspending context had loaded ($(pks_val "$r" set)) (${t0}s..${t1}s uptime)"
			return 0 ;;
		*) echo "detail: $r"; return 1 ;;
		esac
	fi
	echo mem >/sys/power/state || { echo "detail: echo mem >/sys/power/state failed"; return 1; }
	t1=$(cut -d. -f1 /proc/uptime)
	dmesg | grep -E 'PM: suspend (entry|exit)|ACPI: PM: (Preparing|Waking up)' | tail -n 4
	if dmesg | grep -q 'PM: suspend exit'; then
		echo "detail: resumed after S3 (no PKS test facility: unpatched kernel) (${t0}s..${t1}s uptime)"
		return 0
	fi
	echo "detail: no \"PM: suspend exit\" in the kernel log"
	return 1
}
