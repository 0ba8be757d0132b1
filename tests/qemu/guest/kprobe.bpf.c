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
 *             relocated offsets).
 * Only the UAPI program depends on the kernel's pt_regs layout.
 */
#define __TARGET_ARCH_x86
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* Map slots 0..2: the programs' results; slot 3: regs[0] = pid to watch. */
struct kp_result {
	__u64 hits;
	__u64 arg[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct kp_result);
} results SEC(".maps");

static __always_inline struct kp_result *slot(__u32 idx)
{
	__u32 cfg_key = 3;
	struct kp_result *cfg = bpf_map_lookup_elem(&results, &cfg_key);

	if (!cfg || (bpf_get_current_pid_tgid() >> 32) != cfg->arg[0])
		return 0;
	return bpf_map_lookup_elem(&results, &idx);
}

SEC("kprobe")
int kp_uapi(struct pt_regs *ctx)
{
	struct kp_result *r = slot(0);

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
	struct kp_result *r = slot(1);

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
	struct kp_result *r = slot(2);

	if (!r)
		return 0;
	r->hits++;
	r->arg[0] = BPF_CORE_READ(k, di);
	r->arg[1] = BPF_CORE_READ(k, si);
	r->arg[2] = BPF_CORE_READ(k, dx);
	return 0;
}
