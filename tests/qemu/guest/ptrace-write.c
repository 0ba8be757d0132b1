// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace-write: registers a tracer WRITES into a stopped tracee land in the
 * right register, whatever the kernel's struct pt_regs looks like.
 *
 * Built twice: 64-bit (the tracer, and its 64-bit tracee by fork) and
 * -m32 as ptrace-write32 (the IA32 tracee, run by "ptrace-write 64
 * /bin/ptrace-write32").
 *
 * 64-bit tracee, stopped on int3:
 *   1. PTRACE_SETREGS of every GPR, rip (the tracee's dump code), rsp (a
 *      stack of its own), rflags (CF PF ZF SF OF DF), fs_base and gs_base,
 *      with distinct values; GETREGS must read them back; the resumed
 *      tracee stores its GPRs, rsp, rflags, ds, es and
 *      arch_prctl(ARCH_GET_FS/GS) into memory and stops on int3 again:
 *      the tracer reads that memory with PTRACE_PEEKDATA and the
 *      registers with GETREGS, and every written value must be there;
 *   2. PTRACE_POKEUSER at offsetof(struct user, regs) +
 *      offsetof(struct user_regs_struct, X) for every X (r15 ... gs; ds
 *      and es get 0x2b, cs/ss their own values), each read back with
 *      PEEKUSER, then GETREGS of all of them, then the tracee dumps again.
 * IA32 tracee (ptrace-write32), stopped on int3:
 *   3. PTRACE_SETREGSET(NT_PRSTATUS) with the ia32 layout (17 x u32):
 *      every GPR, eip, esp, eflags; read back with GETREGSET; the tracee
 *      dumps its registers and stops again;
 *   4. POKEUSER of the 64-bit user area (rbx ... rsp) on the IA32 tracee,
 *      then another dump.
 * The kernel translates these offsets into struct pt_regs (putreg(),
 * genregs_set(), putreg32()): a register written into the wrong slot
 * shows up in the dump.
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
#include "check.h"
#include "regtables.h"

/* What the IA32 tracee tells the tracer (fd 3) before its first stop. */
struct pw32_info {
	uint32_t stop1_after;	/* rip after the first int3 */
	uint32_t dump_code;	/* the dump routine */
	uint32_t dump_after;	/* rip after its int3 */
	uint32_t dump;		/* uint32_t[10]: eax..ebp, esp, eflags, ds, es */
	uint32_t stack_top;	/* a stack for the dump routine */
};

#ifdef __i386__
/* ------------------------------------------------------------------ */
/* IA32 tracee                                                          */

uint32_t pw_dump[10];
static uint32_t pw_stack[1024] __attribute__((aligned(16)));
extern char pw_stop1_after[], pw_dump32[], pw_dump32_after[];

asm(".text\n"
    ".globl pw_stop1\n"
    "pw_stop1:\n"
    "	int3\n"
    ".globl pw_stop1_after\n"
    "pw_stop1_after:\n"
    "	ud2\n"				/* the tracer moves eip away */
    ".globl pw_dump32\n"
    "pw_dump32:\n"
    "	mov %eax, pw_dump+0\n"
    "	mov %ebx, pw_dump+4\n"
    "	mov %ecx, pw_dump+8\n"
    "	mov %edx, pw_dump+12\n"
    "	mov %esi, pw_dump+16\n"
    "	mov %edi, pw_dump+20\n"
    "	mov %ebp, pw_dump+24\n"
    "	mov %esp, pw_dump+28\n"
    "	pushf\n"
    "	popl pw_dump+32\n"
    "	mov %ds, %eax\n"
    "	mov %ax, pw_dump+36\n"
    "	mov %es, %eax\n"
    "	mov %ax, pw_dump+38\n"
    "	int3\n"
    ".globl pw_dump32_after\n"
    "pw_dump32_after:\n"
    "	jmp pw_dump32\n");		/* the tracer sets new values */
extern void pw_stop1(void);

int main(void)
{
	struct pw32_info info = {
		.stop1_after = (uint32_t)pw_stop1_after,
		.dump_code = (uint32_t)pw_dump32,
		.dump_after = (uint32_t)pw_dump32_after,
		.dump = (uint32_t)pw_dump,
		.stack_top = (uint32_t)&pw_stack[1024 - 16],
	};

	if (write(3, &info, sizeof(info)) != sizeof(info))
		return 12;
	pw_stop1();
	return 13;
}

#else
/* ------------------------------------------------------------------ */
/* 64-bit tracer and tracee                                             */

/* failures, FAILF: check.h */

#define ARITH 0x8d5UL
#define DF    0x400UL

/* The 64-bit tracee's dump: 15 GPRs (rax..r15 order of gpr[] below),
 * rsp, rflags, fs_base, gs_base, ds, es. */
uint64_t pw_dump[21];
static uint64_t pw_stack[1024] __attribute__((aligned(16)));
extern char pw_stop1_after[], pw_dump64[], pw_dump64_after[];
extern void pw_stop1(void);

asm(".text\n"
    ".globl pw_stop1\n"
    "pw_stop1:\n"
    "	int3\n"
    ".globl pw_stop1_after\n"
    "pw_stop1_after:\n"
    "	ud2\n"
    ".globl pw_dump64\n"
    "pw_dump64:\n"
    "	mov %rax, pw_dump+0(%rip)\n"
    "	mov %rbx, pw_dump+8(%rip)\n"
    "	mov %rcx, pw_dump+16(%rip)\n"
    "	mov %rdx, pw_dump+24(%rip)\n"
    "	mov %rsi, pw_dump+32(%rip)\n"
    "	mov %rdi, pw_dump+40(%rip)\n"
    "	mov %rbp, pw_dump+48(%rip)\n"
    "	mov %r8, pw_dump+56(%rip)\n"
    "	mov %r9, pw_dump+64(%rip)\n"
    "	mov %r10, pw_dump+72(%rip)\n"
    "	mov %r11, pw_dump+80(%rip)\n"
    "	mov %r12, pw_dump+88(%rip)\n"
    "	mov %r13, pw_dump+96(%rip)\n"
    "	mov %r14, pw_dump+104(%rip)\n"
    "	mov %r15, pw_dump+112(%rip)\n"
    "	mov %rsp, pw_dump+120(%rip)\n"
    "	pushfq\n"
    "	popq pw_dump+128(%rip)\n"
    "	mov %ds, %eax\n"
    "	mov %rax, pw_dump+152(%rip)\n"
    "	mov %es, %eax\n"
    "	mov %rax, pw_dump+160(%rip)\n"
    "	cld\n"
    "	mov $158, %eax\n"		/* arch_prctl(ARCH_GET_FS, &dump[17]) */
    "	mov $0x1003, %edi\n"
    "	lea pw_dump+136(%rip), %rsi\n"
    "	syscall\n"
    "	mov $158, %eax\n"		/* arch_prctl(ARCH_GET_GS, &dump[18]) */
    "	mov $0x1004, %edi\n"
    "	lea pw_dump+144(%rip), %rsi\n"
    "	syscall\n"
    "	int3\n"
    ".globl pw_dump64_after\n"
    "pw_dump64_after:\n"
    "	mov $231, %eax\n"		/* exit_group(0) */
    "	xor %edi, %edi\n"
    "	syscall\n"
    "	ud2\n");

/* gpr_name, gpr_v: regtables.h; their user_regs_struct offsets: */
#define O(f) offsetof(struct user_regs_struct, f)
static const size_t gpr_off[NGPR] = {
	O(rax), O(rbx), O(rcx), O(rdx), O(rsi), O(rdi), O(rbp), O(r8), O(r9),
	O(r10), O(r11), O(r12), O(r13), O(r14), O(r15),
};

static uint64_t *fld(struct user_regs_struct *r, size_t off)
{
	return (uint64_t *)((char *)r + off);
}

static int wait_stop(pid_t pid, int sig, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		FAILF("%s: waitpid: %m", what);
		return -1;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != sig) {
		FAILF("%s: expected a stop with signal %d, got status %#x",
		      what, sig, status);
		return -1;
	}
	return 0;
}

