// SPDX-License-Identifier: GPL-2.0
/*
 * exceptions: CPU exceptions raised in user mode reach the process as
 * signals whose frame holds the exact user registers, and sigreturn puts
 * back every register the handler wrote into that frame.
 *
 *   exceptions exc       int3, ud2, divide error, #GP (hlt, non-canonical
 *                        access), page faults (unmapped read and write,
 *                        write to a read-only page, fetch from a no-exec
 *                        page), a protection-key fault (PKU) and a
 *                        single-step #DB (TF set by popf);
 *   exceptions vsyscall  calls into the legacy vsyscall page
 *                        (gettimeofday, time) and a read of it;
 *   exceptions umip      smsw, str, sldt, sgdt, sidt from user mode (UMIP
 *                        emulation, arch/x86/kernel/umip.c).
 *
 * Built twice: 64-bit (exceptions) and -m32 (exceptions32: IA32 compat
 * entry and signal frames; exc and umip, no vsyscall page there, no
 * non-canonical addresses).
 *
 * Every trigger loads a distinct value into every general purpose register
 * (ptrace-values.h), sets CF|ZF|OF with popf, and runs one instruction.  The
 * signal handler records its siginfo and ucontext and checks nothing
 * itself; it then writes new values into every GPR, rsp, rip (a resume
 * stub) and the arithmetic flags of the ucontext.  The resume stub stores
 * what it finds in the registers after sigreturn.  main() then checks:
 *   - signal number, si_code, si_addr, trapno, err, cr2 (page faults);
 *   - every GPR, rsp, rip (the faulting instruction or the next one, by
 *     exception type), the flags (CF|ZF|OF, IF, TF for single-step), cs;
 *   - after sigreturn: every value the handler wrote.
 * With the pt_regs layout changed, a field saved or restored at the wrong
 * offset shows up as one of these mismatches.
 *
 * Output: one line per test; the last line starts with "detail:".
 * Exit status 0 when everything matched, 1 otherwise, 77 when the mode
 * cannot be tested here (vsyscall page absent, UMIP not enabled): what
 * could be checked still was, and a mismatch still fails.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptrace-values.h"
#include "check.h"
#include "regtables.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4
#endif

#define ARITH     0x8d5UL	/* CF PF AF ZF SF OF */
#define TF        0x100UL
#define FLAGS_IN  0x841UL	/* CF ZF OF: loaded by popf before the insn */
#define FLAGS_OUT 0x094UL	/* PF AF SF: written by the handler */
#define PUSH_IN   0xa43		/* FLAGS_IN | IF | bit 1 */
#define PUSH_TF   0xb43		/* the same with TF */
#define RSP_DELTA 256		/* the handler moves rsp down by this much */

#ifdef __x86_64__
/* gpr_name, gpr_greg, gpr_v: regtables.h */
typedef uint64_t reg_t;
#define REG_SP REG_RSP
#define REG_IP REG_RIP
#define USER_CS 0x33
#define GREG_CS(g) ((g)[REG_CSGSFS] & 0xffff)
#define UC_CR2(uc) ((reg_t)(uc)->uc_mcontext.gregs[REG_CR2])
#define ABI "64"
#else
/* eax ebx ecx edx esi edi ebp (IA32 compat) */
typedef uint32_t reg_t;
#define NGPR 7
static const char *const gpr_name[NGPR] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp",
};
static const int gpr_greg[NGPR] = {
	REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EDI, REG_EBP,
};
static const reg_t gpr_v[NGPR] = {
	V32_EAX, V32_EBX, V32_ECX, V32_EDX, V32_ESI, V32_EDI, V32_EBP,
};
#define REG_SP REG_ESP
#define REG_IP REG_EIP
#define USER_CS 0x23
#define GREG_CS(g) ((g)[REG_CS] & 0xffff)
#define UC_CR2(uc) ((reg_t)(uc)->uc_mcontext.cr2)
#define ABI "32"
#endif
#define RS 8			/* slot size of exc_after in the asm */

/* Shared with the asm below. */
reg_t exc_saved_rsp;		/* rsp at the instruction */
reg_t exc_arg;			/* address operand (rax) */
uint64_t exc_after[NGPR + 2];	/* GPRs, rsp, rflags seen by the resume stub */
unsigned char exc_mem[64] __attribute__((aligned(16)));
struct timeval exc_tv;
uint64_t exc_time;
extern char exc_resume[];

