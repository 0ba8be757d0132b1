// SPDX-License-Identifier: GPL-2.0
/*
 * rseqregs: restartable sequences by value.  The return to user mode runs
 * the rseq fixup, which reads regs->ip and rewrites it to a critical
 * section's abort handler when the section was preempted, migrated, hit
 * by a membarrier IPI or interrupted by a signal.
 *
 * Two threads register their own struct rseq (the rseq system call,
 * signature 0x53053053; glibc's own registration is switched off by
 * re-executing with GLIBC_TUNABLES=glibc.pthread.rseq=0) and run one
 * critical section over and over.  Before the section every general
 * purpose register gets a known value; the section's first instruction
 * loads rax with rseq->cpu_id, then it spins on a counter in memory
 * (every register stays as it is) and commits with one unlocked
 * "incq counters(,%rax,8)" (IA32: "addl $1"), its last instruction.
 * Meanwhile each thread gets a timer signal every 3 ms (its own POSIX
 * timer), every 16th section sends MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
 * IPIs to the other CPU, the main thread moves the two threads between the
 * CPUs with sched_setaffinity() every 2 ms, and the timer interrupt ticks.
 *
 * Checked:
 * - an abort lands on the abort handler (the 4 bytes before it are the
 *   signature) with the registers the section left: every register but
 *   rax its known value, rax the known value (abort before the first
 *   instruction) or a CPU number, rsp the one before the section;
 * - a commit leaves the same registers (rax the CPU number); the saved
 *   registers are poisoned before each section, and after an abort
 *   rseq->rseq_cs must be 0 (the kernel clears it when it moves the ip);
 * - each completed section is committed exactly once: the per-CPU
 *   counters add up to the number of sections the threads saw commit (a
 *   fixup after the commit would count an abort too, a missing abort on a
 *   migration could lose an increment);
 * - a signal that arrives inside the section is delivered with the abort
 *   handler's address in the ucontext (uc_mcontext.gregs[REG_RIP]), the
 *   section's registers in the frame and rseq->rseq_cs cleared; no signal
 *   frame may hold an ip inside the section;
 * - there were aborts, commits and signals on the abort handler.
 *
 * Built twice: 64-bit, and -m32 (an IA32 task: the compat system calls,
 * signal frames and return to user mode; eax..ebp, esp).
 *
 * Usage: rseqregs [SECONDS]   (default 2)
 * Output: one line per check; the last line starts with "detail:".
 * Exit status 0 when everything matched, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <linux/rseq.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"
#include "ptrace-values.h"

#define RSEQ_SIG_VALUE 0x53053053
#define NCPU_MAX 64

#ifdef __x86_64__
typedef uint64_t reg_t;
#define ABI "64"
#define NREG 15			/* general purpose registers but rsp */
#else
typedef uint32_t reg_t;
#define ABI "32"
#define NREG 7
#endif

/* Per thread: its rseq area, the spin counter, the registers a section left. */
__thread struct rseq rs __attribute__((aligned(32)));
__thread reg_t spin_left;
__thread reg_t rsp_in;
__thread reg_t regs_out[NREG + 1];	/* NREG registers, then the stack pointer */

uint64_t counters[NCPU_MAX];	/* the shared counter, one slot per CPU */

extern long rseq_section(void);	/* 0: committed, 1: aborted */
extern char cs_start[], cs_post[], cs_abort[];

#ifdef __x86_64__
#define SAVE_REGS                                  \
	"	mov %rax, %fs:regs_out@tpoff+0\n"  \
	"	mov %rbx, %fs:regs_out@tpoff+8\n"  \
	"	mov %rcx, %fs:regs_out@tpoff+16\n" \
	"	mov %rdx, %fs:regs_out@tpoff+24\n" \
	"	mov %rsi, %fs:regs_out@tpoff+32\n" \
	"	mov %rdi, %fs:regs_out@tpoff+40\n" \
	"	mov %rbp, %fs:regs_out@tpoff+48\n" \
	"	mov %r8, %fs:regs_out@tpoff+56\n"  \
	"	mov %r9, %fs:regs_out@tpoff+64\n"  \
	"	mov %r10, %fs:regs_out@tpoff+72\n" \
	"	mov %r11, %fs:regs_out@tpoff+80\n" \
	"	mov %r12, %fs:regs_out@tpoff+88\n" \
	"	mov %r13, %fs:regs_out@tpoff+96\n" \
	"	mov %r14, %fs:regs_out@tpoff+104\n" \
	"	mov %r15, %fs:regs_out@tpoff+112\n" \
	"	mov %rsp, %fs:regs_out@tpoff+120\n"

