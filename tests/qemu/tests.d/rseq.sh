# Restartable sequences: the return to user mode moves regs->ip of a
# preempted, migrated, IPI'd or signalled critical section to its abort
# handler. /bin/rseqregs and /bin/rseqregs32 (guest/rseqregs.c; 64-bit and
# IA32) each run a section with known values in every register on two
# threads for 1.5 s while per-thread timer signals,
# membarrier(PRIVATE_EXPEDITED_RSEQ) IPIs, affinity changes and the timer
# interrupt hit it; aborts and commits must leave the section's registers,
# the per-CPU counters must add up to the commits, and signal frames must
# hold the abort handler's address. Needs 2 CPUs for the IPIs and
# migrations (one CPU: signals and preemption only, said as a skipped
# sub-case).
#
# shellcheck shell=dash

t_rseq() {
	local rc=0 d='' abi bin before after r ncpu
	ncpu=$(grep -c ^processor /proc/cpuinfo)
	for abi in 64 32; do
		bin=/bin/rseqregs${abi#64}
		before=$(cal_cpu0)
		$bin 1.5 >/tmp/rseq$abi.out 2>&1
		r=$?
		after=$(cal_cpu0)
		grep -v '^detail: ' /tmp/rseq$abi.out
		echo "$abi: CPU 0 function-call and TLB-shootdown interrupts $before -> $after"
		[ $r = 0 ] || rc=1
		if [ "$ncpu" -ge 2 ] && [ "$after" -le "$before" ]; then
			echo "$abi: no IPI reached CPU 0"; rc=1
		fi
		d="$d $abi: $(sed -n 's/^detail: //p' /tmp/rseq$abi.out | tail -n1), $((after - before)) IPIs on CPU 0;"
	done
	[ "$ncpu" -ge 2 ] || echo "SKIP: ipi: one CPU, no membarrier IPIs or migrations"
	echo "detail:$d"
	return $rc
}
