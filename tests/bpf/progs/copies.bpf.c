/*
 * Copies of the registers read later: a whole-struct probe read onto the
 * stack, field-by-field probe reads, two fields in one read, a copy into a
 * map value, and the entry pt_regs found off the task's stack and copied
 * whole.
 */
#include "common.h"

#define THREAD_SIZE 16384

struct regs_copy {
	struct pt_regs regs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct regs_copy);
} copies SEC(".maps");

OUT(out_a);
OUT(out_b);

SEC("kprobe/vfs_read")
int whole_copy(struct pt_regs *ctx)
{
	struct pt_regs copy;

	bpf_probe_read_kernel(&copy, sizeof(copy), ctx);
	out_a = copy.REG(di, rdi);
	out_b = copy.REG(ss, ss);
	return 0;
}

/* each field is classified where it is copied, not again where it is read */
SEC("kprobe/vfs_read")
int field_copies(struct pt_regs *ctx)
{
	__u64 args[2];

	bpf_probe_read_kernel(&args[0], sizeof(args[0]), &ctx->REG(di, rdi));
	bpf_probe_read_kernel(&args[1], sizeof(args[1]), &ctx->REG(si, rsi));
	out_a = *(volatile __u64 *)&args[0];
	out_b = *(volatile __u64 *)&args[1];
	return 0;
}

/* si and di in one read: the copy holds dx and si on the new kernel */
SEC("kprobe/vfs_read")
int pair_copy(struct pt_regs *ctx)
{
	__u64 pair[2];

	bpf_probe_read_kernel(pair, sizeof(pair), &ctx->REG(si, rsi));
	out_a = *(volatile __u64 *)&pair[1];	/* di */
	return 0;
}

SEC("kprobe/vfs_read")
int map_copy(struct pt_regs *ctx)
{
	__u32 key = 0;
	struct regs_copy *c = bpf_map_lookup_elem(&copies, &key);

	if (!c)
		return 0;
	bpf_probe_read_kernel(&c->regs, sizeof(c->regs), ctx);
	out_a = c->regs.REG(ip, rip);
	return 0;
}

SEC("kprobe/vfs_read")
int task_stack_copy(void *ctx)
{
	void *stack = (void *)bpf_get_current_task();	/* any kernel pointer */
	struct pt_regs *top = (struct pt_regs *)((char *)stack + THREAD_SIZE) - 1;
	struct pt_regs regs;

	bpf_probe_read_kernel(&regs, sizeof(regs), top);
	out_a = regs.REG(sp, rsp);
	return 0;
}
