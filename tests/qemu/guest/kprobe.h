/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between kprobe.c and kprobe.bpf.c. */
#ifndef KPROBE_H
#define KPROBE_H

/* One map slot per program, in this order; then the configuration slot. */
#define KP_UAPI     0	/* kprobe, PT_REGS_PARM1..3 on the UAPI pt_regs */
#define KP_CORE     1	/* kprobe, CO-RE direct loads */
#define KP_READ     2	/* kprobe, CO-RE probe reads (BPF_CORE_READ) */
#define KP_PREAD    3	/* kprobe, UAPI: probe reads of &ctx->rdi... */
#define KS_UAPI     4	/* __x64_sys_write: the wrapper's regs, UAPI probe reads */
#define KRP_UAPI    5	/* kretprobe, PT_REGS_RC on the UAPI pt_regs */
#define KP_COMPAT   6	/* kprobe, ptregs/compat.bpf.h PTREGS_PARM1..3 */
#define KS_COMPAT   7	/* __x64_sys_write, PTREGS_PARM1(ctx), PTREGS_PARMn_CORE */
#define KRP_COMPAT  8	/* kretprobe, PTREGS_RC */
#define KP_NPROGS   9
#define KP_CFG      KP_NPROGS	/* arg[0] = the pid to watch */

struct kp_result {
	__u64 hits;
	__u64 arg[3];		/* kretprobes: arg[0] = the return value */
};

#endif
