// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe: attach the programs of kprobe.bpf.o (or a `ptregs fix` output of
 * it): the kprobes to ksys_write at each given offset (0: through ftrace;
 * past the first instruction: an int3 probe), the wrapper programs to
 * __x64_sys_write and the kretprobes to ksys_write; make one
 * write(57, buf, 4321) to /dev/null, and check what each program read from
 * its struct pt_regs context.
 *
 * CO-RE (kp_core, kp_read) and ptregs/compat.bpf.h (kp_compat, ks_compat,
 * krp_compat) programs must read fd, buf, count and the return value
 * exactly on any kernel. The UAPI-built ones (kp_uapi, kp_pread, ks_uapi,
 * krp_uapi) as UAPI_EXPECT says:
 *   exact   (also: legacy) every value exact;
 *   down    (also: pkrs) each offset holds the register the layout keeps
 *           8 bytes lower, as legacy offsets on the pkrs layout: PARM1
 *           (offset 112) reads si = buf, PARM2 (104) reads dx = count,
 *           PARM3 (96) reads cx (not known, not checked); the wrapper's
 *           inner regs pointer is wrong, so are its reads; the kretprobe's
 *           rax (80) is r8, not the return value;
 *   up      the other way, pkrs offsets on the legacy layout: PARM2 (112)
 *           reads di = fd, PARM3 (104) reads si = buf; the wrapper and the
 *           return value wrong;
 *   any     exact or down.
 * A UAPI program's reading is named in the detail line: exact, down, up or
 * wrong.
 *
 * Usage: kprobe OBJECT exact|down|up|legacy|pkrs|any OFFSET...
 * Exit status 0 pass, 1 fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kprobe.h"

#define FD 57
#define COUNT 4321

static char wbuf[8192] = "ptregs-kprobe-bpf";

enum at { AT_KPROBE, AT_WRAPPER, AT_KRETPROBE };

static const struct {
	const char *name;
	enum at at;
	int uapi;		/* compile-time offsets of the legacy layout */
} progs[KP_NPROGS] = {
	[KP_UAPI] = { "kp_uapi", AT_KPROBE, 1 },
	[KP_CORE] = { "kp_core", AT_KPROBE, 0 },
	[KP_READ] = { "kp_read", AT_KPROBE, 0 },
	[KP_PREAD] = { "kp_pread", AT_KPROBE, 1 },
	[KS_UAPI] = { "ks_uapi", AT_WRAPPER, 1 },
	[KRP_UAPI] = { "krp_uapi", AT_KRETPROBE, 1 },
	[KP_COMPAT] = { "kp_compat", AT_KPROBE, 0 },
	[KS_COMPAT] = { "ks_compat", AT_WRAPPER, 0 },
	[KRP_COMPAT] = { "krp_compat", AT_KRETPROBE, 0 },
};

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* exact, down (one register lower), up (one higher) or wrong */
static const char *pattern(const struct kp_result *r, enum at at,
			   const __u64 want[3], __u64 ret)
{
	if (at == AT_KRETPROBE)
		return r->arg[0] == ret ? "exact" : "wrong";
	if (!memcmp(r->arg, want, 3 * sizeof(want[0])))
		return "exact";
	if (at == AT_KPROBE && r->arg[0] == want[1] && r->arg[1] == want[2])
		return "down";
	if (at == AT_KPROBE && r->arg[1] == want[0] && r->arg[2] == want[1])
		return "up";
	return "wrong";
}

/* whether a UAPI program's reading is what the expectation says */
static int as_expected(const char *got, enum at at, const char *expect)
{
	if (!strcmp(expect, "exact"))
		return !strcmp(got, "exact");
	if (!strcmp(expect, "any"))
		return !strcmp(got, "exact") || as_expected(got, at, "down");
	/* down, up: a kprobe reads the neighbouring register, the rest wrong */
	return !strcmp(got, at == AT_KPROBE ? expect : "wrong");
}

