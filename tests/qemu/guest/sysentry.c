// SPDX-License-Identifier: GPL-2.0
/*
 * sysentry: the register values a 64-bit process gets back from the kernel's
 * system call entry and exit paths.  Every check loads a known value into
 * every general purpose register (ptrace-values.h) and a known RFLAGS, makes
 * the system call, stores every register right after it and compares each
 * with what the x86-64 ABI promises.
 *
 *   sysentry syscall  SYSCALL fast path (SYSRET): everything preserved but
 *                     rax (result), rcx (= address after SYSCALL) and r11
 *                     (= RFLAGS); int $0x80 from 64-bit code (32-bit ABI,
 *                     arguments truncated to 32 bits, every 64-bit register
 *                     including r8-r15 preserved: 6.1 enters through
 *                     int80_emulation, an IDT entry that saves and restores
 *                     the whole pt_regs); x32 system calls (nr | 0x40000000);
 *                     SYSRET refused (IRET taken) when a tracer makes
 *                     rcx != rip or r11 != rflags, when it sets a
 *                     non-canonical or a kernel-half rip (SIGSEGV, no oops),
 *                     and when TF is set (popf or PTRACE_SINGLESTEP).
 *   sysentry restart  system call restart: -ERESTARTSYS with and without
 *                     SA_RESTART, -ERESTART_RESTARTBLOCK (restart_syscall),
 *                     and a tracer rewriting orig_rax at the entry stop.
 *   sysentry fork     fork and clone(CLONE_VM) children's first registers,
 *                     and the registers execve gives a new 64-bit and a new
 *                     32-bit image (PTRACE_EVENT_EXEC stop, then the
 *                     execve exit stop).
 *   sysentry exec-child  exits 0 (the image the exec checks run).
 *
 * Output: one line per check ("ok:", "FAIL:", "SKIP:"); the last line starts
 * with "detail:".  Exit status 0 when every check passed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptrace-values.h"
#include "check.h"

#if !defined(__x86_64__) || defined(__ILP32__)
#error "64-bit only"
#endif

/* The user RFLAGS every block starts with: CF AF ZF SF OF, IF, bit 1. */
#define FLAGS_IN 0xad3UL
#define X86_TF 0x100UL
#define X32_BIT 0x40000000UL

/* rax..r15 in this order (rsp included), then rflags. */
struct gregs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t flags;
};
#define NG 17
static const char *const gname[NG] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rflags",
};

/* Input of a block (rsp ignored), its output, the stack it returns to. */
struct gregs g_in, g_out, g_child_out;
uint64_t g_saved_rsp, g_marker;

#define STORE_GPRS(o)                                                       \
	"	movq %rax, " o "+0(%rip)\n"                                 \
	"	movq %rbx, " o "+8(%rip)\n"                                 \
	"	movq %rcx, " o "+16(%rip)\n"                                \
	"	movq %rdx, " o "+24(%rip)\n"                                \
	"	movq %rsi, " o "+32(%rip)\n"                                \
	"	movq %rdi, " o "+40(%rip)\n"                                \
	"	movq %rbp, " o "+48(%rip)\n"                                \
	"	movq %r8, " o "+64(%rip)\n"                                 \
	"	movq %r9, " o "+72(%rip)\n"                                 \
	"	movq %r10, " o "+80(%rip)\n"                                \
	"	movq %r11, " o "+88(%rip)\n"                                \
	"	movq %r12, " o "+96(%rip)\n"                                \
	"	movq %r13, " o "+104(%rip)\n"                               \
	"	movq %r14, " o "+112(%rip)\n"                               \
	"	movq %r15, " o "+120(%rip)\n"

/* Save the C callee-saved registers, load g_in (flags first). */
#define PROLOGUE                                                            \
	"	pushq %rbx\n	pushq %rbp\n	pushq %r12\n"                \
	"	pushq %r13\n	pushq %r14\n	pushq %r15\n"                \
	"	movq %rsp, g_saved_rsp(%rip)\n"                             \
	"	pushq g_in+128(%rip)\n"                                     \
	"	popfq\n"                                                    \
	"	movq g_in+8(%rip), %rbx\n"                                  \
	"	movq g_in+16(%rip), %rcx\n"                                 \
	"	movq g_in+24(%rip), %rdx\n"                                 \
	"	movq g_in+32(%rip), %rsi\n"                                 \
	"	movq g_in+40(%rip), %rdi\n"                                 \
	"	movq g_in+48(%rip), %rbp\n"                                 \
	"	movq g_in+64(%rip), %r8\n"                                  \
	"	movq g_in+72(%rip), %r9\n"                                  \
	"	movq g_in+80(%rip), %r10\n"                                 \
	"	movq g_in+88(%rip), %r11\n"                                 \
	"	movq g_in+96(%rip), %r12\n"                                 \
	"	movq g_in+104(%rip), %r13\n"                                \
	"	movq g_in+112(%rip), %r14\n"                                \
	"	movq g_in+120(%rip), %r15\n"                                \
	"	movq g_in+0(%rip), %rax\n"

/* Store everything, clear TF, restore the C registers. */
#define EPILOGUE                                                            \
	STORE_GPRS("g_out")                                                 \
	"	movq %rsp, g_out+56(%rip)\n"                                \
	"	pushfq\n"                                                   \
	"	popq g_out+128(%rip)\n"                                     \
	"	pushq $0x202\n"                                             \
	"	popfq\n"                                                    \
	"	movq g_saved_rsp(%rip), %rsp\n"                             \
	"	popq %r15\n	popq %r14\n	popq %r13\n"                    \
	"	popq %r12\n	popq %rbp\n	popq %rbx\n"                    \
	"	ret\n"

