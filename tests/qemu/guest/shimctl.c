// SPDX-License-Identifier: GPL-2.0
/*
 * shimctl: the controls of the runtime shim (tests.d/shim.sh), a libbpf
 * client as usdtbpf is (libbpf static, glibc dynamic: a preload can
 * interpose syscall()), embedding shimctl.bpf.o as a skeleton.
 *
 * Loads core_args and uapi_args, attaches both to ksys_mmap_pgoff, calls
 * mmap() with six known arguments and prints
 *   mmap arg0=.. arg1=.. arg2=.. arg3=.. arg4=.. arg5=..   what it passed
 *   core arg0=.. ... arg5=.. hits=N      what the CO-RE program read
 *   uapi arg0=.. ... arg5=.. hits=N      what the UAPI-built program read
 * then loads varoff_arg alone from a second copy of the object and prints
 *   varoff loaded | varoff refused: ERROR
 * Exit status 0 when it ran (the values are judged by the caller), 1 if not.
 * "shimctl hold": core_args and uapi_args loaded and attached, their ids
 * printed ("held core_args=ID uapi_args=ID"), kept until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "shimctl.skel.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define SC_ADDR 0x6b6b6b000UL
#define SC_LEN 0x5000UL
#define SC_PROT (PROT_READ | PROT_WRITE)
#define SC_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)
#define SC_FD 9
#define SC_OFF 0xb000UL

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stdout, fmt, ap);
}

static void show(const char *what, const unsigned long *v, int hits)
{
	printf("%s arg0=%lu arg1=%lu arg2=%lu arg3=%lu arg4=%lu arg5=%lu hits=%d\n", what,
	       v[0], v[1], v[2], v[3], v[4], v[5], hits);
}

static unsigned int prog_id(const struct bpf_program *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) ? 0 : info.id;
}

int main(int argc, char **argv)
{
	struct shimctl *skel, *vo;
	struct bpf_link *l1, *l2;
	void *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_fn);
	skel = shimctl__open();
	if (!skel) {
		printf("shimctl: open failed: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_pid = getpid();
	bpf_program__set_autoload(skel->progs.varoff_arg, false);
	if (shimctl__load(skel)) {
		printf("shimctl: load failed: %s\n", strerror(errno));
		return 1;
	}
	l1 = bpf_program__attach(skel->progs.core_args);
	l2 = bpf_program__attach(skel->progs.uapi_args);
	if (!l1 || !l2) {
		printf("shimctl: attaching to ksys_mmap_pgoff failed: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "hold")) {
		/* both kept loaded and attached until killed (ptregs check) */
		printf("held core_args=%u uapi_args=%u\n", prog_id(skel->progs.core_args),
		       prog_id(skel->progs.uapi_args));
		for (;;)
			pause();
	}
	p = mmap((void *)SC_ADDR, SC_LEN, SC_PROT, SC_FLAGS, SC_FD, SC_OFF);
	printf("mmap arg0=%lu arg1=%lu arg2=%d arg3=%d arg4=%d arg5=%lu\n", SC_ADDR, SC_LEN,
	       SC_PROT, SC_FLAGS, SC_FD, SC_OFF / 4096);
	if (p != MAP_FAILED)
		munmap(p, SC_LEN);
	show("core", skel->bss->core, skel->bss->core_hits);
	show("uapi", skel->bss->uapi, skel->bss->uapi_hits);
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	shimctl__destroy(skel);

	vo = shimctl__open();
	if (!vo) {
		printf("shimctl: open failed: %s\n", strerror(errno));
		return 1;
	}
	bpf_program__set_autoload(vo->progs.core_args, false);
	bpf_program__set_autoload(vo->progs.uapi_args, false);
	if (shimctl__load(vo))
		printf("varoff refused: %s\n", strerror(errno));
	else
		printf("varoff loaded\n");
	shimctl__destroy(vo);
	return 0;
}
