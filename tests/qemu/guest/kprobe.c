// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe: attach the kprobe programs of kprobe.bpf.o to ksys_write at each
 * given offset (0: through ftrace; past the first instruction: an int3
 * probe), make one write(57, buf, 4321) to /dev/null, and check the three
 * arguments each program read from its struct pt_regs context:
 *
 *   kp_core, kp_read (CO-RE) must read fd, buf, count exactly on any kernel;
 *   kp_uapi (UAPI offsets, libbpf PT_REGS_PARM1..3) reads them exactly on a
 *   kernel with the legacy layout; with pkrs prepended each offset holds
 *   the register the new layout keeps 8 bytes lower: PARM1 (rdi's offset
 *   112) reads si = buf, PARM2 (104) reads dx = count, PARM3 (96) reads cx
 *   (not known, not checked).
 *
 * Usage: kprobe OBJECT legacy|pkrs|any OFFSET...
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

#define FD 57
#define COUNT 4321

struct kp_result {
	__u64 hits;
	__u64 arg[3];
};

static char wbuf[8192] = "ptregs-kprobe-bpf";

static const char *const progs[3] = { "kp_uapi", "kp_core", "kp_read" };

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	const char *expect = argc > 2 ? argv[2] : "any";
	struct bpf_object *obj;
	int mapfd, failures = 0, fd;
	char detail[512] = "";

	if (argc < 4) {
		fprintf(stderr, "usage: kprobe OBJECT legacy|pkrs|any OFFSET...\n");
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
		struct bpf_link *links[3];
		struct kp_result r = { 0 };
		__u32 key = 3;
		ssize_t ret;

		r.arg[0] = getpid();
		bpf_map_update_elem(mapfd, &key, &r, BPF_ANY);
		for (__u32 i = 0; i < 3; i++) {
			LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = off);
			struct kp_result zero = { 0 };

			bpf_map_update_elem(mapfd, &i, &zero, BPF_ANY);
			links[i] = bpf_program__attach_kprobe_opts(
				bpf_object__find_program_by_name(obj, progs[i]),
				"ksys_write", &opts);
			if (!links[i]) {
				printf("detail: attaching %s to ksys_write+%#lx: %s\n",
				       progs[i], off, strerror(errno));
				return 1;
			}
		}
		ret = write(FD, wbuf, COUNT);
		for (int i = 0; i < 3; i++)
			bpf_link__destroy(links[i]);
		printf("ksys_write+%#lx: write(%d, %p, %d) = %zd\n", off, FD,
		       (void *)wbuf, COUNT, ret);

		const __u64 want[3] = { FD, (unsigned long)wbuf, COUNT };
		const __u64 shifted[2] = { (unsigned long)wbuf, COUNT };
		const char *uapi = "?";
		int before = failures;
		for (__u32 i = 0; i < 3; i++) {
			int bad = 0;

			memset(&r, 0, sizeof(r));
			bpf_map_lookup_elem(mapfd, &i, &r);
			printf("  %s: hits=%llu fd=%#llx buf=%#llx count=%#llx\n",
			       progs[i], r.hits, r.arg[0], r.arg[1], r.arg[2]);
			if (r.hits != 1) {
				printf("FAIL: %s at +%#lx: %llu hits, expected 1\n",
				       progs[i], off, r.hits);
				failures++;
				continue;
			}
			int exact = !memcmp(r.arg, want, sizeof(want));
			int shift = !memcmp(r.arg, shifted, sizeof(shifted));
			if (i == 0) {
				uapi = exact ? "exact" :
				       shift ? "PARM1=buf PARM2=count (one register off)" :
				       "neither pattern";
				if (!strcmp(expect, "legacy"))
					bad = !exact;
				else if (!strcmp(expect, "pkrs"))
					bad = !shift;
				else
					bad = !exact && !shift;
			} else {
				bad = !exact;
			}
			if (bad) {
				printf("FAIL: %s at +%#lx read fd=%#llx buf=%#llx count=%#llx (expect %s)\n",
				       progs[i], off, r.arg[0], r.arg[1],
				       r.arg[2], i ? "exact" : expect);
				failures++;
			}
		}
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "%s+%#lx: CO-RE %s, UAPI %s", a > 3 ? "; " : "", off,
			 failures > before ? "checked (see FAIL)" : "exact", uapi);
	}
	bpf_object__close(obj);
	printf("detail: %s%s (expect %s)\n", failures ? "FAILED: " : "", detail,
	       expect);
	return failures ? 1 : 0;
}
