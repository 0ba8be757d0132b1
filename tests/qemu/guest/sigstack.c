// SPDX-License-Identifier: GPL-2.0
/*
 * sigstack: signal frames of nested signals and of signals on an
 * alternate stack hold the exact interrupted registers, and sigreturn
 * restores every register from the frame the handler edited.
 *
 *   sigstack nest      main sends itself SIGUSR1 with kill() made through
 *                      SYSCALL, every other register known; the SIGUSR1
 *                      handler loads other known values and sends
 *                      SIGUSR2 the same way, with another mask;
 *   sigstack altstack  the same with both handlers SA_ONSTACK on a
 *                      sigaltstack: the outer one runs on the alternate
 *                      stack, the inner one below it on the same stack.
 *
 * Each handler checks (through main, after the fact) its ucontext: every
 * GPR (rax = 0, the result of kill; rcx = the return rip and r11 = rflags,
 * as SYSCALL left them; rdi/rsi the kill arguments; every other one its
 * known value), rsp, rip, the arithmetic flags, uc_sigmask and uc_stack.
 * Each handler then writes new values into all 15 GPRs and the arithmetic
 * flags of its ucontext; the code after the kill() stores what it finds
 * in the registers after sigreturn, which must be those values: the inner
 * sigreturn brings back the outer handler's state (with the inner
 * handler's edits), the outer one main's.
 *
 * Output: one line per check; the last line starts with "detail:".
 * Exit status 0 when everything matched, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptrace-values.h"
#include "check.h"
#include "regtables.h"

#define ARITH 0x8d5UL
/* gpr_name, gpr_greg, gpr_v (rax rbx rcx rdx rsi rdi rbp r8..r15): regtables.h */

/* One kill() with known registers; offsets are used by the asm below. */
struct rblock {
	uint64_t in[NGPR];	/*   0: loaded before SYSCALL (rax rsi rdi not) */
	uint64_t flags_in;	/* 120: pushed and popfq'd */
	uint64_t pid;		/* 128 */
	uint64_t sig;		/* 136 */
	uint64_t rsp;		/* 144: rsp at SYSCALL */
	uint64_t out[NGPR];	/* 152: registers after the syscall returned */
	uint64_t out_rsp;	/* 272 */
	uint64_t out_flags;	/* 280 */
};
_Static_assert(sizeof(struct rblock) == 288, "rblock layout");

extern void raise_regs(struct rblock *b);
extern char raise_regs_after[];

asm(".text\n"
    ".globl raise_regs\n"
    "raise_regs:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n"
    "	push %r13\n	push %r14\n	push %r15\n"
    "	push %rdi\n"
    "	pushq 120(%rdi)\n"
    "	popfq\n"
    "	mov %rsp, 144(%rdi)\n"
    "	mov 8(%rdi), %rbx\n"
    "	mov 16(%rdi), %rcx\n"
    "	mov 24(%rdi), %rdx\n"
    "	mov 48(%rdi), %rbp\n"
    "	mov 56(%rdi), %r8\n"
    "	mov 64(%rdi), %r9\n"
    "	mov 72(%rdi), %r10\n"
    "	mov 80(%rdi), %r11\n"
    "	mov 88(%rdi), %r12\n"
    "	mov 96(%rdi), %r13\n"
    "	mov 104(%rdi), %r14\n"
    "	mov 112(%rdi), %r15\n"
    "	mov 136(%rdi), %rsi\n"
    "	mov $62, %eax\n"		/* kill */
    "	mov 128(%rdi), %rdi\n"
    "	syscall\n"
    ".globl raise_regs_after\n"
    "raise_regs_after:\n"
    "	xchg %rdi, (%rsp)\n"		/* flags untouched */
    "	mov %rax, 152(%rdi)\n"
    "	mov %rbx, 160(%rdi)\n"
    "	mov %rcx, 168(%rdi)\n"
    "	mov %rdx, 176(%rdi)\n"
    "	mov %rsi, 184(%rdi)\n"
    "	mov %rbp, 200(%rdi)\n"
    "	mov %r8, 208(%rdi)\n"
    "	mov %r9, 216(%rdi)\n"
    "	mov %r10, 224(%rdi)\n"
    "	mov %r11, 232(%rdi)\n"
    "	mov %r12, 240(%rdi)\n"
    "	mov %r13, 248(%rdi)\n"
    "	mov %r14, 256(%rdi)\n"
    "	mov %r15, 264(%rdi)\n"
    "	mov %rsp, 272(%rdi)\n"
    "	pushfq\n"
    "	popq 280(%rdi)\n"
    "	pop %rax\n"
    "	mov %rax, 192(%rdi)\n"
    "	pushq $0x202\n"
    "	popfq\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n"
    "	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	ret\n");

