// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The per-thread last error and libbpf's messages while we parse. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "internal.h"

static _Thread_local char errbuf[1024];
static _Thread_local char libbpf_last[512];
static libbpf_print_fn_t saved_print;

const char *ptregs_errmsg(void)
{
	return errbuf;
}

const char *ptregs_version(void)
{
	return PTREGS_VERSION_STRING;
}

void pt_err_clear(void)
{
	errbuf[0] = '\0';
}

static void verr(const char *fmt, va_list ap)
{
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
}

int pt_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	return -err;
}

void *pt_err_null(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	errno = err;
	return NULL;
}

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (level > LIBBPF_WARN)
		return 0;
	vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
	n = strlen(libbpf_last);
	while (n && (libbpf_last[n - 1] == '\n' || libbpf_last[n - 1] == ' '))
		libbpf_last[--n] = '\0';
	return 0;
}

/*
 * libbpf has one process-wide print callback; borrow it around our own
 * parse calls and give it back, so a host program keeps its logging.
 */
void pt_libbpf_capture_begin(void)
{
	libbpf_last[0] = '\0';
	saved_print = libbpf_set_print(capture);
}

void pt_libbpf_capture_end(void)
{
	libbpf_set_print(saved_print);
}

const char *pt_libbpf_last(void)
{
	return libbpf_last;
}
