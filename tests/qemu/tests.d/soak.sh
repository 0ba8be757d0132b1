# A bounded soak on all vCPUs: signal, ptrace, interrupt/NMI register
# loops, a kprobe event and (patched kernel with PKS) the PKRS context
# test run concurrently until the deadline (ptregs.soak=SECONDS on the
# kernel command line, default 60). Every run of every worker checks its
# register values; one wrong value, lost signal or failed run fails the
# soak, as does a worker that never completed a run.
#
# shellcheck shell=dash disable=SC2154  # pks, EXPECT: set by /init

soak_worker() { # name, command...
	local name=$1 p=0 f=0
	shift
	while [ "$(date +%s)" -lt "$SOAK_END" ]; do
		if "$@" >/tmp/soak."$name".last 2>&1; then
			p=$((p + 1))
		else
			f=$((f + 1))
			{ echo "== run $((p + f)) failed:"; cat /tmp/soak."$name".last; } >>/tmp/soak."$name".fail
		fi
	done
	echo "$p $f" >/tmp/soak."$name".res
}

soak_dd() { dd if=/dev/zero of=/dev/null bs=777 count=3 status=none; }
# One pkscontext run. Under the soak's load a run can miss the coverage
# the facility also demands (an interrupt or NMI landing while the value
# is set, a preemption, a migration): such a run, a "context FAIL" whose
# every value is right, is recorded in /tmp/soak.pkrs.thin and not failed,
# but at least one run of the soak must pass in full. Anything else fails:
# a result that is not the facility's PASS or FAIL line, a handler,
# kworker or kthread that saw something other than the default, a saved
# slot or live PKRS that differs, a *_bad counter that is not 0, the wrong
# number of faults, a kprobe (int3) hit missing or whose entry frame did
# not save the set value, an entry or exit that did not start at the
# default, an absent key.
soak_pks() {
	echo context >/sys/kernel/debug/x86/pks_test || { echo "context command failed"; return 1; }
	soak_pks_judge "$(cat /sys/kernel/debug/x86/pks_test)"
}

# soak_pks_judge RESULT: the verdict on one context result (see soak_pks)
soak_pks_judge() {
	local r=$1 k v def rc=0
	case "$r" in
	"context PASS "*) return 0 ;;
	"context FAIL "*) ;;
	*) echo "not a context result: ${r:-nothing}"; return 1 ;;
	esac
	echo "$r"
	for k in busy_bad irq_msr_bad irq_saved_bad nmi_msr_bad nmi_saved_bad int3_msr_bad \
		 int3_saved_bad exc_bad sleep_bad; do
		pks_num "$r" $k eq 0 || rc=1
	done
	pks_str "$r" pks 1 || rc=1
	def=$(pks_val "$r" default)
	[ -n "$def" ] || { echo "default absent"; rc=1; }
	for k in entry user kworker kthread kthread_slot; do
		pks_str "$r" $k "$def" || rc=1
	done
	v=$(pks_val "$r" set)
	if [ -z "$v" ] || [ "$v" = "$def" ]; then echo "set=${v:-absent}: not a test value"; rc=1; fi
	pks_str "$r" now "$v" || rc=1
	pks_num "$r" faults eq 20 || rc=1
	pks_num "$r" int3 eq 10 || rc=1
	pks_num "$r" int3_saved_set eq 10 || rc=1
	if [ $rc != 0 ]; then echo "wrong value (above)"; return 1; fi
	echo "$r" >>/tmp/soak.pkrs.thin
	return 0
}

t_soak() {
	local secs=60 w ev=/sys/kernel/tracing rc=0 d='' p f n bad thin
	for a in $(cat /proc/cmdline); do # shellcheck disable=SC2013
		case $a in ptregs.soak=*) secs=${a#ptregs.soak=} ;; esac
	done
	SOAK_END=$(($(date +%s) + secs))
	rm -f /tmp/soak.*
	# vfs_write's third argument is the count: dd writes 777 bytes.
	echo 'p:soakw vfs_write count=%dx:u64' >>$ev/kprobe_events || { echo "detail: kprobe event failed"; return 1; }
	echo 'comm == "dd"' >$ev/events/kprobes/soakw/filter
	echo 1 >$ev/events/kprobes/soakw/enable
	echo "soak: ${secs}s on $(grep -c ^processor /proc/cpuinfo) CPUs, $(date +%s) to $SOAK_END"
	set -- sig64 sig32 spin64 ptrace64 ptrace32 kprobe
	soak_worker sig64 /bin/sigregs &
	soak_worker sig32 /bin/sigregs32 &
	soak_worker spin64 /bin/sigregs --no-signals 1 &
	soak_worker ptrace64 /bin/ptrace-regs 64 &
	soak_worker ptrace32 /bin/ptrace-regs 32 /bin/ptrace-child32 &
	soak_worker kprobe soak_dd &
	if [ -e /sys/kernel/debug/x86/pks_test ] && [ "$pks" = 1 ]; then
		soak_worker pkrs soak_pks &
		set -- "$@" pkrs
	elif [ "$EXPECT" = pkrs ] && [ "$pks" = 1 ]; then
		echo "soak: no PKS test facility on the patched kernel"; rc=1
	fi
	wait
	echo 0 >$ev/events/kprobes/soakw/enable
	n=$(grep -c 'soakw:' $ev/trace)
	bad=$(grep 'soakw:' $ev/trace | grep -v -c 'count=777$')
	echo '-:soakw' >>$ev/kprobe_events
	for w in "$@"; do
		read -r p f <"/tmp/soak.$w.res" 2>/dev/null || { p=0 f=1; }
		[ -f /tmp/soak."$w".fail ] && head -n 40 /tmp/soak."$w".fail
		echo "soak: $w: $p passed, $f failed"
		thin=0
		[ -f /tmp/soak."$w".thin ] && thin=$(grep -c . /tmp/soak."$w".thin)
		if [ "$thin" -gt 0 ]; then
			echo "soak: $w: $thin of the passed runs lacked some coverage under load (no wrong value):"
			head -n 3 /tmp/soak."$w".thin
			d="$d $w $p/$((p + f)) ($thin thin)"
		else
			d="$d $w $p/$((p + f))"
		fi
		{ [ "$f" = 0 ] && [ "$p" -gt "$thin" ]; } ||
			{ echo "soak: $w: $((p - thin)) runs passed in full, $f failed"; rc=1; }
	done
	echo "soak: kprobe vfs_write hits $n, wrong count $bad"
	{ [ "$n" -gt 0 ] && [ "$bad" = 0 ]; } || rc=1
	echo "detail: ${secs}s:$d; kprobe hits $n (wrong $bad)"
	return $rc
}
