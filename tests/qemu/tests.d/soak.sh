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
# is set, a preemption, a migration, all ten kprobe hits): such a run is
# recorded in /tmp/soak.pkrs.thin and not failed. A wrong value fails: a
# handler, kworker or kthread that saw something other than the default,
# a saved slot or live PKRS that differs, the wrong number of faults, an
# entry or exit that did not start at the default.
soak_pks() {
	local r k v def
	echo context >/sys/kernel/debug/x86/pks_test || { echo "context command failed"; return 1; }
	r=$(cat /sys/kernel/debug/x86/pks_test)
	case "$r" in "context PASS "*) return 0 ;; esac
	echo "$r"
	for k in busy_bad irq_msr_bad irq_saved_bad nmi_msr_bad nmi_saved_bad int3_msr_bad \
		 int3_saved_bad exc_bad sleep_bad; do
		v=$(pks_val "$r" $k)
		[ "${v%%(*}" = 0 ] || { echo "wrong value: $k=$v"; return 1; }
	done
	def=$(pks_val "$r" default)
	for k in entry user kworker kthread kthread_slot; do
		[ "$(pks_val "$r" $k)" = "$def" ] || { echo "wrong value: $k=$(pks_val "$r" $k), default $def"; return 1; }
	done
	[ "$(pks_val "$r" now)" = "$(pks_val "$r" set)" ] || { echo "wrong value: now != set"; return 1; }
	v=10; [ "$(pks_val "$r" pks)" = 1 ] && v=20
	[ "$(pks_val "$r" faults)" = $v ] || { echo "wrong value: faults=$(pks_val "$r" faults), expected $v"; return 1; }
	echo "$r" >>/tmp/soak.pkrs.thin
	return 0
}

t_soak() {
	local secs=60 w ev=/sys/kernel/tracing rc=0 d='' p f n bad
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
		[ -f /tmp/soak."$w".thin ] &&
			echo "soak: $w: $(grep -c . /tmp/soak."$w".thin) of the passed runs lacked some coverage under load (no wrong value):" &&
			head -n 3 /tmp/soak."$w".thin
		d="$d $w $p/$((p + f))"
		{ [ "$f" = 0 ] && [ "$p" -gt 0 ]; } || rc=1
	done
	echo "soak: kprobe vfs_write hits $n, wrong count $bad"
	{ [ "$n" -gt 0 ] && [ "$bad" = 0 ]; } || rc=1
	echo "detail: ${secs}s:$d; kprobe hits $n (wrong $bad)"
	return $rc
}
