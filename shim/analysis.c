// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The analysis result as callers see it: an object with accessors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ptregs/analysis.h>
#include "internal.h"

struct ptregs_analysis {
	struct ptregs_access *acc;
	size_t cnt;
};

struct ptregs_analysis *ptregs_analysis_new(const struct ptregs_prog *prog,
					    const struct ptregs_layout *from,
					    const struct ptregs_layout *to)
{
	struct ptregs_analysis *an;
	int r;

	if (prog && !PT_OPTS_VALID(prog, ptregs_prog, relo_cnt))
		return NULL;
	an = calloc(1, sizeof(*an));
	if (!an)
		return pt_err_null(ENOMEM, "out of memory");
	r = ptregs_analyze(prog, from, to, &an->acc, &an->cnt);
	if (r) {
		free(an);
		errno = -r;
		return NULL;
	}
	return an;
}

void ptregs_analysis_free(struct ptregs_analysis *an)
{
	if (!an)
		return;
	free(an->acc);
	free(an);
}

size_t ptregs_analysis_access_cnt(const struct ptregs_analysis *an)
{
	return an->cnt;
}

const struct ptregs_access *ptregs_analysis_access(const struct ptregs_analysis *an, size_t idx)
{
	return idx < an->cnt ? &an->acc[idx] : NULL;
}

bool pt_is_pt_regs_name(const char *n)
{
	return n && strncmp(n, "pt_regs", 7) == 0 && (!n[7] || strncmp(n + 7, "___", 3) == 0);
}
