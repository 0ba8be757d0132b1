// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace-child32: the 32-bit (IA32 compat) tracee of "ptrace-regs 32".
 * Run under PTRACE_TRACEME by the tracer, with fd 3 a pipe to it.
 *
 *   int3    every GPR gets a known value, then int3 (exception entry);
 *   int80   kill(getpid(), SIGSTOP) with int $0x80, edx/esi/edi/ebp known;
 *   vdso    the same through the vDSO's __kernel_vsyscall (SYSENTER or
 *           SYSCALL, as the kernel patched it for this CPU);
 *   ud2     every GPR gets a known value, then ud2: SIGILL and a core dump
 *           (for coreregs, which runs it untraced).
 *
 * After the stop the tracer pokes edi; the child exits 0 if it sees the
 * poked value in edi and its own value in esi, 1 or 2 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "ptrace-values.h"

#if !defined(__i386__)
#error "build with -m32"
#endif

unsigned long saved_esp;
unsigned long child_pid;
unsigned long vsyscall_addr;
extern void child32_int3(void), child32_int80(void), child32_vdso(void);
extern void child32_ud2(void);
extern char child32_int3_after[], child32_int80_after[], child32_ud2_at[];

#define EXIT_CHECK                                                          \
	"	mov $1, %ebx\n"                                             \
	"	cmp $" S(V32_POKE) ", %edi\n"                               \
	"	jne 1f\n"                                                   \
	"	mov $2, %ebx\n"                                             \
	"	cmp $" S(V32_ESI) ", %esi\n"                                \
	"	jne 1f\n"                                                   \
	"	xor %ebx, %ebx\n"                                           \
	"1:	mov $252, %eax\n" /* exit_group */                          \
	"	int $0x80\n"                                                \
	"	ud2\n"

asm(".text\n"
    ".globl child32_int3\n"
    "child32_int3:\n"
    "	mov %esp, saved_esp\n"
    "	mov $" S(V32_EAX) ", %eax\n"
    "	mov $" S(V32_EBX) ", %ebx\n"
    "	mov $" S(V32_ECX) ", %ecx\n"
    "	mov $" S(V32_EDX) ", %edx\n"
    "	mov $" S(V32_ESI) ", %esi\n"
    "	mov $" S(V32_EDI) ", %edi\n"
    "	mov $" S(V32_EBP) ", %ebp\n"
    "	int3\n"
    ".globl child32_int3_after\n"
    "child32_int3_after:\n"
    EXIT_CHECK
    ".globl child32_int80\n"
    "child32_int80:\n"
    "	mov %esp, saved_esp\n"
    "	mov child_pid, %ebx\n"
    "	mov $19, %ecx\n"		/* SIGSTOP */
    "	mov $" S(V32_EDX) ", %edx\n"
    "	mov $" S(V32_ESI) ", %esi\n"
    "	mov $" S(V32_EDI) ", %edi\n"
    "	mov $" S(V32_EBP) ", %ebp\n"
    "	mov $37, %eax\n"		/* kill */
    "	int $0x80\n"
    ".globl child32_int80_after\n"
    "child32_int80_after:\n"
    EXIT_CHECK
    ".globl child32_vdso\n"
    "child32_vdso:\n"
    "	mov %esp, saved_esp\n"
    "	mov child_pid, %ebx\n"
    "	mov $19, %ecx\n"
    "	mov $" S(V32_EDX) ", %edx\n"
    "	mov $" S(V32_ESI) ", %esi\n"
    "	mov $" S(V32_EDI) ", %edi\n"
    "	mov $" S(V32_EBP) ", %ebp\n"
    "	mov $37, %eax\n"
    "	call *vsyscall_addr\n"
    EXIT_CHECK
    ".globl child32_ud2\n"
    "child32_ud2:\n"
    "	mov %esp, saved_esp\n"
    "	mov $" S(V32_EAX) ", %eax\n"
    "	mov $" S(V32_EBX) ", %ebx\n"
    "	mov $" S(V32_ECX) ", %ecx\n"
    "	mov $" S(V32_EDX) ", %edx\n"
    "	mov $" S(V32_ESI) ", %esi\n"
    "	mov $" S(V32_EDI) ", %edi\n"
    "	mov $" S(V32_EBP) ", %ebp\n"
    ".globl child32_ud2_at\n"
    "child32_ud2_at:\n"
    "	ud2\n");

/* The first system call instruction in __kernel_vsyscall. */
static void classify(const unsigned char *p, char *out, size_t len)
{
	for (int i = 0; i < 64; i++) {
		if (p[i] == 0x0f && p[i + 1] == 0x34) {
			snprintf(out, len, "sysenter");
			return;
		}
		if (p[i] == 0x0f && p[i + 1] == 0x05) {
			snprintf(out, len, "syscall");
			return;
		}
		if (p[i] == 0xcd && p[i + 1] == 0x80) {
			snprintf(out, len, "int80");
			return;
		}
		if (p[i] == 0xc3)
			break;
	}
	snprintf(out, len, "unknown");
}

int main(int argc, char **argv)
{
	struct child32_info info;
	void (*fn)(void);

	memset(&info, 0, sizeof(info));
	if (argc != 2)
		return 10;
	child_pid = getpid();
	vsyscall_addr = getauxval(AT_SYSINFO);
	info.vdso_base = getauxval(AT_SYSINFO_EHDR);
	info.saved_esp_addr = (uint32_t)&saved_esp;
	if (!strcmp(argv[1], "int3")) {
		fn = child32_int3;
		info.after = (uint32_t)child32_int3_after;
	} else if (!strcmp(argv[1], "int80")) {
		fn = child32_int80;
		info.after = (uint32_t)child32_int80_after;
	} else if (!strcmp(argv[1], "ud2")) {
		fn = child32_ud2;
		info.after = (uint32_t)child32_ud2_at;
	} else if (!strcmp(argv[1], "vdso")) {
		if (!vsyscall_addr)
			return 11;
		fn = child32_vdso;
		classify((const unsigned char *)vsyscall_addr, info.entry,
			 sizeof(info.entry));
	} else {
		return 10;
	}
	if (write(3, &info, sizeof(info)) != sizeof(info))
		return 12;
	fn();
	return 13;
}