#ifdef __x86_64__
asm(".text\n"
    ".globl exc_resume\n"
    "exc_resume:\n"
    "	mov %rax, exc_after+0(%rip)\n"
    "	mov %rbx, exc_after+8(%rip)\n"
    "	mov %rcx, exc_after+16(%rip)\n"
    "	mov %rdx, exc_after+24(%rip)\n"
    "	mov %rsi, exc_after+32(%rip)\n"
    "	mov %rdi, exc_after+40(%rip)\n"
    "	mov %rbp, exc_after+48(%rip)\n"
    "	mov %r8, exc_after+56(%rip)\n"
    "	mov %r9, exc_after+64(%rip)\n"
    "	mov %r10, exc_after+72(%rip)\n"
    "	mov %r11, exc_after+80(%rip)\n"
    "	mov %r12, exc_after+88(%rip)\n"
    "	mov %r13, exc_after+96(%rip)\n"
    "	mov %r14, exc_after+104(%rip)\n"
    "	mov %r15, exc_after+112(%rip)\n"
    "	mov %rsp, exc_after+120(%rip)\n"
    "	pushfq\n"
    "	popq exc_after+128(%rip)\n"
    "	pushq $0x202\n"		/* clear TF and the arithmetic flags */
    "	popfq\n"
    "	mov exc_saved_rsp(%rip), %rsp\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n"
    "	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	ret\n");

/*
 * A trigger: save the callee-saved registers and rsp, load the known
 * values, then SETUP (operands), then the flags, then INSN at NAME_at;
 * NAME_after follows it.  If INSN does not fault (or after an emulation),
 * execution falls through to the resume stub.
 */
#define TRIGGER(name, setup, flags, insn)				\
	asm(".text\n"							\
	    ".globl " #name "\n" #name ":\n"				\
	    "	push %rbx\n	push %rbp\n	push %r12\n"		\
	    "	push %r13\n	push %r14\n	push %r15\n"		\
	    "	mov %rsp, exc_saved_rsp(%rip)\n"			\
	    LOAD_V64_GPRS						\
	    setup							\
	    "	pushq $" S(flags) "\n"					\
	    "	popfq\n"						\
	    ".globl " #name "_at\n" #name "_at:\n"			\
	    "	" insn "\n"						\
	    ".globl " #name "_after\n" #name "_after:\n"		\
	    "	jmp exc_resume\n");					\
	extern void name(void);						\
	extern char name##_at[], name##_after[]

#define ARG_RAX "	mov exc_arg(%rip), %rax\n"

TRIGGER(t_int3, "", PUSH_IN, "int3");
TRIGGER(t_ud2, "", PUSH_IN, "ud2");
TRIGGER(t_div0, "	xor %ecx, %ecx\n", PUSH_IN, "div %rcx");
TRIGGER(t_hlt, "", PUSH_IN, "hlt");
TRIGGER(t_noncanon, ARG_RAX, PUSH_IN, "mov (%rax), %rbx");
TRIGGER(t_read, ARG_RAX, PUSH_IN, "mov (%rax), %rbx");
TRIGGER(t_write, ARG_RAX, PUSH_IN, "mov %rbx, (%rax)");
TRIGGER(t_call, ARG_RAX, PUSH_IN, "call *%rax");
TRIGGER(t_step, "", PUSH_TF, "nop");
TRIGGER(t_vgtod, ARG_RAX "	lea exc_tv(%rip), %rdi\n	xor %esi, %esi\n",
	PUSH_IN, "call *%rax");
TRIGGER(t_vtime, ARG_RAX "	lea exc_time(%rip), %rdi\n", PUSH_IN,
	"call *%rax");
TRIGGER(t_smsw32, "", PUSH_IN, "smsw %eax");
TRIGGER(t_smsw64, "", PUSH_IN, "smsw %r9");
TRIGGER(t_str, "", PUSH_IN, "str %r14d");
TRIGGER(t_sldt, "", PUSH_IN, "sldt %edx");
TRIGGER(t_sgdt, "	lea exc_mem(%rip), %rbx\n", PUSH_IN, "sgdt (%rbx)");
TRIGGER(t_sidt, "	lea exc_mem+16(%rip), %r12\n", PUSH_IN, "sidt (%r12)");

#else /* __i386__ */
asm(".text\n"
    ".globl exc_resume\n"
    "exc_resume:\n"
    "	mov %eax, exc_after+0\n"
    "	mov %ebx, exc_after+8\n"
    "	mov %ecx, exc_after+16\n"
    "	mov %edx, exc_after+24\n"
    "	mov %esi, exc_after+32\n"
    "	mov %edi, exc_after+40\n"
    "	mov %ebp, exc_after+48\n"
    "	mov %esp, exc_after+56\n"
    "	pushf\n"
    "	popl exc_after+64\n"
    "	pushl $0x202\n"
    "	popf\n"
    "	mov exc_saved_rsp, %esp\n"
    "	pop %ebp\n	pop %edi\n	pop %esi\n	pop %ebx\n"
    "	ret\n");

#define LOAD_V32_GPRS					\
	"	mov $" S(V32_EAX) ", %eax\n"			\
	"	mov $" S(V32_EBX) ", %ebx\n"			\
	"	mov $" S(V32_ECX) ", %ecx\n"			\
	"	mov $" S(V32_EDX) ", %edx\n"			\
	"	mov $" S(V32_ESI) ", %esi\n"			\
	"	mov $" S(V32_EDI) ", %edi\n"			\
	"	mov $" S(V32_EBP) ", %ebp\n"

