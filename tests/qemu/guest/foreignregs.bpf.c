// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's check of a kprobe program's declared context (series patch
 * "bpf: Warn about kprobe programs compiled for another struct pt_regs"):
 * fr_uapi declares the UAPI struct pt_regs (rdi, rip: 168 bytes) and reads
 * ctx->rdi at its fixed offset. foreignregs-core.bpf.c is its CO-RE twin.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

unsigned long fr_got;

SEC("kprobe/ksys_lseek")
int fr_uapi(struct pt_regs *ctx)
{
	fr_got = ctx->rdi;
	return 0;
}
