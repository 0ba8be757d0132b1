// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace-regs: the register view ptrace gives of a stopped tracee must be the
 * exact user register state, whatever the kernel's struct pt_regs looks like.
 *
 *   ptrace-regs 64   a 64-bit child loads a distinct value into every GPR and
 *                    stops (1) on int3 (exception entry) and (2) in kill()
 *                    made with the SYSCALL instruction (64-bit syscall entry);
 *   ptrace-regs 32   the same for the 32-bit child ptrace-child32 (IA32
 *                    compat): int3, int $0x80 and the vDSO's fast system call
 *                    (SYSENTER or SYSCALL, whichever the CPU's vDSO uses).
 *
 * For every stop the tracer reads the registers with PTRACE_GETREGS, with
 * PTRACE_PEEKUSER at offsetof(struct user_regs_struct, reg) for each
 * register, and with PTRACE_GETREGSET(NT_PRSTATUS), and checks every value.
 * It then writes one register with PTRACE_POKEUSER and the child, resumed,
 * checks that it sees the new value (its exit status says so).
 *
 * Output: one line per check; the last line starts with "detail:".
 * Exit status 0 when everything matched, 1 otherwise.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace-values.h"
#include "regtables.h"

static int failures;
static char detail[512];

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("FAIL: " __VA_ARGS__);                       \
			printf("\n");                                       \
			failures++;                                         \
		}                                                           \
	} while (0)

/* struct user_regs_struct fields: ureg_table in regtables.h */

static unsigned long field(const struct user_regs_struct *r, size_t off)
{
	unsigned long v;

	memcpy(&v, (const char *)r + off, sizeof(v));
	return v;
}

/* An expectation: register name and value (mask 0 = not checked). */
struct expect {
	const char *name;
	unsigned long value;
};

static size_t reg_off(const char *name)
{
	for (size_t i = 0; i < NUREG; i++)
		if (!strcmp(ureg_table[i].name, name))
			return ureg_table[i].off;
	fprintf(stderr, "unknown register %s\n", name);
	exit(2);
}

/*
 * Read the registers three ways and check that they agree with each other
 * and with the expectations. Returns the GETREGS view in *out.
 */
static void read_and_check(const char *what, pid_t pid, int compat,
			   const struct expect *exp, size_t nexp,
			   struct user_regs_struct *out)
{
	struct user_regs_struct r;
	int before = failures;

	memset(&r, 0, sizeof(r));
	CHECK(ptrace(PTRACE_GETREGS, pid, 0, &r) == 0, "%s: PTRACE_GETREGS: %m",
	      what);

	/* PEEKUSER at the UAPI offsets must give the same values. */
	for (size_t i = 0; i < NUREG; i++) {
		unsigned long v;

		errno = 0;
		v = ptrace(PTRACE_PEEKUSER, pid, ureg_table[i].off, 0);
		CHECK(errno == 0, "%s: PEEKUSER %s: %m", what,
		      ureg_table[i].name);
		CHECK(v == field(&r, ureg_table[i].off),
		      "%s: PEEKUSER %s (offset %zu) = %#lx, GETREGS says %#lx",
		      what, ureg_table[i].name, ureg_table[i].off, v,
		      field(&r, ureg_table[i].off));
	}

	for (size_t i = 0; i < nexp; i++) {
		unsigned long v = field(&r, reg_off(exp[i].name));

		CHECK(v == exp[i].value, "%s: %s = %#lx, expected %#lx", what,
		      exp[i].name, v, exp[i].value);
	}

	/* Plausibility of what is not exactly known. */
	if (compat) {
		CHECK(r.cs == 0x23, "%s: cs = %#llx, expected 0x23", what,
		      r.cs);
	} else {
		CHECK(r.cs == 0x33, "%s: cs = %#llx, expected 0x33", what,
		      r.cs);
	}
	CHECK(r.ss == 0x2b, "%s: ss = %#llx, expected 0x2b", what, r.ss);
	CHECK((r.eflags & 0x202) == 0x202,
	      "%s: eflags = %#llx lacks IF or the reserved bit 1", what,
	      r.eflags);
	CHECK(!(r.eflags & 0x20000), "%s: eflags = %#llx has VM set", what,
	      r.eflags);

