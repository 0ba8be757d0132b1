// SPDX-License-Identifier: GPL-2.0
/*
 * perfbpf: attach the BPF perf_event programs of perfbpf.bpf.o to software
 * cpu-clock events (exclude_kernel, this process only) with a known sample
 * period, run a loop that holds known values in r12 and rbx, and check what
 * the programs saw: ctx->regs.ip inside the loop, the registers' values and
 * ctx->sample_period equal to the configured period.
 *
 * perf_uapi and perf_core must be exact on any kernel; perf_ptregs (a
 * struct pt_regs CO-RE read over &ctx->regs) as EXPECT says: exact (also:
 * legacy); down (also: pkrs: relocated, then mapped again: no sample's ip
 * inside the loop); without EXPECT either, named in the detail.
 *
 * Usage: perfbpf [OBJECT [exact|down|legacy|pkrs]]
 * (default /lib/ptregs/perfbpf.bpf.o)
 * Exit status 0 pass, 1 fail, 77 skip (no BPF / perf support).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "perfbpf.h"

#define PERIOD_NS 1000000ULL	/* 1 ms of task clock */

extern void perfbpf_spin(unsigned long iterations);
extern char perfbpf_loop[], perfbpf_loop_end[];

/*
 * The sampled loop: r12 and rbx hold PERFBPF_R12 and PERFBPF_RBX for every
 * instruction between perfbpf_loop and perfbpf_loop_end.
 */
asm(".text\n"
    ".globl perfbpf_spin\n"
    ".type perfbpf_spin, @function\n"
    "perfbpf_spin:\n"
    "	push %r12\n"
    "	push %rbx\n"
    "	movabs $" PERFBPF_S(PERFBPF_R12) ", %r12\n"
    "	movabs $" PERFBPF_S(PERFBPF_RBX) ", %rbx\n"
    ".globl perfbpf_loop\n"
    "perfbpf_loop:\n"
    "	dec %rdi\n"
    "	jnz perfbpf_loop\n"
    ".globl perfbpf_loop_end\n"
    "perfbpf_loop_end:\n"
    "	pop %rbx\n"
    "	pop %r12\n"
    "	ret\n"
    ".size perfbpf_spin, .-perfbpf_spin\n");

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const prog_names[PERFBPF_NPROGS] = { "perf_uapi",
							 "perf_core",
							 "perf_ptregs" };
