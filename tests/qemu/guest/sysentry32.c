// SPDX-License-Identifier: GPL-2.0
/*
 * sysentry32: the register values an IA32 (compat) process gets back from
 * each 32-bit system call entry of a 64-bit kernel.  Every check loads a
 * known value into ebx, ecx, edx, esi, edi, ebp and a known EFLAGS, makes
 * getpid() or write(pipe, buf, len) with eax the number, stores every
 * register right after and compares: eax is the result, everything else
 * (ebx ecx edx esi edi ebp esp eflags) must be what it was.
 *
 *   int $0x80            entry_INT80 (int80_emulation in 6.1), IRET back;
 *   __kernel_vsyscall    the vDSO's entry (AT_SYSINFO), whichever instruction
 *                        the kernel patched in for this CPU (reported);
 *   SYSENTER, SYSCALL    each forced through a copy of the vDSO's prologue
 *                        (push ecx, edx, ebp; ebp = esp or ecx; insn); the
 *                        kernel returns to the vDSO's int80_landing_pad,
 *                        which pops them and returns here.  An instruction
 *                        the CPU model does not allow in compat mode raises
 *                        #UD: SIGILL is caught and the check SKIPs, saying so.
 *                        SYSCALL is not forced on a GenuineIntel CPU: 6.1
 *                        leaves MSR_CSTAR unprogrammed there (wrmsrl_cstar(),
 *                        Intel CPUs #UD on it), but QEMU's TCG executes it
 *                        and the kernel double faults at address 0.
 *
 * EFLAGS through SYSENTER: entry_SYSENTER_compat saves the flags with
 * pushfq after SWITCH_TO_KERNEL_CR3, whose andq clobbers CF PF AF ZF SF OF
 * when PTI is on; __kernel_vsyscall, a function call, does not promise
 * them.  So with PTI (the "pti" cpuinfo flag) the SYSENTER checks compare
 * the other flag bits only and print the arithmetic ones they got.
 *
 * write()'s return value and the bytes read back from the pipe show the
 * kernel saw the arguments.  "sysentry32 exec-child" exits 0 (an image for
 * sysentry's execve check).  Output: one line per check; the last line
 * starts with "detail:".  Exit status 0 when every check passed, else 1.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptrace-values.h"
#include "check.h"

#if !defined(__i386__)
#error "build with -m32"
#endif

/* CF AF ZF SF OF, IF, bit 1 */
#define FLAGS_IN 0xad3U
#define ARITH_FLAGS 0x8d5U	/* CF PF AF ZF SF OF */

struct g32 {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eflags;
};
#define NG 9
static const char *const gname[NG] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eflags",
};

struct g32 g_in, g_out;
uint32_t g_saved_esp, g_vsys;

#define PROLOGUE                                                            \
	"	pushl %ebx\n	pushl %ebp\n	pushl %esi\n	pushl %edi\n"  \
	"	movl %esp, g_saved_esp\n"                                   \
	"	pushl g_in+32\n"                                            \
	"	popfl\n"                                                    \
	"	movl g_in+4, %ebx\n"                                        \
	"	movl g_in+8, %ecx\n"                                        \
	"	movl g_in+12, %edx\n"                                       \
	"	movl g_in+16, %esi\n"                                       \
	"	movl g_in+20, %edi\n"                                       \
	"	movl g_in+24, %ebp\n"                                       \
	"	movl g_in+0, %eax\n"

#define EPILOGUE                                                            \
	"	movl %eax, g_out+0\n"                                       \
	"	movl %ebx, g_out+4\n"                                       \
	"	movl %ecx, g_out+8\n"                                       \
	"	movl %edx, g_out+12\n"                                      \
	"	movl %esi, g_out+16\n"                                      \
	"	movl %edi, g_out+20\n"                                      \
	"	movl %ebp, g_out+24\n"                                      \
	"	movl %esp, g_out+28\n"                                      \
	"	pushfl\n"                                                   \
	"	popl g_out+32\n"                                            \
	"	pushl $0x202\n"                                             \
	"	popfl\n"                                                    \
	"	movl g_saved_esp, %esp\n"                                   \
	"	popl %edi\n	popl %esi\n	popl %ebp\n	popl %ebx\n"       \
	"	ret\n"

