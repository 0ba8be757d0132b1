# Exceptions, signal frames and ptrace register writes, checked by value
# (guest/exceptions.c, guest/sigstack.c, guest/ptrace-write.c).
#
# shellcheck shell=sh
#
# The faulting tests switch /proc/sys/debug/exception-trace off while they
# run: the kernel would log a "segfault at" or "traps:" line for each
# handled fault, and run.sh fails a boot whose log has one.

# Run a program with the exception trace off; its exit status is kept.
exc_quiet() {
	exc_trace=$(cat /proc/sys/debug/exception-trace 2>/dev/null)
	echo 0 >/proc/sys/debug/exception-trace 2>/dev/null
	"$@"
	exc_rc=$?
	[ -n "$exc_trace" ] && echo "$exc_trace" >/proc/sys/debug/exception-trace
	return $exc_rc
}

# int3, ud2, divide error, #GP (hlt, non-canonical address), page faults
# (unmapped read/write, read-only write, no-exec fetch), a PKU key fault
# and a TF single-step: signal, si_code, si_addr, trapno, err, cr2, every
# GPR, rsp, rip, rflags in the frame; every register the handler wrote
# after sigreturn.
t_exceptions() { exc_quiet /bin/exceptions exc; }

# The same in an IA32 process (compat entry, ia32 signal frames; no
# non-canonical address test there).
t_exceptions32() { exc_quiet /bin/exceptions32 exc; }

# The legacy vsyscall page: emulated gettimeofday/time keep rbx, rbp,
# r12-r15 and rsp; reading the page faults. Without the page
# (CONFIG_X86_VSYSCALL_EMULATION off, vsyscall=none) the call and the read
# must fault with exact frames, and the test reports SKIP.
t_vsyscall() { exc_quiet /bin/exceptions vsyscall; }

# UMIP emulation of sgdt, sidt, smsw, str, sldt in a 64-bit and in an
# IA32 process; SKIP when the CPU has no UMIP or the kernel does not
# enable it.
t_umip() {
	exc_quiet /bin/exceptions umip >/tmp/umip64.out 2>&1
	umip_rc64=$?
	exc_quiet /bin/exceptions32 umip >/tmp/umip32.out 2>&1
	umip_rc32=$?
	grep -v '^detail: ' /tmp/umip64.out | sed 's/^/64: /'
	grep -v '^detail: ' /tmp/umip32.out | sed 's/^/32: /'
	echo "detail: 64: $(sed -n 's/^detail: //p' /tmp/umip64.out); 32: $(sed -n 's/^detail: //p' /tmp/umip32.out)"
	case "$umip_rc64 $umip_rc32" in
	"0 0"|"0 77"|"77 0") return 0 ;;
	"77 77") return 77 ;;
	*) return 1 ;;
	esac
}

# Nested signals (SIGUSR2 sent from the SIGUSR1 handler, other masks):
# both frames exact, masks, sigreturn restores the edited registers.
t_signest() { /bin/sigstack nest; }

# The same on a sigaltstack, the inner signal nested on the alternate stack.
t_sigaltstack() { /bin/sigstack altstack; }

# PTRACE_SETREGS, POKEUSER of every user area field, SETREGSET(NT_PRSTATUS)
# of an IA32 tracee: every written value is what the tracee sees.
t_ptracewrite() { /bin/ptrace-write 64 /bin/ptrace-write32; }
