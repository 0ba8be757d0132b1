/* Subprograms and callbacks that receive the context or a pointer to it. */
#include "common.h"

OUT(out_a);
OUT(out_b);
OUT(out_c);

static __noinline __u64 third_arg(struct pt_regs *regs)
{
	return PT_REGS_PARM3(regs);
}

__noinline int global_ip(struct pt_regs *regs)
{
	if (!regs)
		return 0;
	return (int)PT_REGS_IP(regs);
}

SEC("kprobe/vfs_read")
int calls(struct pt_regs *ctx)
{
	out_a = third_arg(ctx);
	out_b = global_ip(ctx);
	return 0;
}

struct loop_ctx {
	struct pt_regs *regs;
	__u64 sum;
};

static int loop_cb(__u32 idx, struct loop_ctx *lc)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &PT_REGS_PARM2(lc->regs));
	lc->sum += v + idx;
	return 0;
}

SEC("kprobe/vfs_write")
int loop(struct pt_regs *ctx)
{
	struct loop_ctx lc = { .regs = ctx };

	bpf_loop(4, loop_cb, &lc, 0);
	out_c = lc.sum;
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

static __u64 each_cb(void *map, __u32 *key, __u64 *val, struct loop_ctx *lc)
{
	__u64 sp = 0;

	bpf_probe_read_kernel(&sp, sizeof(sp), &PT_REGS_SP(lc->regs));
	lc->sum += sp + *val;
	return 0;
}

SEC("kprobe/vfs_write")
int for_each(struct pt_regs *ctx)
{
	struct loop_ctx lc = { .regs = ctx };

	bpf_for_each_map_elem(&vals, each_cb, &lc, 0);
	out_c = lc.sum;
	return 0;
}
