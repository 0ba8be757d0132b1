# Restartable sequences: the return to user mode moves regs->ip of a
# preempted, migrated, IPI'd or signalled critical section to its abort
# handler. /bin/rseqregs (guest/rseqregs.c) runs a section with known
# values in every register on two threads for 2 s while per-thread timer
# signals, membarrier(PRIVATE_EXPEDITED_RSEQ) IPIs, affinity changes and
# the timer interrupt hit it; aborts and commits must leave the section's
# registers, the per-CPU counters must add up to the commits, and signal
# frames must hold the abort handler's address. Needs 2 CPUs for the IPIs
# and migrations (one CPU: signals and preemption only, said as a skipped
# sub-case).
#
# shellcheck shell=dash

t_rseq() {
	local rc=0 before after ncpu
	ncpu=$(grep -c ^processor /proc/cpuinfo)
	before=$(cal_cpu0)
	/bin/rseqregs 2 >/tmp/rseq.out 2>&1 || rc=1
	after=$(cal_cpu0)
	grep -v '^detail: ' /tmp/rseq.out
	echo "rseq: CPU 0 function-call and TLB-shootdown interrupts $before -> $after"
	if [ "$ncpu" -lt 2 ]; then
		echo "SKIP: ipi: one CPU, no membarrier IPIs or migrations"
	elif [ "$after" -le "$before" ]; then
		echo "rseq: no IPI reached CPU 0"; rc=1
	fi
	echo "detail: $(sed -n 's/^detail: //p' /tmp/rseq.out | tail -n1); $((after - before)) IPIs on CPU 0"
	return $rc
}
