// SPDX-License-Identifier: GPL-2.0
/*
 * A UAPI kprobe program whose object already has ptregs fix's local type,
 * struct pt_regs___ptregs, as an earlier fix (or a hand port) leaves it:
 * the fixer adds no struct, so its first BTF addition, while retyping the
 * declared context, reallocates libbpf's full type buffer (tests/bpf/fix.sh,
 * under ASan in make check-san).
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct pt_regs___ptregs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
struct pt_regs___ptregs keep_type SEC(".data.keep");
__u64 out;

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(direct_args, int dfd, const char *filename)
{
	out = dfd + (__u64)filename;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