#define TRIGGER(name, setup, flags, insn)				\
	asm(".text\n"							\
	    ".globl " #name "\n" #name ":\n"				\
	    "	push %ebx\n	push %esi\n	push %edi\n	push %ebp\n" \
	    "	mov %esp, exc_saved_rsp\n"				\
	    LOAD_V32_GPRS						\
	    setup							\
	    "	pushl $" S(flags) "\n"					\
	    "	popf\n"							\
	    ".globl " #name "_at\n" #name "_at:\n"			\
	    "	" insn "\n"						\
	    ".globl " #name "_after\n" #name "_after:\n"		\
	    "	jmp exc_resume\n");					\
	extern void name(void);						\
	extern char name##_at[], name##_after[]

#define ARG_RAX "	mov exc_arg, %eax\n"

TRIGGER(t_int3, "", PUSH_IN, "int3");
TRIGGER(t_ud2, "", PUSH_IN, "ud2");
TRIGGER(t_div0, "	xor %ecx, %ecx\n", PUSH_IN, "div %ecx");
TRIGGER(t_hlt, "", PUSH_IN, "hlt");
TRIGGER(t_read, ARG_RAX, PUSH_IN, "mov (%eax), %ebx");
TRIGGER(t_write, ARG_RAX, PUSH_IN, "mov %ebx, (%eax)");
TRIGGER(t_call, ARG_RAX, PUSH_IN, "call *%eax");
TRIGGER(t_step, "", PUSH_TF, "nop");
TRIGGER(t_smsw32, "", PUSH_IN, "smsw %eax");
TRIGGER(t_smsw16, "", PUSH_IN, "smsw %di");
TRIGGER(t_str, "", PUSH_IN, "str %ecx");
TRIGGER(t_sldt, "", PUSH_IN, "sldt %edx");
TRIGGER(t_sgdt, "	lea exc_mem, %ebx\n", PUSH_IN, "sgdt (%ebx)");
TRIGGER(t_sidt, "	lea exc_mem+16, %esi\n", PUSH_IN, "sidt (%esi)");
#endif

/* What the handler saw, and what it wrote. */
static volatile int nsig;
static siginfo_t got_si;
static greg_t got_g[NGREG];
static reg_t got_cr2;
static reg_t newv[NGPR];

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	(void)sig;
	if (nsig++ == 0) {
		got_si = *si;
		memcpy(got_g, g, sizeof(got_g));
		got_cr2 = UC_CR2(uc);
	}
	for (int i = 0; i < NGPR; i++)
		g[gpr_greg[i]] = (greg_t)newv[i];
	g[REG_SP] = (greg_t)(exc_saved_rsp - RSP_DELTA);
	g[REG_IP] = (greg_t)(uintptr_t)exc_resume;
	g[REG_EFL] = (greg_t)(((reg_t)g[REG_EFL] & ~(ARITH | TF)) | FLAGS_OUT);
}

static int tests_run;
static char detail[512];
/* failures, FAILF: check.h */

/* An exception expected as a signal. */
struct exc {
	const char *name;
	void (*fn)(void);
	const char *rip;	/* expected rip */
	reg_t rip_val;		/* or this, when rip is NULL */
	int sig, code, trapno;
	long err;		/* -1: not checked */
	int check_addr;		/* si_addr and (page faults) cr2 == addr */
	reg_t addr;
	int rsp_adj;		/* rsp at the signal vs saved (call: -8) */
	uint64_t flags_extra;	/* TF for single-step */
	reg_t rax, rcx, rdx, rsi, rdi; /* operand overrides (0: V; 1: 0) */
	int pkey;		/* >= 0: si_pkey must match */
};

static void set_newv(int seed)
{
	for (int i = 0; i < NGPR; i++)
		newv[i] = (reg_t)(gpr_v[i] ^ 0x5a5a5a5a5a5a5a5aULL ^
				  ((uint64_t)seed << 40) ^
				  ((uint64_t)seed << 24) ^ ((uint64_t)i << 8));
}

static void expected_gprs(const struct exc *e, reg_t *exp)
{
	memcpy(exp, gpr_v, sizeof(gpr_v));
	if (e->rax)
		exp[0] = e->rax;
	if (e->rcx)
		exp[2] = e->rcx == 1 ? 0 : e->rcx;
	if (e->rdx)
		exp[3] = e->rdx;
	if (e->rsi)
		exp[4] = e->rsi == 1 ? 0 : e->rsi;
	if (e->rdi)
		exp[5] = e->rdi;
}