/* A block: NAME() runs INSN with g_in loaded; NAME_after follows INSN. */
#define BLOCK(name, insn)                                                   \
	asm(".text\n"                                                       \
	    ".globl " #name "\n" #name ":\n" PROLOGUE                       \
	    insn "\n"                                                       \
	    ".globl " #name "_after\n" #name "_after:\n" EPILOGUE);         \
	extern void name(void);                                             \
	extern char name##_after[]

BLOCK(blk_syscall, "	syscall");
BLOCK(blk_int80, "	int $0x80");
/* the tracer moves rip from blk_alt_after to blk_alt_land */
BLOCK(blk_alt, "	syscall\n"
	       ".globl blk_alt_ret\nblk_alt_ret:\n"
	       "	movq $1, g_marker(%rip)\n"
	       ".globl blk_alt_land\nblk_alt_land:");
extern char blk_alt_ret[], blk_alt_land[];
/*
 * TF set by the flags: a nop after SYSCALL to see where the trap lands.
 * SYSCALL clears TF (MSR_SYSCALL_MASK); the kernel sees TF in the saved
 * flags, returns with IRET, and the CPU traps after the next instruction:
 * no trap reports the address right after SYSCALL (a user-set TF does not
 * make the kernel report the system call as a step; only ptrace's
 * TIF_SINGLESTEP does, see test_step).
 */
BLOCK(blk_tf, "	syscall\n"
	      ".globl blk_tf_nop\nblk_tf_nop:\n"
	      "	nop");
extern char blk_tf_nop[];

/*
 * clone(flags = rdi, stack = rsi) with every other register known.  The
 * child stores its registers in g_child_out (flags through the new stack)
 * and exits; the parent goes on to EPILOGUE.
 */
asm(".text\n"
    ".globl blk_clone\nblk_clone:\n" PROLOGUE
    "	syscall\n"
    ".globl blk_clone_after\nblk_clone_after:\n"
    "	pushfq\n"
    "	testq %rax, %rax\n"
    "	jnz 1f\n"
    "	popq g_child_out+128(%rip)\n"
    STORE_GPRS("g_child_out")
    "	movq %rsp, g_child_out+56(%rip)\n"
    "	movl $60, %eax\n"	/* exit (this task only) */
    "	xorl %edi, %edi\n"
    "	syscall\n"
    "	ud2\n"
    "1:	popq g_out+128(%rip)\n"
    STORE_GPRS("g_out")
    "	movq %rsp, g_out+56(%rip)\n"
    "	movq g_saved_rsp(%rip), %rsp\n"
    "	popq %r15\n	popq %r14\n	popq %r13\n"
    "	popq %r12\n	popq %rbp\n	popq %rbx\n"
    "	ret\n");
extern void blk_clone(void);
extern char blk_clone_after[];

static int skips;
static char detail[1024];

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond))                                                \
			FAILF(__VA_ARGS__);                                  \
	} while (0)

static void add_detail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void add_detail(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(detail);

	va_start(ap, fmt);
	vsnprintf(detail + n, sizeof(detail) - n, fmt, ap);
	va_end(ap);
}

static uint64_t *gp(struct gregs *g, int i)
{
	return (uint64_t *)g + i;
}

/* g_in = the known values, syscall NR, FLAGS_IN; rsp is not loaded. */
static void set_in(uint64_t nr)
{
	static const struct gregs v = {
		V64_RAX, V64_RBX, V64_RCX, V64_RDX, V64_RSI, V64_RDI, V64_RBP,
		0, V64_R8, V64_R9, V64_R10, V64_R11, V64_R12, V64_R13,
		V64_R14, V64_R15, FLAGS_IN,
	};

	g_in = v;
	g_in.rax = nr;
	memset(&g_out, 0, sizeof(g_out));
}

/*
 * What SYSCALL returns with: g_in, rax = RESULT, rcx = the return address,
 * r11 = the flags, rsp = the caller's.
 */
static struct gregs abi_expect(uint64_t result, const char *after,
			       uint64_t rsp)
{
	struct gregs e = g_in;

	e.rax = result;
	e.rcx = (uint64_t)after;
	e.r11 = g_in.flags;
	e.rsp = rsp;
	return e;
}

/* Compare every register of GOT with WANT; print one line. */
static int check_regs(const char *what, const struct gregs *got,
		      const struct gregs *want)
{
	int bad = 0;

	for (int i = 0; i < NG; i++) {
		uint64_t g = *gp((struct gregs *)got, i);
		uint64_t w = *gp((struct gregs *)want, i);

		if (g != w) {
			FAILF("%s: %s = %#lx, expected %#lx", what, gname[i], g,
			     w);
			bad++;
		}
	}
	if (!bad)
		printf("ok: %s: all %d registers as expected (rax=%#lx rcx=%#lx r11=%#lx)\n",
		       what, NG, got->rax, got->rcx, got->r11);
	return bad;
}

/* The rsp a block stores: the one it saved after pushing the C registers. */
static uint64_t block_rsp(void)
{
	return g_saved_rsp;
}

/* ---------------------------------------------------------------- 1, 4, 6 */