/* struct rseq_cs: version, flags, start_ip, post_commit_offset, abort_ip */
asm(".pushsection .data\n"
    ".balign 32\n"
    "cs_desc:\n"
    "	.long 0, 0\n"
    "	.quad cs_start, cs_post - cs_start, cs_abort\n"
    ".popsection\n"
    ".text\n"
    ".globl rseq_section\n"
    "rseq_section:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n"
    "	push %r13\n	push %r14\n	push %r15\n"
    "	mov %rsp, %fs:rsp_in@tpoff\n"
    LOAD_V64_GPRS
    /* rs.rseq_cs = &cs_desc, the last instruction before the section: an
     * interrupt between the two would find the ip outside the section and
     * clear rseq_cs (non-PIE: the address fits the immediate) */
    "	movq $cs_desc, %fs:rs@tpoff+8\n"
    ".globl cs_start\n"
    "cs_start:\n"
    "	movl %fs:rs@tpoff+4, %eax\n"		/* rax = rs.cpu_id */
    "1:	decq %fs:spin_left@tpoff\n"
    "	jnz 1b\n"
    "	incq counters(,%rax,8)\n"		/* the commit */
    ".globl cs_post\n"
    "cs_post:\n"
    SAVE_REGS
    "	xor %eax, %eax\n"
    "	jmp 2f\n"
    "	.byte 0x0f, 0xb9, 0x3d\n"		/* ud1 <sig>(%rip), %edi */
    "	.long " S(RSEQ_SIG_VALUE) "\n"
    ".globl cs_abort\n"
    "cs_abort:\n"
    SAVE_REGS
    "	mov $1, %eax\n"
    "2:	pop %r15\n	pop %r14\n	pop %r13\n"
    "	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	ret\n");

static const char *const names[NREG + 2] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
	"r11", "r12", "r13", "r14", "r15", "rsp", "rseq_cs",
};
static const reg_t values[NREG] = {
	V64_RAX, V64_RBX, V64_RCX, V64_RDX, V64_RSI, V64_RDI, V64_RBP, V64_R8,
	V64_R9, V64_R10, V64_R11, V64_R12, V64_R13, V64_R14, V64_R15,
};
static const int gregs_index[NREG + 1] = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_R8,
	REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RSP,
};
#define REG_IP REG_RIP
#else
#define SAVE_REGS                                  \
	"	mov %eax, %gs:regs_out@ntpoff+0\n"  \
	"	mov %ebx, %gs:regs_out@ntpoff+4\n"  \
	"	mov %ecx, %gs:regs_out@ntpoff+8\n"  \
	"	mov %edx, %gs:regs_out@ntpoff+12\n" \
	"	mov %esi, %gs:regs_out@ntpoff+16\n" \
	"	mov %edi, %gs:regs_out@ntpoff+20\n" \
	"	mov %ebp, %gs:regs_out@ntpoff+24\n" \
	"	mov %esp, %gs:regs_out@ntpoff+28\n"

