// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs fix: from the analysis of every program of an object to the
 * rewrite of its instructions. Each access the analysis reports is either
 * fixed by one edit of the instruction that carries its offset (the load's
 * own off, or the immediate of the add that built a probe read's address),
 * or left as it is with the reason. An edit is made per instruction of the
 * ELF section, not per linked program: a subprogram shared by several
 * programs is rewritten once, and only if they all agree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <ptregs/object.h>
#include <ptregs/runtime.h>
#include "fix.h"
#include "main.h"

static void *xgrow(void *arr, size_t n, size_t elem)
{
	void *p = realloc(arr, (n + 1) * elem);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(EXIT_ERROR);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(EXIT_ERROR);
	}
	return d;
}

void fix_mark(const struct ptregs_layout *to, uint8_t mark[FIX_MARK_LEN])
{
	uint32_t h = 2166136261u;	/* FNV-1a over the target's field offsets */

	for (size_t i = 0; i < ptregs_layout_field_cnt(to); i++) {
		const struct ptregs_field *f = ptregs_layout_field(to, i);

		for (const char *p = f->name; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		h = (h ^ f->offset) * 16777619u;
	}
	h = (h ^ ptregs_layout_size(to)) * 16777619u;
	mark[0] = 'p';
	mark[1] = 't';
	mark[2] = 'R';
	memcpy(mark + 3, &h, 4);
}

static const struct ptregs_field *field_starting(const struct ptregs_layout *l, uint32_t off)
{
	for (size_t i = 0; i < ptregs_layout_field_cnt(l); i++) {
		const struct ptregs_field *f = ptregs_layout_field(l, i);

		if (f->offset == off && !f->bit_size && !strchr(f->name, '.'))
			return f;
	}
	return NULL;
}

/* Index of member NAME in the local type (the source layout's top-level fields). */
static int member_index(const struct ptregs_layout *l, const char *name)
{
	int idx = 0;

	for (size_t i = 0; i < ptregs_layout_field_cnt(l); i++) {
		const struct ptregs_field *f = ptregs_layout_field(l, i);

		if (f->bit_size || strchr(f->name, '.'))
			continue;
		if (strcmp(f->name, name) == 0)
			return idx;
		idx++;
	}
	return -1;
}

/*
 * How far the bytes [OFF, OFF + SIZE) of the source layout move on the
 * target: every field they cover must move by the same amount. False when
 * they do not, or cover no field.
 */
static bool region_delta(const struct fix_opts *opts, uint32_t off, uint32_t size, int32_t *delta)
{
	const struct ptregs_field *f = ptregs_layout_field_at(opts->from, off, size);
	bool any = false;

	if (f) {	/* inside one field */
		int to = ptregs_reg_offset(opts->to, f->name);

		if (to < 0)
			return false;
		*delta = to - (int)f->offset;
		return true;
	}
	for (size_t i = 0; i < ptregs_layout_field_cnt(opts->from); i++) {
		const struct ptregs_field *g = ptregs_layout_field(opts->from, i);
		int to;

		if (g->bit_size || strchr(g->name, '.') || g->offset + g->size <= off ||
		    g->offset >= off + size)
			continue;
		/* the region must cover whole fields */
		if (g->offset < off || g->offset + g->size > off + size)
			return false;
		to = ptregs_reg_offset(opts->to, g->name);
		if (to < 0 || (any && to - (int)g->offset != *delta))
			return false;
		*delta = to - (int)g->offset;
		any = true;
	}
	return any;
}

struct plan {
	const struct fix_opts *opts;
	const struct ptregs_object *o;
	const struct ptregs_object_prog *p;
	const struct ptregs_prog *linked;
	struct fix_object *fo;
};

static int32_t site_value(const struct bpf_insn *in, enum ptregs_off_site site)
{
	return site == PTREGS_OFF_INSN ? in->off : in->imm;
}

/*
 * Add EDIT for the instruction at linked index INSN of the current
 * program, or find the same one already planned (a shared subprogram).
 * The index of the edit, or -1 when another edit of that instruction
 * disagrees.
 */
static int add_edit(struct plan *pl, uint32_t insn, struct fix_edit *e)
{
	struct fix_object *fo = pl->fo;
	size_t shndx;
	uint32_t sec_insn;

	if (ptregs_object_prog_insn_origin(pl->p, insn, &shndx, &sec_insn))
		return -1;
	e->shndx = shndx;
	e->sec_insn = sec_insn;
	for (size_t i = 0; i < fo->edit_cnt; i++) {
		struct fix_edit *x = &fo->edits[i];

		if (x->shndx != shndx || x->sec_insn != sec_insn)
			continue;
		if (x->kind == e->kind && x->site == e->site && x->new_val == e->new_val &&
		    x->member == e->member) {
			free(e->field);
			free(e->relo_type);
			free(e->relo_field);
			return (int)i;
		}
		return -1;
	}
	fo->edits = xgrow(fo->edits, fo->edit_cnt, sizeof(*fo->edits));
	fo->edits[fo->edit_cnt] = *e;
	return (int)fo->edit_cnt++;
}

static const struct ptregs_insn_relo *relo_at(const struct ptregs_prog *l, uint32_t insn)
{
	for (size_t i = 0; i < l->relo_cnt; i++)
		if (l->relos[i].insn == insn && l->relos[i].kind == BPF_CORE_FIELD_BYTE_OFFSET)
			return &l->relos[i];
	return NULL;
}

static bool is_regs_type(const char *name)
{
	size_t n = strlen("pt_regs");

	return name && strncmp(name, "pt_regs", n) == 0 &&
	       (name[n] == '\0' || strncmp(name + n, "___", 3) == 0);
}

static void leave(struct fix_item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void leave(struct fix_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&it->reason, fmt, ap) < 0)
		it->reason = NULL;
	va_end(ap);
	it->fixed = false;
	it->edit = -1;
}