static uint64_t peekdata(pid_t pid, uint64_t addr)
{
	errno = 0;
	uint64_t v = (uint64_t)ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
	if (errno)
		FAILF("PEEKDATA %#llx: %m", (unsigned long long)addr);
	return v;
}

/* What a 64-bit dump must hold, from the values the tracer wrote. */
struct want64 {
	uint64_t gpr[NGPR], rsp, flags, fs_base, gs_base, ds, es;
};

static void check_dump64(const char *what, pid_t pid, const struct want64 *w)
{
	uint64_t d[21];
	int before = failures;
	struct user_regs_struct r;

	for (int i = 0; i < 21; i++)
		d[i] = peekdata(pid, (uintptr_t)&pw_dump[i]);
	for (int i = 0; i < NGPR; i++)
		if (d[i] != w->gpr[i])
			FAILF("%s: tracee saw %s = %#llx, written %#llx", what,
			      gpr_name[i], (unsigned long long)d[i],
			      (unsigned long long)w->gpr[i]);
	if (d[15] != w->rsp)
		FAILF("%s: tracee saw rsp = %#llx, written %#llx", what,
		      (unsigned long long)d[15], (unsigned long long)w->rsp);
	if ((d[16] & (ARITH | DF)) != (w->flags & (ARITH | DF)))
		FAILF("%s: tracee saw rflags = %#llx, written %#llx", what,
		      (unsigned long long)d[16], (unsigned long long)w->flags);
	if (d[17] != w->fs_base)
		FAILF("%s: tracee saw fs_base = %#llx, written %#llx", what,
		      (unsigned long long)d[17],
		      (unsigned long long)w->fs_base);
	if (d[18] != w->gs_base)
		FAILF("%s: tracee saw gs_base = %#llx, written %#llx", what,
		      (unsigned long long)d[18],
		      (unsigned long long)w->gs_base);
	if ((d[19] & 0xffff) != w->ds || (d[20] & 0xffff) != w->es)
		FAILF("%s: tracee saw ds %#llx es %#llx, written %#llx %#llx",
		      what, (unsigned long long)d[19],
		      (unsigned long long)d[20], (unsigned long long)w->ds,
		      (unsigned long long)w->es);

	/* The stop after the dump: the registers the syscalls left alone. */
	memset(&r, 0, sizeof(r));
	if (ptrace(PTRACE_GETREGS, pid, 0, &r))
		FAILF("%s: GETREGS: %m", what);
	if (r.rip != (uintptr_t)pw_dump64_after)
		FAILF("%s: stopped at rip %#llx, expected %p", what, r.rip,
		      (void *)pw_dump64_after);
	for (int i = 0; i < NGPR; i++) {
		/* rax rcx rsi rdi r11: used by the arch_prctl calls */
		if (i == 0 || i == 2 || i == 4 || i == 5 || i == 10)
			continue;
		if (*fld(&r, gpr_off[i]) != w->gpr[i])
			FAILF("%s: GETREGS at the next stop: %s = %#llx, written %#llx",
			      what, gpr_name[i],
			      (unsigned long long)*fld(&r, gpr_off[i]),
			      (unsigned long long)w->gpr[i]);
	}
	if (r.rsp != w->rsp || r.fs_base != w->fs_base ||
	    r.gs_base != w->gs_base)
		FAILF("%s: GETREGS at the next stop: rsp %#llx fs_base %#llx gs_base %#llx, written %#llx %#llx %#llx",
		      what, r.rsp, r.fs_base, r.gs_base,
		      (unsigned long long)w->rsp,
		      (unsigned long long)w->fs_base,
		      (unsigned long long)w->gs_base);
	printf("%s: %s (tracee dump and the next stop)\n", what,
	       failures == before ? "every written value observed" : "MISMATCH");
}

