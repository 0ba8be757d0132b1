/* Reading kprobe arguments: directly from the context, and with CO-RE reads. */
#include "common.h"

OUT(out_dfd);
OUT(out_flags);
OUT(out_ip);
OUT(out_ret);

/* PT_REGS_PARM* read the context directly: ctx->di, or ctx->rdi at 112 */
SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(direct_args, int dfd, const char *filename)
{
	out_dfd = dfd;
	out_flags = (__u64)filename;
	return 0;
}

/* the _CORE variants read through bpf_probe_read_kernel with CO-RE */
SEC("kprobe/do_sys_openat2")
int core_read_args(struct pt_regs *ctx)
{
	out_flags = PT_REGS_PARM3_CORE(ctx);
	out_ip = PT_REGS_IP_CORE(ctx);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(ret_value, long ret)
{
	out_ret = ret;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_args, long a, long b)
{
	out_dfd = a + b;
	return 0;
}

/* newer libbpf names: scanned, though 6.1 cannot attach them */
SEC("kprobe.multi/vfs_*")
int BPF_KPROBE(multi_args, long a)
{
	out_dfd = a;
	return 0;
}
