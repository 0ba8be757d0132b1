// SPDX-License-Identifier: GPL-2.0
/*
 * sigregs: registers survive interrupts and signal delivery, and signal
 * frames hold the exact user registers.  Built twice: 64-bit and -m32
 * (IA32 compat signal frames), and -mx32 (x32 signal frames and system
 * calls).
 *
 * A loop holds a known value in every general purpose register but the
 * counter (rax/eax) and the stack pointer while an interval timer delivers
 * SIGALRM every 5 ms.  The handler checks, for every signal that hit the
 * loop, the saved registers in its ucontext (rip/eip inside the loop, every
 * other register its known value).  After the loop (timer interrupts,
 * signal deliveries and sigreturns in between) every register must still
 * hold its value.
 *
 * "sigregs --no-signals SECONDS" spins for that long without the timer, for
 * the nmi test: the host injects NMIs meanwhile and the registers must
 * survive them.
 *
 * "sigregs --ipi SECONDS" spins without the timer on CPU 0 while a second
 * thread on CPU 1 maps, touches and unmaps a page of the same process over
 * and over: each munmap() must flush the TLB of CPU 0, which runs the same
 * address space, by an IPI (a TLB shootdown); the registers must survive
 * them. Needs two CPUs.
 *
 * Output: one line per check; the last line starts with "detail:".
 * Exit status 0 when everything matched, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

extern void sig_spin(unsigned long iterations);
extern char sig_loop[], sig_loop_end[];

#if defined(__x86_64__) && defined(__ILP32__)
#define ABI "x32"
#elif defined(__x86_64__)
#define ABI "64"
#else
#define ABI "32"
#endif

#ifdef __x86_64__
typedef uint64_t reg_t;
#ifdef __ILP32__
#define LOAD_COUNT "	mov %edi, %eax\n"	/* x32: 32-bit argument */
#else
#define LOAD_COUNT "	mov %rdi, %rax\n"
#endif
#define NREG 14
static const char *const names[NREG] = {
	"rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15",
};
static const reg_t values[NREG] = {
	V64_RBX, V64_RCX, V64_RDX, V64_RSI, V64_RDI, V64_RBP, V64_R8, V64_R9,
	V64_R10, V64_R11, V64_R12, V64_R13, V64_R14, V64_R15,
};
static const int gregs_index[NREG] = {
	REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_R8, REG_R9,
	REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};
#define REG_IP REG_RIP
reg_t sig_out[NREG];

asm(".text\n"
    ".globl sig_spin\n"
    "sig_spin:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n"
    "	push %r13\n	push %r14\n	push %r15\n"
    LOAD_COUNT
    LOAD_V64_RBX_TO_R15
    ".globl sig_loop\n"
    "sig_loop:\n"
    "	dec %rax\n"
    "	jnz sig_loop\n"
    ".globl sig_loop_end\n"
    "sig_loop_end:\n"
    "	mov %rbx, sig_out+0(%rip)\n"
    "	mov %rcx, sig_out+8(%rip)\n"
    "	mov %rdx, sig_out+16(%rip)\n"
    "	mov %rsi, sig_out+24(%rip)\n"
    "	mov %rdi, sig_out+32(%rip)\n"
    "	mov %rbp, sig_out+40(%rip)\n"
    "	mov %r8, sig_out+48(%rip)\n"
    "	mov %r9, sig_out+56(%rip)\n"
    "	mov %r10, sig_out+64(%rip)\n"
    "	mov %r11, sig_out+72(%rip)\n"
    "	mov %r12, sig_out+80(%rip)\n"
    "	mov %r13, sig_out+88(%rip)\n"
    "	mov %r14, sig_out+96(%rip)\n"
    "	mov %r15, sig_out+104(%rip)\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n"
    "	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	ret\n");
#else
typedef uint32_t reg_t;
#define NREG 6
static const char *const names[NREG] = { "ebx", "ecx", "edx", "esi", "edi",
					 "ebp" };
static const reg_t values[NREG] = { V32_EBX, V32_ECX, V32_EDX,
					    V32_ESI, V32_EDI, V32_EBP };
static const int gregs_index[NREG] = { REG_EBX, REG_ECX, REG_EDX,
				       REG_ESI, REG_EDI, REG_EBP };
#define REG_IP REG_EIP
reg_t sig_out[NREG];

asm(".text\n"
    ".globl sig_spin\n"
    "sig_spin:\n"
    "	push %ebx\n	push %esi\n	push %edi\n	push %ebp\n"
    "	mov 20(%esp), %eax\n"
    "	mov $" S(V32_EBX) ", %ebx\n"
    "	mov $" S(V32_ECX) ", %ecx\n"
    "	mov $" S(V32_EDX) ", %edx\n"
    "	mov $" S(V32_ESI) ", %esi\n"
    "	mov $" S(V32_EDI) ", %edi\n"
    "	mov $" S(V32_EBP) ", %ebp\n"
    ".globl sig_loop\n"
    "sig_loop:\n"
    "	dec %eax\n"
    "	jnz sig_loop\n"
    ".globl sig_loop_end\n"
    "sig_loop_end:\n"
    "	mov %ebx, sig_out+0\n"
    "	mov %ecx, sig_out+4\n"
    "	mov %edx, sig_out+8\n"
    "	mov %esi, sig_out+12\n"
    "	mov %edi, sig_out+16\n"
    "	mov %ebp, sig_out+20\n"
    "	pop %ebp\n	pop %edi\n	pop %esi\n	pop %ebx\n"
    "	ret\n");
