// SPDX-License-Identifier: GPL-2.0
/*
 * usdtbpf.bpf.c: a BPF USDT program on the probe ptregs:two of usdtbpf
 * itself. libbpf's usdt.bpf.h reads each argument at ctx + reg_off, with
 * reg_off computed in the host process by libbpf's USDT support (the UAPI
 * offsetof(struct pt_regs, ...)) and written to the __bpf_usdt_specs map.
 */
/* usdt.bpf.h: bool, and PT_REGS_IP for kernels without BPF cookies */
#include <stdbool.h>
#define __TARGET_ARCH_x86
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

const volatile int target_pid = 0;

long got[2];
long err[2];
int hits;

SEC("usdt")
int usdt_two(struct pt_regs *ctx)
{
	long v;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u64)target_pid)
		return 0;
	err[0] = bpf_usdt_arg(ctx, 0, &v);
	got[0] = v;
	err[1] = bpf_usdt_arg(ctx, 1, &v);
	got[1] = v;
	hits++;
	return 0;
}