/* struct rseq_cs with 64-bit fields: the high halves 0 */
asm(".pushsection .data\n"
    ".balign 32\n"
    "cs_desc:\n"
    "	.long 0, 0\n"
    "	.long cs_start, 0, cs_post - cs_start, 0, cs_abort, 0\n"
    ".popsection\n"
    ".text\n"
    ".globl rseq_section\n"
    "rseq_section:\n"
    "	push %ebx\n	push %esi\n	push %edi\n	push %ebp\n"
    "	mov %esp, %gs:rsp_in@ntpoff\n"
    "	movl $0, %gs:rs@ntpoff+12\n"
    "	mov $" S(V32_EAX) ", %eax\n"
    "	mov $" S(V32_EBX) ", %ebx\n"
    "	mov $" S(V32_ECX) ", %ecx\n"
    "	mov $" S(V32_EDX) ", %edx\n"
    "	mov $" S(V32_ESI) ", %esi\n"
    "	mov $" S(V32_EDI) ", %edi\n"
    "	mov $" S(V32_EBP) ", %ebp\n"
    "	movl $cs_desc, %gs:rs@ntpoff+8\n"	/* rs.rseq_cs = &cs_desc, last */
    ".globl cs_start\n"
    "cs_start:\n"
    "	movl %gs:rs@ntpoff+4, %eax\n"		/* eax = rs.cpu_id */
    "1:	decl %gs:spin_left@ntpoff\n"
    "	jnz 1b\n"
    "	addl $1, counters(,%eax,8)\n"		/* the commit */
    ".globl cs_post\n"
    "cs_post:\n"
    SAVE_REGS
    "	xor %eax, %eax\n"
    "	jmp 2f\n"
    "	.byte 0x0f, 0xb9, 0x3d\n"		/* ud1 <sig>, %edi */
    "	.long " S(RSEQ_SIG_VALUE) "\n"
    ".globl cs_abort\n"
    "cs_abort:\n"
    SAVE_REGS
    "	mov $1, %eax\n"
    "2:	pop %ebp\n	pop %edi\n	pop %esi\n	pop %ebx\n"
    "	ret\n");

static const char *const names[NREG + 2] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "rseq_cs",
};
static const reg_t values[NREG] = {
	V32_EAX, V32_EBX, V32_ECX, V32_EDX, V32_ESI, V32_EDI, V32_EBP,
};
static const int gregs_index[NREG + 1] = {
	REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EDI, REG_EBP, REG_UESP,
};
#define REG_IP REG_EIP
#endif

static int ncpu;
static volatile int stop;

struct worker {
	pthread_t thread;
	pid_t tid;
	int index;
	volatile int ready, done;
	reg_t spin;
	unsigned long sections, commits, aborts, membarriers, bad_regs;
	/* signals: on the abort handler, inside the section (wrong), elsewhere */
	volatile unsigned long sig_abort, sig_in_cs, sig_other, sig_bad;
	volatile long sig_bad_reg;
	volatile reg_t sig_bad_value;
	int first_bad_reg;
	reg_t first_bad_value;
	int first_bad_commit;
	char error[160];
};
static struct worker workers[2];
static __thread struct worker *self;

/* rax after a section: the known value or a CPU number (aborts), a CPU number (commits) */
static int rax_ok(reg_t rax, int committed)
{
	if (rax < (reg_t)ncpu)
		return 1;
	return !committed && rax == values[0];
}

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (reg_t)g[REG_IP];
	struct worker *w = self;

	(void)sig;
	(void)si;
	if (!w)
		return;
	if (ip >= (uintptr_t)cs_start && ip < (uintptr_t)cs_post) {
		w->sig_in_cs++;
		return;
	}
	if (ip != (uintptr_t)cs_abort) {
		w->sig_other++;
		return;
	}
	w->sig_abort++;
	/* The frame holds the section's registers; the kernel cleared rseq_cs. */
	for (int i = 0; i < NREG; i++) {
		reg_t v = (reg_t)g[gregs_index[i]];

		if (i == 0 ? rax_ok(v, 0) : v == values[i])
			continue;
		if (!w->sig_bad++) {
			w->sig_bad_reg = i;
			w->sig_bad_value = v;
		}
		return;
	}
	if ((reg_t)g[gregs_index[NREG]] != rsp_in) {
		if (!w->sig_bad++) {
			w->sig_bad_reg = NREG;
			w->sig_bad_value = (reg_t)g[gregs_index[NREG]];
		}
		return;
	}
	if (rs.rseq_cs != 0) {
		if (!w->sig_bad++) {
			w->sig_bad_reg = NREG + 1;
			w->sig_bad_value = (reg_t)rs.rseq_cs;
		}
	}
}