static void test_fast_path(void)
{
	struct gregs e;
	pid_t pid = getpid();

	set_in(SYS_getpid);
	blk_syscall();
	e = abi_expect(pid, blk_syscall_after, block_rsp());
	if (!check_regs("SYSCALL getpid (SYSRET path)", &g_out, &e))
		add_detail("syscall ok; ");

	/* write(2) with every argument register known: the kernel saw them */
	int p[2];
	char buf[32] = { 0 };
	static const char msg[] = "sysentry-write";

	if (pipe(p)) {
		FAILF("pipe: %m");
		return;
	}
	set_in(SYS_write);
	g_in.rdi = p[1];
	g_in.rsi = (uint64_t)msg;
	g_in.rdx = sizeof(msg);
	blk_syscall();
	e = abi_expect(sizeof(msg), blk_syscall_after, block_rsp());
	check_regs("SYSCALL write(pipe, msg, 15)", &g_out, &e);
	CHECK(read(p[0], buf, sizeof(buf)) == sizeof(msg) && !memcmp(buf, msg, sizeof(msg)),
	      "SYSCALL write: the pipe did not get the bytes");

	/*
	 * int $0x80 from 64-bit code: the IA32 system call table, arguments
	 * are the low 32 bits of rbx, rcx, rdx; everything but rax comes back
	 * unchanged (6.1: int80_emulation saves and restores all of pt_regs,
	 * r8-r15 included; only rax is the result).
	 */
	set_in(20); /* __NR_getpid, i386 */
	blk_int80();
	e = g_in;
	e.rax = pid;
	e.rsp = block_rsp();
	if (!check_regs("int $0x80 getpid from 64-bit (r8-r15 preserved)", &g_out, &e))
		add_detail("int80-64 ok; ");

	set_in(4); /* __NR_write, i386 */
	g_in.rbx = 0xc0de0b0200000000UL | (uint32_t)p[1];
	g_in.rcx = 0xc0de0c0300000000UL | (uint32_t)(uintptr_t)msg;
	g_in.rdx = 0xc0de0d0400000000UL | 5;
	if ((uintptr_t)msg >> 32) {
		printf("SKIP: int $0x80 write: msg at %p above 4 GiB\n", (void *)msg);
		add_detail("int80-write SKIP (msg above 4 GiB); ");
		skips++;
	} else {
		blk_int80();
		e = g_in;
		e.rax = 5;
		e.rsp = block_rsp();
		check_regs("int $0x80 write(fd|hi, msg|hi, 5|hi): args truncated to 32 bits, regs kept", &g_out, &e);
		memset(buf, 0, sizeof(buf));
		CHECK(read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, msg, 5),
		      "int $0x80 write: the pipe did not get 5 bytes");
	}

	/* x32 system calls from a 64-bit process: same SYSCALL ABI */
	set_in(SYS_getpid | X32_BIT);
	blk_syscall();
	if (g_out.rax == (uint64_t)-ENOSYS) {
		printf("SKIP: x32 getpid returned -ENOSYS (no CONFIG_X86_X32_ABI or x32 disabled)\n");
		add_detail("x32 SKIP (ENOSYS); ");
		skips++;
	} else {
		e = abi_expect(pid, blk_syscall_after, block_rsp());
		int bad = check_regs("x32 getpid (0x40000027) via SYSCALL", &g_out, &e);

		set_in(SYS_write | X32_BIT);
		g_in.rdi = p[1];
		g_in.rsi = (uint64_t)msg;
		g_in.rdx = 7;
		blk_syscall();
		e = abi_expect(7, blk_syscall_after, block_rsp());
		bad += check_regs("x32 write (0x40000001) via SYSCALL", &g_out, &e);
		memset(buf, 0, sizeof(buf));
		CHECK(read(p[0], buf, sizeof(buf)) == 7 && !memcmp(buf, msg, 7),
		      "x32 write: the pipe did not get 7 bytes");
		/* a 64-bit-only number with the x32 bit: -ENOSYS */
		set_in(SYS_kexec_load | X32_BIT); /* 246: x32 uses 528 */
		blk_syscall();
		e = abi_expect((uint64_t)-ENOSYS, blk_syscall_after, block_rsp());
		bad += check_regs("x32 bit on a 64-bit-only number (kexec_load 246): -ENOSYS", &g_out, &e);
		if (!bad)
			add_detail("x32 ok; ");
	}
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------- ptrace helpers */

static int tee_gone, tee_bad;

/* Fork a tracee that stops itself, then runs FN and checks in the child. */
static pid_t spawn(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(stdout);
	tee_gone = tee_bad = 0;
	pid = fork();
	if (pid < 0) {
		FAILF("fork: %m");
		return -1;
	}
	if (pid == 0) {
		failures = 0;
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		fn();
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
	    WSTOPSIG(status) != SIGSTOP) {
		FAILF("tracee did not stop (status %#x)", status);
		kill(pid, SIGKILL);
		return -1;
	}
	ptrace(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	return pid;
}

/* Resume with REQ and SIG; return the stop signal (0x80|SIGTRAP for a
 * syscall stop) or -1 if the tracee ended. */
static int resume(pid_t pid, int req, int sig)
{
	int status;

	if (ptrace(req, pid, 0, sig)) {
		FAILF("ptrace resume: %m");
		return -1;
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSTOPPED(status))
		return status >> 8;
	tee_gone = 1;
	tee_bad = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	return -1;
}

/* Run to the entry stop of system call NR with rdi == RDI. */
static int to_entry(pid_t pid, long nr, uint64_t rdi,
		    struct user_regs_struct *r)
{
	for (int i = 0; i < 50; i++) {
		int s = resume(pid, PTRACE_SYSCALL, 0);

		if (s < 0)
			break;
		if (s != (SIGTRAP | 0x80))
			continue;
		ptrace(PTRACE_GETREGS, pid, 0, r);
		if ((long)r->orig_rax == nr && r->rdi == rdi &&
		    r->rax == (uint64_t)-ENOSYS)
			return 0;
	}
	FAILF("no entry stop for system call %ld", nr);
	return -1;
}

/* Let the tracee run to its end; its own checks decide the exit status. */
static int finish(pid_t pid, const char *what)
{
	int sig = 0;

	while (!tee_gone) {
		int s = resume(pid, PTRACE_CONT, sig);

		if (s < 0)
			break;
		sig = (s & 0x7f) == SIGTRAP ? 0 : (s & 0x7f);
	}
	if (tee_bad) {
		FAILF("%s: the tracee's own checks failed", what);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------- 2: SYSRET vs IRET */

#define NEW(v) ((v) ^ 0x0101010101010101UL)

static void tracee_getpid_marked(void)
{
	set_in(SYS_getpid);
	g_in.rdi = NEW(V64_RDI);
	blk_syscall();
}

/* (a) tracer rewrites every register at the exit stop, rcx != rip */
static void tee_setregs(void)
{
	struct gregs e;

	tracee_getpid_marked();
	for (int i = 0; i < 16; i++)
		if (i != 7)
			*gp(&e, i) = NEW(*gp(&g_in, i));
	e.rax = NEW(V64_RAX);
	e.rdi = NEW(NEW(V64_RDI));
	e.rsp = block_rsp();
	e.flags = FLAGS_IN;
	e.r11 = FLAGS_IN;
	check_regs("tracee after SETREGS at syscall exit (rcx != rip: IRET)", &g_out, &e);
}

static void test_setregs(void)
{
	struct user_regs_struct r;
	pid_t pid = spawn(tee_setregs);

	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid, NEW(V64_RDI), &r) == 0 &&
	    resume(pid, PTRACE_SYSCALL, 0) == (SIGTRAP | 0x80)) {
		ptrace(PTRACE_GETREGS, pid, 0, &r);
		CHECK(r.rax == (uint64_t)pid && r.rcx == (uint64_t)blk_syscall_after &&
		      r.r11 == FLAGS_IN && r.rip == (uint64_t)blk_syscall_after,
		      "(a) exit stop: rax %#llx rcx %#llx r11 %#llx rip %#llx",
		      r.rax, r.rcx, r.r11, r.rip);
		r.rax = NEW(V64_RAX); r.rbx = NEW(V64_RBX); r.rcx = NEW(V64_RCX);
		r.rdx = NEW(V64_RDX); r.rsi = NEW(V64_RSI); r.rdi = NEW(NEW(V64_RDI));
		r.rbp = NEW(V64_RBP); r.r8 = NEW(V64_R8); r.r9 = NEW(V64_R9);
		r.r10 = NEW(V64_R10); r.r11 = FLAGS_IN; r.r12 = NEW(V64_R12);
		r.r13 = NEW(V64_R13); r.r14 = NEW(V64_R14); r.r15 = NEW(V64_R15);
		CHECK(ptrace(PTRACE_SETREGS, pid, 0, &r) == 0, "SETREGS: %m");
	}
	if (!finish(pid, "(a) SETREGS rcx != rip"))
		add_detail("setregs-iret ok; ");
}

/* (a') POKEUSER of rip only: rcx stays the SYSCALL return address */
static void tee_pokerip(void)
{
	struct gregs e;

	set_in(SYS_getpid);
	g_in.rdi = NEW(V64_RSI);
	g_marker = 0;
	blk_alt();
	e = abi_expect(getpid(), blk_alt_ret, block_rsp());
	check_regs("tracee after POKEUSER rip at syscall exit (IRET)", &g_out, &e);
	CHECK(g_marker == 0, "POKEUSER rip: the skipped instruction ran");
}

static void test_pokerip(void)
{
	struct user_regs_struct r;
	pid_t pid = spawn(tee_pokerip);

	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid, NEW(V64_RSI), &r) == 0 &&
	    resume(pid, PTRACE_SYSCALL, 0) == (SIGTRAP | 0x80)) {
		CHECK(ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, rip),
			     blk_alt_land) == 0, "POKEUSER rip: %m");
	}
	if (!finish(pid, "(a') POKEUSER rip"))
		add_detail("pokerip ok; ");
}

