// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe.bpf.c: kprobe programs on ksys_write(fd, buf, count) that record
 * the three arguments from their context, struct pt_regs, for one process:
 *   kp_uapi   libbpf's PT_REGS_PARM1..3 on the UAPI struct pt_regs (no
 *             CO-RE: rdi, rsi, rdx at offsets fixed at compile time);
 *   kp_core   CO-RE, the way vmlinux.h users write it: the kernel's field
 *             names (di, si, dx) with preserve_access_index, relocated by
 *             libbpf against the running kernel's BTF (direct ctx loads);
 *   kp_read   CO-RE through BPF_CORE_READ (bpf_probe_read_kernel at the
 *             relocated offsets);
 *   kp_pread  UAPI, a probe read through the context: bpf_probe_read_kernel
 *             of &ctx->rdi, &ctx->rsi, &ctx->rdx (ctx plus a constant);
 *   ks_uapi   UAPI, the syscall wrapper's pattern on __x64_sys_write(regs):
 *             regs = PT_REGS_PARM1(ctx), then probe reads of &regs->rdi...;
 *   krp_uapi  UAPI, a kretprobe on ksys_write: PT_REGS_RC (rax);
 *   kp_compat, ks_compat, krp_compat  the same three built with
 *             ptregs/compat.bpf.h against these UAPI headers (CO-RE on a
 *             local type with the kernel's names).
 * The UAPI programs depend on the kernel's pt_regs layout; `ptregs fix`
 * rewrites them (mkinitramfs.sh builds the fixed copies of this object).
 */
#define __TARGET_ARCH_x86
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <ptregs/compat.bpf.h>

#include "kprobe.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KP_NPROGS + 1);
	__type(key, __u32);
	__type(value, struct kp_result);
} results SEC(".maps");

static __always_inline struct kp_result *slot(__u32 idx)
{
	__u32 cfg_key = KP_CFG;
	struct kp_result *cfg = bpf_map_lookup_elem(&results, &cfg_key);

	if (!cfg || (bpf_get_current_pid_tgid() >> 32) != cfg->arg[0])
		return 0;
	return bpf_map_lookup_elem(&results, &idx);
}

SEC("kprobe")
int kp_uapi(struct pt_regs *ctx)
{
	struct kp_result *r = slot(KP_UAPI);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = PT_REGS_PARM1(ctx);
	r->arg[1] = PT_REGS_PARM2(ctx);
	r->arg[2] = PT_REGS_PARM3(ctx);
	return 0;
}

/* The kernel's struct pt_regs as far as needed; ___kernel is ignored by
 * CO-RE matching, which finds the fields by name in the kernel's BTF. */
struct pt_regs___kernel {
	unsigned long dx, si, di;
} __attribute__((preserve_access_index));

SEC("kprobe")
int kp_core(struct pt_regs___kernel *ctx)
{
	struct kp_result *r = slot(KP_CORE);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = ctx->di;
	r->arg[1] = ctx->si;
	r->arg[2] = ctx->dx;
	return 0;
}

SEC("kprobe")
int kp_read(struct pt_regs *ctx)
{
	struct pt_regs___kernel *k = (void *)ctx;
	struct kp_result *r = slot(KP_READ);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = BPF_CORE_READ(k, di);
	r->arg[1] = BPF_CORE_READ(k, si);
	r->arg[2] = BPF_CORE_READ(k, dx);
	return 0;
}

SEC("kprobe")
int kp_pread(struct pt_regs *ctx)
{
	struct kp_result *r = slot(KP_PREAD);

	if (!r)
		return 0;
	r->hits++;
	bpf_probe_read_kernel(&r->arg[0], sizeof(r->arg[0]), &ctx->rdi);
	bpf_probe_read_kernel(&r->arg[1], sizeof(r->arg[1]), &ctx->rsi);
	bpf_probe_read_kernel(&r->arg[2], sizeof(r->arg[2]), &ctx->rdx);
	return 0;
}

/*
 * __x64_sys_write(const struct pt_regs *regs): the user's registers. The
 * section names the wrapper: that is how a reader of the object knows
 * the first argument is a struct pt_regs pointer.
 */
SEC("kprobe/__x64_sys_write")
int ks_uapi(struct pt_regs *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)PT_REGS_PARM1(ctx);
	struct kp_result *r = slot(KS_UAPI);

	if (!r)
		return 0;
	r->hits++;
	bpf_probe_read_kernel(&r->arg[0], sizeof(r->arg[0]), &regs->rdi);
	bpf_probe_read_kernel(&r->arg[1], sizeof(r->arg[1]), &regs->rsi);
	bpf_probe_read_kernel(&r->arg[2], sizeof(r->arg[2]), &regs->rdx);
	return 0;
}

SEC("kretprobe")
int krp_uapi(struct pt_regs *ctx)
{
	struct kp_result *r = slot(KRP_UAPI);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = PT_REGS_RC(ctx);
	return 0;
}

SEC("kprobe")
int kp_compat(struct pt_regs *ctx)
{
	struct kp_result *r = slot(KP_COMPAT);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = PTREGS_PARM1(ctx);
	r->arg[1] = PTREGS_PARM2(ctx);
	r->arg[2] = PTREGS_PARM3(ctx);
	return 0;
}

SEC("kprobe/__x64_sys_write")
int ks_compat(struct pt_regs *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)PTREGS_PARM1(ctx);
	struct kp_result *r = slot(KS_COMPAT);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = PTREGS_PARM1_CORE(regs);
	r->arg[1] = PTREGS_PARM2_CORE(regs);
	r->arg[2] = PTREGS_PARM3_CORE(regs);
	return 0;
}

SEC("kretprobe")
int krp_compat(struct pt_regs *ctx)
{
	struct kp_result *r = slot(KRP_COMPAT);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = PTREGS_RC(ctx);
	return 0;
}