#define BLOCK(name, insn)                                                   \
	asm(".text\n.globl " #name "\n" #name ":\n" PROLOGUE insn "\n"      \
	    ".globl " #name "_after\n" #name "_after:\n" EPILOGUE);         \
	extern void name(void);                                             \
	extern char name##_after[]

BLOCK(b_int80, "	int $0x80");
BLOCK(b_vdso, "	call *g_vsys");
BLOCK(b_sysenter, "	call my_sysenter");
BLOCK(b_syscall, "	call my_syscall");

/* __kernel_vsyscall's prologue with one fast instruction each */
asm(".text\n"
    "my_sysenter:\n"
    "	pushl %ecx\n	pushl %edx\n	pushl %ebp\n"
    "	movl %esp, %ebp\n"
    ".globl my_sysenter_insn\nmy_sysenter_insn:\n"
    "	sysenter\n"
    "	ud2\n"
    "my_syscall:\n"
    "	pushl %ecx\n	pushl %edx\n	pushl %ebp\n"
    "	movl %ecx, %ebp\n"
    ".globl my_syscall_insn\nmy_syscall_insn:\n"
    "	syscall\n"
    "	ud2\n");
extern char my_sysenter_insn[], my_syscall_insn[];

static int skips;
static char detail[512];


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

static int check_regs(const char *what, const struct g32 *got,
		      const struct g32 *want)
{
	const uint32_t *g = (const uint32_t *)got, *w = (const uint32_t *)want;
	int bad = 0;

	for (int i = 0; i < NG; i++) {
		if (g[i] != w[i]) {
			FAILF("%s: %s = %#x, expected %#x", what, gname[i], g[i],
			     w[i]);
			bad++;
		}
	}
	if (!bad)
		printf("ok: %s: all %d registers as expected (eax=%#x)\n", what,
		       NG, got->eax);
	return bad;
}

static void set_in(uint32_t nr)
{
	static const struct g32 v = {
		V32_EAX, V32_EBX, V32_ECX, V32_EDX, V32_ESI, V32_EDI, V32_EBP,
		0, FLAGS_IN,
	};

	g_in = v;
	g_in.eax = nr;
	memset(&g_out, 0, sizeof(g_out));
}

static sigjmp_buf jb;
static volatile uint32_t ill_eip;
static volatile int ill_sig;

static void ill_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)si;
	ill_sig = sig;
	ill_eip = uc->uc_mcontext.gregs[REG_EIP];
	siglongjmp(jb, 1);
}

/*
 * getpid and write through one entry; returns 1 if it ran, 0 if the CPU
 * refused the instruction (SIGILL/SIGSEGV at INSN).
 */
static int pti;

/* the "pti" word in /proc/cpuinfo's flags: CR3 switches on kernel entry */
static int pti_on(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int on = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		on = strstr(line, " pti ") || strstr(line, " pti\n");
		break;
	}
	fclose(f);
	return on;
}

/* EFLAGS as expected for a SYSENTER entry (see the top comment) */
static void sysenter_flags(const char *what, struct g32 *e)
{
	if (!pti)
		return;
	if ((g_out.eflags & ARITH_FLAGS) != (FLAGS_IN & ARITH_FLAGS))
		printf("note: %s: PTI on, arithmetic flags came back %#x (in %#x): SWITCH_TO_KERNEL_CR3 before pushfq\n",
		       what, g_out.eflags & ARITH_FLAGS, FLAGS_IN & ARITH_FLAGS);
	e->eflags = (FLAGS_IN & ~ARITH_FLAGS) | (g_out.eflags & ARITH_FLAGS);
}