/* Check the resume stub's view: every value the handler wrote. */
static int check_after(const char *name)
{
	int bad = 0;

	for (int i = 0; i < NGPR; i++) {
		if (exc_after[i] != newv[i]) {
			FAILF("%s: after sigreturn %s = %#llx, handler wrote %#llx",
			      name, gpr_name[i],
			      (unsigned long long)exc_after[i],
			      (unsigned long long)newv[i]);
			bad++;
		}
	}
	if (exc_after[NGPR] != (reg_t)(exc_saved_rsp - RSP_DELTA)) {
		FAILF("%s: after sigreturn rsp = %#llx, handler wrote %#llx",
		      name, (unsigned long long)exc_after[NGPR],
		      (unsigned long long)(reg_t)(exc_saved_rsp - RSP_DELTA));
		bad++;
	}
	if ((exc_after[NGPR + 1] & (ARITH | TF)) != FLAGS_OUT) {
		FAILF("%s: after sigreturn rflags = %#llx, handler wrote arithmetic flags %#lx",
		      name, (unsigned long long)exc_after[NGPR + 1],
		      FLAGS_OUT);
		bad++;
	}
	return bad;
}

static int run_exc(const struct exc *e, int seed)
{
	reg_t exp[NGPR], rip;
	int before = failures;
	reg_t efl;

	tests_run++;
	set_newv(seed);
	nsig = 0;
	memset(&got_si, 0, sizeof(got_si));
	memset(got_g, 0, sizeof(got_g));
	memset(exc_after, 0, sizeof(exc_after));
	e->fn();
	if (nsig != 1) {
		FAILF("%s: %d signals, expected 1", e->name, nsig);
		return 1;
	}
	expected_gprs(e, exp);
	if (got_si.si_signo != e->sig)
		FAILF("%s: signal %d, expected %d", e->name, got_si.si_signo,
		      e->sig);
	if (got_si.si_code != e->code)
		FAILF("%s: si_code %#x, expected %#x", e->name,
		      got_si.si_code, e->code);
	if (got_g[REG_TRAPNO] != e->trapno)
		FAILF("%s: trapno %lld, expected %d", e->name,
		      (long long)got_g[REG_TRAPNO], e->trapno);
	if (e->err >= 0 && got_g[REG_ERR] != e->err)
		FAILF("%s: err %#llx, expected %#lx", e->name,
		      (long long)got_g[REG_ERR], e->err);
	if (e->check_addr) {
		if ((reg_t)(uintptr_t)got_si.si_addr != e->addr)
			FAILF("%s: si_addr %p, expected %#llx", e->name,
			      got_si.si_addr, (unsigned long long)e->addr);
		if (e->trapno == 14 && got_cr2 != e->addr)
			FAILF("%s: cr2 %#llx, expected %#llx", e->name,
			      (unsigned long long)got_cr2,
			      (unsigned long long)e->addr);
	}
	if (e->pkey >= 0 && (int)got_si.si_pkey != e->pkey)
		FAILF("%s: si_pkey %u, expected %d", e->name, got_si.si_pkey,
		      e->pkey);
	for (int i = 0; i < NGPR; i++)
		if ((reg_t)got_g[gpr_greg[i]] != exp[i])
			FAILF("%s: %s = %#llx, expected %#llx", e->name,
			      gpr_name[i],
			      (unsigned long long)(reg_t)got_g[gpr_greg[i]],
			      (unsigned long long)exp[i]);
	if ((reg_t)got_g[REG_SP] != (reg_t)(exc_saved_rsp + e->rsp_adj))
		FAILF("%s: rsp = %#llx, expected %#llx", e->name,
		      (unsigned long long)(reg_t)got_g[REG_SP],
		      (unsigned long long)(reg_t)(exc_saved_rsp + e->rsp_adj));
	rip = e->rip ? (reg_t)(uintptr_t)e->rip : e->rip_val;
	if ((reg_t)got_g[REG_IP] != rip)
		FAILF("%s: rip = %#llx, expected %#llx", e->name,
		      (unsigned long long)(reg_t)got_g[REG_IP],
		      (unsigned long long)rip);
	efl = (reg_t)got_g[REG_EFL];
	if ((efl & (ARITH | TF)) != (FLAGS_IN | e->flags_extra) ||
	    (efl & 0x202) != 0x202)
		FAILF("%s: rflags = %#llx, expected arithmetic/TF bits %#llx plus IF",
		      e->name, (unsigned long long)efl,
		      (unsigned long long)(FLAGS_IN | e->flags_extra));
	if (GREG_CS(got_g) != USER_CS)
		FAILF("%s: cs = %#llx, expected %#x", e->name,
		      (long long)GREG_CS(got_g), USER_CS);
	check_after(e->name);
	printf("%s: %s (sig %d code %#x trapno %lld err %#llx rip %#llx cr2 %#llx)\n",
	       e->name, failures == before ? "ok" : "MISMATCH",
	       got_si.si_signo, got_si.si_code, (long long)got_g[REG_TRAPNO],
	       (long long)got_g[REG_ERR], (long long)(reg_t)got_g[REG_IP],
	       (long long)got_cr2);
	return failures != before;
}

