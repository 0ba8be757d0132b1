/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between uprobe.c and uprobe.bpf.c. */
#ifndef UPROBE_H
#define UPROBE_H

/*
 * Registers in the order of the legacy (UAPI) struct pt_regs, 8 bytes
 * apart from offset 0: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx
 * rsi rdi orig_rax rip cs eflags rsp ss.
 */
#define UPROBE_NREGS 21

struct uprobe_result {
	__u64 hits;
	__u64 regs[UPROBE_NREGS];
};

#define UPROBE_PROGS 2		/* 0: up_uapi, 1: up_core */
#define UPROBE_CFG   UPROBE_PROGS	/* map slot: regs[0] = pid */

#endif
