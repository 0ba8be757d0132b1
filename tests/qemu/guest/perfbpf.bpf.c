// SPDX-License-Identifier: GPL-2.0
/*
 * perfbpf.bpf.c: BPF perf_event programs attached by perfbpf to software
 * cpu-clock events on the test process.  Each sample records ctx->regs.ip,
 * two general purpose registers the test loop holds at known values, and
 * ctx->sample_period.
 *
 * Two programs read the same context two ways:
 *   perf_uapi   struct bpf_perf_event_data from the UAPI headers, fixed
 *               offsets compiled in (regs.rip at 128, sample_period at 168);
 *   perf_core   CO-RE: local types with the kernel's field names (regs.ip),
 *               relocated by libbpf against the running kernel's BTF.
 * Both must see the same values on any kernel: struct bpf_perf_event_data
 * is ABI.
 *
 * A third, perf_ptregs, is the mistake `ptregs fix` undoes: the kernel's
 * struct pt_regs by CO-RE over &ctx->regs. libbpf relocates the offsets to
 * the running kernel's pt_regs, then the kernel maps them into the frozen
 * regs block: right on the legacy layout, shifted twice on the pkrs one
 * (ip's 136 is the block's cs). The fixed object drops the relocations and
 * keeps the frozen offsets: right on both.
 */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>

#include "perfbpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PERFBPF_NPROGS + 1);
	__type(key, __u32);
	__type(value, struct perfbpf_result);
} results SEC(".maps");

/* results[PERFBPF_CFG] holds the configuration the loader writes. */

static __always_inline void record(__u32 idx, __u64 ip, __u64 r12, __u64 bx,
				   __u64 period)
{
	__u32 cfg_key = PERFBPF_CFG;
	struct perfbpf_result *cfg, *res;

	cfg = bpf_map_lookup_elem(&results, &cfg_key);
	res = bpf_map_lookup_elem(&results, &idx);
	if (!cfg || !res)
		return;
	if ((bpf_get_current_pid_tgid() >> 32) != cfg->pid)
		return;
	res->samples++;
	res->last_ip = ip;
	res->last_period = period;
	if (period != cfg->last_period)
		res->bad_period++;
	if (ip >= cfg->lo && ip < cfg->hi) {
		res->in_range++;
		if (r12 == PERFBPF_R12 && bx == PERFBPF_RBX)
			res->regs_ok++;
		else
			res->last_bad_r12 = r12;
	}
}

SEC("perf_event")
int perf_uapi(struct bpf_perf_event_data *ctx)
{
	record(0, ctx->regs.rip, ctx->regs.r12, ctx->regs.rbx,
	       ctx->sample_period);
	return 0;
}

/* Kernel field names; the ___core suffix is ignored by CO-RE matching. */
struct pt_regs___core {
	unsigned long bx;
	unsigned long r12;
	unsigned long ip;
} __attribute__((preserve_access_index));

struct bpf_perf_event_data___core {
	struct pt_regs___core regs;
	__u64 sample_period;
} __attribute__((preserve_access_index));

SEC("perf_event")
int perf_core(struct bpf_perf_event_data___core *ctx)
{
	record(1, ctx->regs.ip, ctx->regs.r12, ctx->regs.bx,
	       ctx->sample_period);
	return 0;
}

/*
 * The kernel's struct pt_regs as a vmlinux.h of a legacy kernel has it,
 * relocated to wherever the running kernel has it.
 */
struct pt_regs___kernel {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __attribute__((preserve_access_index));

SEC("perf_event")
int perf_ptregs(struct bpf_perf_event_data *ctx)
{
	struct pt_regs___kernel *regs = (void *)&ctx->regs;

	record(2, regs->ip, regs->r12, regs->bx, ctx->sample_period);
	return 0;
}