/* (c) r11 != rflags at the exit stop */
static void tee_r11(void)
{
	struct gregs e;

	set_in(SYS_getpid);
	g_in.rdi = NEW(V64_RDX);
	blk_syscall();
	e = abi_expect(getpid(), blk_syscall_after, block_rsp());
	e.r11 = V64_R11;
	check_regs("tracee after tracer set r11 != rflags (IRET)", &g_out, &e);
}

static void test_r11(void)
{
	struct user_regs_struct r;
	pid_t pid = spawn(tee_r11);

	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid, NEW(V64_RDX), &r) == 0 &&
	    resume(pid, PTRACE_SYSCALL, 0) == (SIGTRAP | 0x80)) {
		CHECK(ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, r11),
			     V64_R11) == 0, "POKEUSER r11: %m");
	}
	if (!finish(pid, "(c) r11 != rflags"))
		add_detail("r11-iret ok; ");
}

/* (b) a return rip SYSRET must not take: SIGSEGV in the tracee */
static volatile uint64_t seg_rip, seg_addr;
static volatile int seg_signo, seg_code;

static void segv_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	seg_signo = sig;
	seg_code = si->si_code;
	seg_addr = (uint64_t)si->si_addr;
	seg_rip = uc->uc_mcontext.gregs[REG_RIP];
	/* land back in C: the block's state is gone */
	printf("tracee: signal %d code %d addr %#lx rip %#lx\n", sig,
	       seg_code, (unsigned long)seg_addr, (unsigned long)seg_rip);
	fflush(stdout);
	_exit(seg_rip == g_marker ? 0 : 1);
}

static void tee_badrip(void)
{
	struct sigaction sa = { .sa_sigaction = segv_handler,
				.sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	set_in(SYS_getpid);
	g_in.rdi = NEW(V64_R8);
	/* g_marker: the rip the tracer sets, poked into the tracee first */
	blk_syscall();
	printf("FAIL: tracee returned normally from a bad rip\n");
	fflush(stdout);
	_exit(1);
}

static void test_badrip(const char *what, uint64_t rip)
{
	struct user_regs_struct r;
	siginfo_t si;
	pid_t pid = spawn(tee_badrip);
	int s;

	if (pid < 0)
		return;
	ptrace(PTRACE_POKEDATA, pid, &g_marker, rip);
	if (to_entry(pid, SYS_getpid, NEW(V64_R8), &r) == 0 &&
	    resume(pid, PTRACE_SYSCALL, 0) == (SIGTRAP | 0x80)) {
		CHECK(ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, rip),
			     rip) == 0, "POKEUSER rip: %m");
		s = resume(pid, PTRACE_CONT, 0);
		CHECK(s == SIGSEGV, "%s rip %#lx: stop with signal %d, expected SIGSEGV",
		      what, rip, s);
		if (s > 0) {
			memset(&si, 0, sizeof(si));
			ptrace(PTRACE_GETREGS, pid, 0, &r);
			ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
			printf("%s rip %#lx: tracer sees signal %d code %d addr %p, rip %#llx rcx %#llx r11 %#llx rax %#llx\n",
			       what, rip, si.si_signo, si.si_code, si.si_addr,
			       r.rip, r.rcx, r.r11, r.rax);
			CHECK(r.rip == rip, "%s: rip at the signal %#llx, expected %#lx",
			      what, r.rip, rip);
			CHECK(r.rax == (uint64_t)pid && r.rcx == (uint64_t)blk_syscall_after &&
			      r.r11 == FLAGS_IN && r.rbx == V64_RBX && r.r15 == V64_R15,
			      "%s: registers at the signal not the syscall's return state", what);
			if (rip >> 63 && (rip >> 47) != 0x1ffff) {
				/* non-canonical: #GP on IRET, SI_KERNEL, addr 0 */
				CHECK(si.si_code == SI_KERNEL && si.si_addr == NULL,
				      "%s: si_code %d addr %p, expected SI_KERNEL and 0",
				      what, si.si_code, si.si_addr);
			} else {
				CHECK(si.si_addr == (void *)rip,
				      "%s: si_addr %p, expected the rip", what,
				      si.si_addr);
			}
			s = resume(pid, PTRACE_CONT, s);
			CHECK(s < 0, "%s: tracee stopped again (%d)", what, s);
		}
	}
	if (!finish(pid, what))
		add_detail("%s ok; ", what);
}

/* (d) TF set by popf before SYSCALL: SIGTRAPs with exact registers */
#define MAXTRAPS 64
static volatile int ntraps;
static uint64_t trap_rip[MAXTRAPS];
static struct gregs trap_after;	/* the registers of the trap past SYSCALL */
static volatile int trap_after_seen;