/*
 * The relocation behind an access the analysis calls relocated-but-wrong:
 * on the instruction that carries the offset, or else the closest one
 * before the access that relocates the same field (clang puts it on the
 * move of the constant that is then added to the pointer).
 */
static const struct ptregs_insn_relo *access_relo(const struct ptregs_prog *l,
						  const struct ptregs_access *a)
{
	const struct ptregs_insn_relo *best = NULL;

	if (a->off_site != PTREGS_OFF_NONE) {
		best = relo_at(l, a->off_insn);
		if (best)
			return best;
	}
	if (a->off_site == PTREGS_OFF_NONE || a->kind != PTREGS_ACC_PROBE_READ) {
		best = relo_at(l, a->insn);
		if (best)
			return best;
	}
	if (!a->relo_field)
		return NULL;
	for (size_t i = 0; i < l->relo_cnt; i++) {
		const struct ptregs_insn_relo *r = &l->relos[i];

		if (r->insn < a->insn && r->kind == BPF_CORE_FIELD_BYTE_OFFSET && r->field &&
		    strcmp(r->field, a->relo_field) == 0 && (!best || r->insn > best->insn))
			best = r;
	}
	return best;
}

/* Where in instruction IN a CO-RE relocation writes its value. */
static bool relo_site(const struct bpf_insn *in, enum ptregs_off_site *site)
{
	uint8_t cls = BPF_CLASS(in->code);

	if (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) {
		*site = PTREGS_OFF_INSN;
		return true;
	}
	if ((cls == BPF_ALU || cls == BPF_ALU64) && BPF_SRC(in->code) == BPF_K) {
		*site = PTREGS_OFF_ALU_IMM;
		return true;
	}
	return false;
}

