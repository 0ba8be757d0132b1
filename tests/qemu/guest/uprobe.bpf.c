// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe.bpf.c: two uprobe programs on the same user function record the
 * registers of the probed process from their context, struct pt_regs:
 *   up_uapi   the UAPI struct pt_regs (rdi, rsi...): offsets fixed at
 *             compile time, the legacy layout;
 *   up_core   CO-RE: a local struct with the kernel's field names (di,
 *             si...), relocated by libbpf against the running kernel's BTF.
 * On a kernel whose pt_regs layout changed, only up_core reads the right
 * registers; up_uapi reads, at each old offset, whatever the new layout
 * keeps there.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

#include "uprobe.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UPROBE_PROGS + 1);
	__type(key, __u32);
	__type(value, struct uprobe_result);
} results SEC(".maps");

static __always_inline struct uprobe_result *slot(__u32 idx)
{
	__u32 cfg_key = UPROBE_CFG;
	struct uprobe_result *cfg = bpf_map_lookup_elem(&results, &cfg_key);

	if (!cfg || (bpf_get_current_pid_tgid() >> 32) != cfg->regs[0])
		return 0;
	return bpf_map_lookup_elem(&results, &idx);
}

SEC("uprobe")
int up_uapi(struct pt_regs *ctx)
{
	struct uprobe_result *r = slot(0);

	if (!r)
		return 0;
	r->hits++;
	r->regs[0] = ctx->r15;
	r->regs[1] = ctx->r14;
	r->regs[2] = ctx->r13;
	r->regs[3] = ctx->r12;
	r->regs[4] = ctx->rbp;
	r->regs[5] = ctx->rbx;
	r->regs[6] = ctx->r11;
	r->regs[7] = ctx->r10;
	r->regs[8] = ctx->r9;
	r->regs[9] = ctx->r8;
	r->regs[10] = ctx->rax;
	r->regs[11] = ctx->rcx;
	r->regs[12] = ctx->rdx;
	r->regs[13] = ctx->rsi;
	r->regs[14] = ctx->rdi;
	r->regs[15] = ctx->orig_rax;
	r->regs[16] = ctx->rip;
	r->regs[17] = ctx->cs;
	r->regs[18] = ctx->eflags;
	r->regs[19] = ctx->rsp;
	r->regs[20] = ctx->ss;
	return 0;
}

/* Kernel field names; the ___core suffix is ignored by CO-RE matching. */
struct pt_regs___core {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, flags, sp;
} __attribute__((preserve_access_index));

SEC("uprobe")
int up_core(struct pt_regs___core *ctx)
{
	struct uprobe_result *r = slot(1);

	if (!r)
		return 0;
	r->hits++;
	r->regs[0] = ctx->r15;
	r->regs[1] = ctx->r14;
	r->regs[2] = ctx->r13;
	r->regs[3] = ctx->r12;
	r->regs[4] = ctx->bp;
	r->regs[5] = ctx->bx;
	r->regs[6] = ctx->r11;
	r->regs[7] = ctx->r10;
	r->regs[8] = ctx->r9;
	r->regs[9] = ctx->r8;
	r->regs[10] = ctx->ax;
	r->regs[11] = ctx->cx;
	r->regs[12] = ctx->dx;
	r->regs[13] = ctx->si;
	r->regs[14] = ctx->di;
	r->regs[15] = ctx->orig_ax;
	r->regs[16] = ctx->ip;
	r->regs[18] = ctx->flags;
	r->regs[19] = ctx->sp;
	return 0;
}
