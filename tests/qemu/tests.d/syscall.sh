# System call entry and exit paths: the register values user space gets
# back (guest/sysentry.c, guest/sysentry32.c). Sourced by tests.sh.

# Run a guest program; its output is the test's, its last "detail:" line
# the verdict detail. Exception-trace is off meanwhile: some checks make
# the kernel deliver SIGSEGV/SIGILL on purpose (handled by the program).
sysentry_run() {
	sysentry_trace=$(cat /proc/sys/debug/exception-trace 2>/dev/null)
	echo 0 >/proc/sys/debug/exception-trace 2>/dev/null
	"$@"
	sysentry_rc=$?
	[ -n "$sysentry_trace" ] &&
		echo "$sysentry_trace" >/proc/sys/debug/exception-trace
	return $sysentry_rc
}

# 64-bit SYSCALL fast path (all but rax/rcx/r11 kept, rcx = return address,
# r11 = rflags), int $0x80 from 64-bit code (every register but rax kept,
# r8-r15 included), x32 numbers, and the IRET paths a tracer or TF forces:
# SETREGS/POKEUSER rip making rcx != rip, r11 != rflags, a non-canonical
# and a kernel-half rip (SIGSEGV with the bad rip, no oops), popf TF and
# PTRACE_SINGLESTEP over SYSCALL.
t_syscall() { sysentry_run /bin/sysentry syscall; }

# Restart: read(2) interrupted with and without SA_RESTART (rip back by 2,
# rax = orig_rax, arguments kept; or -EINTR), nanosleep restarted through
# restart_syscall, and a tracer rewriting orig_rax (another call; -1 skips).
t_sysrestart() { sysentry_run /bin/sysentry restart; }

# IA32 entries of a 32-bit program: int $0x80, the vDSO's __kernel_vsyscall
# and forced SYSENTER and SYSCALL (SKIP for the one the CPU model refuses).
t_syscall32() { sysentry_run /bin/sysentry32; }

# fork and clone(CLONE_VM, new stack) children's first registers; execve
# of a 64-bit and a 32-bit static program seen at the exec stop (rip =
# AT_ENTRY, [rsp] = argc, GPRs 0, cs/ss/ds/es) and the execve exit stop.
t_fork() { sysentry_run /bin/sysentry fork /bin/sysentry32; }
