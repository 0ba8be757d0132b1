// SPDX-License-Identifier: GPL-2.0
/*
 * The CO-RE twin of foreignregs.bpf.c: its context is struct pt_regs as a
 * vmlinux.h declares it (the kernel's member names, relocated by libbpf),
 * of the 168-byte layout of the kernels before pkrs. The kernel's check
 * must leave it alone.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __attribute__((preserve_access_index));

unsigned long fr_got;

SEC("kprobe/ksys_lseek")
int fr_core(struct pt_regs *ctx)
{
	fr_got = ctx->di;
	return 0;
}