static void trap_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = g[REG_RIP];

	(void)sig;
	(void)si;
	if (ntraps < MAXTRAPS)
		trap_rip[ntraps] = rip;
	ntraps++;
	if (rip == (uint64_t)blk_tf_nop || rip == (uint64_t)blk_tf_after) {
		static const int idx[NG] = {
			REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI,
			REG_RBP, REG_RSP, REG_R8, REG_R9, REG_R10, REG_R11,
			REG_R12, REG_R13, REG_R14, REG_R15, REG_EFL,
		};

		if (!trap_after_seen)
			for (int i = 0; i < NG; i++)
				*gp(&trap_after, i) = g[idx[i]];
		trap_after_seen++;
	}
	/* stop stepping once past the nop */
	if (rip == (uint64_t)blk_tf_after)
		g[REG_EFL] &= ~X86_TF;
}

static void test_tf(void)
{
	struct sigaction sa = { .sa_sigaction = trap_handler,
				.sa_flags = SA_SIGINFO };
	struct sigaction old;
	struct gregs e;
	int first = -1;

	sigaction(SIGTRAP, &sa, &old);
	ntraps = 0;
	trap_after_seen = 0;
	set_in(SYS_getpid);
	g_in.flags = FLAGS_IN | X86_TF;
	blk_tf();
	sigaction(SIGTRAP, &old, NULL);

	for (int i = 0; i < ntraps && i < MAXTRAPS; i++) {
		if (trap_rip[i] == (uint64_t)blk_tf_nop ||
		    trap_rip[i] == (uint64_t)blk_tf_after) {
			first = i;
			break;
		}
	}
	printf("TF: %d traps; first trap past SYSCALL at %s (blk_tf_nop %p, after %p)\n",
	       ntraps,
	       first < 0 ? "none" :
	       trap_rip[first] == (uint64_t)blk_tf_nop ? "the instruction after SYSCALL" :
	       "the instruction after the nop",
	       (void *)blk_tf_nop, (void *)blk_tf_after);
	CHECK(first >= 0 && trap_rip[first] == (uint64_t)blk_tf_after,
	      "TF: the first SIGTRAP past SYSCALL is not right after the nop that follows it");
	if (first > 0)
		printf("TF: the trap before it at %#lx (the SYSCALL instruction is at %p)\n",
		       trap_rip[first - 1], (void *)((uintptr_t)blk_tf_nop - 2));
	if (trap_after_seen) {
		e = abi_expect(getpid(), blk_tf_nop, 0);
		e.rsp = trap_after.rsp;
		CHECK(trap_after.rsp == block_rsp(), "TF: trap rsp %#lx, expected %#lx",
		      trap_after.rsp, block_rsp());
		e.r11 = FLAGS_IN | X86_TF;
		e.flags = FLAGS_IN | X86_TF;
		if (!check_regs("TF: signal frame of the trap after SYSCALL", &trap_after, &e))
			add_detail("TF-popf ok; ");
	} else {
		FAILF("TF: no trap after SYSCALL");
	}
	/* the block's own store, after the traps */
	e = abi_expect(getpid(), blk_tf_nop, block_rsp());
	e.r11 = FLAGS_IN | X86_TF;
	e.flags = FLAGS_IN;	/* the handler cleared TF after the nop */
	check_regs("TF: registers stored after the nop", &g_out, &e);
}

/* (d') PTRACE_SINGLESTEP from the syscall entry stop */
static void tee_step(void)
{
	struct gregs e;

	set_in(SYS_getpid);
	g_in.rdi = NEW(V64_R9);
	blk_syscall();
	e = abi_expect(getpid(), blk_syscall_after, block_rsp());
	check_regs("tracee after PTRACE_SINGLESTEP over SYSCALL", &g_out, &e);
}

static void test_step(void)
{
	struct user_regs_struct r;
	pid_t pid = spawn(tee_step);
	int s;

	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid, NEW(V64_R9), &r) == 0) {
		s = resume(pid, PTRACE_SINGLESTEP, 0);
		if (s == (SIGTRAP | 0x80)) /* the exit stop comes first */
			s = resume(pid, PTRACE_SINGLESTEP, 0);
		CHECK(s == SIGTRAP, "SINGLESTEP: stop %#x, expected SIGTRAP", s);
		ptrace(PTRACE_GETREGS, pid, 0, &r);
		printf("SINGLESTEP over SYSCALL: stop at rip %#llx (after SYSCALL %p), rax %#llx rcx %#llx r11 %#llx eflags %#llx\n",
		       r.rip, (void *)blk_syscall_after, r.rax, r.rcx, r.r11, r.eflags);
		CHECK(r.rip == (uint64_t)blk_syscall_after,
		      "SINGLESTEP: trap at %#llx, expected the instruction after SYSCALL",
		      r.rip);
		CHECK(r.rax == (uint64_t)pid && r.rcx == (uint64_t)blk_syscall_after &&
		      r.r11 == FLAGS_IN && r.rbx == V64_RBX && r.rdx == V64_RDX &&
		      r.rsi == V64_RSI && r.rdi == NEW(V64_R9) && r.rbp == V64_RBP &&
		      r.r8 == V64_R8 && r.r9 == V64_R9 && r.r10 == V64_R10 &&
		      r.r12 == V64_R12 && r.r13 == V64_R13 && r.r14 == V64_R14 &&
		      r.r15 == V64_R15 && (r.eflags & ~(X86_TF | 0x10000UL)) == FLAGS_IN,
		      "SINGLESTEP: registers at the trap not the syscall's return state");
	}
	if (!finish(pid, "SINGLESTEP"))
		add_detail("singlestep ok; ");
}

/* ---------------------------------------------------------- 3: restart */

#define RFD 100		/* the pipe's read end in the tracee */
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516
static char rbuf[8];
static volatile int usr1_seen;
static volatile uint64_t usr1_rip, usr1_rax, usr1_rdi;

static void usr1_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	usr1_seen++;
	usr1_rip = uc->uc_mcontext.gregs[REG_RIP];
	usr1_rax = uc->uc_mcontext.gregs[REG_RAX];
	usr1_rdi = uc->uc_mcontext.gregs[REG_RDI];
}

static int restart_flag;