	/* GETREGSET(NT_PRSTATUS): the native or the ia32 view. */
	if (!compat) {
		struct user_regs_struct rs;
		struct iovec iov = { &rs, sizeof(rs) };

		CHECK(ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) == 0,
		      "%s: GETREGSET: %m", what);
		CHECK(iov.iov_len == sizeof(rs),
		      "%s: GETREGSET length %zu, expected %zu", what,
		      iov.iov_len, sizeof(rs));
		CHECK(!memcmp(&rs, &r, sizeof(rs)),
		      "%s: GETREGSET differs from GETREGS", what);
	} else {
		/* struct user_regs_struct32 (i386 struct user_regs_struct) */
		uint32_t r32[17];
		struct iovec iov = { r32, sizeof(r32) };
		static const char *const n32[17] = {
			"rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rax",
			NULL, NULL, NULL, NULL, "orig_rax", "rip", "cs",
			"eflags", "rsp", "ss",
		};

		CHECK(ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) == 0,
		      "%s: GETREGSET: %m", what);
		CHECK(iov.iov_len == sizeof(r32),
		      "%s: GETREGSET length %zu, expected %zu (ia32 view)",
		      what, iov.iov_len, sizeof(r32));
		for (int i = 0; i < 17; i++) {
			if (!n32[i])
				continue;
			uint32_t want = (uint32_t)field(&r, reg_off(n32[i]));

			CHECK(r32[i] == want,
			      "%s: GETREGSET ia32 %s = %#x, GETREGS says %#x",
			      what, n32[i], r32[i], want);
		}
	}
	printf("%s: %s (rip=%#llx rsp=%#llx eflags=%#llx orig_rax=%lld)\n",
	       what, failures == before ? "ok" : "MISMATCH", r.rip, r.rsp,
	       r.eflags, (long long)r.orig_rax);
	*out = r;
}

static int wait_stop(pid_t pid, int sig, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		printf("FAIL: %s: waitpid: %m\n", what);
		failures++;
		return -1;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != sig) {
		printf("FAIL: %s: expected a stop with signal %d, got status %#x\n",
		       what, sig, status);
		failures++;
		return -1;
	}
	return 0;
}

static void poke(const char *what, pid_t pid, const char *reg,
		 unsigned long value)
{
	CHECK(ptrace(PTRACE_POKEUSER, pid, reg_off(reg), value) == 0,
	      "%s: POKEUSER %s: %m", what, reg);
	errno = 0;
	unsigned long back = ptrace(PTRACE_PEEKUSER, pid, reg_off(reg), 0);
	CHECK(errno == 0 && back == value,
	      "%s: PEEKUSER after POKEUSER %s = %#lx, expected %#lx", what,
	      reg, back, value);
}

/* Resume the child without a signal; it exits 0 if it saw the poke. */
static void finish(const char *what, pid_t pid)
{
	int status;

	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "%s: PTRACE_CONT: %m",
	      what);
	if (waitpid(pid, &status, 0) != pid) {
		printf("FAIL: %s: waitpid: %m\n", what);
		failures++;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("%s: child saw the POKEUSER value: ok\n", what);
		return;
	}
	printf("FAIL: %s: child status %#x (exit %d: %s)\n", what, status,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	       WIFEXITED(status) && WEXITSTATUS(status) == 1 ?
		       "poked register not seen" :
	       WIFEXITED(status) && WEXITSTATUS(status) == 2 ?
		       "another register changed" : "crashed or killed");
	failures++;
	if (!WIFEXITED(status) && !WIFSIGNALED(status))
		kill(pid, SIGKILL);
}

/* ------------------------------------------------------------------ */
/* 64-bit child                                                         */

extern void child64_int3(void);
extern char child64_int3_after[];
extern void child64_syscall(long pid);
extern char child64_syscall_after[];
unsigned long child64_rsp;

/*
 * child64_int3: every GPR gets a known value, CF is set, then int3.  After
 * the tracer's POKEUSER of rbx, exit_group(0) if rbx has the poked value and
 * r12 still its own, else 1 or 2.
 */
asm(".text\n"
    ".globl child64_int3\n"
    "child64_int3:\n"
    "	mov %rsp, child64_rsp(%rip)\n"
    LOAD_V64_GPRS
    "	stc\n"
    "	int3\n"
    ".globl child64_int3_after\n"
    "child64_int3_after:\n"
    "	movabs $" S(V64_POKE) ", %rax\n"
    "	mov $1, %edi\n"
    "	cmp %rax, %rbx\n"
    "	jne 1f\n"
    "	movabs $" S(V64_R12) ", %rax\n"
    "	mov $2, %edi\n"
    "	cmp %rax, %r12\n"
    "	jne 1f\n"
    "	xor %edi, %edi\n"
    "1:	mov $231, %eax\n"		/* exit_group */
    "	syscall\n"
    "	ud2\n");

/*
 * child64_syscall(pid): kill(pid, SIGSTOP) with the SYSCALL instruction and
 * every register that is not a syscall argument loaded with a known value.
 * After the tracer's POKEUSER of r13: exit_group(0) if r13 has the poked
 * value and r14 still its own.
 */