/* A compile-time offset that now reads another field. */
static void plan_breaks(struct plan *pl, const struct ptregs_access *a, struct fix_item *it)
{
	const struct fix_opts *opts = pl->opts;
	const struct ptregs_insn_relo *r;
	const struct bpf_insn *site_in;
	struct fix_edit e = { 0 };
	int32_t delta, v, ptr_off;
	uint32_t site;
	int idx;

	if (a->copy_insn || a->copy_size) {
		/* decided once the copy itself is planned: see plan_copies() */
		it->reason = NULL;
		it->edit = -2;
		return;
	}
	r = a->relo_field ? access_relo(pl->linked, a) : NULL;
	if (a->relo_field) {
		const char *k = r && r->field ? ptregs_reg_kernel_name(r->field) : NULL;
		const struct ptregs_field *f = k ? ptregs_layout_find(opts->from, k) : NULL;

		if (a->origin == PTREGS_FROM_PERF_CTX && a->kind == PTREGS_ACC_PROBE_READ) {
			leave(it, "a probe read through a perf_event context reads the kernel's "
				  "bpf_perf_event_data_kern, not the registers, on any kernel: not "
				  "fixable in the object; read ctx->regs directly (PTREGS_PERF_* in "
				  "compat.bpf.h)");
			return;
		}
		if (a->origin != PTREGS_FROM_PERF_CTX || !r ||
		    (!is_regs_type(r->type_name) &&
		     strcmp(r->type_name ? r->type_name : "", "bpf_perf_event_data") != 0)) {
			leave(it, "reads at a fixed distance from a CO-RE relocated field: "
				  "rebuild with CO-RE reads of each field");
			return;
		}
		/* struct pt_regs CO-RE over &ctx->regs: relocated, then remapped */
		if (opts->strategy != FIX_PORTABLE) {
			leave(it, "perf_event: a struct pt_regs CO-RE relocation over &ctx->regs is "
				  "shifted twice on the new kernel; dropping it changes .BTF.ext, "
				  "which only the portable strategy does (drop --to)");
			return;
		}
		if (r->insn >= pl->linked->insn_cnt ||
		    !relo_site(&pl->linked->insns[r->insn], &e.site)) {
			leave(it, "perf_event: the relocation is on no instruction it could patch");
			return;
		}
		v = site_value(&pl->linked->insns[r->insn], e.site);
		if (!f || ptregs_layout_size(opts->from) != 168 || (int32_t)f->offset != v) {
			leave(it, "perf_event: the relocated field is not where the frozen "
				  "bpf_perf_event_data layout has it");
			return;
		}
		e.kind = EDIT_DROP_RELO;
		e.old_val = v;
		e.new_val = (int32_t)f->offset;
		e.relo_type = xstrdup(r->type_name);
		e.relo_field = xstrdup(r->field);
		e.relo_kind = r->kind;
		site = r->insn;
		goto add;
	}
	if (a->off_site == PTREGS_OFF_NONE || a->off_insn >= pl->linked->insn_cnt) {
		leave(it, "the offset is not held by one instruction (it differs by path, or is "
			  "computed): rebuild with CO-RE or compat.bpf.h");
		return;
	}
	site = a->off_insn;
	site_in = &pl->linked->insns[a->off_insn];
	v = site_value(site_in, a->off_site);
	if (relo_at(pl->linked, a->off_insn)) {
		leave(it, "the instruction carries a CO-RE relocation already");
		return;
	}
	/* the pointer's own offset, before the access's displacement */
	ptr_off = (int32_t)a->offset;
	if (a->off_site == PTREGS_OFF_ALU_IMM && a->kind != PTREGS_ACC_PROBE_READ &&
	    a->insn < pl->linked->insn_cnt)
		ptr_off -= pl->linked->insns[a->insn].off;
	if (!region_delta(opts, a->offset, a->size, &delta)) {
		leave(it, "the bytes read are not one register on %s, or cover registers that "
			  "move apart", opts->to_name);
		return;
	}
	if (opts->strategy == FIX_RETARGET) {
		/* the immediate of a subtract moves the pointer the other way */
		int64_t nv = (int64_t)v + (a->off_site == PTREGS_OFF_ALU_IMM &&
					   BPF_OP(site_in->code) == BPF_SUB ? -delta : delta);

		if ((a->off_site == PTREGS_OFF_INSN && (nv < INT16_MIN || nv > INT16_MAX)) ||
		    nv < INT32_MIN || nv > INT32_MAX) {
			leave(it, "the new offset does not fit the instruction");
			return;
		}
		e.kind = EDIT_OFFSET;
		e.site = a->off_site;
		e.old_val = v;
		e.new_val = (int32_t)nv;
	} else {
		const struct ptregs_field *f = ptr_off >= 0 ? field_starting(opts->from, (uint32_t)ptr_off) :
					       NULL;
		int32_t fdelta;

		if (!f || v != ptr_off || ptr_off != (int32_t)a->offset) {
			leave(it, "the instruction's constant is not the start of a register (%s), "
				  "which a CO-RE field relocation cannot express: use --to",
				  a->size < 8 ? "a part of one" : "an offset folded into other "
				  "arithmetic");
			return;
		}
		if (!region_delta(opts, f->offset, f->size, &fdelta) || fdelta != delta) {
			leave(it, "read at a fixed distance from %s, which moves differently: "
				  "use --to", f->name);
			return;
		}
		e.kind = EDIT_INJECT_RELO;
		e.site = a->off_site;
		e.old_val = v;
		e.new_val = v;
		e.field = xstrdup(f->name);
		e.member = (uint32_t)member_index(opts->from, f->name);
	}
add:
	idx = add_edit(pl, site, &e);
	if (idx < 0) {
		free(e.field);
		free(e.relo_type);
		free(e.relo_field);
		leave(it, "one constant serves accesses that need different rewrites");
		return;
	}
	it->fixed = true;
	it->edit = idx;
	it->site_insn = site;
}

