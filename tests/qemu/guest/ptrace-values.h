/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register values the ptrace test's children load and the tracer expects.
 * Every value is distinct in both 32-bit halves, so a register read from the
 * wrong slot, or truncated, does not match.
 */
#ifndef PTRACE_VALUES_H
#define PTRACE_VALUES_H

#include <stdint.h>

#define S_(x) #x
#define S(x) S_(x)

#define V64_RAX  0xc0de0a01dead1a01
#define V64_RBX  0xc0de0b02dead1b02
#define V64_RCX  0xc0de0c03dead1c03
#define V64_RDX  0xc0de0d04dead1d04
#define V64_RSI  0xc0de0e05dead1e05
#define V64_RDI  0xc0de0f06dead1f06
#define V64_RBP  0xc0de1007dead2007
#define V64_R8   0xc0de1108dead2108
#define V64_R9   0xc0de1209dead2209
#define V64_R10  0xc0de130adead230a
#define V64_R11  0xc0de140bdead240b
#define V64_R12  0xc0de150cdead250c
#define V64_R13  0xc0de160ddead260d
#define V64_R14  0xc0de170edead270e
#define V64_R15  0xc0de180fdead280f
#define V64_POKE 0x5eed5eed12345678

/* asm text loading the values above, rbx..r15 and then with rax too */
#define LOAD_V64_RBX_TO_R15					\
	"	movabs $" S(V64_RBX) ", %rbx\n"			\
	"	movabs $" S(V64_RCX) ", %rcx\n"			\
	"	movabs $" S(V64_RDX) ", %rdx\n"			\
	"	movabs $" S(V64_RSI) ", %rsi\n"			\
	"	movabs $" S(V64_RDI) ", %rdi\n"			\
	"	movabs $" S(V64_RBP) ", %rbp\n"			\
	"	movabs $" S(V64_R8) ", %r8\n"			\
	"	movabs $" S(V64_R9) ", %r9\n"			\
	"	movabs $" S(V64_R10) ", %r10\n"			\
	"	movabs $" S(V64_R11) ", %r11\n"			\
	"	movabs $" S(V64_R12) ", %r12\n"			\
	"	movabs $" S(V64_R13) ", %r13\n"			\
	"	movabs $" S(V64_R14) ", %r14\n"			\
	"	movabs $" S(V64_R15) ", %r15\n"
#define LOAD_V64_GPRS						\
	"	movabs $" S(V64_RAX) ", %rax\n"			\
	LOAD_V64_RBX_TO_R15

#define V32_EAX  0xa1a10001
#define V32_EBX  0xb2b20002
#define V32_ECX  0xc3c30003
#define V32_EDX  0xd4d40004
#define V32_ESI  0xe5e50005
#define V32_EDI  0xf6f60006
#define V32_EBP  0x17170007
#define V32_POKE 0x5eed0032

/* What the 32-bit child tells the tracer (fd 3) before it stops. */
struct child32_info {
	uint32_t after;		/* address right after the stopping insn */
	uint32_t saved_esp_addr; /* where it stored esp before loading regs */
	uint32_t vdso_base;	/* AT_SYSINFO_EHDR */
	char entry[16];		/* first entry insn in __kernel_vsyscall */
};

#endif