asm(".text\n"
    ".globl child64_syscall\n"
    "child64_syscall:\n"
    "	mov %rsp, child64_rsp(%rip)\n"
    "	movabs $" S(V64_RBX) ", %rbx\n"
    "	movabs $" S(V64_RDX) ", %rdx\n"
    "	movabs $" S(V64_RBP) ", %rbp\n"
    "	movabs $" S(V64_R8) ", %r8\n"
    "	movabs $" S(V64_R9) ", %r9\n"
    "	movabs $" S(V64_R10) ", %r10\n"
    "	movabs $" S(V64_R12) ", %r12\n"
    "	movabs $" S(V64_R13) ", %r13\n"
    "	movabs $" S(V64_R14) ", %r14\n"
    "	movabs $" S(V64_R15) ", %r15\n"
    "	mov $19, %esi\n"		/* SIGSTOP; rdi = pid */
    "	mov $62, %eax\n"		/* kill */
    "	stc\n"
    "	syscall\n"
    ".globl child64_syscall_after\n"
    "child64_syscall_after:\n"
    "	movabs $" S(V64_POKE) ", %rax\n"
    "	mov $1, %edi\n"
    "	cmp %rax, %r13\n"
    "	jne 1f\n"
    "	movabs $" S(V64_R14) ", %rax\n"
    "	mov $2, %edi\n"
    "	cmp %rax, %r14\n"
    "	jne 1f\n"
    "	xor %edi, %edi\n"
    "1:	mov $231, %eax\n"
    "	syscall\n"
    "	ud2\n");

static unsigned long peek_rsp(pid_t pid)
{
	errno = 0;
	unsigned long v = ptrace(PTRACE_PEEKDATA, pid, &child64_rsp, 0);
	CHECK(errno == 0, "PEEKDATA child64_rsp: %m");
	return v;
}

static pid_t fork_traced(void (*fn)(long))
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(3);
		fn((long)getpid());
		_exit(4);
	}
	return pid;
}

static void int3_entry(long pid)
{
	(void)pid;
	child64_int3();
}