/* A CO-RE relocation naming fields the kernel's struct pt_regs lacks (rdi). */
static void plan_fails(struct plan *pl, const struct ptregs_access *a, struct fix_item *it)
{
	const struct fix_opts *opts = pl->opts;
	const struct ptregs_insn_relo *r = access_relo(pl->linked, a);
	const struct ptregs_field *f;
	struct fix_edit e = { 0 };
	const char *k;
	int idx;

	if (!r || !is_regs_type(r->type_name) || !r->field || r->insn >= pl->linked->insn_cnt ||
	    !relo_site(&pl->linked->insns[r->insn], &e.site)) {
		leave(it, "the failing CO-RE relocation could not be found on an instruction "
			  "carrying the offset");
		return;
	}
	if (opts->strategy != FIX_PORTABLE) {
		leave(it, "its CO-RE relocation names the UAPI field '%s', which no kernel has: "
			  "pointing it at a type with the kernel's names changes .BTF, which only "
			  "the portable strategy does (drop --to)", r->field);
		return;
	}
	k = ptregs_reg_kernel_name(r->field);
	f = k ? ptregs_layout_find(opts->from, k) : NULL;
	e.old_val = site_value(&pl->linked->insns[r->insn], e.site);
	if (!f || e.old_val != (int32_t)f->offset) {
		leave(it, "the relocated field '%s' is not at %d in %s", r->field, e.old_val,
		      ptregs_layout_name(opts->from));
		return;
	}
	e.kind = EDIT_REPOINT_RELO;
	e.new_val = e.old_val;
	e.field = xstrdup(f->name);
	e.member = (uint32_t)member_index(opts->from, f->name);
	e.relo_type = xstrdup(r->type_name);
	e.relo_field = xstrdup(r->field);
	e.relo_kind = r->kind;
	idx = add_edit(pl, r->insn, &e);
	if (idx < 0) {
		free(e.field);
		free(e.relo_type);
		free(e.relo_field);
		leave(it, "one instruction serves accesses that need different rewrites");
		return;
	}
	it->fixed = true;
	it->edit = idx;
	it->site_insn = r->insn;
}