#endif

static volatile unsigned long sig_count, sig_in_loop, sig_bad;
static volatile int first_bad = -1;
static volatile reg_t first_bad_value;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	reg_t ip = (reg_t)g[REG_IP];

	(void)sig;
	(void)si;
	sig_count++;
	if (ip < (reg_t)(uintptr_t)sig_loop ||
	    ip >= (reg_t)(uintptr_t)sig_loop_end)
		return;
	sig_in_loop++;
	for (int i = 0; i < NREG; i++) {
		if ((reg_t)g[gregs_index[i]] != values[i]) {
			sig_bad++;
			if (first_bad < 0) {
				first_bad = i;
				first_bad_value = (reg_t)g[gregs_index[i]];
			}
			break;
		}
	}
}

static volatile int ipi_stop, ipi_done;
static unsigned long ipi_calls;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* On CPU 1: make the kernel shoot down CPU 0's TLB, repeatedly. */
static void *ipi_thread(void *arg)
{
	(void)arg;
	if (pin(1))
		return NULL;
	while (!ipi_stop) {
		volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		p[0] = 1;
		munmap((void *)p, 4096);
		ipi_calls++;
	}
	ipi_done = 1;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int use_signals = 1, ipi = 0;
	double seconds = 0.5;
	pthread_t thread;
	struct sigaction sa;
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	int failures = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--no-signals")) {
		use_signals = 0;
		seconds = atof(argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "--ipi")) {
		use_signals = 0;
		ipi = 1;
		seconds = atof(argv[2]);
	} else if (argc != 1) {
		fprintf(stderr, "usage: sigregs [--no-signals SECONDS | --ipi SECONDS]\n");
		return 2;
	}
	if (ipi) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
			printf("detail: one CPU online, no IPIs to send\n");
			return 77;
		}
		if (pin(0)) {
			printf("FAIL: sched_setaffinity: %s\n", strerror(errno));
			return 1;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);

	/* Calibrate on at least 50 ms of guest time: TCG's speed varies. */
	unsigned long iters = 1000000;
	double t0, dt;
	for (;;) {
		t0 = now();
		sig_spin(iters);
		dt = now() - t0;
		if (dt >= 0.05 || iters >= (1UL << 30))
			break;
		iters *= 2;
	}
	double want = iters * (seconds / dt) + 1;
	iters = want < (double)(~0UL >> 1) ? (unsigned long)want : ~0UL >> 1;

	if (use_signals)
		setitimer(ITIMER_REAL, &it, NULL);
	if (ipi && pthread_create(&thread, NULL, ipi_thread, NULL)) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	t0 = now();
	sig_spin(iters);
	dt = now() - t0;
	setitimer(ITIMER_REAL, &off, NULL);
	if (ipi) {
		/*
		 * Wait for the thread without pthread_join(): in the test
		 * kernel its futex wait made static IA32 glibc abort ("The
		 * futex facility returned an unexpected error code").
		 */
		ipi_stop = 1;
		while (!ipi_done)
			sched_yield();
		printf("sigregs-%s: %lu munmap() calls on CPU 1\n", ABI, ipi_calls);
		if (!ipi_calls) {
			printf("FAIL: no munmap() on CPU 1\n");
			failures++;
		}
	}

	printf("sigregs-%s: %lu iterations in %.3f s, %lu signals, %lu in the loop\n",
	       ABI, iters, dt, sig_count, sig_in_loop);
	for (int i = 0; i < NREG; i++) {
		if (sig_out[i] != values[i]) {
			printf("FAIL: %s = %#llx after the loop, expected %#llx\n",
			       names[i], (unsigned long long)sig_out[i],
			       (unsigned long long)values[i]);
			failures++;
		}
	}
	if (use_signals && sig_in_loop == 0) {
		printf("FAIL: no signal arrived inside the loop\n");
		failures++;
	}
	if (sig_bad) {
		printf("FAIL: %lu signal frames with a wrong register (first: %s = %#llx, expected %#llx)\n",
		       sig_bad, names[first_bad],
		       (unsigned long long)first_bad_value,
		       (unsigned long long)values[first_bad]);
		failures++;
	}
	printf("detail: %s, %d registers, %lu of %lu signals in the loop\n",
	       failures ? "mismatches" : "exact", NREG, sig_in_loop,
	       sig_count);
	return failures ? 1 : 0;
}