/* What a handler saw. */
struct seen {
	int count;
	greg_t g[NGREG];
	uint64_t sigmask;	/* uc_sigmask, first 64 signals */
	uint64_t blocked;	/* sigprocmask inside the handler */
	stack_t uc_stack;
	stack_t cur_stack;	/* sigaltstack(NULL, &cur) inside */
	int set_errno;		/* sigaltstack(new) inside: errno */
	uint64_t rsp;		/* the handler's own rsp */
	uint64_t uc_addr;
};

static struct rblock blk_a, blk_b;
static struct seen seen_a, seen_b;
static uint64_t new_a[NGPR], new_b[NGPR];
#define NEWFL_A 0x094UL		/* PF AF SF */
#define NEWFL_B 0x811UL		/* CF AF OF */
static int altstack_mode;
/* failures, FAILF: check.h */

static uint64_t mask64(const sigset_t *s)
{
	uint64_t m = 0;

	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(s, sig) == 1)
			m |= 1ULL << (sig - 1);
	return m;
}

static void record(struct seen *s, ucontext_t *uc)
{
	sigset_t cur;
	uint64_t rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	s->count++;
	s->rsp = rsp;
	s->uc_addr = (uintptr_t)uc;
	memcpy(s->g, uc->uc_mcontext.gregs, sizeof(s->g));
	s->sigmask = mask64(&uc->uc_sigmask);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	s->blocked = mask64(&cur);
	s->uc_stack = uc->uc_stack;
	sigaltstack(NULL, &s->cur_stack);
}

static void edit(ucontext_t *uc, const uint64_t *v, uint64_t fl)
{
	greg_t *g = uc->uc_mcontext.gregs;

	for (int i = 0; i < NGPR; i++)
		g[gpr_greg[i]] = (greg_t)v[i];
	g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~ARITH) | fl);
}

static void fill(struct rblock *b, uint64_t x, uint64_t flags, int sig)
{
	memset(b, 0, sizeof(*b));
	for (int i = 0; i < NGPR; i++)
		b->in[i] = gpr_v[i] ^ x;
	b->flags_in = flags;
	b->pid = (uint64_t)getpid();
	b->sig = (uint64_t)sig;
}

static void inner(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	record(&seen_b, ucv);
	edit(ucv, new_b, NEWFL_B);
}

static void outer(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	record(&seen_a, ucv);
	if (altstack_mode) {
		/* Changing the alternate stack while on it: EPERM. */
		stack_t ss = seen_a.cur_stack;

		errno = 0;
		seen_a.set_errno = sigaltstack(&ss, NULL) ? errno : 0;
	}
	/* SIGUSR2 from inside this handler, other registers and flags. */
	fill(&blk_b, 0x0101010101010101ULL, 0x286 /* PF SF */, SIGUSR2);
	raise_regs(&blk_b);
	edit(ucv, new_a, NEWFL_A);
}

