/*
 * Built against the UAPI headers with ptregs/compat.bpf.h: every register
 * read is relocated (kprobe, syscall wrapper, task) or reads the frozen
 * bpf_perf_event_data layout (perf_event), so it is right on both layouts.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <ptregs/compat.bpf.h>

volatile __u64 out_a, out_b, out_c;

SEC("kprobe/do_sys_openat2")
int args(struct pt_regs *ctx)
{
	out_a = PTREGS_PARM1(ctx);
	out_b = PTREGS_PARM2(ctx);
	out_c = PTREGS_IP(ctx);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int ret(struct pt_regs *ctx)
{
	out_a = PTREGS_RC(ctx);
	return 0;
}

SEC("kprobe/__x64_sys_openat")
int wrapper(struct pt_regs *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)PTREGS_PARM1(ctx);

	out_a = PTREGS_PARM2_CORE(regs);
	out_b = PTREGS_PARM4_SYSCALL_CORE(regs);
	return 0;
}

SEC("perf_event")
int perf(struct bpf_perf_event_data *ctx)
{
	out_a = PTREGS_PERF_IP(ctx);
	out_b = PTREGS_PERF_SP(ctx);
	return 0;
}

SEC("kprobe/vfs_read")
int task_stack(struct pt_regs *ctx)
{
	const struct pt_regs___ptregs_compat *regs =
		PTREGS_TASK_REGS_STACK(bpf_get_current_task());

	out_a = PTREGS_CORE_READ(regs, ip);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