/*
 * The one instruction that reads the constant the mov or ld_imm64 at C
 * puts in its register: a 64-bit add or subtract of that register to
 * another, in the straight-line code that follows, before the register is
 * written again or dies (a call of a helper for r0, an exit). -1 when no
 * one instruction does (another read, a copy, a branch, a call that may
 * take it as an argument): rewriting the constant would change them too.
 */
static int64_t sole_reader(const struct ptregs_prog *l, uint32_t c)
{
	const struct bpf_insn *ci = &l->insns[c];
	uint8_t r = ci->dst_reg;
	int64_t user = -1;

	for (uint32_t i = c + (ci->code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1); i < l->insn_cnt;
	     i++) {
		const struct bpf_insn *in = &l->insns[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		bool reads, writes;

		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			reads = (op != BPF_MOV && in->dst_reg == r) ||
				(BPF_SRC(in->code) == BPF_X && op != BPF_NEG && op != BPF_END &&
				 in->src_reg == r);
			writes = in->dst_reg == r;
			if (reads && user < 0 && cls == BPF_ALU64 && BPF_SRC(in->code) == BPF_X &&
			    (op == BPF_ADD || op == BPF_SUB) && in->src_reg == r && in->dst_reg != r &&
			    in->off == 0) {
				user = i;
				continue;
			}
			break;
		case BPF_LDX:
			reads = in->src_reg == r;
			writes = in->dst_reg == r;
			break;
		case BPF_ST:
			reads = in->dst_reg == r;
			writes = false;
			break;
		case BPF_STX:
			reads = in->dst_reg == r || in->src_reg == r;
			writes = false;
			break;
		case BPF_LD:
			if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
				return -1;
			reads = false;
			writes = in->dst_reg == r;
			i++;
			break;
		default:	/* jumps */
			if (cls == BPF_JMP && op == BPF_EXIT)
				return r == BPF_REG_0 ? -1 : user;
			if (cls == BPF_JMP && op == BPF_CALL && in->src_reg == 0) {
				if (r >= BPF_REG_1 && r <= BPF_REG_5)
					return -1;	/* perhaps an argument */
				if (r == BPF_REG_0)
					return user;	/* the helper's result */
				continue;		/* callee-saved */
			}
			return -1;
		}
		if (reads)
			return -1;
		if (writes)
			return user;
	}
	return -1;
}

/*
 * sizeof(struct pt_regs) baked into pointer arithmetic: the registers a
 * task entered the kernel with, found from the top of its stack
 * (stack + THREAD_SIZE - sizeof(struct pt_regs), often with the offset of
 * the register read folded in). The registers end at the top of the stack
 * on every layout, so on the target the read lands where the target has
 * that register when the constant becomes THREAD_SIZE - the target's size
 * + the target's offset: retarget rewrites the immediate that holds it.
 */
