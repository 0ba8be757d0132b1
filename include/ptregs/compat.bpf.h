/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ptregs/compat.bpf.h: read x86_64 registers from BPF programs so that they
 * are right on kernels with either struct pt_regs layout (the upstream one,
 * and the one with pkrs as its first member, where every register is 8
 * bytes further), whatever headers the program is built with: the UAPI
 * <linux/ptrace.h> (rdi, rip...) or a vmlinux.h.
 *
 * kprobe/uprobe contexts: the reads are CO-RE field relocations on a local
 * type with the kernel's field names, struct pt_regs___ptregs_compat, which
 * libbpf matches with the running kernel's struct pt_regs (a "___" suffix
 * is ignored when matching). The program is loaded by libbpf (or another
 * loader that applies CO-RE relocations) on a kernel with BTF.
 *
 *	SEC("kprobe/do_sys_openat2")
 *	int probe(struct pt_regs *ctx)
 *	{
 *		long dfd = PTREGS_PARM1(ctx);
 *		...
 *
 * perf_event contexts: bpf_perf_event_data keeps its 168-byte regs at the
 * old offsets on every kernel (the kernel maps them), so PTREGS_PERF_*
 * read fixed offsets, without CO-RE: a struct pt_regs CO-RE read over
 * &ctx->regs would be relocated to the new layout and then mapped again.
 *
 * The registers a task entered the kernel with: PTREGS_TASK_REGS(task)
 * (bpf_task_pt_regs(), kernel 5.15 and later), or PTREGS_TASK_REGS_STACK()
 * where that helper is not available, which takes sizeof(struct pt_regs)
 * from the kernel's BTF instead of baking it in. Read fields of either with
 * PTREGS_CORE_READ(regs, field).
 */
#ifndef PTREGS_COMPAT_BPF_H
#define PTREGS_COMPAT_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#if !defined(__x86_64__) && !defined(__TARGET_ARCH_x86) && !defined(__bpf__)
#error "ptregs/compat.bpf.h is for BPF programs on x86_64"
#endif

/* The kernel's names; the offsets are the source layout's, relocated by libbpf. */
struct pt_regs___ptregs_compat {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __attribute__((preserve_access_index));

#define __PTREGS_R(ctx) ((const struct pt_regs___ptregs_compat *)(const void *)(ctx))

/* kprobe/uprobe context: a direct, relocated read of the context */
#define PTREGS_REG(ctx, field)	(__PTREGS_R(ctx)->field)
#define PTREGS_PARM1(ctx)	PTREGS_REG(ctx, di)
#define PTREGS_PARM2(ctx)	PTREGS_REG(ctx, si)
#define PTREGS_PARM3(ctx)	PTREGS_REG(ctx, dx)
#define PTREGS_PARM4(ctx)	PTREGS_REG(ctx, cx)
#define PTREGS_PARM5(ctx)	PTREGS_REG(ctx, r8)
#define PTREGS_PARM6(ctx)	PTREGS_REG(ctx, r9)
#define PTREGS_RC(ctx)		PTREGS_REG(ctx, ax)
#define PTREGS_IP(ctx)		PTREGS_REG(ctx, ip)
#define PTREGS_SP(ctx)		PTREGS_REG(ctx, sp)
#define PTREGS_FP(ctx)		PTREGS_REG(ctx, bp)

/*
 * Any other struct pt_regs pointer (the syscall's own registers in a
 * __x64_sys_* probe, a task's entry registers): a relocated probe read.
 */
#define PTREGS_CORE_READ(regs, field)	BPF_CORE_READ(__PTREGS_R(regs), field)
#define PTREGS_PARM1_CORE(regs)	PTREGS_CORE_READ(regs, di)
#define PTREGS_PARM2_CORE(regs)	PTREGS_CORE_READ(regs, si)
#define PTREGS_PARM3_CORE(regs)	PTREGS_CORE_READ(regs, dx)
#define PTREGS_PARM4_CORE(regs)	PTREGS_CORE_READ(regs, cx)
#define PTREGS_PARM5_CORE(regs)	PTREGS_CORE_READ(regs, r8)
#define PTREGS_PARM6_CORE(regs)	PTREGS_CORE_READ(regs, r9)
#define PTREGS_RC_CORE(regs)	PTREGS_CORE_READ(regs, ax)
#define PTREGS_IP_CORE(regs)	PTREGS_CORE_READ(regs, ip)
#define PTREGS_SP_CORE(regs)	PTREGS_CORE_READ(regs, sp)
#define PTREGS_FP_CORE(regs)	PTREGS_CORE_READ(regs, bp)
/* a system call's fourth argument is in r10 (the syscall instruction takes rcx) */
#define PTREGS_PARM4_SYSCALL_CORE(regs)	PTREGS_CORE_READ(regs, r10)

/* perf_event context: bpf_perf_event_data's frozen 168-byte regs at offset 0 */
struct ptregs_perf_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

#define __PTREGS_PERF(ctx) ((const struct ptregs_perf_regs *)(const void *)(ctx))
#define PTREGS_PERF_REG(ctx, field)	(__PTREGS_PERF(ctx)->field)
#define PTREGS_PERF_PARM1(ctx)	PTREGS_PERF_REG(ctx, di)
#define PTREGS_PERF_PARM2(ctx)	PTREGS_PERF_REG(ctx, si)
#define PTREGS_PERF_PARM3(ctx)	PTREGS_PERF_REG(ctx, dx)
#define PTREGS_PERF_PARM4(ctx)	PTREGS_PERF_REG(ctx, cx)
#define PTREGS_PERF_PARM5(ctx)	PTREGS_PERF_REG(ctx, r8)
#define PTREGS_PERF_PARM6(ctx)	PTREGS_PERF_REG(ctx, r9)
#define PTREGS_PERF_RC(ctx)	PTREGS_PERF_REG(ctx, ax)
#define PTREGS_PERF_IP(ctx)	PTREGS_PERF_REG(ctx, ip)
#define PTREGS_PERF_SP(ctx)	PTREGS_PERF_REG(ctx, sp)
#define PTREGS_PERF_FP(ctx)	PTREGS_PERF_REG(ctx, bp)

/* The entry registers of TASK (a BTF task_struct pointer): bpf_task_pt_regs(). */
#define PTREGS_TASK_REGS(task) \
	((const struct pt_regs___ptregs_compat *)bpf_task_pt_regs((struct task_struct *)(task)))

/*
 * Without bpf_task_pt_regs(): the top of the task's stack minus the
 * kernel's sizeof(struct pt_regs), a CO-RE type-size relocation. x86_64's
 * THREAD_SIZE is 16 KiB (32 KiB with KASAN); no top-of-stack padding.
 */
#ifndef PTREGS_THREAD_SIZE
#define PTREGS_THREAD_SIZE 16384
#endif
struct task_struct___ptregs_compat {
	void *stack;
} __attribute__((preserve_access_index));

#define PTREGS_TASK_REGS_STACK(task)                                                     \
	((const struct pt_regs___ptregs_compat *)(                                       \
		(unsigned long)BPF_CORE_READ((struct task_struct___ptregs_compat *)(task), \
					     stack) +                                    \
		PTREGS_THREAD_SIZE - bpf_core_type_size(struct pt_regs___ptregs_compat)))

#endif /* PTREGS_COMPAT_BPF_H */
