// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The per-thread last error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

static _Thread_local char errbuf[1024];

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