static void add_detail(const char *fmt, const char *s)
{
	size_t n = strlen(detail);

	snprintf(detail + n, sizeof(detail) - n, fmt, s);
}

static int cpu_flag(const char *flag)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
			if (!strcmp(t, flag))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static void install(void)
{
	struct sigaction sa;
	const int sigs[] = { SIGTRAP, SIGILL, SIGFPE, SIGSEGV, SIGBUS };

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int mode_exc(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *unmapped, *ro, *noexec;
	int seed = 1;

	unmapped = mmap(NULL, pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	noexec = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (unmapped == MAP_FAILED || ro == MAP_FAILED || noexec == MAP_FAILED) {
		printf("detail: mmap failed: %m\n");
		return 1;
	}
	munmap(unmapped, pg);
	if (*(volatile char *)ro)	/* present, read-only (zero page) */
		return 1;
	noexec[0] = (char)0xc3;		/* ret, were it executable */

	const struct exc simple[] = {
		{ .name = "int3", .fn = t_int3, .rip = t_int3_after,
		  .sig = SIGTRAP, .code = SI_KERNEL, .trapno = 3, .err = 0,
		  .pkey = -1 },
		{ .name = "ud2", .fn = t_ud2, .rip = t_ud2_at, .sig = SIGILL,
		  .code = ILL_ILLOPN, .trapno = 6, .err = 0, .check_addr = 1,
		  .addr = (uintptr_t)t_ud2_at, .pkey = -1 },
		{ .name = "div0", .fn = t_div0, .rip = t_div0_at,
		  .sig = SIGFPE, .code = FPE_INTDIV, .trapno = 0, .err = 0,
		  .check_addr = 1, .addr = (uintptr_t)t_div0_at, .rcx = 1,
		  .pkey = -1 },
		{ .name = "gp-hlt", .fn = t_hlt, .rip = t_hlt_at,
		  .sig = SIGSEGV, .code = SI_KERNEL, .trapno = 13, .err = 0,
		  .check_addr = 1, .addr = 0, .pkey = -1 },
		{ .name = "pf-read-unmapped", .fn = t_read, .rip = t_read_at,
		  .sig = SIGSEGV, .code = SEGV_MAPERR, .trapno = 14,
		  .err = 4, .check_addr = 1, .addr = (uintptr_t)unmapped,
		  .rax = (uintptr_t)unmapped, .pkey = -1 },
		{ .name = "pf-write-unmapped", .fn = t_write,
		  .rip = t_write_at, .sig = SIGSEGV, .code = SEGV_MAPERR,
		  .trapno = 14, .err = 6, .check_addr = 1,
		  .addr = (uintptr_t)unmapped, .rax = (uintptr_t)unmapped,
		  .pkey = -1 },
		{ .name = "pf-write-readonly", .fn = t_write,
		  .rip = t_write_at, .sig = SIGSEGV, .code = SEGV_ACCERR,
		  .trapno = 14, .err = 7, .check_addr = 1,
		  .addr = (uintptr_t)ro + 8, .rax = (uintptr_t)ro + 8,
		  .pkey = -1 },
		/* a call into a no-exec page: the fault is at the target,
		 * after the return address was pushed */
		{ .name = "pf-exec-noexec", .fn = t_call, .rip = NULL,
		  .rip_val = (uintptr_t)noexec, .sig = SIGSEGV,
		  .code = SEGV_ACCERR, .trapno = 14, .err = 0x15,
		  .check_addr = 1, .addr = (uintptr_t)noexec,
		  .rsp_adj = -(int)sizeof(reg_t),
		  .rax = (uintptr_t)noexec, .pkey = -1 },
		{ .name = "single-step", .fn = t_step, .rip = t_step_after,
		  .sig = SIGTRAP, .code = TRAP_TRACE, .trapno = 1, .err = 0,
		  .check_addr = 1, .addr = (uintptr_t)t_step_after,
		  .flags_extra = TF, .pkey = -1 },
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		const struct exc *e = &simple[i];

		if (e->rax)
			exc_arg = e->rax;
		run_exc(e, seed++);
	}

#ifdef __x86_64__
	/* A non-canonical address: #GP(0), not a page fault. */
	struct exc nc = { .name = "gp-noncanonical", .fn = t_noncanon,
			  .rip = t_noncanon_at, .sig = SIGSEGV,
			  .code = SI_KERNEL, .trapno = 13, .err = 0,
			  .check_addr = 1, .addr = 0,
			  .rax = 0x8000000000001000ULL, .pkey = -1 };
	exc_arg = nc.rax;
	run_exc(&nc, seed++);
#endif

	/* A write to a page whose protection key denies writes. */
	if (!cpu_flag("pku") || !cpu_flag("ospke")) {
		printf("SKIP: pkey: no pku/ospke in /proc/cpuinfo\n");
		add_detail("%s", "pkey skipped (no PKU);");
	} else {
		char *pk = mmap(NULL, pg, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int key;

		pk[0] = 1;
		key = pkey_alloc(0, PKEY_DISABLE_WRITE);
		if (key < 0) {
			printf("SKIP: pkey: pkey_alloc: %m\n");
			add_detail("%s", "pkey skipped (pkey_alloc failed);");
		} else if (pkey_mprotect(pk, pg, PROT_READ | PROT_WRITE, key)) {
			FAILF("pkey_mprotect: %m");
		} else {
			struct exc pe = {
				.name = "pkey-write", .fn = t_write,
				.rip = t_write_at, .sig = SIGSEGV,
				.code = SEGV_PKUERR, .trapno = 14,
				.err = 0x27, .check_addr = 1,
				.addr = (uintptr_t)pk + 16,
				.rax = (uintptr_t)pk + 16, .pkey = key,
			};
			exc_arg = pe.rax;
			run_exc(&pe, seed++);
			pkey_set(key, 0);
			pkey_mprotect(pk, pg, PROT_READ | PROT_WRITE, 0);
			pkey_free(key);
		}
	}
	printf("detail: %s: %d exceptions (%s-bit), registers in the frame and after sigreturn%s%s\n",
	       failures ? "mismatches" : "all exact", tests_run, ABI,
	       detail[0] ? "; " : "", detail);
	return failures ? 1 : 0;
}

#ifdef __x86_64__
/* ------------------------------------------------------------------ */
/* vsyscall page                                                       */

#define VSYS_GTOD 0xffffffffff600000ULL
#define VSYS_TIME 0xffffffffff600400ULL

/* The [vsyscall] line of /proc/self/maps: its permissions, or "". */
static void vsyscall_perms(char *perms, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vsyscall]")) {
			char *p = strchr(line, ' ');

			if (p)
				snprintf(perms, len, "%.4s", p + 1);
		}
	}
	fclose(f);
}