static void check_regs(struct worker *w, int committed)
{
	int bad = -1;

	for (int i = 0; i < NREG && bad < 0; i++)
		if (i == 0 ? !rax_ok(regs_out[0], committed) : regs_out[i] != values[i])
			bad = i;
	if (bad < 0 && regs_out[NREG] != rsp_in)
		bad = NREG;
	/* the kernel clears rseq_cs before it sends the thread to the abort handler */
	if (bad < 0 && !committed && rs.rseq_cs != 0)
		bad = NREG + 1;
	if (bad >= 0 && !w->bad_regs++) {
		w->first_bad_reg = bad;
		w->first_bad_value = bad <= NREG ? regs_out[bad] : (reg_t)rs.rseq_cs;
		w->first_bad_commit = committed;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sigevent sev;
	timer_t timer;
	struct itimerspec its = { { 0, 3000000 }, { 0, 3000000 } };

	self = w;
	w->tid = gettid();
	if (syscall(__NR_rseq, &rs, sizeof(rs), 0, RSEQ_SIG_VALUE)) {
		snprintf(w->error, sizeof(w->error), "rseq registration: %s", strerror(errno));
		w->done = 1;
		return NULL;
	}
	if ((int)rs.cpu_id < 0 || (int)rs.cpu_id >= ncpu) {
		snprintf(w->error, sizeof(w->error), "rseq cpu_id %d after registration", (int)rs.cpu_id);
		w->done = 1;
		return NULL;
	}
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = w->tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		snprintf(w->error, sizeof(w->error), "timer_create: %s", strerror(errno));
		w->done = 1;
		return NULL;
	}
	w->ready = 1;
	while (!stop && w->spin == 0)
		sched_yield();
	timer_settime(timer, 0, &its, NULL);
	while (!stop) {
		long r;

		spin_left = w->spin;
		/* poison: a handler that saved nothing cannot pass on the last section's values */
		memset(regs_out, 0xa5, sizeof(regs_out));
		r = rseq_section();
		w->sections++;
		if (r == 0)
			w->commits++;
		else
			w->aborts++;
		check_regs(w, r == 0);
		if ((w->sections & 15) == (unsigned long)w->index * 8 && ncpu > 1) {
			if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0)
				w->membarriers++;
		}
	}
	timer_delete(timer);
	syscall(__NR_rseq, &rs, sizeof(rs), RSEQ_FLAG_UNREGISTER, RSEQ_SIG_VALUE);
	w->done = 1;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long affinity_errors;
static int affinity_errno;