#define PERF_PTREGS 2

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/lib/ptregs/perfbpf.bpf.o";
	const char *expect = argc > 2 ? argv[2] : "";
	struct bpf_link *links[PERFBPF_NPROGS] = { 0 };
	int fds[PERFBPF_NPROGS];
	struct perfbpf_result cfg = { 0 }, res;
	struct bpf_object *obj;
	struct bpf_map *map;
	int failures = 0, mapfd;
	__u32 key;

	if (!strcmp(expect, "legacy"))
		expect = "exact";
	else if (!strcmp(expect, "pkrs"))
		expect = "down";
	if (*expect && strcmp(expect, "exact") && strcmp(expect, "down")) {
		fprintf(stderr, "perfbpf: unknown expectation %s\n", expect);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_fn);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		printf("detail: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		printf("detail: loading %s failed: %s\n", path, strerror(errno));
		return 1;
	}
	map = bpf_object__find_map_by_name(obj, "results");
	mapfd = bpf_map__fd(map);
	cfg.pid = getpid();
	cfg.lo = (unsigned long)perfbpf_loop;
	cfg.hi = (unsigned long)perfbpf_loop_end;
	cfg.last_period = PERIOD_NS;
	key = PERFBPF_CFG;
	if (bpf_map_update_elem(mapfd, &key, &cfg, BPF_ANY)) {
		printf("detail: map update: %s\n", strerror(errno));
		return 1;
	}

	for (int i = 0; i < PERFBPF_NPROGS; i++) {
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.sample_period = PERIOD_NS,
			.exclude_kernel = 1,
			.exclude_hv = 1,
			.disabled = 1,
		};
		struct bpf_program *prog =
			bpf_object__find_program_by_name(obj, prog_names[i]);

		fds[i] = syscall(SYS_perf_event_open, &attr, 0, -1, -1,
				 PERF_FLAG_FD_CLOEXEC);
		if (fds[i] < 0) {
			printf("detail: perf_event_open(cpu-clock): %s\n",
			       strerror(errno));
			return errno == ENOENT || errno == ENOSYS ? 77 : 1;
		}
		links[i] = bpf_program__attach_perf_event(prog, fds[i]);
		if (!links[i]) {
			printf("detail: attaching %s: %s\n", prog_names[i],
			       strerror(errno));
			return 1;
		}
	}

	/* Calibrate so that the loop runs for about 0.3 s of guest time. */
	/* Calibrate on at least 50 ms of guest time: TCG's speed varies. */
	unsigned long iters = 1000000;
	double t0, dt;
	for (;;) {
		t0 = now();
		perfbpf_spin(iters);
		dt = now() - t0;
		if (dt >= 0.05 || iters >= (1UL << 30))
			break;
		iters *= 2;
	}
	double want = iters * (0.3 / dt) + 1;
	iters = want < (double)(~0UL >> 1) ? (unsigned long)want : ~0UL >> 1;

	for (int i = 0; i < PERFBPF_NPROGS; i++)
		ioctl(fds[i], PERF_EVENT_IOC_ENABLE, 0);
	t0 = now();
	perfbpf_spin(iters);
	dt = now() - t0;
	for (int i = 0; i < PERFBPF_NPROGS; i++)
		ioctl(fds[i], PERF_EVENT_IOC_DISABLE, 0);

	printf("loop %#lx-%#lx, %lu iterations in %.3f s, period %llu ns\n",
	       (unsigned long)perfbpf_loop, (unsigned long)perfbpf_loop_end,
	       iters, dt, PERIOD_NS);
	char summary[256] = "";
	const char *ptregs = "exact";
	for (__u32 i = 0; i < PERFBPF_NPROGS; i++) {
		int bad = 0;

		memset(&res, 0, sizeof(res));
		if (bpf_map_lookup_elem(mapfd, &i, &res)) {
			printf("FAIL: %s: map lookup: %s\n", prog_names[i],
			       strerror(errno));
			failures++;
			continue;
		}
		printf("%s: samples=%llu in_loop=%llu regs_ok=%llu bad_period=%llu last_ip=%#llx last_period=%llu\n",
		       prog_names[i], res.samples, res.in_range, res.regs_ok,
		       res.bad_period, res.last_ip, res.last_period);
		if (res.samples == 0) {
			printf("FAIL: %s: no samples\n", prog_names[i]);
			bad++;
		}
		int shifted = i == PERF_PTREGS && res.samples && res.in_range == 0;
		if (shifted) {
			/* relocated and mapped again: ip is another register */
			ptregs = "shifted twice (no ip inside the loop)";
			printf("%s%s: no sampled ip inside the loop (last ip read %#llx)%s\n",
			       strcmp(expect, "exact") ? "" : "FAIL: ", prog_names[i],
			       res.last_ip, strcmp(expect, "exact") ? "" : ", expected exact");
			bad += !strcmp(expect, "exact");
		} else if (i == PERF_PTREGS && !strcmp(expect, "down")) {
			printf("FAIL: %s: %llu of %llu sampled ips inside the loop, expected none (shifted twice)\n",
			       prog_names[i], res.in_range, res.samples);
			bad++;
		}
		/* The events are enabled around the loop only. */
		if (!shifted && res.in_range * 10 < res.samples * 9) {
			printf("FAIL: %s: only %llu of %llu sampled ips inside the loop\n",
			       prog_names[i], res.in_range, res.samples);
			bad++;
		}
		if (res.regs_ok != res.in_range) {
			printf("FAIL: %s: %llu samples in the loop with wrong r12/rbx (last r12 read %#llx, expected %#llx)\n",
			       prog_names[i], res.in_range - res.regs_ok,
			       res.last_bad_r12,
			       (unsigned long long)PERFBPF_R12);
			bad++;
		}
		if (res.bad_period || res.last_period != PERIOD_NS) {
			printf("FAIL: %s: sample_period %llu, expected %llu (%llu bad)\n",
			       prog_names[i], res.last_period, PERIOD_NS,
			       res.bad_period);
			bad++;
		}
		failures += bad;
		snprintf(summary + strlen(summary),
			 sizeof(summary) - strlen(summary), "%s%s %llu/%llu",
			 i ? ", " : "", prog_names[i], res.regs_ok,
			 res.samples);
	}
	for (int i = 0; i < PERFBPF_NPROGS; i++) {
		bpf_link__destroy(links[i]);
		close(fds[i]);
	}
	bpf_object__close(obj);
	printf("detail: %s: ip in loop, r12/rbx, sample_period=%llu; good/total: %s; perf_ptregs %s (expect %s)\n",
	       failures ? "mismatches" : "as expected", PERIOD_NS,
	       summary, ptregs, *expect ? expect : "exact or down");
	return failures ? 1 : 0;
}
