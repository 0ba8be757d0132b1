/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between perfbpf.c and perfbpf.bpf.c. */
#ifndef PERFBPF_H
#define PERFBPF_H

#define PERFBPF_NPROGS 3	/* perf_uapi, perf_core, perf_ptregs */
#define PERFBPF_CFG    PERFBPF_NPROGS	/* map index of the configuration */
/* bare literals: also used in the loader's asm */
#define PERFBPF_R12    0x12c0ffee0000aa12
#define PERFBPF_RBX    0x0bc0ffee0000bb0b
#define PERFBPF_S_(x)  #x
#define PERFBPF_S(x)   PERFBPF_S_(x)

/*
 * One map value per program; the configuration entry reuses the layout:
 * pid, lo/hi (the loop's address range) and last_period (the configured
 * sample period).
 */
struct perfbpf_result {
	__u64 pid;
	__u64 lo;
	__u64 hi;
	__u64 samples;
	__u64 in_range;
	__u64 regs_ok;
	__u64 bad_period;
	__u64 last_ip;
	__u64 last_period;
	__u64 last_bad_r12;
};

#endif
