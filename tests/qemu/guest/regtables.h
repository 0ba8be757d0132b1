/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register tables of the 64-bit guest programs, after ptrace-values.h:
 * the general purpose registers in ucontext order with their known values,
 * and the fields of struct user_regs_struct with their offsets (the
 * PEEKUSER/POKEUSER offsets). Each program uses some of them.
 */
#ifndef PTREGS_GUEST_REGTABLES_H
#define PTREGS_GUEST_REGTABLES_H
#ifdef __x86_64__

#include <stddef.h>
#include <stdint.h>
#include <sys/ucontext.h>
#include <sys/user.h>

#define REGTABLE __attribute__((unused))

/* rax rbx rcx rdx rsi rdi rbp r8..r15 */
#define NGPR 15
static const char *const gpr_name[NGPR] REGTABLE = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
	"r11", "r12", "r13", "r14", "r15",
};
static const int gpr_greg[NGPR] REGTABLE = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};
static const uint64_t gpr_v[NGPR] REGTABLE = {
	V64_RAX, V64_RBX, V64_RCX, V64_RDX, V64_RSI, V64_RDI, V64_RBP,
	V64_R8, V64_R9, V64_R10, V64_R11, V64_R12, V64_R13, V64_R14, V64_R15,
};

/* struct user_regs_struct, in its order */
struct ureg {
	const char *name;
	size_t off;
};
#define UREG(f) { #f, offsetof(struct user_regs_struct, f) }
static const struct ureg ureg_table[] REGTABLE = {
	UREG(r15), UREG(r14), UREG(r13), UREG(r12), UREG(rbp), UREG(rbx),
	UREG(r11), UREG(r10), UREG(r9), UREG(r8), UREG(rax), UREG(rcx),
	UREG(rdx), UREG(rsi), UREG(rdi), UREG(orig_rax), UREG(rip), UREG(cs),
	UREG(eflags), UREG(rsp), UREG(ss), UREG(fs_base), UREG(gs_base),
	UREG(ds), UREG(es), UREG(fs), UREG(gs),
};
#define NUREG (sizeof(ureg_table) / sizeof(ureg_table[0]))

#endif /* __x86_64__ */
#endif /* PTREGS_GUEST_REGTABLES_H */
