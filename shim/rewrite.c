// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rewrite of a program's context accesses into another layout: one
 * patch per constant that holds an offset (the load's own off, or the
 * immediate of the add that built ctx + off), planned from the analysis'
 * records, or taken straight from the quick path (pt_quick_patches()).
 * The preload's; here so that the tests compare the two.
 */
#include <stdio.h>
#include <linux/bpf.h>
#include <ptregs/analysis.h>
#include "internal.h"

PT_HOT int pt_field_to(const struct ptregs_layout *from, const int *to_off,
		       const struct ptregs_field *f, int64_t off)
{
	int to = to_off[f - from->fields];

	return to < 0 ? -1 : (int)(to + (off - (int64_t)f->offset));
}

int pt_translate_off(const struct ptregs_layout *from, const int *to_off, int off, uint32_t size,
		     const char **field)
{
	const struct ptregs_field *f;
	int to;

	*field = NULL;
	if (off < 0 || !(f = ptregs_layout_field_at(from, (uint32_t)off, size)))
		return -1;
	to = pt_field_to(from, to_off, f, off);
	if (to >= 0)
		*field = f->name;
	return to;
}

static void refuse_access(struct pt_rewrite *rw, const struct ptregs_access *a, const char *what)
{
	if (!rw->bad++)
		snprintf(rw->why, sizeof(rw->why), "insn %u: %s%s%s", a->insn, what,
			 a->note ? ": " : "", a->note ? a->note : "");
}

PT_HOT bool pt_add_patch(struct pt_rewrite *rw, uint32_t insn, enum ptregs_off_site site,
			 int32_t delta)
{
	for (size_t i = 0; i < rw->cnt; i++) {
		if (rw->p[i].insn != insn)
			continue;
		return rw->p[i].site == site && rw->p[i].delta == delta;
	}
	if (rw->cnt == rw->cap)
		return false;
	rw->p[rw->cnt++] = (struct pt_patch){ .insn = insn, .site = site, .delta = delta };
	return true;
}

void pt_plan(struct pt_rewrite *rw, const struct ptregs_access *acc, size_t n,
	     const struct ptregs_layout *from, const int *to_off,
	     bool (*var_offset_ok)(void *arg), void *arg)
{
	int var_ok = -1;	/* asked when needed */

	for (size_t i = 0; i < n; i++) {
		const struct ptregs_access *a = &acc[i];
		const char *field;
		int to;

		if (a->origin == PTREGS_FROM_PERF_CTX)
			continue;
		switch (a->kind) {
		case PTREGS_ACC_VAR_OFFSET:
			if (var_ok < 0)
				var_ok = var_offset_ok && var_offset_ok(arg);
			if (var_ok)
				continue;
			refuse_access(rw, a, "variable offset");
			continue;
		case PTREGS_ACC_ESCAPE:
			refuse_access(rw, a, "pointer not followed");
			continue;
		case PTREGS_ACC_SIZEOF:
			refuse_access(rw, a, "sizeof(struct pt_regs) arithmetic");
			continue;
		default:
			break;
		}
		if (a->verdict == PTREGS_VERDICT_UNANALYSED) {
			refuse_access(rw, a, "not analysed");
			continue;
		}
		if (a->verdict == PTREGS_VERDICT_SUSPECT) {
			refuse_access(rw, a, "whole-struct copy");
			continue;
		}
		if (!a->old_field) {
			/* several registers, all where they were: their constant
			 * is claimed as it is (below) */
			if (a->verdict != PTREGS_VERDICT_UNCHANGED)
				refuse_access(rw, a, "no one register at that offset");
			else if (a->off_site != PTREGS_OFF_NONE && !a->copy_insn && !a->copy_size &&
				 !pt_add_patch(rw, a->off_insn, a->off_site, 0))
				refuse_access(rw, a, "one constant serves accesses that move "
						     "differently");
			continue;
		}
		/* it may read several registers */
		if (a->kind == PTREGS_ACC_PROBE_READ && !a->size) {
			refuse_access(rw, a, "probe read of a size not known here");
			continue;
		}
		to = pt_translate_off(from, to_off, (int)a->offset, a->size, &field);
		if (to < 0) {
			refuse_access(rw, a, "register missing from the target layout");
			continue;
		}
		if (a->copy_insn || a->copy_size) {
			if (to != (int)a->offset)
				refuse_access(rw, a, "reads a copy of the registers");
			continue;
		}
		if (a->off_site == PTREGS_OFF_NONE) {
			if (to != (int)a->offset)
				refuse_access(rw, a, "offset not held by one instruction");
			continue;
		}
		/* a register that stays claims its constant too (delta 0): one
		 * that moves cannot share it */
		if (!pt_add_patch(rw, a->off_insn, a->off_site, to - (int)a->offset))
			refuse_access(rw, a, "one constant serves accesses that move differently");
	}
	rw->cnt = pt_patches_moved(rw->p, rw->cnt);
}

size_t pt_patches_moved(struct pt_patch *patch, size_t cnt)
{
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++)
		if (patch[i].delta)
			patch[n++] = patch[i];
	return n;
}

PT_HOT bool pt_apply(const struct pt_rewrite *rw, struct bpf_insn *insns, size_t n)
{
	for (size_t i = 0; i < rw->cnt; i++) {
		const struct pt_patch *p = &rw->p[i];
		struct bpf_insn *in;

		if (p->insn >= n)
			return false;
		in = &insns[p->insn];
		if (p->site == PTREGS_OFF_INSN) {
			int32_t v = in->off + p->delta;

			if (v < INT16_MIN || v > INT16_MAX)
				return false;
			in->off = (int16_t)v;
		} else {	/* the add, or subtract, that built ctx + off */
			int64_t v = (int64_t)in->imm +
				    (BPF_OP(in->code) == BPF_SUB ? -(int64_t)p->delta : p->delta);

			if (v < INT32_MIN || v > INT32_MAX)
				return false;
			in->imm = (int32_t)v;
		}
	}
	return true;
}
