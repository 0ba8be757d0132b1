# The guest part of make bench's kernel part (scripts/bench-kernel.sh),
# not a test of make test: what a system call (getppid, SYSCALL and
# SYSRET) and a context switch (a pipe round trip between two processes
# on CPU 0) cost on the kernel booted. Prints the sysbench lines, and the
# same as its detail; fails only when the program does.
#
# shellcheck shell=dash

t_sysbench() {
	local g s
	g=$(/bin/sysbench getppid "${SYSBENCH_CALLS:-200000}" 5) || { echo "detail: $g"; return 1; }
	s=$(/bin/sysbench switch "${SYSBENCH_TRIPS:-20000}" 5) || { echo "detail: $s"; return 1; }
	echo "sysbench: $g"
	echo "sysbench: $s"
	echo "detail: $g; $s"
}