/* The user area fields: ureg_table in regtables.h. */

static void test64(void)
{
	struct user_regs_struct r, w, back;
	struct want64 want;
	const char *what = "setregs-64";
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(3);
		pw_stop1();
		_exit(4);
	}
	if (wait_stop(pid, SIGTRAP, "int3-64"))
		goto kill;
	memset(&r, 0, sizeof(r));
	if (ptrace(PTRACE_GETREGS, pid, 0, &r)) {
		FAILF("GETREGS: %m");
		goto kill;
	}
	if (r.rip != (uintptr_t)pw_stop1_after)
		FAILF("int3-64: rip %#llx, expected %p", r.rip,
		      (void *)pw_stop1_after);

	/* 1. SETREGS */
	w = r;
	for (int i = 0; i < NGPR; i++)
		want.gpr[i] = *fld(&w, gpr_off[i]) = gpr_v[i] ^ 0x1111111111111111ULL;
	w.rip = (uintptr_t)pw_dump64;
	w.rsp = want.rsp = (uintptr_t)&pw_stack[1024 - 8];
	w.eflags = want.flags = (r.eflags & ~(ARITH | DF)) | 0x8c5 | DF;
	w.fs_base = want.fs_base = 0x00007f1234560000ULL;
	w.gs_base = want.gs_base = 0x00007f6543210000ULL;
	w.orig_rax = (unsigned long long)-1;
	want.ds = r.ds;
	want.es = r.es;
	if (ptrace(PTRACE_SETREGS, pid, 0, &w))
		FAILF("%s: SETREGS: %m", what);
	memset(&back, 0, sizeof(back));
	ptrace(PTRACE_GETREGS, pid, 0, &back);
	for (size_t i = 0; i < NUREG; i++)
		if (*fld(&back, ureg_table[i].off) != *fld(&w, ureg_table[i].off))
			FAILF("%s: GETREGS after SETREGS: %s = %#llx, written %#llx",
			      what, ureg_table[i].name,
			      (unsigned long long)*fld(&back, ureg_table[i].off),
			      (unsigned long long)*fld(&w, ureg_table[i].off));
	ptrace(PTRACE_CONT, pid, 0, 0);
	if (wait_stop(pid, SIGTRAP, what))
		goto kill;
	check_dump64(what, pid, &want);

	/* 2. POKEUSER of every field of the user area */
	what = "pokeuser-64";
	memset(&r, 0, sizeof(r));
	ptrace(PTRACE_GETREGS, pid, 0, &r);
	w = r;
	for (int i = 0; i < NGPR; i++)
		want.gpr[i] = *fld(&w, gpr_off[i]) = gpr_v[i] ^ 0x2222222222222222ULL;
	w.orig_rax = (unsigned long long)-1;
	w.rip = (uintptr_t)pw_dump64;
	w.rsp = want.rsp = (uintptr_t)&pw_stack[512];
	w.eflags = want.flags = (r.eflags & ~(ARITH | DF)) | 0x014; /* PF AF */
	w.fs_base = want.fs_base = 0x00007e0000010000ULL;
	w.gs_base = want.gs_base = 0x00007e0000020000ULL;
	w.ds = want.ds = 0x2b;
	w.es = want.es = 0x2b;
	for (size_t i = 0; i < NUREG; i++) {
		size_t off = offsetof(struct user, regs) + ureg_table[i].off;
		uint64_t v = *fld(&w, ureg_table[i].off);

		if (ptrace(PTRACE_POKEUSER, pid, (void *)off, (void *)v)) {
			FAILF("%s: POKEUSER %s (offset %zu): %m", what,
			      ureg_table[i].name, off);
			continue;
		}
		errno = 0;
		uint64_t got = (uint64_t)ptrace(PTRACE_PEEKUSER, pid, (void *)off, 0);
		if (errno || got != v)
			FAILF("%s: PEEKUSER %s after POKEUSER = %#llx, written %#llx",
			      what, ureg_table[i].name, (unsigned long long)got,
			      (unsigned long long)v);
	}
	memset(&back, 0, sizeof(back));
	ptrace(PTRACE_GETREGS, pid, 0, &back);
	for (size_t i = 0; i < NUREG; i++)
		if (*fld(&back, ureg_table[i].off) != *fld(&w, ureg_table[i].off))
			FAILF("%s: GETREGS after POKEUSER: %s = %#llx, written %#llx",
			      what, ureg_table[i].name,
			      (unsigned long long)*fld(&back, ureg_table[i].off),
			      (unsigned long long)*fld(&w, ureg_table[i].off));
	ptrace(PTRACE_CONT, pid, 0, 0);
	if (wait_stop(pid, SIGTRAP, what))
		goto kill;
	check_dump64(what, pid, &want);

	/* Done: the tracee exits 0 from pw_dump64_after. */
	int status;

	ptrace(PTRACE_CONT, pid, 0, 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		FAILF("64-bit tracee: status %#x at the end, expected exit 0",
		      status);
	return;
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------ */

/* i386 struct user_regs_struct */
enum { EBX, ECX, EDX, ESI, EDI, EBP, EAX, XDS, XES, XFS, XGS, ORIG_EAX,
       EIP, XCS, EFLAGS, UESP, XSS, N32 };
static const char *const n32[N32] = {
	"ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs",
	"gs", "orig_eax", "eip", "cs", "eflags", "esp", "ss",
};
/* dump order: eax ebx ecx edx esi edi ebp esp eflags ds|es<<16 */
static const int dump_of[8] = { EAX, EBX, ECX, EDX, ESI, EDI, EBP, UESP };

static void check_dump32(const char *what, pid_t pid,
			 const struct pw32_info *info, const uint32_t *w)
{
	uint32_t d[10], r32[N32];
	struct iovec iov = { r32, sizeof(r32) };
	int before = failures;

	for (int i = 0; i < 10; i += 2) {
		uint64_t v = peekdata(pid, info->dump + 4 * i);

		d[i] = (uint32_t)v;
		d[i + 1] = (uint32_t)(v >> 32);
	}
	for (int i = 0; i < 8; i++)
		if (d[i] != w[dump_of[i]])
			FAILF("%s: tracee saw %s = %#x, written %#x", what,
			      n32[dump_of[i]], d[i], w[dump_of[i]]);
	if ((d[8] & (ARITH | DF)) != (w[EFLAGS] & (ARITH | DF)))
		FAILF("%s: tracee saw eflags = %#x, written %#x", what, d[8],
		      w[EFLAGS]);
	if ((d[9] & 0xffff) != (w[XDS] & 0xffff) ||
	    (d[9] >> 16) != (w[XES] & 0xffff))
		FAILF("%s: tracee saw ds/es %#x, written %#x/%#x", what, d[9],
		      w[XDS], w[XES]);
	memset(r32, 0, sizeof(r32));
	if (ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov))
		FAILF("%s: GETREGSET: %m", what);
	if (r32[EIP] != info->dump_after)
		FAILF("%s: stopped at eip %#x, expected %#x", what, r32[EIP],
		      info->dump_after);
	for (int i = 1; i < 8; i++)	/* eax: used by the dump */
		if (r32[dump_of[i]] != w[dump_of[i]])
			FAILF("%s: GETREGSET at the next stop: %s = %#x, written %#x",
			      what, n32[dump_of[i]], r32[dump_of[i]],
			      w[dump_of[i]]);
	printf("%s: %s (tracee dump and the next stop)\n", what,
	       failures == before ? "every written value observed" : "MISMATCH");
}