static void set_cpus(pid_t tid, int mask)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int c = 0; c < ncpu && c < 2; c++)
		if (mask & (1 << c))
			CPU_SET(c, &set);
	if (sched_setaffinity(tid, sizeof(set), &set) && !affinity_errors++)
		affinity_errno = errno;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	struct sigaction sa;
	unsigned long migrations = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* glibc registers its own rseq area per thread: switch that off. */
	if (__rseq_size != 0) {
		if (getenv("PTREGS_RSEQ_REEXEC")) {
			printf("FAIL: glibc still registered rseq (size %u) with glibc.pthread.rseq=0\n",
			       __rseq_size);
			printf("detail: could not register rseq\n");
			return 1;
		}
		setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
		setenv("PTREGS_RSEQ_REEXEC", "1", 1);
		execv("/proc/self/exe", argv);
		printf("FAIL: re-exec: %s\n", strerror(errno));
		return 1;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > NCPU_MAX)
		ncpu = NCPU_MAX;
	if (syscall(__NR_rseq, NULL, 0, 0, 0) == 0 || errno == ENOSYS) {
		printf("FAIL: no rseq system call (CONFIG_RSEQ)\n");
		printf("detail: no rseq\n");
		return 1;
	}
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0)) {
		printf("FAIL: membarrier register expedited rseq: %s\n", strerror(errno));
		printf("detail: no membarrier\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGALRM, &sa, NULL);	/* each thread's timer signals that thread */

	for (int i = 0; i < 2; i++) {
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i])) {
			printf("FAIL: pthread_create\ndetail: no threads\n");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++)
		while (!workers[i].ready && !workers[i].done)
			sched_yield();
	for (int i = 0; i < 2; i++)
		if (workers[i].error[0]) {
			printf("FAIL: thread %d: %s\n", i, workers[i].error);
			printf("detail: %s\n", workers[i].error);
			return 1;
		}

	/*
	 * Calibrate the section's spin on this thread (no rseq here: the
	 * counter loop alone) to about 0.5 ms of guest time.
	 */
	uint64_t n = 1 << 14;
	double t0, dt;
	for (;;) {
		volatile reg_t c = n;
		t0 = now();
		while (--c)
			;
		dt = now() - t0;
		if (dt >= 0.02 || n >= (1ULL << 31))
			break;
		n *= 2;
	}
	double want = n * (0.0005 / dt) + 1;
	reg_t spin = want < 4e9 ? (reg_t)want : (reg_t)4000000000u;
	workers[0].spin = workers[1].spin = spin;

	/* Move the threads between the CPUs while they run. */
	t0 = now();
	unsigned long sleep_errors = 0;
	int sleep_errno = 0;
	for (unsigned long k = 0; now() - t0 < seconds; k++) {
		/* poll(): the test kernel's IA32 nanosleep() is ENOSYS */
		if (poll(NULL, 0, 2) && !sleep_errors++)
			sleep_errno = errno;
		if (ncpu < 2)
			continue;
		for (int i = 0; i < 2; i++)
			set_cpus(workers[i].tid, 1 << ((k + i) % 2));
		migrations += 2;
		if (k % 4 == 3) {
			for (int i = 0; i < 2; i++)
				set_cpus(workers[i].tid, 3);
		}
	}
	dt = now() - t0;
	stop = 1;
	for (int i = 0; i < 2; i++)
		while (!workers[i].done)
			sched_yield();

	unsigned long commits = 0, aborts = 0, sig_abort = 0, sig_other = 0, mb = 0;
	uint64_t total = 0;
	for (int c = 0; c < NCPU_MAX; c++)
		total += counters[c];
	for (int i = 0; i < 2; i++) {
		struct worker *w = &workers[i];

		printf("rseqregs-%s: thread %d: %lu sections, %lu committed, %lu aborted; signals: %lu on the abort handler, %lu in the section, %lu elsewhere; %lu membarrier calls\n",
		       ABI, i, w->sections, w->commits, w->aborts, w->sig_abort,
		       w->sig_in_cs, w->sig_other, w->membarriers);
		commits += w->commits;
		aborts += w->aborts;
		sig_abort += w->sig_abort;
		sig_other += w->sig_other;
		mb += w->membarriers;
		if (w->bad_regs)
			FAILF("thread %d: %lu sections left a wrong register (first, after %s: %s = %#llx)",
			      i, w->bad_regs, w->first_bad_commit ? "a commit" : "an abort",
			      names[w->first_bad_reg], (unsigned long long)w->first_bad_value);
		if (w->sig_in_cs)
			FAILF("thread %d: %lu signal frames with an ip inside the critical section (not moved to the abort handler)",
			      i, w->sig_in_cs);
		if (w->sig_bad)
			FAILF("thread %d: %lu signal frames on the abort handler with a wrong value (first: %s = %#llx)",
			      i, w->sig_bad,
			      w->sig_bad_reg == NREG + 1 ? "rseq_cs" : names[w->sig_bad_reg],
			      (unsigned long long)w->sig_bad_value);
		if (w->commits == 0)
			FAILF("thread %d: no section committed", i);
		if (w->aborts == 0)
			FAILF("thread %d: no section aborted", i);
	}
	printf("rseqregs-%s: spin %llu, %.2f s, %lu affinity changes; per-CPU counters add up to %llu, commits %lu\n",
	       ABI, (unsigned long long)spin, dt, migrations, (unsigned long long)total, commits);
	if (affinity_errors)
		FAILF("%lu sched_setaffinity() calls failed (first: %s)", affinity_errors,
		      strerror(affinity_errno));
	if (sleep_errors)
		FAILF("%lu poll() sleeps failed (first: %s)", sleep_errors,
		      strerror(sleep_errno));
	if (total != commits)
		FAILF("the per-CPU counters add up to %llu, the threads saw %lu commits",
		      (unsigned long long)total, commits);
	if (sig_abort == 0)
		FAILF("no signal was delivered on the abort handler");
	printf("detail: %s, %d registers; %lu commits, %lu aborts, %lu signals on the abort handler (%lu elsewhere), %lu membarrier calls, %lu migrations\n",
	       failures ? "mismatches" : "exact", NREG + 1, commits, aborts, sig_abort,
	       sig_other, mb, migrations);
	return failures ? 1 : 0;
}
