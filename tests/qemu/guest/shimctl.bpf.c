// SPDX-License-Identifier: GPL-2.0
/*
 * shimctl.bpf.c: the controls of the runtime shim (tests.d/shim.sh), three
 * kprobes on ksys_mmap_pgoff, the six arguments of an mmap() by shimctl:
 *   core_args   CO-RE: a local pt_regs___kernel with the kernel's names,
 *               relocated by libbpf against the running kernel. Its BTF
 *               shows kernel names: the shim must leave it alone.
 *   uapi_args   the UAPI struct pt_regs (rdi, rsi, ...) at fixed offsets,
 *               loaded with this object's BTF (func_info names the
 *               context's type): the shim must translate it.
 *   varoff_arg  a probe read of ctx + an offset from a global: no analysis
 *               can say which register it reads; the shim must refuse it
 *               where the layouts differ. Not loaded by default.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct pt_regs___kernel {
	unsigned long di, si, dx, cx, r8, r9;
} __attribute__((preserve_access_index));

const volatile int target_pid = 0;

unsigned long core[6], uapi[6], varoff;
int core_hits, uapi_hits, varoff_hits;
volatile unsigned long varoff_slot = 112;	/* di in the UAPI layout */

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == (__u64)target_pid;
}

SEC("kprobe/ksys_mmap_pgoff")
int core_args(struct pt_regs___kernel *ctx)
{
	if (!mine())
		return 0;
	core[0] = ctx->di;
	core[1] = ctx->si;
	core[2] = ctx->dx;
	core[3] = ctx->cx;
	core[4] = ctx->r8;
	core[5] = ctx->r9;
	core_hits++;
	return 0;
}

SEC("kprobe/ksys_mmap_pgoff")
int uapi_args(struct pt_regs *ctx)
{
	if (!mine())
		return 0;
	uapi[0] = ctx->rdi;
	uapi[1] = ctx->rsi;
	uapi[2] = ctx->rdx;
	uapi[3] = ctx->rcx;
	uapi[4] = ctx->r8;
	uapi[5] = ctx->r9;
	uapi_hits++;
	return 0;
}

SEC("kprobe/ksys_mmap_pgoff")
int varoff_arg(struct pt_regs *ctx)
{
	unsigned long v = 0;

	if (!mine())
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), (char *)ctx + (varoff_slot & 0xf8));
	varoff = v;
	varoff_hits++;
	return 0;
}
