// SPDX-License-Identifier: GPL-2.0
/*
 * usdtbpf: libbpf's USDT support inside the executable, as in Debian's
 * libbpf-tools: libbpf, libelf and zlib are linked statically, glibc
 * dynamically (so a preload can interpose syscall()). The BPF object is
 * embedded (bpftool gen skeleton of usdtbpf.bpf.o).
 *
 * Attaches usdt_two to this program's own USDT probe ptregs:two, passes
 * the probe once with two register operands of known values, and prints
 *   usdt arg0=A arg1=B            what the probe passed
 *   bpf arg0=X arg1=Y err0=E err1=F hits=N   what bpf_usdt_arg() read
 * Exit status 0 when the program ran and the probe was hit (the values
 * are judged by the caller), 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "usdtbpf.skel.h"

volatile long ub_vals[2] = { 515151, 828282 };

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stdout, fmt, ap);
}

__attribute__((noipa)) static void fire(void)
{
	long a = ub_vals[0], b = ub_vals[1];

	DTRACE_PROBE2(ptregs, two, a, b);
	printf("usdt arg0=%ld arg1=%ld\n", a, b);
}

int main(void)
{
	char exe[PATH_MAX];
	struct usdtbpf *skel;
	struct bpf_link *link;
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_fn);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 1;
	exe[n] = 0;
	skel = usdtbpf__open();
	if (!skel) {
		printf("usdtbpf: open failed: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_pid = getpid();
	if (usdtbpf__load(skel)) {
		printf("usdtbpf: load failed: %s\n", strerror(errno));
		return 1;
	}
	link = bpf_program__attach_usdt(skel->progs.usdt_two, getpid(), exe,
					"ptregs", "two", NULL);
	if (!link) {
		printf("usdtbpf: attaching to %s ptregs:two failed: %s\n", exe,
		       strerror(errno));
		return 1;
	}
	fire();
	printf("bpf arg0=%ld arg1=%ld err0=%ld err1=%ld hits=%d\n",
	       skel->bss->got[0], skel->bss->got[1], skel->bss->err[0],
	       skel->bss->err[1], skel->bss->hits);
	bpf_link__destroy(link);
	usdtbpf__destroy(skel);
	return 0;
}