static void plan_sizeof(struct plan *pl, const struct ptregs_access *a, struct fix_item *it)
{
	static const int64_t thread_sizes[] = { 8192, 16384, 32768 };
	const struct fix_opts *opts = pl->opts;
	const struct ptregs_prog *l = pl->linked;
	int64_t s = ptregs_layout_size(opts->from), t = ptregs_layout_size(opts->to);
	const struct bpf_insn *ci, *user = NULL;
	struct fix_edit e = { 0 };
	int64_t v, k, nv, ui;
	int32_t fdelta;
	bool top = false, fits;
	int sign, idx;
	char why[256] = "";	/* what stops the rewrite, after "arithmetic" */

	if (opts->strategy != FIX_RETARGET || a->copy_insn || a->copy_size || a->relo_field ||
	    a->off_site != PTREGS_OFF_ALU_IMM || a->off_insn >= l->insn_cnt || !a->size)
		goto left;
	/* the instruction that holds the constant, and the add that uses it */
	ci = &l->insns[a->off_insn];
	if (BPF_CLASS(ci->code) == BPF_ALU64 && BPF_SRC(ci->code) == BPF_K &&
	    (BPF_OP(ci->code) == BPF_ADD || BPF_OP(ci->code) == BPF_SUB)) {
		user = ci;
		v = ci->imm;
	} else if ((BPF_CLASS(ci->code) == BPF_ALU64 || BPF_CLASS(ci->code) == BPF_ALU) &&
		   BPF_OP(ci->code) == BPF_MOV && BPF_SRC(ci->code) == BPF_K && ci->off == 0) {
		v = BPF_CLASS(ci->code) == BPF_ALU64 ? (int64_t)ci->imm : (int64_t)(uint32_t)ci->imm;
	} else if (ci->code == (BPF_LD | BPF_IMM | BPF_DW) && ci->src_reg == 0 &&
		   a->off_insn + 1 < l->insn_cnt) {
		v = (int64_t)(((uint64_t)(uint32_t)ci[1].imm << 32) | (uint32_t)ci->imm);
	} else {
		goto left;
	}
	if (!user) {	/* a mov or ld_imm64: the one add or subtract that reads it */
		ui = sole_reader(l, a->off_insn);
		if (ui < 0) {
			snprintf(why, sizeof(why), ": its constant is used elsewhere too");
			goto left;
		}
		user = &l->insns[ui];
	}
	sign = BPF_OP(user->code) == BPF_ADD ? 1 : -1;
	k = sign * v;	/* what the pointer moves by */
	/* the top of a stack minus the size: THREAD_SIZE - size + offset, or -size */
	if (k == -s)
		top = true;
	for (size_t i = 0; i < sizeof(thread_sizes) / sizeof(thread_sizes[0]); i++)
		if (k >= thread_sizes[i] - s && k < thread_sizes[i])
			top = true;
	if (!top) {
		snprintf(why, sizeof(why), " that does not count down from the top of a stack");
		goto left;
	}
	if (!region_delta(opts, a->offset, a->size, &fdelta)) {
		snprintf(why, sizeof(why), ": the bytes read are not one register on %s, or cover "
			 "registers that move apart", opts->to_name);
		goto left;
	}
	/* the pointer moves by k - (t - s) + fdelta on the target */
	nv = v + sign * (fdelta - (t - s));
	if (ci->code == (BPF_LD | BPF_IMM | BPF_DW))
		fits = (uint64_t)nv >> 32 == (uint64_t)v >> 32;
	else if (BPF_CLASS(ci->code) == BPF_ALU && BPF_OP(ci->code) == BPF_MOV)
		fits = nv >= 0 && nv <= INT32_MAX;	/* zero-extended: keep the sign bit clear */
	else
		fits = nv >= INT32_MIN && nv <= INT32_MAX;
	if (!fits) {
		snprintf(why, sizeof(why), ": the new constant does not fit the instruction");
		goto left;
	}
	e.kind = EDIT_OFFSET;
	e.site = PTREGS_OFF_ALU_IMM;
	e.old_val = ci->imm;
	e.new_val = (int32_t)(uint32_t)nv;	/* ld_imm64: its low half */
	e.old_size = (uint32_t)s;
	e.new_size = (uint32_t)t;
	idx = add_edit(pl, a->off_insn, &e);
	if (idx < 0) {
		leave(it, "one constant serves accesses that need different rewrites");
		return;
	}
	it->fixed = true;
	it->edit = idx;
	it->site_insn = a->off_insn;
	it->new_offset = (uint32_t)((int64_t)a->offset + fdelta);
	return;
left:
	leave(it, "sizeof(struct pt_regs) baked into pointer arithmetic%s: not rewritten; use "
		  "bpf_task_pt_regs() (PTREGS_TASK_REGS in compat.bpf.h)", why);
}

/*
 * Reads of a copy of the registers: right once the probe read that made
 * the copy is fixed, if what they read moves as the copy does.
 */