/* The emulated call: callee-saved registers and rsp intact. */
static void check_emulated(const char *name, uint64_t rax_exp, int exact)
{
	static const int callee[] = { 1, 6, 11, 12, 13, 14 }; /* rbx rbp r12-r15 */
	int before = failures;

	tests_run++;
	if (nsig != 0)
		FAILF("%s: %d signals, the call should have been emulated",
		      name, nsig);
	for (size_t i = 0; i < sizeof(callee) / sizeof(callee[0]); i++) {
		int r = callee[i];

		if (exc_after[r] != gpr_v[r])
			FAILF("%s: %s = %#llx after the call, expected %#llx",
			      name, gpr_name[r],
			      (unsigned long long)exc_after[r],
			      (unsigned long long)gpr_v[r]);
	}
	if (exc_after[NGPR] != exc_saved_rsp)
		FAILF("%s: rsp = %#llx after the call, expected %#llx", name,
		      (unsigned long long)exc_after[NGPR],
		      (unsigned long long)exc_saved_rsp);
	if (exact && exc_after[0] != rax_exp)
		FAILF("%s: returned %#llx, expected %#llx", name,
		      (unsigned long long)exc_after[0],
		      (unsigned long long)rax_exp);
	printf("%s: %s (returned %#llx)\n", name,
	       failures == before ? "ok" : "MISMATCH",
	       (unsigned long long)exc_after[0]);
}