int main(int argc, char **argv)
{
	const char *expect = argc > 2 ? argv[2] : "any";
	struct bpf_object *obj;
	int mapfd, failures = 0, fd;
	char detail[1024] = "";

	if (argc < 4) {
		fprintf(stderr, "usage: kprobe OBJECT exact|down|up|legacy|pkrs|any OFFSET...\n");
		return 2;
	}
	if (!strcmp(expect, "legacy"))
		expect = "exact";
	else if (!strcmp(expect, "pkrs"))
		expect = "down";
	if (strcmp(expect, "exact") && strcmp(expect, "down") &&
	    strcmp(expect, "up") && strcmp(expect, "any")) {
		fprintf(stderr, "kprobe: unknown expectation %s\n", expect);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_fn);
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, FD) != FD) {
		printf("detail: /dev/null: %s\n", strerror(errno));
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("detail: loading %s failed: %s\n", argv[1], strerror(errno));
		return 1;
	}
	mapfd = bpf_map__fd(bpf_object__find_map_by_name(obj, "results"));

	for (int a = 3; a < argc; a++) {
		unsigned long off = strtoul(argv[a], NULL, 0);
		struct bpf_link *links[KP_NPROGS];
		struct kp_result r = { 0 };
		__u32 key = KP_CFG;
		ssize_t ret;

		r.arg[0] = getpid();
		bpf_map_update_elem(mapfd, &key, &r, BPF_ANY);
		for (__u32 i = 0; i < KP_NPROGS; i++) {
			LIBBPF_OPTS(bpf_kprobe_opts, opts);
			struct kp_result zero = { 0 };
			const char *fn = "ksys_write";

			if (progs[i].at == AT_KPROBE)
				opts.offset = off;
			else if (progs[i].at == AT_WRAPPER)
				fn = "__x64_sys_write";
			else
				opts.retprobe = true;
			bpf_map_update_elem(mapfd, &i, &zero, BPF_ANY);
			links[i] = bpf_program__attach_kprobe_opts(
				bpf_object__find_program_by_name(obj, progs[i].name),
				fn, &opts);
			if (!links[i]) {
				printf("detail: attaching %s to %s+%#lx: %s\n",
				       progs[i].name, fn, (unsigned long)opts.offset,
				       strerror(errno));
				return 1;
			}
		}
		ret = write(FD, wbuf, COUNT);
		for (int i = 0; i < KP_NPROGS; i++)
			bpf_link__destroy(links[i]);
		printf("ksys_write+%#lx: write(%d, %p, %d) = %zd\n", off, FD,
		       (void *)wbuf, COUNT, ret);

		const __u64 want[3] = { FD, (unsigned long)wbuf, COUNT };
		char uapi[256] = "";
		int before = failures;
		for (__u32 i = 0; i < KP_NPROGS; i++) {
			const char *got;
			int ok;

			memset(&r, 0, sizeof(r));
			bpf_map_lookup_elem(mapfd, &i, &r);
			if (progs[i].at == AT_KRETPROBE)
				printf("  %s: hits=%llu ret=%#llx\n", progs[i].name,
				       r.hits, r.arg[0]);
			else
				printf("  %s: hits=%llu fd=%#llx buf=%#llx count=%#llx\n",
				       progs[i].name, r.hits, r.arg[0], r.arg[1],
				       r.arg[2]);
			if (r.hits != 1) {
				printf("FAIL: %s at +%#lx: %llu hits, expected 1\n",
				       progs[i].name, off, r.hits);
				failures++;
				continue;
			}
			got = pattern(&r, progs[i].at, want, (__u64)ret);
			ok = progs[i].uapi ? as_expected(got, progs[i].at, expect) :
					     !strcmp(got, "exact");
			if (progs[i].uapi)
				snprintf(uapi + strlen(uapi), sizeof(uapi) - strlen(uapi),
					 "%s%s %s", *uapi ? ", " : "", progs[i].name, got);
			if (!ok) {
				printf("FAIL: %s at +%#lx: %s, expected %s\n",
				       progs[i].name, off, got,
				       progs[i].uapi ? expect : "exact");
				failures++;
			}
		}
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "%s+%#lx: CO-RE and compat.bpf.h %s; UAPI %s",
			 a > 3 ? "; " : "", off,
			 failures > before ? "checked (see FAIL)" : "exact", uapi);
	}
	bpf_object__close(obj);
	printf("detail: %s%s (expect UAPI %s)\n", failures ? "FAILED: " : "", detail,
	       expect);
	return failures ? 1 : 0;
}
