/*
 * perf_event programs: ctx->regs is kept stable by the kernel, but a CO-RE
 * read rooted at struct pt_regs over &ctx->regs is relocated by libbpf and
 * then remapped by the kernel, and a probe read of &ctx->regs reads the
 * kernel's bpf_perf_event_data_kern, not the registers.
 */
#include "common.h"

OUT(out_ip);
OUT(out_period);
OUT(out_core_ip);
OUT(out_sp);

static __noinline __u64 sp_of(struct pt_regs *regs)
{
	return PT_REGS_SP(regs);
}

SEC("perf_event")
int regs_member(struct bpf_perf_event_data *ctx)
{
	out_ip = ctx->regs.REG(ip, rip);
	out_period = ctx->sample_period;
	return 0;
}

SEC("perf_event")
int regs_cast_core(struct bpf_perf_event_data *ctx)
{
	out_core_ip = PT_REGS_IP_CORE((struct pt_regs *)&ctx->regs);
	return 0;
}

SEC("perf_event")
int regs_as_pt_regs(struct bpf_perf_event_data *ctx)
{
	out_sp = sp_of((struct pt_regs *)&ctx->regs);
	return 0;
}