static int mode_vsyscall(void)
{
	char perms[8];
	int seed = 40;

	vsyscall_perms(perms, sizeof(perms));
	printf("vsyscall: /proc/self/maps [vsyscall] %s\n",
	       perms[0] ? perms : "absent");

	/* Reading the page faults in every mode (xonly: not readable; none
	 * or no emulation: not mapped).  User access to a kernel-half
	 * address is reported as a protection fault (sanitize_error_code):
	 * err = user | present-bit. */
	struct exc rd = { .name = "vsyscall-read", .fn = t_read,
			  .rip = t_read_at, .sig = SIGSEGV,
			  .code = SEGV_MAPERR, .trapno = 14, .err = 5,
			  .check_addr = 1, .addr = VSYS_GTOD,
			  .rax = VSYS_GTOD, .pkey = -1 };
	if (!strcmp(perms, "r-xp")) {
		printf("SKIP: vsyscall-read: vsyscall=emulate makes the page readable\n");
	} else {
		exc_arg = rd.rax;
		run_exc(&rd, seed++);
	}

	if (!perms[0]) {
		/* No vsyscall page: the call faults at the target. */
		struct exc call = {
			.name = "vsyscall-call-unmapped", .fn = t_vgtod,
			.rip = NULL, .rip_val = VSYS_GTOD, .sig = SIGSEGV,
			.code = SEGV_MAPERR, .trapno = 14, .err = 0x15,
			.check_addr = 1, .addr = VSYS_GTOD, .rsp_adj = -8,
			.rax = VSYS_GTOD, .rdi = (uintptr_t)&exc_tv,
			.rsi = 1, .pkey = -1,
		};
		exc_arg = call.rax;
		run_exc(&call, seed++);
		printf("detail: %s: no vsyscall page (CONFIG_X86_VSYSCALL_EMULATION off or vsyscall=none), emulation not tested; call and read fault with exact frames\n",
		       failures ? "mismatches" : "skipped");
		return failures ? 1 : 77;
	}

	/* Emulated: gettimeofday and time return sane values. */
	struct timeval before, after;
	time_t t0, t1;

	gettimeofday(&before, NULL);
	set_newv(seed++);
	nsig = 0;
	memset(&exc_tv, 0, sizeof(exc_tv));
	exc_arg = VSYS_GTOD;
	t_vgtod();
	gettimeofday(&after, NULL);
	check_emulated("vsyscall-gettimeofday", 0, 1);
	if (exc_tv.tv_sec < before.tv_sec || exc_tv.tv_sec > after.tv_sec)
		FAILF("vsyscall-gettimeofday: tv_sec %lld outside [%lld, %lld]",
		      (long long)exc_tv.tv_sec, (long long)before.tv_sec,
		      (long long)after.tv_sec);

	t0 = time(NULL);
	nsig = 0;
	exc_time = 0;
	exc_arg = VSYS_TIME;
	t_vtime();
	t1 = time(NULL);
	check_emulated("vsyscall-time", 0, 0);
	if ((int64_t)exc_after[0] < t0 || (int64_t)exc_after[0] > t1 ||
	    exc_time != exc_after[0])
		FAILF("vsyscall-time: returned %lld and stored %lld, expected the same value in [%lld, %lld]",
		      (long long)exc_after[0], (long long)exc_time,
		      (long long)t0, (long long)t1);
	printf("detail: %s: vsyscall %s, gettimeofday and time emulated, callee-saved registers and rsp intact, read faults\n",
	       failures ? "mismatches" : "exact", perms);
	return failures ? 1 : 0;
}

#endif /* __x86_64__ */

/* ------------------------------------------------------------------ */
/* UMIP                                                                */

#define CR0_STATE 0x80050033ULL	/* PE MP ET NE WP AM PG (processor-flags.h) */
#define UMIP_GDT  0xfffffffffffe0000ULL
#define UMIP_IDT  0xffffffffffff0000ULL
#define STR_VALUE 0x40		/* GDT_ENTRY_TSS * 8 on x86_64 */

/* Run a trigger that must not signal; compare every GPR with exp. */
static void umip_check(const char *name, void (*fn)(void), const reg_t *exp)
{
	int before = failures;

	tests_run++;
	nsig = 0;
	memset(exc_after, 0, sizeof(exc_after));
	set_newv(70);
	fn();
	if (nsig)
		FAILF("%s: signal %d (si_code %#x, trapno %lld), expected emulation",
		      name, got_si.si_signo, got_si.si_code,
		      (long long)got_g[REG_TRAPNO]);
	for (int i = 0; i < NGPR && !nsig; i++)
		if (exc_after[i] != exp[i])
			FAILF("%s: %s = %#llx, expected %#llx", name,
			      gpr_name[i], (unsigned long long)exc_after[i],
			      (unsigned long long)exp[i]);
	if (!nsig && exc_after[NGPR] != exc_saved_rsp)
		FAILF("%s: rsp = %#llx, expected %#llx", name,
		      (unsigned long long)exc_after[NGPR],
		      (unsigned long long)exc_saved_rsp);
	if (!nsig && (exc_after[NGPR + 1] & ARITH) != FLAGS_IN)
		FAILF("%s: rflags = %#llx, expected arithmetic flags %#lx",
		      name, (unsigned long long)exc_after[NGPR + 1], FLAGS_IN);
	printf("%s: %s\n", name, failures == before ? "ok" : "MISMATCH");
}

#ifdef __x86_64__
#define BASE_BYTES 8
#define UMIP_GDT_B UMIP_GDT
#define UMIP_IDT_B UMIP_IDT
#else
#define BASE_BYTES 4		/* 32-bit processes get the low 32 bits */
#define UMIP_GDT_B (UMIP_GDT & 0xffffffff)
#define UMIP_IDT_B (UMIP_IDT & 0xffffffff)
#endif

static uint64_t get_base(const unsigned char *p)
{
	uint64_t v = 0;

	memcpy(&v, p, BASE_BYTES);
	return v;
}

