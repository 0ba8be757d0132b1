// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe: attach the uprobe programs of uprobe.bpf.o to a function of this
 * program that runs with a known value in every general purpose register,
 * and check what each program read from its struct pt_regs context.
 *
 *   up_core (CO-RE, kernel field names) must read every register exactly on
 *   any kernel;
 *   up_uapi (UAPI struct, offsets fixed at compile time) reads every
 *   register exactly on a kernel with the legacy layout, and on a kernel
 *   with pkrs prepended reads at each offset the register the new layout
 *   keeps there: the previous one in the legacy order (rdi -> rsi ...).
 *
 * Usage: uprobe [OBJECT [exact|down|up|legacy|pkrs]]  (default
 * /lib/ptregs/uprobe.bpf.o; without an expectation either of exact and
 * down is accepted and named). What up_uapi must read:
 *   exact (also: legacy)  every register;
 *   down (also: pkrs)     the previous register at each offset (legacy
 *                         offsets on the pkrs layout);
 *   up                    pkrs offsets on the legacy layout: the next
 *                         register at each offset, or the object refused
 *                         at load (its read of ss, at 168, is past the
 *                         legacy context).
 * Exit status 0 pass, 1 fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ptrace-values.h"
#include "uprobe.h"

extern void uprobe_target(void);
extern void uprobe_hit(void);
unsigned long uprobe_rsp;

asm(".text\n"
    ".globl uprobe_target\n"
    "uprobe_target:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n"
    "	push %r13\n	push %r14\n	push %r15\n"
    "	mov %rsp, uprobe_rsp(%rip)\n"
    LOAD_V64_GPRS
    "	call uprobe_hit\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n"
    "	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	ret\n"
    ".globl uprobe_hit\n"
    ".type uprobe_hit, @function\n"
    "uprobe_hit:\n"
    "	nop\n"
    "	ret\n"
    ".size uprobe_hit, .-uprobe_hit\n");

static const char *const names[UPROBE_NREGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss",
};

/* set when libbpf passes on the verifier's refusal of a read of ss (168) */
static int ss_refused;

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	char *msg;
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vasprintf(&msg, fmt, ap);	/* the verifier log comes whole */
	if (n < 0)
		return n;
	if (strstr(msg, "invalid bpf_context access off=168 size=8"))
		ss_refused = 1;
	fputs(msg, stderr);
	free(msg);
	return n;
}

/*
 * Count mismatches of got[] against want[] shifted by `shift` slots:
 * got[i] against want[i - shift] (1: each slot holds the previous register,
 * -1: the next one).
 */