static void plan_copies(struct plan *pl, const struct ptregs_analysis *an, size_t first)
{
	struct fix_object *fo = pl->fo;

	for (size_t i = first; i < fo->item_cnt; i++) {
		struct fix_item *it = &fo->items[i];
		const struct fix_item *src = NULL;
		int32_t d_src, d_it;
		uint32_t copy_insn = 0;

		if (it->edit != -2)
			continue;
		for (size_t k = 0; k < ptregs_analysis_access_cnt(an); k++) {
			const struct ptregs_access *a = ptregs_analysis_access(an, k);

			if (a->insn == it->insn && a->offset == it->offset && a->size == it->size &&
			    (a->copy_insn || a->copy_size)) {
				copy_insn = a->copy_insn;
				break;
			}
		}
		for (size_t k = first; k < fo->item_cnt; k++) {
			const struct fix_item *c = &fo->items[k];

			if (c->insn == copy_insn && c->edit >= 0 && c->fixed) {
				src = c;
				break;
			}
		}
		if (!src) {
			leave(it, "reads a copy of the registers that is not fixed itself: rebuild "
				  "with CO-RE or compat.bpf.h");
			continue;
		}
		if (!region_delta(pl->opts, src->offset, src->size, &d_src) ||
		    !region_delta(pl->opts, it->offset, it->size, &d_it) || d_src != d_it) {
			leave(it, "reads a copy whose registers move apart on %s",
			      pl->opts->to_name);
			continue;
		}
		it->fixed = true;
		it->copy = true;
		it->copy_insn = copy_insn;
		it->edit = src->edit;
		it->site_insn = src->site_insn;
	}
}

static void plan_program(struct plan *pl, bool usdt)
{
	const struct fix_opts *opts = pl->opts;
	struct ptregs_analysis *an;
	struct fix_object *fo = pl->fo;
	size_t first = fo->item_cnt;

	an = ptregs_analysis_new(pl->linked, opts->from, opts->to);
	if (!an) {
		struct fix_item *it;

		fo->items = xgrow(fo->items, fo->item_cnt, sizeof(*fo->items));
		it = &fo->items[fo->item_cnt++];
		memset(it, 0, sizeof(*it));
		it->program = xstrdup(ptregs_object_prog_name(pl->p));
		it->verdict = PTREGS_VERDICT_UNANALYSED;
		leave(it, "not analysed: %s", ptregs_errmsg());
		return;
	}
	if (ptregs_object_prog_error(pl->p)) {
		struct fix_item *it;

		fo->items = xgrow(fo->items, fo->item_cnt, sizeof(*fo->items));
		it = &fo->items[fo->item_cnt++];
		memset(it, 0, sizeof(*it));
		it->program = xstrdup(ptregs_object_prog_name(pl->p));
		it->verdict = PTREGS_VERDICT_UNANALYSED;
		leave(it, "not analysed: %s", ptregs_object_prog_error(pl->p));
	}
	for (size_t k = 0; k < ptregs_analysis_access_cnt(an); k++) {
		const struct ptregs_access *a = ptregs_analysis_access(an, k);
		enum ptregs_verdict v = a->verdict;
		struct fix_item *it;
		const char *file, *text;
		uint32_t line, col;

		if (usdt && a->kind == PTREGS_ACC_VAR_OFFSET && a->origin == PTREGS_FROM_CTX)
			v = PTREGS_VERDICT_BREAKS_HOST_LIBBPF;
		if (v == PTREGS_VERDICT_RELOCATED || v == PTREGS_VERDICT_SAFE_ABI ||
		    v == PTREGS_VERDICT_UNCHANGED)
			continue;
		fo->items = xgrow(fo->items, fo->item_cnt, sizeof(*fo->items));
		it = &fo->items[fo->item_cnt++];
		memset(it, 0, sizeof(*it));
		it->program = xstrdup(ptregs_object_prog_name(pl->p));
		it->insn = a->insn;
		it->site_insn = a->insn;
		it->verdict = v;
		it->offset = a->offset;
		it->size = a->size;
		it->old_field = xstrdup(a->old_field);
		it->new_field = xstrdup(a->new_field);
		it->edit = -1;
		if (ptregs_object_prog_line(pl->o, pl->p, a->insn, &file, &line, &col, &text) == 0) {
			it->src_file = xstrdup(file);
			it->line = line;
		}
		switch (v) {
		case PTREGS_VERDICT_BREAKS:
			plan_breaks(pl, a, it);
			break;
		case PTREGS_VERDICT_FAILS_TO_LOAD:
			plan_fails(pl, a, it);
			break;
		case PTREGS_VERDICT_SUSPECT:
			if (a->kind == PTREGS_ACC_SIZEOF)
				plan_sizeof(pl, a, it);
			else
				leave(it, "copies sizeof(struct pt_regs) of the source layout: the size "
					  "cannot be rewritten with the reads of the copy; rebuild with "
					  "CO-RE or compat.bpf.h");
			break;
		case PTREGS_VERDICT_BREAKS_HOST_LIBBPF:
			leave(it, "USDT argument offsets come from the host program's libbpf at "
				  "attach time, not from the object: run the host under 'ptregs run', "
				  "or rebuild it against a libbpf that takes offsets from kernel BTF");
			break;
		default:
			leave(it, "not analysed%s%s: never rewritten", a->note ? ": " : "",
			      a->note ? a->note : "");
			break;
		}
	}
	plan_copies(pl, an, first);
	ptregs_analysis_free(an);
}