/* Check one handler's view of the registers interrupted by b's kill(). */
static void check_frame(const char *what, const struct seen *s,
			const struct rblock *b)
{
	uint64_t exp[NGPR];
	const greg_t *g = s->g;
	int before = failures;

	if (s->count != 1) {
		FAILF("%s: handler ran %d times, expected once", what, s->count);
		return;
	}
	memcpy(exp, b->in, sizeof(exp));
	exp[0] = 0;					/* kill() returned 0 */
	exp[2] = (uintptr_t)raise_regs_after;		/* rcx = rip */
	exp[4] = b->sig;
	exp[5] = b->pid;
	exp[10] = (uint64_t)g[REG_EFL];			/* r11 = rflags */
	for (int i = 0; i < NGPR; i++)
		if ((uint64_t)g[gpr_greg[i]] != exp[i])
			FAILF("%s: frame %s = %#llx, expected %#llx", what,
			      gpr_name[i], (unsigned long long)g[gpr_greg[i]],
			      (unsigned long long)exp[i]);
	if ((uint64_t)g[REG_RIP] != (uintptr_t)raise_regs_after)
		FAILF("%s: frame rip = %#llx, expected %p", what,
		      (unsigned long long)g[REG_RIP], (void *)raise_regs_after);
	if ((uint64_t)g[REG_RSP] != b->rsp)
		FAILF("%s: frame rsp = %#llx, expected %#llx", what,
		      (unsigned long long)g[REG_RSP],
		      (unsigned long long)b->rsp);
	if (((uint64_t)g[REG_EFL] & (ARITH | 0x202)) != (b->flags_in & (ARITH | 0x202)))
		FAILF("%s: frame rflags = %#llx, expected arithmetic flags %#llx and IF",
		      what, (unsigned long long)g[REG_EFL],
		      (unsigned long long)(b->flags_in & ARITH));
	if ((g[REG_CSGSFS] & 0xffff) != 0x33)
		FAILF("%s: frame cs = %#llx", what,
		      (long long)(g[REG_CSGSFS] & 0xffff));
	printf("%s: frame %s (rip %#llx rsp %#llx rflags %#llx)\n", what,
	       failures == before ? "exact" : "MISMATCH",
	       (long long)g[REG_RIP], (long long)g[REG_RSP],
	       (long long)g[REG_EFL]);
}