static int mismatches(const __u64 *got, const __u64 *want, const int *known,
		      int shift, int report, const char *prog)
{
	int bad = 0;

	for (int i = shift > 0 ? shift : 0; i < UPROBE_NREGS && i - shift < UPROBE_NREGS; i++) {
		if (!known[i - shift])
			continue;
		if (got[i] != want[i - shift]) {
			bad++;
			if (report)
				printf("FAIL: %s: %s = %#llx, expected %#llx (%s)\n",
				       prog, names[i], got[i], want[i - shift],
				       names[i - shift]);
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/lib/ptregs/uprobe.bpf.o";
	const char *expect = argc > 2 ? argv[2] : "";
	int want_shift = 0;
	static const char *const progs[UPROBE_PROGS] = { "up_uapi", "up_core" };
	struct uprobe_result cfg = { 0 }, res[UPROBE_PROGS];
	struct bpf_link *links[UPROBE_PROGS];
	struct bpf_object *obj;
	int mapfd, failures = 0;
	__u32 key;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_fn);
	if (!strcmp(expect, "legacy"))
		expect = "exact";
	else if (!strcmp(expect, "pkrs"))
		expect = "down";
	if (!strcmp(expect, "down"))
		want_shift = 1;
	else if (!strcmp(expect, "up"))
		want_shift = -1;
	else if (*expect && strcmp(expect, "exact")) {
		fprintf(stderr, "uprobe: unknown expectation %s\n", expect);
		return 2;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		printf("detail: opening %s failed: %s\n", path, strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		int err = errno;

		if (want_shift < 0 && err == EACCES && ss_refused) {
			printf("detail: %s refused by the verifier (%s, invalid bpf_context access off=168): up_uapi reads past the legacy context, as the pkrs offset of ss must\n",
			       path, strerror(err));
			return 0;
		}
		printf("detail: loading %s failed: %s\n", path, strerror(err));
		return 1;
	}
	mapfd = bpf_map__fd(bpf_object__find_map_by_name(obj, "results"));
	cfg.regs[0] = getpid();
	key = UPROBE_CFG;
	if (bpf_map_update_elem(mapfd, &key, &cfg, BPF_ANY)) {
		printf("detail: map update: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < UPROBE_PROGS; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "uprobe_hit");
		struct bpf_program *p =
			bpf_object__find_program_by_name(obj, progs[i]);

		links[i] = bpf_program__attach_uprobe_opts(p, getpid(),
							   "/proc/self/exe", 0,
							   &opts);
		if (!links[i]) {
			printf("detail: attaching %s to uprobe_hit: %s\n",
			       progs[i], strerror(errno));
			return 1;
		}
	}

	uprobe_target();

	__u64 want[UPROBE_NREGS] = {
		V64_R15, V64_R14, V64_R13, V64_R12, V64_RBP, V64_RBX,
		V64_R11, V64_R10, V64_R9, V64_R8, V64_RAX, V64_RCX,
		V64_RDX, V64_RSI, V64_RDI, ~0ULL, (unsigned long)uprobe_hit,
		0x33, 0, uprobe_rsp - 8, 0x2b,
	};
	int known[UPROBE_NREGS];
	for (int i = 0; i < UPROBE_NREGS; i++)
		known[i] = i != 18;	/* eflags: not exactly known */

	for (__u32 i = 0; i < UPROBE_PROGS; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		bpf_map_lookup_elem(mapfd, &i, &res[i]);
		printf("%s: %llu hit(s):", progs[i], res[i].hits);
		for (int j = 0; j < UPROBE_NREGS; j++)
			printf(" %s=%#llx", names[j], res[i].regs[j]);
		printf("\n");
		if (res[i].hits != 1) {
			printf("FAIL: %s: %llu hits, expected 1\n", progs[i],
			       res[i].hits);
			failures++;
		}
	}

	/* up_core: exact (it does not read cs and ss). */
	int core_known[UPROBE_NREGS];
	memcpy(core_known, known, sizeof(known));
	core_known[17] = core_known[20] = 0;
	int core_bad = mismatches(res[1].regs, want, core_known, 0, 1, "up_core");
	failures += core_bad;

	/* up_uapi: exact, or everything one slot further or nearer. */
	int exact_bad = mismatches(res[0].regs, want, known, 0, 0, "up_uapi");
	int down_bad = mismatches(res[0].regs, want, known, 1, 0, "up_uapi");
	int up_bad = mismatches(res[0].regs, want, known, -1, 0, "up_uapi");
	const char *uapi;
	if (!exact_bad)
		uapi = "exact";
	else if (!down_bad)
		uapi = "each read one register off (legacy offsets, pkrs prepended), as compile-time offsets must";
	else if (!up_bad)
		uapi = "each read one register off the other way (pkrs offsets on the legacy layout)";
	else
		uapi = "neither exact nor one register off";
	printf("up_uapi: %s\n", uapi);
	if (!*expect ? exact_bad != 0 && down_bad != 0 :
	    want_shift == 0 ? exact_bad != 0 :
	    want_shift > 0 ? down_bad != 0 : up_bad != 0) {
		mismatches(res[0].regs, want, known, want_shift, 1, "up_uapi");
		failures++;
	}
	for (int i = 0; i < UPROBE_PROGS; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	printf("detail: CO-RE %s; UAPI offsets %s (expect %s)\n",
	       core_bad ? "WRONG" : "exact", uapi,
	       *expect ? expect : "exact or down");
	return failures ? 1 : 0;
}