static int run_entry(const char *name, void (*blk)(void), const char *insn,
		     int sysenter)
{
	struct sigaction sa = { .sa_sigaction = ill_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	struct sigaction o1, o2;
	static const char msg[] = "sysentry32-write";
	char what[96], buf[32];
	struct g32 e;
	int p[2];
	volatile int bad = 0;

	if (pipe(p)) {
		FAILF("pipe: %m");
		return 0;
	}
	sigaction(SIGILL, &sa, &o1);
	sigaction(SIGSEGV, &sa, &o2);
	ill_sig = 0;
	if (sigsetjmp(jb, 1) == 0) {
		set_in(20); /* getpid */
		blk();
		e = g_in;
		e.eax = getpid();
		e.esp = g_saved_esp;
		snprintf(what, sizeof(what), "%s getpid", name);
		if (sysenter)
			sysenter_flags(what, &e);
		bad += check_regs(what, &g_out, &e);

		set_in(4); /* write */
		g_in.ebx = p[1];
		g_in.ecx = (uint32_t)msg;
		g_in.edx = sizeof(msg);
		blk();
		e = g_in;
		e.eax = sizeof(msg);
		e.esp = g_saved_esp;
		snprintf(what, sizeof(what), "%s write(pipe, msg, %u)",
			 name, (unsigned)sizeof(msg));
		if (sysenter)
			sysenter_flags(what, &e);
		bad += check_regs(what, &g_out, &e);
		memset(buf, 0, sizeof(buf));
		if (read(p[0], buf, sizeof(buf)) != sizeof(msg) ||
		    memcmp(buf, msg, sizeof(msg))) {
			FAILF("%s write: the pipe did not get the bytes", name);
			bad++;
		}
	}
	sigaction(SIGILL, &o1, NULL);
	sigaction(SIGSEGV, &o2, NULL);
	close(p[0]);
	close(p[1]);
	if (ill_sig) {
		if (insn && ill_eip == (uint32_t)insn && ill_sig == SIGILL) {
			printf("SKIP: %s: SIGILL at the instruction: this CPU model does not allow it in compat mode\n",
			       name);
			add_detail("%s SIGILL (not allowed by the CPU model); ", name);
			skips++;
			return 0;
		}
		FAILF("%s: signal %d at %#x", name, ill_sig, ill_eip);
		return 0;
	}
	if (!bad)
		add_detail("%s ok; ", name);
	return 1;
}

/* Which instruction the vDSO's __kernel_vsyscall uses. */
static const char *vdso_insn(const unsigned char *p)
{
	for (int i = 0; i < 24; i++) {
		if (p[i] == 0x0f && p[i + 1] == 0x34)
			return "SYSENTER";
		if (p[i] == 0x0f && p[i + 1] == 0x05)
			return "SYSCALL";
		if (p[i] == 0xcd && p[i + 1] == 0x80)
			return "int80";
	}
	return "unknown";
}

int main(int argc, char **argv)
{
	unsigned int a, b, c, d;
	char vendor[13] = "";
	const char *vi;

	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (__get_cpuid(0, &a, &b, &c, &d)) {
		memcpy(vendor, &b, 4);
		memcpy(vendor + 4, &d, 4);
		memcpy(vendor + 8, &c, 4);
	}
	pti = pti_on();
	printf("vendor %s, PTI %s\n", vendor, pti ? "on" : "off");

	run_entry("int $0x80", b_int80, NULL, 0);

	g_vsys = getauxval(AT_SYSINFO);
	if (!g_vsys) {
		printf("SKIP: no AT_SYSINFO (no vDSO)\n");
		add_detail("vDSO SKIP; ");
		skips++;
	} else {
		char name[48];

		vi = vdso_insn((const unsigned char *)g_vsys);
		printf("__kernel_vsyscall at %#x uses %s\n", g_vsys, vi);
		snprintf(name, sizeof(name), "vDSO(%s)", vi);
		run_entry(name, b_vdso, NULL, !strcmp(vi, "SYSENTER"));
		/* the forced ones return through the vDSO's landing pad */
		run_entry("SYSENTER", b_sysenter, my_sysenter_insn, 1);
		if (!strcmp(vendor, "GenuineIntel")) {
			printf("SKIP: SYSCALL32: GenuineIntel: the kernel leaves MSR_CSTAR unset (Intel CPUs #UD on 32-bit SYSCALL; TCG would not)\n");
			add_detail("SYSCALL32 SKIP (Intel: no MSR_CSTAR); ");
			skips++;
		} else {
			run_entry("SYSCALL32", b_syscall, my_syscall_insn, 0);
		}
	}
	printf("detail: %sPTI %s; %d failures, %d skipped\n", detail,
	       pti ? "on" : "off", failures, skips);
	return failures ? 1 : 0;
}
