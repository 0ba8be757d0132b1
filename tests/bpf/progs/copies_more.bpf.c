/*
 * Copies of the registers kept while other parts of their memory change:
 * an event with the registers and a command name probe-read after them,
 * and a copy made by a subprogram into its caller's stack.
 */
#include "common.h"

struct event {
	struct pt_regs regs;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} events SEC(".maps");

OUT(out_a);
OUT(out_b);

SEC("kprobe/vfs_read")
int event_copy(struct pt_regs *ctx)
{
	__u32 key = 0;
	struct event *e = bpf_map_lookup_elem(&events, &key);
	void *name = (void *)bpf_get_current_task();

	if (!e)
		return 0;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs), ctx);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), name);
	out_a = e->regs.REG(di, rdi);
	return 0;
}

/* the program's own value over the copy: not a register any more */
SEC("kprobe/vfs_read")
int event_store(struct pt_regs *ctx)
{
	__u32 key = 0;
	struct event *e = bpf_map_lookup_elem(&events, &key);

	if (!e)
		return 0;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs), ctx);
	e->regs.REG(si, rsi) = 0;
	out_a = *(volatile __u64 *)&e->regs.REG(si, rsi);
	out_b = *(volatile __u64 *)&e->regs.REG(dx, rdx);
	return 0;
}

static __noinline void fill(struct pt_regs *dst, struct pt_regs *src)
{
	bpf_probe_read_kernel(dst, sizeof(*dst), src);
}

SEC("kprobe/vfs_read")
int callee_copy(struct pt_regs *ctx)
{
	struct pt_regs copy;

	fill(&copy, ctx);
	out_a = copy.REG(ip, rip);
	return 0;
}