int fix_plan(const struct fix_opts *opts, const struct ptregs_object *o, const uint8_t *buf,
	     size_t size, struct fix_object *fo)
{
	struct plan pl = { .opts = opts, .o = o, .fo = fo };
	bool usdt = ptregs_object_uses_usdt(o);
	uint8_t mark[FIX_MARK_LEN];

	fo->strategy = opts->strategy;
	if (size > FIX_MARK_OFF + FIX_MARK_LEN && memcmp(buf + FIX_MARK_OFF, "ptR", 3) == 0) {
		fo->already = true;
		fix_mark(opts->to, mark);
		if (opts->strategy == FIX_RETARGET &&
		    memcmp(buf + FIX_MARK_OFF, mark, FIX_MARK_LEN) == 0) {
			if (asprintf(&fo->note, "already retargeted for %s: nothing to do",
				     opts->to_name) < 0)
				fo->note = NULL;
			return 0;
		}
		if (asprintf(&fo->note, "retargeted before for another layout than %s%s: fix the "
			     "original object instead", opts->to_name,
			     opts->strategy == FIX_PORTABLE ? " (portable)" : "") < 0)
			fo->note = NULL;
		fo->unfixed_cnt++;
		return 0;
	}
	for (size_t i = 0; i < ptregs_object_prog_cnt(o); i++) {
		pl.p = ptregs_object_prog(o, i);
		pl.linked = ptregs_object_prog_linked(pl.p);
		plan_program(&pl, usdt);
	}
	for (size_t i = 0; i < fo->item_cnt; i++) {
		if (fo->items[i].fixed)
			fo->fixed_cnt++;
		else
			fo->unfixed_cnt++;
	}
	return 0;
}

void fix_object_free(struct fix_object *fo)
{
	for (size_t i = 0; i < fo->edit_cnt; i++) {
		free(fo->edits[i].field);
		free(fo->edits[i].relo_type);
		free(fo->edits[i].relo_field);
	}
	for (size_t i = 0; i < fo->item_cnt; i++) {
		free(fo->items[i].program);
		free(fo->items[i].src_file);
		free(fo->items[i].old_field);
		free(fo->items[i].new_field);
		free(fo->items[i].reason);
	}
	free(fo->edits);
	free(fo->items);
	free(fo->name);
	free(fo->note);
	memset(fo, 0, sizeof(*fo));
}