static int mode_umip(void)
{
	reg_t exp[NGPR];

	if (!cpu_flag("umip")) {
		printf("detail: no umip flag in /proc/cpuinfo (CPU model without UMIP)\n");
		return 77;
	}
	/*
	 * Does the kernel enable CR4.UMIP?  sgdt runs natively (and gives
	 * the real GDT base) when it does not: CONFIG_X86_UMIP off.
	 */
	memset(exc_mem, 0xee, sizeof(exc_mem));
	nsig = 0;
	set_newv(69);
	t_sgdt();
	if (!nsig && get_base(exc_mem + 2) != UMIP_GDT_B) {
		printf("sgdt ran natively: base %#llx limit %#x\n",
		       (unsigned long long)get_base(exc_mem + 2),
		       exc_mem[0] | exc_mem[1] << 8);
		printf("detail: CPU has UMIP, the kernel does not enable it (CONFIG_X86_UMIP off: sgdt ran natively)\n");
		return 77;
	}

	/*
	 * 6.1 arch/x86/kernel/umip.c emulates all five for 64-bit and for
	 * 32-bit processes: register operands get opnd_bytes of the dummy
	 * value written into their pt_regs slot (the rest of the register
	 * is kept), memory operands get 2 bytes (smsw/sldt/str) or limit 0
	 * plus a dummy base of 8 (64-bit) or 4 (32-bit) bytes (sgdt/sidt);
	 * rip moves past the instruction.
	 */
	memcpy(exp, gpr_v, sizeof(exp));
	exp[1] = (uintptr_t)exc_mem;
	memset(exc_mem, 0xee, sizeof(exc_mem));
	umip_check("umip-sgdt", t_sgdt, exp);
	if (exc_mem[0] || exc_mem[1] || get_base(exc_mem + 2) != UMIP_GDT_B ||
	    exc_mem[2 + BASE_BYTES] != 0xee)
		FAILF("umip-sgdt: stored limit %#x base %#llx (next byte %#x), expected 0, %#llx, untouched",
		      exc_mem[0] | exc_mem[1] << 8,
		      (unsigned long long)get_base(exc_mem + 2),
		      exc_mem[2 + BASE_BYTES], UMIP_GDT_B);

	memcpy(exp, gpr_v, sizeof(exp));
#ifdef __x86_64__
	exp[11] = (uintptr_t)exc_mem + 16;	/* r12 */
#else
	exp[4] = (uintptr_t)exc_mem + 16;	/* esi */
#endif
	umip_check("umip-sidt", t_sidt, exp);
	if (exc_mem[16] || exc_mem[17] ||
	    get_base(exc_mem + 18) != UMIP_IDT_B ||
	    exc_mem[18 + BASE_BYTES] != 0xee)
		FAILF("umip-sidt: stored limit %#x base %#llx, expected 0, %#llx",
		      exc_mem[16] | exc_mem[17] << 8,
		      (unsigned long long)get_base(exc_mem + 18), UMIP_IDT_B);

#ifdef __x86_64__
	memcpy(exp, gpr_v, sizeof(exp));
	exp[0] = (V64_RAX & ~0xffffffffULL) | CR0_STATE;
	umip_check("umip-smsw-eax", t_smsw32, exp);

	memcpy(exp, gpr_v, sizeof(exp));
	exp[8] = CR0_STATE;
	umip_check("umip-smsw-r9", t_smsw64, exp);

	memcpy(exp, gpr_v, sizeof(exp));
	exp[13] = (V64_R14 & ~0xffffffffULL) | STR_VALUE;
	umip_check("umip-str-r14d", t_str, exp);

	memcpy(exp, gpr_v, sizeof(exp));
	exp[3] = V64_RDX & ~0xffffffffULL;	/* no LDT: 0 */
	umip_check("umip-sldt-edx", t_sldt, exp);
#else
	memcpy(exp, gpr_v, sizeof(exp));
	exp[0] = (reg_t)CR0_STATE;
	umip_check("umip-smsw-eax", t_smsw32, exp);

	memcpy(exp, gpr_v, sizeof(exp));
	exp[5] = (V32_EDI & ~0xffffU) | (CR0_STATE & 0xffff);
	umip_check("umip-smsw-di", t_smsw16, exp);

	memcpy(exp, gpr_v, sizeof(exp));
	exp[2] = STR_VALUE;
	umip_check("umip-str-ecx", t_str, exp);

	memcpy(exp, gpr_v, sizeof(exp));
	exp[3] = 0;				/* no LDT */
	umip_check("umip-sldt-edx", t_sldt, exp);
#endif

	printf("detail: %s: sgdt sidt smsw str sldt emulated for a %s-bit process, destination registers and memory exact\n",
	       failures ? "mismatches" : "exact", ABI);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	install();
	if (argc == 2 && !strcmp(argv[1], "exc"))
		return mode_exc();
#ifdef __x86_64__
	if (argc == 2 && !strcmp(argv[1], "vsyscall"))
		return mode_vsyscall();
#endif
	if (argc == 2 && !strcmp(argv[1], "umip"))
		return mode_umip();
	fprintf(stderr, "usage: exceptions exc|vsyscall|umip (vsyscall: 64-bit only)\n");
	return 2;
}