static void tee_read(void)
{
	struct sigaction sa = { .sa_sigaction = usr1_handler,
				.sa_flags = SA_SIGINFO | restart_flag };
	struct gregs e;

	sigaction(SIGUSR1, &sa, NULL);
	set_in(SYS_read);
	g_in.rdi = RFD;
	g_in.rsi = (uint64_t)rbuf;
	g_in.rdx = 1;
	blk_syscall();
	e = abi_expect(restart_flag ? 1 : (uint64_t)-EINTR, blk_syscall_after,
		       block_rsp());
	check_regs(restart_flag ? "read restarted (SA_RESTART), got 1 byte" :
		   "read interrupted (no SA_RESTART): -EINTR", &g_out, &e);
	CHECK(usr1_seen == 1, "handler ran %d times", usr1_seen);
	CHECK(usr1_rip == (uint64_t)blk_syscall_after - (restart_flag ? 2 : 0),
	      "signal frame rip %#lx, expected SYSCALL%s", usr1_rip,
	      restart_flag ? " (restart)" : " + 2");
	CHECK(usr1_rax == (restart_flag ? (uint64_t)SYS_read : (uint64_t)-EINTR),
	      "signal frame rax %#lx", usr1_rax);
	CHECK(usr1_rdi == RFD, "signal frame rdi %#lx", usr1_rdi);
	if (restart_flag)
		CHECK(rbuf[0] == 'R', "read got %#x", rbuf[0]);
}

/*
 * read(2) on an empty pipe, interrupted by SIGUSR1: entry stop, signal, exit stop -ERESTARTSYS, signal stop,
 * handler, rt_sigreturn exit stop (rip back by 2 and rax = orig_rax with
 * SA_RESTART), restarted read entry stop (rip, args, orig_rax intact).
 */
static void test_restart(int sa_restart)
{
	const char *what = sa_restart ? "SA_RESTART" : "no SA_RESTART";
	struct user_regs_struct r;
	int p[2], s, i, before = failures;
	pid_t pid;

	if (pipe(p) || dup2(p[0], RFD) < 0) {
		FAILF("pipe: %m");
		return;
	}
	restart_flag = sa_restart ? SA_RESTART : 0;
	pid = spawn(tee_read);
	close(RFD);
	close(p[0]);
	if (pid < 0)
		goto out;
	if (to_entry(pid, SYS_read, RFD, &r))
		goto fin;
	if (ptrace(PTRACE_SYSCALL, pid, 0, 0))
		goto fin;
	usleep(20000); /* let it block (a pending signal gives the same) */
	kill(pid, SIGUSR1);
	waitpid(pid, &s, 0);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	CHECK(WIFSTOPPED(s) && (s >> 8) == (SIGTRAP | 0x80) &&
	      r.rax == (uint64_t)-ERESTARTSYS && r.orig_rax == SYS_read,
	      "%s: exit stop %#x rax %lld orig_rax %lld, expected -ERESTARTSYS",
	      what, s, (long long)r.rax, (long long)r.orig_rax);
	s = resume(pid, PTRACE_SYSCALL, 0);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	CHECK(s == SIGUSR1 && r.rip == (uint64_t)blk_syscall_after &&
	      r.rax == (uint64_t)-ERESTARTSYS,
	      "%s: signal stop %d rip %#llx rax %lld", what, s, r.rip,
	      (long long)r.rax);
	/* deliver it: the handler runs (no system calls), then rt_sigreturn */
	s = resume(pid, PTRACE_SYSCALL, SIGUSR1);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	CHECK(s == (SIGTRAP | 0x80) && r.orig_rax == SYS_rt_sigreturn,
	      "%s: expected the rt_sigreturn entry stop, got %#x orig_rax %lld",
	      what, s, (long long)r.orig_rax);
	s = resume(pid, PTRACE_SYSCALL, 0);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	printf("%s: rt_sigreturn exit stop: rip %#llx (SYSCALL at %p) rax %lld orig_rax %lld\n",
	       what, r.rip, (void *)((uintptr_t)blk_syscall_after - 2), (long long)r.rax,
	       (long long)r.orig_rax);
	if (sa_restart) {
		CHECK(r.rip == (uint64_t)blk_syscall_after - 2 && r.rax == SYS_read,
		      "%s: after sigreturn rip %#llx rax %lld, expected the SYSCALL again with rax = orig_rax",
		      what, r.rip, (long long)r.rax);
		s = resume(pid, PTRACE_SYSCALL, 0);
		ptrace(PTRACE_GETREGS, pid, 0, &r);
		CHECK(s == (SIGTRAP | 0x80) && r.orig_rax == SYS_read &&
		      r.rax == (uint64_t)-ENOSYS && r.rip == (uint64_t)blk_syscall_after &&
		      r.rdi == RFD && r.rsi == (uint64_t)rbuf && r.rdx == 1 &&
		      r.r10 == V64_R10 && r.r8 == V64_R8 && r.r9 == V64_R9 &&
		      r.rcx == (uint64_t)blk_syscall_after && r.r11 == FLAGS_IN,
		      "%s: restarted entry stop %#x: orig_rax %lld rip %#llx rdi %#llx rsi %#llx rdx %#llx r10 %#llx",
		      what, s, (long long)r.orig_rax, r.rip, r.rdi, r.rsi, r.rdx, r.r10);
	} else {
		CHECK(r.rip == (uint64_t)blk_syscall_after && r.rax == (uint64_t)-EINTR,
		      "%s: after sigreturn rip %#llx rax %lld, expected -EINTR",
		      what, r.rip, (long long)r.rax);
	}
fin:
	i = write(p[1], "R", 1);
	(void)i;
	if (!finish(pid, what) && failures == before)
		add_detail("%s ok; ", sa_restart ? "SA_RESTART" : "EINTR");
out:
	close(p[1]);
}

/* nanosleep interrupted by a signal the tracer suppresses: restart_syscall */
static struct timespec g_ts = { 0, 300 * 1000 * 1000 };

static void tee_nanosleep(void)
{
	struct gregs e;

	set_in(SYS_nanosleep);
	g_in.rdi = (uint64_t)&g_ts;
	g_in.rsi = 0;
	blk_syscall();
	e = abi_expect(0, blk_syscall_after, block_rsp());
	check_regs("nanosleep after restart_syscall", &g_out, &e);
}