/* After the kill() returned: the values its handler wrote. */
static void check_after(const char *what, const struct rblock *b,
			const uint64_t *v, uint64_t fl)
{
	int before = failures;

	for (int i = 0; i < NGPR; i++)
		if (b->out[i] != v[i])
			FAILF("%s: after sigreturn %s = %#llx, handler wrote %#llx",
			      what, gpr_name[i], (unsigned long long)b->out[i],
			      (unsigned long long)v[i]);
	if (b->out_rsp != b->rsp)
		FAILF("%s: after sigreturn rsp = %#llx, expected %#llx", what,
		      (unsigned long long)b->out_rsp,
		      (unsigned long long)b->rsp);
	if ((b->out_flags & ARITH) != fl)
		FAILF("%s: after sigreturn rflags = %#llx, handler wrote %#llx",
		      what, (unsigned long long)b->out_flags,
		      (unsigned long long)fl);
	printf("%s: after sigreturn %s\n", what,
	       failures == before ? "every register as written" : "MISMATCH");
}

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t m;
	stack_t ss;
	static char altstack[65536] __attribute__((aligned(64)));
	uint64_t alo = (uintptr_t)altstack, ahi = alo + sizeof(altstack);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || (strcmp(argv[1], "nest") && strcmp(argv[1], "altstack"))) {
		fprintf(stderr, "usage: sigstack nest|altstack\n");
		return 2;
	}
	altstack_mode = !strcmp(argv[1], "altstack");
	if (altstack_mode) {
		ss.ss_sp = altstack;
		ss.ss_size = sizeof(altstack);
		ss.ss_flags = 0;
		if (sigaltstack(&ss, NULL)) {
			printf("detail: sigaltstack: %m\n");
			return 1;
		}
	}
	for (int i = 0; i < NGPR; i++) {
		new_a[i] = gpr_v[i] ^ 0x5a5a5a5a5a5a5a5aULL;
		new_b[i] = gpr_v[i] ^ 0xa5a5a5a5a5a5a5a5ULL;
	}

	/* SIGUSR1: also blocks SIGHUP; SIGUSR2: also SIGQUIT. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = outer;
	sa.sa_flags = SA_SIGINFO | (altstack_mode ? SA_ONSTACK : 0);
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = inner;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGQUIT);
	sigaction(SIGUSR2, &sa, NULL);
	/* main runs with SIGPIPE blocked */
	sigemptyset(&m);
	sigaddset(&m, SIGPIPE);
	sigprocmask(SIG_SETMASK, &m, NULL);

	fill(&blk_a, 0, 0xa43 /* CF ZF OF */, SIGUSR1);
	raise_regs(&blk_a);

	/* The outer frame: main's registers at the kill(). */
	check_frame("outer (SIGUSR1)", &seen_a, &blk_a);
	/* The inner frame: the outer handler's registers at its kill(). */
	check_frame("inner (SIGUSR2)", &seen_b, &blk_b);
	/* The inner sigreturn restored the outer handler, with edits. */
	check_after("inner (SIGUSR2)", &blk_b, new_b, NEWFL_B);
	check_after("outer (SIGUSR1)", &blk_a, new_a, NEWFL_A);

	/* Signal masks: saved in each frame, in force in each handler. */
	uint64_t want_a_uc = bit(SIGPIPE);
	uint64_t want_a_in = want_a_uc | bit(SIGUSR1) | bit(SIGHUP);
	uint64_t want_b_in = want_a_in | bit(SIGUSR2) | bit(SIGQUIT);
	if (seen_a.sigmask != want_a_uc)
		FAILF("outer: uc_sigmask %#llx, expected %#llx",
		      (unsigned long long)seen_a.sigmask,
		      (unsigned long long)want_a_uc);
	if (seen_a.blocked != want_a_in)
		FAILF("outer: blocked %#llx in the handler, expected %#llx",
		      (unsigned long long)seen_a.blocked,
		      (unsigned long long)want_a_in);
	if (seen_b.sigmask != want_a_in)
		FAILF("inner: uc_sigmask %#llx, expected %#llx",
		      (unsigned long long)seen_b.sigmask,
		      (unsigned long long)want_a_in);
	if (seen_b.blocked != want_b_in)
		FAILF("inner: blocked %#llx in the handler, expected %#llx",
		      (unsigned long long)seen_b.blocked,
		      (unsigned long long)want_b_in);
	sigprocmask(SIG_BLOCK, NULL, &m);
	if (mask64(&m) != want_a_uc)
		FAILF("main: blocked %#llx after the handlers, expected %#llx",
		      (unsigned long long)mask64(&m),
		      (unsigned long long)want_a_uc);
	printf("masks: outer frame %#llx, outer handler %#llx, inner frame %#llx, inner handler %#llx\n",
	       (unsigned long long)seen_a.sigmask,
	       (unsigned long long)seen_a.blocked,
	       (unsigned long long)seen_b.sigmask,
	       (unsigned long long)seen_b.blocked);

	/* Stacks. */
	if (seen_b.rsp >= seen_a.rsp || seen_b.uc_addr >= seen_a.uc_addr)
		FAILF("inner handler rsp %#llx / ucontext %#llx not below the outer's %#llx / %#llx",
		      (unsigned long long)seen_b.rsp,
		      (unsigned long long)seen_b.uc_addr,
		      (unsigned long long)seen_a.rsp,
		      (unsigned long long)seen_a.uc_addr);
	if ((uint64_t)seen_b.g[REG_RSP] >= seen_a.uc_addr)
		FAILF("inner frame rsp %#llx not below the outer frame %#llx",
		      (long long)seen_b.g[REG_RSP],
		      (unsigned long long)seen_a.uc_addr);
	if (altstack_mode) {
		const struct seen *s[2] = { &seen_a, &seen_b };
		const char *n[2] = { "outer", "inner" };

		if (blk_a.rsp >= alo && blk_a.rsp < ahi)
			FAILF("main ran on the alternate stack?");
		if (blk_b.rsp < alo || blk_b.rsp >= ahi)
			FAILF("outer handler's kill() rsp %#llx not on the alternate stack [%#llx, %#llx)",
			      (unsigned long long)blk_b.rsp,
			      (unsigned long long)alo,
			      (unsigned long long)ahi);
		for (int i = 0; i < 2; i++) {
			if (s[i]->rsp < alo || s[i]->rsp >= ahi ||
			    s[i]->uc_addr < alo || s[i]->uc_addr >= ahi)
				FAILF("%s handler: rsp %#llx ucontext %#llx not on the alternate stack [%#llx, %#llx)",
				      n[i], (unsigned long long)s[i]->rsp,
				      (unsigned long long)s[i]->uc_addr,
				      (unsigned long long)alo,
				      (unsigned long long)ahi);
			/* __save_altstack: the configured stack and
			 * sas_ss_flags (0 here), not SS_ONSTACK */
			if ((uintptr_t)s[i]->uc_stack.ss_sp != alo ||
			    s[i]->uc_stack.ss_size != sizeof(altstack) ||
			    s[i]->uc_stack.ss_flags != 0)
				FAILF("%s: uc_stack sp %p size %zu flags %#x, expected %#llx %zu 0",
				      n[i], s[i]->uc_stack.ss_sp,
				      s[i]->uc_stack.ss_size,
				      s[i]->uc_stack.ss_flags,
				      (unsigned long long)alo,
				      sizeof(altstack));
			if (s[i]->cur_stack.ss_flags != SS_ONSTACK)
				FAILF("%s: sigaltstack() in the handler says flags %#x, expected SS_ONSTACK",
				      n[i], s[i]->cur_stack.ss_flags);
		}
		if (seen_a.set_errno != EPERM)
			FAILF("outer: sigaltstack(new) on the alternate stack: errno %d, expected EPERM",
			      seen_a.set_errno);
		sigaltstack(NULL, &ss);
		if (ss.ss_flags != 0)
			FAILF("main: sigaltstack flags %#x after the handlers, expected 0",
			      ss.ss_flags);
		printf("altstack [%#llx, %#llx): outer handler rsp %#llx, inner %#llx; interrupted rsp %#llx (main), %#llx (outer)\n",
		       (unsigned long long)alo, (unsigned long long)ahi,
		       (unsigned long long)seen_a.rsp,
		       (unsigned long long)seen_b.rsp,
		       (unsigned long long)seen_a.g[REG_RSP],
		       (unsigned long long)seen_b.g[REG_RSP]);
	} else {
		if ((uint64_t)seen_a.g[REG_RSP] <= seen_a.rsp)
			FAILF("outer handler rsp %#llx not below the interrupted %#llx",
			      (unsigned long long)seen_a.rsp,
			      (long long)seen_a.g[REG_RSP]);
		/* sigaltstack() reports SS_DISABLE; the frame gets the raw
		 * sas_ss_flags: SS_DISABLE after sas_ss_reset(), 0 in a
		 * task descended from one that never had it reset */
		if (seen_a.cur_stack.ss_flags != SS_DISABLE ||
		    (seen_a.uc_stack.ss_flags != 0 &&
		     seen_a.uc_stack.ss_flags != SS_DISABLE) ||
		    seen_a.uc_stack.ss_size)
			FAILF("outer: altstack flags %#x / uc_stack flags %#x, expected SS_DISABLE / 0 or SS_DISABLE",
			      seen_a.cur_stack.ss_flags,
			      seen_a.uc_stack.ss_flags);
	}
	printf("detail: %s: %s, two nested frames, every GPR, rip, rsp, flags, masks%s; sigreturn restores every edited register\n",
	       failures ? "mismatches" : "exact", argv[1],
	       altstack_mode ? ", alternate stack" : "");
	return failures ? 1 : 0;
}
