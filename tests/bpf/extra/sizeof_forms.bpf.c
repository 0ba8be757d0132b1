// SPDX-License-Identifier: GPL-2.0
/*
 * task_pt_regs() by hand, with the sizeof(struct pt_regs) constant where
 * clang does not put it (tests/bpf/fix.sh): in a register loaded by a mov or
 * an ld_imm64 and added to the stack pointer, which ptregs fix --to rewrites
 * when that add is the constant's one use, and leaves when the constant is
 * also used elsewhere.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* r0 = stack + CONST (by FORM), then probe-read 8 bytes at r0 + ADD */
#define TASK_REGS_READ(form, add)                                              \
	asm volatile("call %[task];"                                           \
		     form                                                      \
		     "r0 += " #add ";"                                         \
		     "r3 = r0;"                                                \
		     "r1 = r10;"                                               \
		     "r1 += -8;"                                               \
		     "r2 = 8;"                                                 \
		     "call %[read];"                                           \
		     "r0 = 0;"                                                 \
		     "exit;"                                                   \
		     :: [task] "i"(BPF_FUNC_get_current_task),                \
			[read] "i"(BPF_FUNC_probe_read_kernel)                 \
		     : "memory")

/* 16384 - 168 + 128: &task_pt_regs()->ip, the constant in a mov */
SEC("kprobe/vfs_read")
__attribute__((naked)) int by_mov(void *ctx)
{
	TASK_REGS_READ("r6 = 16344;" "r0 += r6;", 0);
}

/* the top of the stack found elsewhere, minus 168 in an ld_imm64, plus 128 */
SEC("kprobe/vfs_read")
__attribute__((naked)) int by_ld_imm64(void *ctx)
{
	TASK_REGS_READ("r0 += 16384;" "r6 = -168 ll;" "r0 += r6;", 128);
}

/* the mov's constant is also stored: not rewritten */
SEC("kprobe/vfs_read")
__attribute__((naked)) int shared(void *ctx)
{
	TASK_REGS_READ("r6 = 16344;" "r0 += r6;" "*(u64 *)(r10 - 16) = r6;", 0);
}

char LICENSE[] SEC("license") = "GPL";
