/*
 * pt_regs pointers that do not come from the context itself: the syscall
 * wrapper's inner regs, raw_tp/tp_btf sys_enter's args[0], an fentry
 * argument, and bpf_task_pt_regs().
 */
#include "common.h"

OUT(out_a);
OUT(out_b);

/* __x64_sys_openat(const struct pt_regs *regs): the arguments are in *regs */
SEC("kprobe/__x64_sys_openat")
int BPF_KPROBE(wrapper, struct pt_regs *regs)
{
	out_a = PT_REGS_PARM2_CORE(regs);
	return 0;
}

SEC("ksyscall/openat")
int BPF_KSYSCALL(ksyscall_openat, int dfd, const char *path)
{
	out_b = (__u64)path;
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	__u64 di = 0;

	bpf_probe_read_kernel(&di, sizeof(di), &PT_REGS_PARM1(regs));
	out_a = di;
	return 0;
}

SEC("fentry/__x64_sys_openat")
int BPF_PROG(fentry_openat, struct pt_regs *regs)
{
	__u64 si = 0;

	bpf_probe_read_kernel(&si, sizeof(si), &PT_REGS_PARM2(regs));
	out_b = si;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int task_regs(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 ip = 0;

	bpf_probe_read_kernel(&ip, sizeof(ip), &PT_REGS_IP(regs));
	out_a = ip;
	return 0;
}

/* tp_btf: the pt_regs pointer is typed, so it is dereferenced directly */
SEC("tp_btf/sys_enter")
int BPF_PROG(btf_sys_enter, struct pt_regs *regs, long id)
{
	out_b = regs->REG(si, rsi) + id;
	return 0;
}