static void test_restartblock(void)
{
	struct user_regs_struct r;
	pid_t pid = spawn(tee_nanosleep);
	int s, before = failures;

	if (pid < 0)
		return;
	if (to_entry(pid, SYS_nanosleep, (uint64_t)&g_ts, &r) ||
	    ptrace(PTRACE_SYSCALL, pid, 0, 0))
		goto fin;
	usleep(20000);
	kill(pid, SIGUSR1);
	waitpid(pid, &s, 0);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	CHECK(WIFSTOPPED(s) && (s >> 8) == (SIGTRAP | 0x80) &&
	      r.rax == (uint64_t)-ERESTART_RESTARTBLOCK,
	      "restart_block: exit stop %#x rax %lld, expected -ERESTART_RESTARTBLOCK",
	      s, (long long)r.rax);
	s = resume(pid, PTRACE_SYSCALL, 0);
	CHECK(s == SIGUSR1, "restart_block: signal stop %d", s);
	/* suppress the signal: no handler, the kernel restarts by itself */
	s = resume(pid, PTRACE_SYSCALL, 0);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	printf("restart_block: next entry stop orig_rax %lld rip %#llx rdi %#llx\n",
	       (long long)r.orig_rax, r.rip, r.rdi);
	CHECK(s == (SIGTRAP | 0x80) && r.orig_rax == SYS_restart_syscall &&
	      r.rip == (uint64_t)blk_syscall_after && r.rdi == (uint64_t)&g_ts &&
	      r.rsi == 0 && r.rdx == V64_RDX && r.r10 == V64_R10 &&
	      r.r11 == FLAGS_IN && r.rcx == (uint64_t)blk_syscall_after,
	      "restart_block: expected the restart_syscall (219) entry stop at the same SYSCALL, got %#x orig_rax %lld",
	      s, (long long)r.orig_rax);
	s = resume(pid, PTRACE_SYSCALL, 0);
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	CHECK(s == (SIGTRAP | 0x80) && r.rax == 0,
	      "restart_syscall exit stop %#x rax %lld", s, (long long)r.rax);
fin:
	if (!finish(pid, "restart_block") && failures == before)
		add_detail("restart_syscall ok; ");
}

/* the tracer changes orig_rax at the entry stop */
static uint64_t orig_nr, orig_want;

static void tee_orig(void)
{
	struct gregs e;

	set_in(orig_nr);
	g_in.rdi = NEW(V64_R10);
	blk_syscall();
	e = abi_expect(orig_want ? orig_want : (uint64_t)getpid(),
		       blk_syscall_after, block_rsp());
	check_regs(orig_want ? "orig_rax -1 (skipped): -ENOSYS" :
		   "orig_rax 0x3ff -> getpid: pid", &g_out, &e);
}

static void test_orig(uint64_t nr, long newnr, uint64_t want)
{
	struct user_regs_struct r;
	pid_t pid;
	int before = failures;

	orig_nr = nr;
	orig_want = want;
	pid = spawn(tee_orig);
	if (pid < 0)
		return;
	if (to_entry(pid, nr, NEW(V64_R10), &r) == 0) {
		CHECK(ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, orig_rax),
			     newnr) == 0, "POKEUSER orig_rax: %m");
		if (resume(pid, PTRACE_SYSCALL, 0) == (SIGTRAP | 0x80)) {
			ptrace(PTRACE_GETREGS, pid, 0, &r);
			CHECK((long)r.orig_rax == newnr &&
			      r.rax == (want ? want : (uint64_t)pid),
			      "orig_rax %ld: exit stop orig_rax %lld rax %lld", newnr,
			      (long long)r.orig_rax, (long long)r.rax);
		}
	}
	if (!finish(pid, "orig_rax") && failures == before)
		add_detail("orig_rax->%ld ok; ", newnr);
}

/* ----------------------------------------------- 7: fork, clone, execve */