static void test32(const char *path)
{
	struct pw32_info info;
	uint32_t r32[N32], w[N32], back[N32];
	struct iovec iov;
	const char *what = "setregset-32";
	int fds[2], status;
	pid_t pid;

	if (pipe(fds)) {
		FAILF("pipe: %m");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (fds[1] != 3) {
			dup2(fds[1], 3);
			close(fds[1]);
		}
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(3);
		execl(path, path, (char *)NULL);
		_exit(5);
	}
	close(fds[1]);
	if (wait_stop(pid, SIGTRAP, "exec-32"))
		goto kill;
	ptrace(PTRACE_CONT, pid, 0, 0);
	if (wait_stop(pid, SIGTRAP, "int3-32"))
		goto kill;
	if (read(fds[0], &info, sizeof(info)) != sizeof(info)) {
		FAILF("no information from the 32-bit tracee");
		goto kill;
	}

	/* 3. SETREGSET NT_PRSTATUS, ia32 layout */
	iov.iov_base = r32;
	iov.iov_len = sizeof(r32);
	if (ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) ||
	    iov.iov_len != sizeof(r32)) {
		FAILF("%s: GETREGSET: %m (length %zu)", what, iov.iov_len);
		goto kill;
	}
	if (r32[EIP] != info.stop1_after)
		FAILF("int3-32: eip %#x, expected %#x", r32[EIP],
		      info.stop1_after);
	memcpy(w, r32, sizeof(w));
	w[EAX] = V32_EAX ^ 0x01010101;
	w[EBX] = V32_EBX ^ 0x01010101;
	w[ECX] = V32_ECX ^ 0x01010101;
	w[EDX] = V32_EDX ^ 0x01010101;
	w[ESI] = V32_ESI ^ 0x01010101;
	w[EDI] = V32_EDI ^ 0x01010101;
	w[EBP] = V32_EBP ^ 0x01010101;
	w[EIP] = info.dump_code;
	w[UESP] = info.stack_top;
	w[EFLAGS] = (r32[EFLAGS] & ~(ARITH | DF)) | 0x8c5 | DF;
	w[ORIG_EAX] = 0xffffffff;
	iov.iov_base = w;
	iov.iov_len = sizeof(w);
	if (ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov))
		FAILF("%s: SETREGSET: %m", what);
	iov.iov_base = back;
	iov.iov_len = sizeof(back);
	memset(back, 0, sizeof(back));
	ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov);
	for (int i = 0; i < N32; i++)
		if (back[i] != w[i])
			FAILF("%s: GETREGSET after SETREGSET: %s = %#x, written %#x",
			      what, n32[i], back[i], w[i]);
	ptrace(PTRACE_CONT, pid, 0, 0);
	if (wait_stop(pid, SIGTRAP, what))
		goto kill;
	check_dump32(what, pid, &info, w);

	/* 4. POKEUSER (64-bit user area offsets) on the IA32 tracee */
	what = "pokeuser-32";
	static const struct { int r; size_t off; uint32_t v; } pk[] = {
		{ EAX, O(rax), V32_EAX ^ 0x02020202 },
		{ EBX, O(rbx), V32_EBX ^ 0x02020202 },
		{ ECX, O(rcx), V32_ECX ^ 0x02020202 },
		{ EDX, O(rdx), V32_EDX ^ 0x02020202 },
		{ ESI, O(rsi), V32_ESI ^ 0x02020202 },
		{ EDI, O(rdi), V32_EDI ^ 0x02020202 },
		{ EBP, O(rbp), V32_EBP ^ 0x02020202 },
	};
	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		size_t off = offsetof(struct user, regs) + pk[i].off;

		w[pk[i].r] = pk[i].v;
		if (ptrace(PTRACE_POKEUSER, pid, (void *)off, (void *)(uintptr_t)pk[i].v))
			FAILF("%s: POKEUSER %s: %m", what, n32[pk[i].r]);
	}
	w[EIP] = info.dump_code;
	w[UESP] = info.stack_top - 64;
	w[EFLAGS] = (w[EFLAGS] & ~(ARITH | DF)) | 0x054; /* PF AF ZF */
	ptrace(PTRACE_POKEUSER, pid, (void *)(offsetof(struct user, regs) + O(rip)),
	       (void *)(uintptr_t)w[EIP]);
	ptrace(PTRACE_POKEUSER, pid, (void *)(offsetof(struct user, regs) + O(rsp)),
	       (void *)(uintptr_t)w[UESP]);
	ptrace(PTRACE_POKEUSER, pid, (void *)(offsetof(struct user, regs) + O(eflags)),
	       (void *)(uintptr_t)w[EFLAGS]);
	ptrace(PTRACE_CONT, pid, 0, 0);
	if (wait_stop(pid, SIGTRAP, what))
		goto kill;
	check_dump32(what, pid, &info, w);
kill:
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || strcmp(argv[1], "64")) {
		fprintf(stderr, "usage: ptrace-write 64 [ia32-tracee]\n");
		return 2;
	}
	test64();
	if (argc > 2) {
		if (access(argv[2], X_OK)) {
			FAILF("%s missing", argv[2]);
		} else {
			test32(argv[2]);
		}
	}
	printf("detail: %s: SETREGS and POKEUSER of every 64-bit register%s\n",
	       failures ? "mismatches" : "every written value observed",
	       argc > 2 ? ", SETREGSET(NT_PRSTATUS) and POKEUSER of an IA32 tracee" : "");
	return failures ? 1 : 0;
}
#endif
