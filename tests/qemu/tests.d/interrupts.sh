# Interrupts from another CPU: a user loop on CPU 0 keeps known values in
# every register while a thread on CPU 1 unmaps pages of the same process
# (each a TLB-shootdown IPI to CPU 0) and the timer interrupts it; the
# registers must come out exact, in 64-bit, 32-bit and x32 code. Needs 2
# CPUs (SKIP otherwise).
#
# shellcheck shell=dash

# IPIs taken by CPU 0 so far: function-call interrupts and TLB shootdowns.
cal_cpu0() { awk '$1 == "CAL:" || $1 == "TLB:" { n += $2 } END { print n + 0 }' /proc/interrupts; }

t_ipi() {
	local rc=0 d='' abi bin before after r
	if [ "$(grep -c ^processor /proc/cpuinfo)" -lt 2 ]; then
		echo "detail: one CPU (run.sh --smp 2)"; return 77
	fi
	for abi in 64 32 x32; do
		bin=/bin/sigregs${abi#64}
		[ -x "$bin" ] || { echo "SKIP: $abi: $bin not built"; d="$d $abi: not built;"; continue; }
		before=$(cal_cpu0)
		$bin --ipi 2 >/tmp/ipi$abi.out 2>&1
		r=$?
		after=$(cal_cpu0)
		grep -v '^detail: ' /tmp/ipi$abi.out
		echo "$abi: CPU 0 function-call and TLB-shootdown interrupts $before -> $after"
		[ $r = 0 ] || rc=1
		[ "$after" -gt $((before + 10)) ] || { echo "$abi: fewer than 10 IPIs reached CPU 0"; rc=1; }
		d="$d $abi: $(sed -n 's/^detail: \([a-z]*\).*/\1/p' /tmp/ipi$abi.out) over $((after - before)) IPIs;"
	done
	echo "detail:$d"
	return $rc
}