static void test_fork(void)
{
	struct gregs e;
	pid_t me = getpid();
	int status;

	fflush(stdout);
	set_in(SYS_fork);
	blk_syscall();
	if (g_out.rax == 0) {
		failures = 0;
		e = abi_expect(0, blk_syscall_after, block_rsp());
		check_regs("fork child: rax 0, rest as the parent's", &g_out, &e);
		CHECK(getppid() == me, "fork child: wrong parent");
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	e = abi_expect(g_out.rax, blk_syscall_after, block_rsp());
	check_regs("fork parent", &g_out, &e);
	CHECK((long)g_out.rax > 0 && waitpid(g_out.rax, &status, 0) == (pid_t)g_out.rax &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fork child %ld failed (status %#x)", (long)g_out.rax, status);
	if (!failures)
		add_detail("fork ok; ");
}

static void test_clone(void)
{
	size_t sz = 64 * 1024;
	char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t top, flags = CLONE_VM | CLONE_FS | CLONE_FILES | SIGCHLD;
	struct gregs e;
	int status, before = failures;

	if (stk == MAP_FAILED) {
		FAILF("mmap: %m");
		return;
	}
	top = (uint64_t)(stk + sz - 64);
	memset(&g_child_out, 0, sizeof(g_child_out));
	set_in(SYS_clone);
	g_in.rdi = flags;
	g_in.rsi = top;
	fflush(stdout);
	blk_clone();
	CHECK((long)g_out.rax > 0, "clone: %ld", (long)g_out.rax);
	if ((long)g_out.rax <= 0)
		return;
	CHECK(waitpid(g_out.rax, &status, 0) == (pid_t)g_out.rax &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "clone child status %#x", status);
	e = abi_expect(g_out.rax, blk_clone_after, block_rsp());
	check_regs("clone(CLONE_VM, stack) parent", &g_out, &e);
	e = abi_expect(0, blk_clone_after, top);
	check_regs("clone(CLONE_VM, stack) child: rsp = the new stack, rax 0", &g_child_out, &e);
	munmap(stk, sz);
	if (failures == before)
		add_detail("clone ok; ");
}

/* AT_ENTRY of a stopped process, 64- or 32-bit auxv */
static uint64_t auxv_entry(pid_t pid, int compat)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (compat) {
		uint32_t *a = (uint32_t *)buf;

		for (ssize_t i = 0; (i + 2) * 4 <= n; i += 2)
			if (a[i] == AT_ENTRY)
				return a[i + 1];
	} else {
		uint64_t *a = (uint64_t *)buf;

		for (ssize_t i = 0; (i + 2) * 8 <= n; i += 2)
			if (a[i] == AT_ENTRY)
				return a[i + 1];
	}
	return 0;
}

/* e_entry of an ELF file */
static uint64_t elf_entry(const char *file)
{
	unsigned char h[64];
	int fd = open(file, O_RDONLY);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (read(fd, h, sizeof(h)) == sizeof(h)) {
		if (h[EI_CLASS] == ELFCLASS64)
			memcpy(&e, h + offsetof(Elf64_Ehdr, e_entry), 8);
		else {
			uint32_t e32;

			memcpy(&e32, h + offsetof(Elf32_Ehdr, e_entry), 4);
			e = e32;
		}
	}
	close(fd);
	return e;
}

static void test_exec(const char *file, int compat)
{
	const char *what = compat ? "execve of a 32-bit static program" :
				    "execve of a 64-bit static program";
	struct user_regs_struct r;
	pid_t pid;
	int status, s, before = failures;
	uint64_t entry = elf_entry(file), at_entry;
	long argc;

	if (!entry) {
		printf("SKIP: %s: %s not readable\n", what, file);
		add_detail("%s SKIP (%s not readable); ", compat ? "exec32" : "exec64", file);
		skips++;
		return;
	}
	fflush(stdout);
	tee_gone = tee_bad = 0;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)file, (char *)"exec-child", NULL };
		char *envp[] = { NULL };

		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execve(file, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		FAILF("%s: tracee did not stop", what);
		return;
	}
	ptrace(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	s = resume(pid, PTRACE_CONT, 0);
	CHECK(s == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)), "%s: stop %#x, expected the exec event",
	      what, s);
	if (s != (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
		goto fin;
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	at_entry = auxv_entry(pid, compat);
	errno = 0;
	argc = ptrace(PTRACE_PEEKDATA, pid, r.rsp, 0);
	if (compat)
		argc = (uint32_t)argc;
	printf("%s: exec stop rip %#llx (e_entry %#lx AT_ENTRY %#lx) rsp %#llx [rsp]=%ld cs %#llx ss %#llx ds %#llx es %#llx fs %#llx gs %#llx eflags %#llx rax %#llx orig_rax %lld\n",
	       what, r.rip, entry, at_entry, r.rsp, argc, r.cs, r.ss, r.ds,
	       r.es, r.fs, r.gs, r.eflags, r.rax, (long long)r.orig_rax);
	CHECK(r.rip == entry && r.rip == at_entry, "%s: rip %#llx is not the entry", what, r.rip);
	CHECK(argc == 2, "%s: [rsp] = %ld, expected argc 2", what, argc);
	CHECK(!compat || r.rsp < (1ULL << 32), "%s: rsp above 4 GiB", what);
	CHECK(r.rbx == 0 && r.rcx == 0 && r.rdx == 0 && r.rsi == 0 && r.rdi == 0 &&
	      r.rbp == 0 && r.r8 == 0 && r.r9 == 0 && r.r10 == 0 && r.r11 == 0 &&
	      r.r12 == 0 && r.r13 == 0 && r.r14 == 0 && r.r15 == 0,
	      "%s: a GPR is not 0 (rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx rbp %#llx r8 %#llx r11 %#llx r15 %#llx)",
	      what, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r11, r.r15);
	/*
	 * execve's own entry state; for an IA32 image 6.1's
	 * __set_personality_ia32() rewrites orig_ax to __NR_ia32_execve (11)
	 * and sets TS_COMPAT for the "return" from this 64-bit execve.
	 */
	CHECK(r.rax == (uint64_t)-ENOSYS && r.orig_rax == (compat ? 11U : SYS_execve),
	      "%s: rax %#llx orig_rax %lld at the exec stop, expected -ENOSYS and %d",
	      what, r.rax, (long long)r.orig_rax, compat ? 11 : SYS_execve);
	CHECK((r.eflags & ~2ULL) == 0x200, "%s: eflags %#llx, expected IF only", what,
	      r.eflags);
	CHECK(r.cs == (compat ? 0x23U : 0x33U) && r.ss == 0x2b,
	      "%s: cs %#llx ss %#llx", what, r.cs, r.ss);
	CHECK(r.ds == (compat ? 0x2bU : 0) && r.es == (compat ? 0x2bU : 0) &&
	      r.fs == 0 && r.gs == 0 && r.fs_base == 0 && r.gs_base == 0,
	      "%s: ds %#llx es %#llx fs %#llx gs %#llx fs_base %#llx gs_base %#llx",
	      what, r.ds, r.es, r.fs, r.gs, r.fs_base, r.gs_base);
	/* the execve exit stop: rax 0, the rest unchanged */
	s = resume(pid, PTRACE_SYSCALL, 0);
	{
		struct user_regs_struct r2;

		ptrace(PTRACE_GETREGS, pid, 0, &r2);
		CHECK(s == (SIGTRAP | 0x80) && r2.rax == 0 && r2.rip == r.rip &&
		      r2.rsp == r.rsp && r2.rcx == 0 && r2.r11 == 0 && r2.rdx == 0 &&
		      r2.eflags == r.eflags,
		      "%s: execve exit stop %#x rax %#llx rip %#llx rcx %#llx r11 %#llx",
		      what, s, r2.rax, r2.rip, r2.rcx, r2.r11);
	}
fin:
	finish(pid, what);
	if (failures == before)
		add_detail("%s ok; ", compat ? "exec32" : "exec64");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "syscall";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "exec-child"))
		return 0;
	if (!strcmp(mode, "syscall")) {
		test_fast_path();
		test_setregs();
		test_pokerip();
		test_r11();
		test_badrip("non-canonical", 0xdead000000001000UL);
		test_badrip("kernel-half", 0xffffffffff600000UL - 0x100000UL);
		test_tf();
		test_step();
	} else if (!strcmp(mode, "restart")) {
		test_restart(1);
		test_restart(0);
		test_restartblock();
		test_orig(0x3ff, SYS_getpid, 0);
		test_orig(SYS_getpid, -1, (uint64_t)-ENOSYS);
	} else if (!strcmp(mode, "fork")) {
		test_fork();
		test_clone();
		test_exec("/proc/self/exe", 0);
		test_exec(argc > 2 ? argv[2] : "/bin/sysentry32", 1);
	} else {
		fprintf(stderr, "usage: sysentry syscall|restart|fork [prog32]\n");
		return 2;
	}
	printf("detail: %s%d failures, %d skipped\n", detail, failures, skips);
	return failures ? 1 : 0;
}
