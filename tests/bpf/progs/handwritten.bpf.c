/*
 * Offsets a program computes itself: a hand-written copy of the 6.1 layout
 * (no CO-RE) and constant pointer arithmetic on the context.
 */
#include "common.h"

struct old_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

OUT(out_a);
OUT(out_b);

SEC("kprobe/vfs_read")
int own_struct(void *ctx)
{
	const struct old_regs *r = ctx;

	out_a = r->di;
	out_b = r->sp;
	return 0;
}

SEC("kprobe/vfs_write")
int pointer_math(void *ctx)
{
	__u64 ip = 0;

	bpf_probe_read_kernel(&ip, sizeof(ip), (char *)ctx + 128);
	out_a = ip;
	return 0;
}