static void test64(void)
{
	struct user_regs_struct r;
	pid_t pid;

	/* int3: exception entry, every register exact. */
	const char *what = "int3-64";
	pid = fork_traced(int3_entry);
	if (wait_stop(pid, SIGTRAP, what) == 0) {
		const struct expect exp[] = {
			{ "rax", V64_RAX },
			{ "rbx", V64_RBX },
			{ "rcx", V64_RCX },
			{ "rdx", V64_RDX },
			{ "rsi", V64_RSI },
			{ "rdi", V64_RDI },
			{ "rbp", V64_RBP },
			{ "r8", V64_R8 },
			{ "r9", V64_R9 },
			{ "r10", V64_R10 },
			{ "r11", V64_R11 },
			{ "r12", V64_R12 },
			{ "r13", V64_R13 },
			{ "r14", V64_R14 },
			{ "r15", V64_R15 },
			{ "rip", (unsigned long)child64_int3_after },
			{ "rsp", peek_rsp(pid) },
			{ "orig_rax", (unsigned long)-1 },
		};
		read_and_check(what, pid, 0, exp, sizeof(exp) / sizeof(exp[0]),
			       &r);
		CHECK(r.eflags & 1, "%s: eflags = %#llx, CF (set by stc) is clear",
		      what, r.eflags);
		poke(what, pid, "rbx", V64_POKE);
		finish(what, pid);
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}

	/* kill() through SYSCALL: syscall entry, rcx/r11 are rip/rflags. */
	what = "syscall-64";
	pid = fork_traced(child64_syscall);
	if (wait_stop(pid, SIGSTOP, what) == 0) {
		unsigned long rip = (unsigned long)child64_syscall_after;
		const struct expect exp[] = {
			{ "rax", 0 },
			{ "orig_rax", 62 },
			{ "rdi", (unsigned long)pid },
			{ "rsi", SIGSTOP },
			{ "rbx", V64_RBX },
			{ "rdx", V64_RDX },
			{ "rbp", V64_RBP },
			{ "r8", V64_R8 },
			{ "r9", V64_R9 },
			{ "r10", V64_R10 },
			{ "r12", V64_R12 },
			{ "r13", V64_R13 },
			{ "r14", V64_R14 },
			{ "r15", V64_R15 },
			{ "rip", rip },
			{ "rcx", rip },
			{ "rsp", peek_rsp(pid) },
		};
		read_and_check(what, pid, 0, exp, sizeof(exp) / sizeof(exp[0]),
			       &r);
		CHECK(r.r11 == r.eflags, "%s: r11 = %#llx, eflags = %#llx (SYSCALL saves rflags in r11)",
		      what, r.r11, r.eflags);
		CHECK(r.eflags & 1, "%s: eflags = %#llx, CF (set by stc) is clear",
		      what, r.eflags);
		poke(what, pid, "r13", V64_POKE);
		finish(what, pid);
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* ------------------------------------------------------------------ */
/* 32-bit child (IA32 compat)                                           */

static const char *child32_path = "/bin/ptrace-child32";

static void test32_mode(const char *mode)
{
	struct child32_info info;
	struct user_regs_struct r;
	char what[32];
	int fds[2];
	pid_t pid;
	int status;

	snprintf(what, sizeof(what), "%s-32", mode);
	if (pipe(fds) != 0) {
		printf("FAIL: %s: pipe: %m\n", what);
		failures++;
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (fds[1] != 3) {
			dup2(fds[1], 3);
			close(fds[1]);
		}
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(3);
		execl(child32_path, child32_path, mode, (char *)NULL);
		_exit(5);
	}
	close(fds[1]);
	/* The exec stop. */
	if (wait_stop(pid, SIGTRAP, what) != 0)
		goto kill;
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "%s: CONT: %m", what);
	int stopsig = !strcmp(mode, "int3") ? SIGTRAP : SIGSTOP;
	if (wait_stop(pid, stopsig, what) != 0)
		goto kill;
	if (read(fds[0], &info, sizeof(info)) != sizeof(info)) {
		printf("FAIL: %s: no information from the child\n", what);
		failures++;
		goto kill;
	}
	errno = 0;
	unsigned long esp = ptrace(PTRACE_PEEKDATA, pid, (long)info.saved_esp_addr, 0) & 0xffffffffUL;
	CHECK(errno == 0, "%s: PEEKDATA saved esp: %m", what);

	struct expect exp[12];
	size_t n = 0;
	exp[n++] = (struct expect){ "rdx", V32_EDX };
	exp[n++] = (struct expect){ "rsi", V32_ESI };
	exp[n++] = (struct expect){ "rdi", V32_EDI };
	exp[n++] = (struct expect){ "rbp", V32_EBP };
	if (!strcmp(mode, "int3")) {
		exp[n++] = (struct expect){ "rax", V32_EAX };
		exp[n++] = (struct expect){ "rbx", V32_EBX };
		exp[n++] = (struct expect){ "rcx", V32_ECX };
		exp[n++] = (struct expect){ "orig_rax", (unsigned long)-1 };
		exp[n++] = (struct expect){ "rip", info.after };
		exp[n++] = (struct expect){ "rsp", esp };
	} else {
		exp[n++] = (struct expect){ "rax", 0 };
		exp[n++] = (struct expect){ "orig_rax", 37 };	/* kill */
		exp[n++] = (struct expect){ "rbx", (unsigned long)pid };
		exp[n++] = (struct expect){ "rcx", SIGSTOP };
		if (!strcmp(mode, "int80")) {
			exp[n++] = (struct expect){ "rip", info.after };
			exp[n++] = (struct expect){ "rsp", esp };
		} else {
			/* call + 3 pushes in __kernel_vsyscall */
			exp[n++] = (struct expect){ "rsp", esp - 16 };
		}
	}
	read_and_check(what, pid, 1, exp, n, &r);
	if (!strcmp(mode, "vdso")) {
		CHECK(r.rip >= info.vdso_base && r.rip < info.vdso_base + 0x4000,
		      "%s: rip %#llx not in the vDSO at %#x", what, r.rip,
		      info.vdso_base);
		printf("%s: vDSO __kernel_vsyscall enters with %s\n", what,
		       info.entry);
		snprintf(detail + strlen(detail),
			 sizeof(detail) - strlen(detail), " vdso32=%s",
			 info.entry);
	}
	poke(what, pid, "rdi", V32_POKE);
	finish(what, pid);
	close(fds[0]);
	return;
kill:
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "64";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(which, "64")) {
		test64();
		printf("detail: %s: int3 and syscall stops, GETREGS/PEEKUSER/GETREGSET/POKEUSER\n",
		       failures ? "mismatches" : "all registers exact");
	} else if (!strcmp(which, "32")) {
		if (argc > 2)
			child32_path = argv[2];
		if (access(child32_path, X_OK) != 0) {
			printf("detail: %s missing\n", child32_path);
			return 77;
		}
		test32_mode("int3");
		test32_mode("int80");
		test32_mode("vdso");
		printf("detail: %s: int3, int80, vdso stops%s\n",
		       failures ? "mismatches" : "all registers exact", detail);
	} else {
		fprintf(stderr, "usage: ptrace-regs 64|32 [child32]\n");
		return 2;
	}
	return failures ? 1 : 0;
}
