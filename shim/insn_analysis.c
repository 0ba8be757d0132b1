// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF instruction analysis: an abstract interpretation that follows
 * pointers to struct pt_regs through registers, stack slots, constant
 * arithmetic, subprogram calls and callbacks, and records every access made
 * through them.
 *
 * Each function (the main program, every BPF_PSEUDO_CALL and
 * BPF_PSEUDO_FUNC target) is analysed for the argument state of each call
 * site: first to a fixed point, then once more to record accesses with the
 * final state of every instruction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <ptregs/analysis.h>
#include "internal.h"

#define NREGS 11
#define NSLOTS (512 / 8)
#define MAX_DEPTH 8
#define STEP_BUDGET 4000000
#define PERF_REGS_SIZE 168	/* bpf_perf_event_data.regs: frozen by the ABI */

enum vkind {
	VK_NONE = 0,	/* not reached yet: the lattice bottom */
	VK_UNKNOWN,
	VK_CONST,
	VK_REGS,	/* pointer into a struct pt_regs */
	VK_PERF,	/* pointer into a bpf_perf_event_data context */
	VK_ARGS,	/* pointer into a raw_tp / fentry args array */
	VK_STACK,	/* r10 + off; origin: 0 this frame, 1 the caller's, 2 its caller's... */
	VK_FUNC,	/* address of a subprogram (off: its first insn) */
	VK_SUSPECT,	/* unknown pointer + sizeof(struct pt_regs) arithmetic */
	/*
	 * Copies of the registers. origin is an index into actx.copies; a
	 * stack slot VK_IMAGE holds bytes of that copy, VK_MAPVAL points into
	 * the value of one bpf_map_lookup_elem() (off into the value) and
	 * VK_MAPIMG into a value a copy was probe-read into.
	 */
	VK_IMAGE,
	VK_MAPVAL,
	VK_MAPIMG,
	/*
	 * Copies the analysis lost track of (paths joined with different
	 * ones, no room left to tell them apart): bytes that may be a copy
	 * of the registers, a pointer into a map value that may hold one.
	 * Above VK_UNKNOWN in the lattice: a load from them is unanalysed.
	 */
	VK_LOSTIMG,
	VK_LOSTPTR,
};

/* At most this many copies and lookups per program: origin is a uint8_t.
 * Past it copies are not followed but reported as unanalysed. */
#define MAX_COPIES 255

#define F_VAROFF 0x1	/* offset not known statically */
#define F_RELOJOIN 0x2	/* ...but every path to here relocated it with CO-RE */

struct val {
	uint8_t kind;
	uint8_t origin;
	uint8_t flags;
	uint8_t pad;	/* always 0: states are compared with memcmp */
	int32_t relo;	/* index of the CO-RE relocation behind the offset, or -1 */
	int64_t off;	/* pointer offset, or the constant */
	/*
	 * Pointers: 1 + the index of the last 64-bit add of an immediate
	 * that moved this pointer, 0 when none did, DEF_MANY when the offset
	 * is not held by one such immediate (paths disagree, a register
	 * operand, a constant plus a pointer).
	 */
	uint32_t def;
	/*
	 * Constants: 1 + the index of the mov or ld_imm64 whose immediate
	 * holds this one whole, 0 when none does (computed), DEF_MANY when
	 * paths disagree. Pointers found by sizeof arithmetic: the same for
	 * the instruction whose immediate holds the sizeof constant (the add
	 * or subtract itself, or the mov or ld_imm64 of its register
	 * operand). 0 otherwise.
	 */
	uint32_t cdef;
};

#define DEF_MANY UINT32_MAX

/*
 * The registers and the stack. Slots below LO hold V_UNKNOWN and are not
 * stored (their bytes mean nothing): programs use a few slots at the top
 * of the 512 bytes, and states are copied and joined once per block.
 */
struct state {
	struct val r[NREGS];
	uint32_t lo;
	struct val stack[NSLOTS];
};

struct func {
	uint32_t start, end;
};

/*
 * A probe read at INSN of SIZE bytes from SRC to DST: a stack offset, or an
 * offset into the value of the map lookup at LOOKUP. Size 0: the lookup.
 * In a map value, PREV is what the value held before (outside DST..SIZE),
 * and a SRC of VK_NONE is a write of something else over part of a copy.
 */
struct copy {
	uint32_t insn;
	uint32_t size;
	uint32_t lookup;
	int32_t prev;	/* index in actx.copies, or -1 */
	int64_t dst;
	struct val src;
};

struct actx {
	const struct ptregs_prog *p;
	const struct ptregs_layout *from, *to;
	struct func *funcs;
	size_t func_cnt;
	struct ptregs_access *acc;
	size_t acc_cnt, acc_cap;
	struct ptregs_access *acc_buf;	/* the caller's, first: never freed here */
	uint64_t steps;
	bool budget_hit;
	int err;
	/*
	 * pt_quick_patches(): per field of FROM, the same register's offset in
	 * the target layout (or -1); the patches so far; whether an access
	 * came that is no one patch.
	 */
	const int *to_off;
	struct pt_rewrite *rw;
	bool no_patch;
	/*
	 * The calling functions' frames by depth, for their stack pointers
	 * passed down: their slots at the call, and what the callees wrote
	 * into them (VK_NONE: nothing), applied when the call returns.
	 */
	int depth;
	const struct val *stk[MAX_DEPTH + 2];
	struct val *fx[MAX_DEPTH + 2];
	size_t copy_cnt;
	bool lookups_lost;	/* a map lookup found no room in copies */
	struct copy *copies;	/* MAX_COPIES of them, the full path's; copy_cnt used */
};

static const struct val V_UNKNOWN = { .kind = VK_UNKNOWN, .relo = -1 };

/* A + B and -A as the machine has them: offsets and constants come from
 * the program, and may be anything. */
static PT_HOT int64_t wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static PT_HOT int64_t wneg(int64_t a)
{
	return (int64_t)(0 - (uint64_t)a);
}

static struct val vconst(int64_t c, int32_t relo)
{
	struct val v = { .kind = VK_CONST, .relo = relo, .off = c };

	return v;
}

static struct val vptr(enum vkind k, enum ptregs_origin o, int64_t off)
{
	struct val v = { .kind = (uint8_t)k, .origin = (uint8_t)o, .relo = -1, .off = off };

	return v;
}

static bool is_ptr(const struct val *v)
{
	return v->kind == VK_REGS || v->kind == VK_PERF || v->kind == VK_ARGS ||
	       v->kind == VK_STACK || v->kind == VK_SUSPECT || v->kind == VK_MAPVAL ||
	       v->kind == VK_MAPIMG || v->kind == VK_LOSTPTR;
}

static bool is_img(const struct val *v)
{
	return v->kind == VK_IMAGE || v->kind == VK_LOSTIMG;
}

static bool is_imgptr(const struct val *v)
{
	return v->kind == VK_MAPIMG || v->kind == VK_LOSTPTR;
}

static struct val vlost(enum vkind k)
{
	struct val v = { .kind = (uint8_t)k, .relo = -1 };

	return v;
}

static bool val_eq(const struct val *a, const struct val *b)
{
	return a->kind == b->kind && a->origin == b->origin && a->flags == b->flags &&
	       a->relo == b->relo && a->off == b->off && a->def == b->def && a->cdef == b->cdef;
}

/* Join B into A; true when A changed. */
static bool val_join(struct val *a, const struct val *b)
{
	struct val j;

	if (b->kind == VK_NONE || val_eq(a, b))
		return false;
	if (a->kind == VK_NONE) {
		*a = *b;
		return true;
	}
	if (is_img(a) || is_img(b) || is_imgptr(a) || is_imgptr(b)) {
		/* two copies, or a copy and something else: lost track of */
		j = vlost(is_img(a) || is_img(b) ? VK_LOSTIMG : VK_LOSTPTR);
		if (val_eq(a, &j))
			return false;
		*a = j;
		return true;
	}
	if (a->kind == VK_UNKNOWN)
		return false;
	if (a->kind == VK_CONST && b->kind == VK_CONST && a->off == b->off &&
	    a->relo == b->relo && a->flags == b->flags) {
		/* the same constant, from different instructions */
		if (a->cdef == DEF_MANY)
			return false;
		a->cdef = DEF_MANY;
		return true;
	}
	if ((a->kind == VK_REGS || a->kind == VK_PERF || a->kind == VK_SUSPECT) &&
	    a->kind == b->kind) {
		/* a pt_regs either way (the syscall wrapper's inner one or the
		 * context, say): keep following it, with the offset if they agree */
		j = *a;
		if (a->off != b->off || a->flags != b->flags || a->relo != b->relo) {
			bool both = a->relo >= 0 && b->relo >= 0 &&
				    (!(a->flags & F_VAROFF) || (a->flags & F_RELOJOIN)) &&
				    (!(b->flags & F_VAROFF) || (b->flags & F_RELOJOIN));

			j.flags |= F_VAROFF;
			j.flags = both ? j.flags | F_RELOJOIN : j.flags & ~F_RELOJOIN;
			if (!both)
				j.relo = -1;
		}
		if (a->def != b->def)
			j.def = DEF_MANY;
		if (a->cdef != b->cdef)
			j.cdef = DEF_MANY;
		if (val_eq(a, &j))
			return false;
		*a = j;
		return true;
	}
	*a = V_UNKNOWN;
	return true;
}

/* Store the slots of S from IDX up to its LO: V_UNKNOWN. */
static void state_lower(struct state *s, uint32_t idx)
{
	while (s->lo > idx)
		s->stack[--s->lo] = V_UNKNOWN;
}

static void state_copy(struct state *d, const struct state *s)
{
	memcpy(d->r, s->r, sizeof(s->r));
	d->lo = s->lo;
	memcpy(&d->stack[s->lo], &s->stack[s->lo], (NSLOTS - s->lo) * sizeof(s->stack[0]));
}

/* Join B into A (A unreached: every value VK_NONE); true when A changed. */
static bool state_join(struct state *a, const struct state *b)
{
	bool changed = false;

	if (a->r[10].kind == VK_NONE) {
		state_copy(a, b);
		return true;
	}
	/* the usual case near the fixed point */
	if (a->lo == b->lo && memcmp(a->r, b->r, sizeof(a->r)) == 0 &&
	    memcmp(&a->stack[a->lo], &b->stack[b->lo], (NSLOTS - a->lo) * sizeof(a->stack[0])) == 0)
		return false;
	for (int i = 0; i < NREGS; i++)
		changed |= val_join(&a->r[i], &b->r[i]);
	state_lower(a, b->lo);
	for (uint32_t i = a->lo; i < NSLOTS; i++)
		changed |= val_join(&a->stack[i], i < b->lo ? &V_UNKNOWN : &b->stack[i]);
	return changed;
}

static const struct ptregs_insn_relo *relo_at(const struct actx *c, uint32_t insn, int32_t *idx)
{
	size_t lo = 0, hi = c->p->relo_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->p->relos[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* several relocations may sit on one insn: prefer a field offset one */
	for (size_t i = lo; i < c->p->relo_cnt && c->p->relos[i].insn == insn; i++) {
		if (c->p->relos[i].kind == BPF_CORE_FIELD_BYTE_OFFSET || i + 1 == c->p->relo_cnt ||
		    c->p->relos[i + 1].insn != insn) {
			if (idx)
				*idx = (int32_t)i;
			return &c->p->relos[i];
		}
	}
	if (idx)
		*idx = -1;
	return NULL;
}

/*
 * Does the target's field behind relocation R lie outside what copy CP
 * holds? CP copied fixed offsets of the registers, the read is relocated.
 */
static bool copy_misses(const struct actx *c, const struct copy *cp,
			const struct ptregs_insn_relo *r)
{
	const struct ptregs_field *f = r->field ? ptregs_layout_find(c->to, r->field) : NULL;

	return f && ((int64_t)f->offset < cp->src.off ||
		     (int64_t)f->offset + f->size > cp->src.off + cp->size);
}

/* Does the target have the same fields as the source in [OFF, OFF + SIZE)? */
static bool range_unchanged(const struct actx *c, uint32_t off, uint32_t size)
{
	size_t n = ptregs_layout_field_cnt(c->from);

	for (size_t i = 0; i < n; i++) {
		const struct ptregs_field *f = ptregs_layout_field(c->from, i), *t;

		if (f->bit_size || f->offset < off || (uint64_t)f->offset + f->size > (uint64_t)off + size)
			continue;
		t = ptregs_layout_field_at(c->to, f->offset, f->size);
		if (!t || strcmp(t->name, f->name) != 0)
			return false;
	}
	return true;
}

static void add_access(struct actx *c, const struct ptregs_access *a)
{
	for (size_t i = 0; i < c->acc_cnt; i++) {
		const struct ptregs_access *b = &c->acc[i];

		if (b->insn == a->insn && b->kind == a->kind && b->origin == a->origin &&
		    b->offset == a->offset && b->size == a->size && b->verdict == a->verdict &&
		    b->off_site == a->off_site && b->off_insn == a->off_insn)
			return;
	}
	if (c->acc_cnt == c->acc_cap) {
		size_t cap = c->acc_cap ? c->acc_cap * 2 : 16;
		bool own = c->acc && c->acc != c->acc_buf;
		struct ptregs_access *n = own ? realloc(c->acc, cap * sizeof(*c->acc)) :
						malloc(cap * sizeof(*c->acc));

		if (!n) {
			c->err = -ENOMEM;
			return;
		}
		if (!own && c->acc_cnt)
			memcpy(n, c->acc, c->acc_cnt * sizeof(*c->acc));
		c->acc = n;
		c->acc_cap = cap;
	}
	c->acc[c->acc_cnt++] = *a;
}

static void unanalysed(struct actx *c, uint32_t insn, enum ptregs_access_kind kind,
		       const struct val *v, const char *note)
{
	struct ptregs_access a = {
		.insn = insn,
		.kind = kind,
		.origin = v && v->origin ? v->origin : PTREGS_FROM_UNKNOWN,
		.verdict = PTREGS_VERDICT_UNANALYSED,
		.offset = v && v->off >= 0 ? (uint32_t)v->off : 0,
		.note = note,
	};

	add_access(c, &a);
}

/*
 * Which instruction holds the offset of access A through a pointer moved
 * last by the add of DEF (0: never moved, DEF_MANY: by several) to OFF:
 * the load's own off when the pointer is the base itself, else the add's
 * immediate.
 */
static PT_HOT void off_site(struct ptregs_access *a, uint32_t def, int64_t off)
{
	if (def == 0 && off == 0 && a->kind != PTREGS_ACC_PROBE_READ) {
		a->off_site = PTREGS_OFF_INSN;
		a->off_insn = a->insn;
	} else if (def != 0 && def != DEF_MANY) {
		a->off_site = PTREGS_OFF_ALU_IMM;
		a->off_insn = def - 1;
	}
}

/*
 * An access of SIZE bytes at V->off + EXTRA through pointer V at INSN; or,
 * with CP, a load at EXTRA into the copy CP made of V, relocated by
 * relocation ARELO (or -1) of its own.
 */
static void record_at(struct actx *c, uint32_t insn, enum ptregs_access_kind kind,
		      const struct val *v, int64_t extra, uint32_t size, const struct copy *cp,
		      int32_t arelo)
{
	const struct ptregs_insn_relo *r, *rp = NULL, *ri = NULL;
	struct ptregs_access a = { .insn = insn, .kind = kind, .size = size };
	int64_t off = wadd(v->off, extra);
	const struct ptregs_field *of, *nf;
	uint32_t from_size = ptregs_layout_size(c->from);

	if (cp) {
		a.copy_insn = cp->insn;
		a.copy_size = cp->size;
	}

	if (v->kind == VK_SUSPECT) {
		a.origin = PTREGS_FROM_UNKNOWN;
		a.kind = kind == PTREGS_ACC_PROBE_READ || kind == PTREGS_ACC_LOAD ?
			 PTREGS_ACC_SIZEOF : kind;
	} else {
		a.origin = v->origin;
	}
	if ((v->flags & F_RELOJOIN) && extra == 0 && v->kind == VK_REGS) {
		/* one of several CO-RE relocated offsets, depending on the path */
		a.kind = kind;
		a.verdict = PTREGS_VERDICT_RELOCATED;
		a.relo_field = c->p->relos[v->relo].field;
		a.note = "one of several CO-RE relocated fields, by path";
		add_access(c, &a);
		return;
	}
	if (v->flags & F_VAROFF) {
		a.kind = PTREGS_ACC_VAR_OFFSET;
		a.verdict = PTREGS_VERDICT_UNANALYSED;
		a.note = "offset not known statically";
		add_access(c, &a);
		return;
	}
	if (off < 0 || off > UINT32_MAX) {
		a.verdict = PTREGS_VERDICT_UNANALYSED;
		a.note = "offset outside the struct";
		add_access(c, &a);
		return;
	}
	a.offset = (uint32_t)off;
	if (!cp && v->kind != VK_SUSPECT) {
		off_site(&a, v->def, v->off);
	} else if (!cp && v->kind == VK_SUSPECT && v->cdef != 0 && v->cdef != DEF_MANY) {
		/* sizeof arithmetic: the immediate that holds the size */
		a.off_site = PTREGS_OFF_ALU_IMM;
		a.off_insn = v->cdef - 1;
	}
	of = ptregs_layout_field_at(c->from, a.offset, size);
	nf = ptregs_layout_field_at(c->to, a.offset, size);
	a.old_field = of ? of->name : NULL;
	a.new_field = nf ? nf->name : NULL;

	/* the pointer's offset and the access's own may each be relocated */
	if (v->relo >= 0)
		rp = &c->p->relos[v->relo];
	if (cp)
		ri = arelo >= 0 ? &c->p->relos[arelo] : NULL;
	else if (kind != PTREGS_ACC_PROBE_READ)
		ri = relo_at(c, insn, NULL);
	if (rp && rp->kind != BPF_CORE_FIELD_BYTE_OFFSET)
		rp = NULL;
	if (ri && ri->kind != BPF_CORE_FIELD_BYTE_OFFSET)
		ri = NULL;
	/*
	 * A copy made from a relocated field onwards: on the target it starts
	 * where that field is, so a read at a fixed displacement into it
	 * finds whatever the target has that far past the field.
	 */
	if (cp && rp && !ri && extra != 0 && v->kind == VK_REGS && rp->field &&
	    pt_is_pt_regs_name(rp->type_name)) {
		const struct ptregs_field *bf = ptregs_layout_find(c->from, rp->field);
		const struct ptregs_field *bt = ptregs_layout_find(c->to, rp->field);
		int64_t t = bt && bf ? (int64_t)bt->offset + off - bf->offset : -1;

		if (t >= 0 && t <= UINT32_MAX) {
			nf = ptregs_layout_field_at(c->to, (uint32_t)t, size);
			a.new_field = nf ? nf->name : NULL;
			a.relo_field = rp->field;
			if (of && nf && strcmp(of->name, nf->name) == 0) {
				a.verdict = PTREGS_VERDICT_RELOCATED;
				a.note = "reads a copy at a fixed distance from a CO-RE relocated "
					 "field: the same field on the target";
			} else {
				a.verdict = PTREGS_VERDICT_BREAKS;
				a.note = "reads a copy at a fixed distance from a CO-RE relocated "
					 "field: another field on the target";
			}
			add_access(c, &a);
			return;
		}
	}
	/* a relocated base plus a fixed displacement is still a fixed offset */
	if (rp && !ri && extra != 0)
		rp = NULL;
	r = ri ? ri : rp;
	a.relo_field = r ? r->field : NULL;

	if (kind == PTREGS_ACC_PROBE_READ && off == 0 && size == from_size && v->kind != VK_PERF &&
	    from_size != ptregs_layout_size(c->to) && !r) {
		/*
		 * The whole struct, by the source layout's size: on the target
		 * the copy is cut short (and every fixed offset read from it is
		 * reported where it is read). Suspect, not breaks: a program
		 * that reads the copy with CO-RE offsets misses only the last
		 * fields, and those reads are classified on their own.
		 */
		a.verdict = PTREGS_VERDICT_SUSPECT;
		a.copy_size = size;
		a.old_field = a.new_field = NULL;
		a.note = v->kind == VK_SUSPECT ?
			 "copies sizeof(struct pt_regs) of the source layout from a pointer found "
			 "by sizeof arithmetic: another struct on the target, and truncated" :
			 "copies sizeof(struct pt_regs) of the source layout: truncated on the target";
	} else if (v->kind == VK_SUSPECT) {
		if (!r && from_size == ptregs_layout_size(c->to) &&
		    (of && nf ? strcmp(of->name, nf->name) == 0 :
		     !of && !nf && range_unchanged(c, a.offset, size))) {
			/* the same size and the same registers there: the same read */
			a.verdict = PTREGS_VERDICT_UNCHANGED;
		} else {
			a.verdict = PTREGS_VERDICT_SUSPECT;
			a.note = "sizeof(struct pt_regs) baked into pointer arithmetic";
			if (r)	/* the field is relocated; the base is not */
				a.old_field = a.new_field = NULL;
		}
	} else if ((rp && pt_is_pt_regs_name(rp->type_name) && rp->field_missing) ||
		   (ri && pt_is_pt_regs_name(ri->type_name) && ri->field_missing)) {
		a.verdict = PTREGS_VERDICT_FAILS_TO_LOAD;
		a.note = "CO-RE field missing from kernel pt_regs: libbpf poisons the insn";
	} else if (v->kind == VK_PERF && kind == PTREGS_ACC_PROBE_READ) {
		/* no verifier conversion here, CO-RE or not */
		a.verdict = PTREGS_VERDICT_BREAKS;
		a.note = "probe read through a perf_event context reads the kernel's "
			 "bpf_perf_event_data_kern, not the registers";
	} else if (v->kind == VK_PERF) {
		if ((rp && pt_is_pt_regs_name(rp->type_name)) || (ri && pt_is_pt_regs_name(ri->type_name))) {
			a.verdict = PTREGS_VERDICT_BREAKS;
			a.note = "CO-RE against struct pt_regs over a perf_event context: "
				 "relocated by libbpf and remapped by the kernel";
		} else {
			a.verdict = PTREGS_VERDICT_SAFE_ABI;
		}
	} else if (cp && ri && !rp && pt_is_pt_regs_name(ri->type_name) && copy_misses(c, cp, ri)) {
		/* relocated to where the target has the field, past the copy */
		a.verdict = PTREGS_VERDICT_BREAKS;
		a.note = "CO-RE relocated read of a copy too short for the target's field";
	} else if (r) {
		a.verdict = PTREGS_VERDICT_RELOCATED;
	} else if (of && nf && strcmp(of->name, nf->name) == 0) {
		a.verdict = PTREGS_VERDICT_UNCHANGED;
	} else if (kind == PTREGS_ACC_PROBE_READ && !of && v->kind == VK_REGS) {
		/* a copy of several fields: its reads are classified one by one,
		 * but where it goes next (a ring buffer...) is not followed */
		if (range_unchanged(c, a.offset, size)) {
			a.verdict = PTREGS_VERDICT_UNCHANGED;
		} else {
			a.verdict = PTREGS_VERDICT_BREAKS;
			a.note = "copies several fields the target has at other offsets";
		}
	} else {
		a.verdict = PTREGS_VERDICT_BREAKS;
	}
	if (cp && !a.note)
		a.note = "reads a copy of the registers";
	add_access(c, &a);
}

static void record(struct actx *c, uint32_t insn, enum ptregs_access_kind kind,
		   const struct val *v, int64_t extra, uint32_t size)
{
	record_at(c, insn, kind, v, extra, size, NULL, -1);
}

static uint32_t ldst_size(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static const struct func *func_of(const struct actx *c, uint32_t insn)
{
	for (size_t i = 0; i < c->func_cnt; i++)
		if (insn >= c->funcs[i].start && insn < c->funcs[i].end)
			return &c->funcs[i];
	return NULL;
}

/*
 * Is K sizeof(struct pt_regs) arithmetic: the size itself, or THREAD_SIZE
 * minus it, possibly folded by the compiler with a field offset
 * (stack + 16384 - 168 + 128)? *field gets the offset into the struct.
 */
static PT_HOT bool sizeof_like(const struct actx *c, int64_t k, int64_t *field)
{
	int64_t s = c->from->size;
	static const int64_t thread_sizes[] = { 8192, 16384, 32768 };

	*field = 0;
	if (k == INT64_MIN)	/* no size, and no negation */
		return false;
	if (k < 0)
		k = -k;
	if (k == s)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(thread_sizes); i++) {
		if (k >= thread_sizes[i] - s && k < thread_sizes[i]) {
			*field = k - (thread_sizes[i] - s);
			return true;
		}
	}
	return false;
}

/* Pointer +/- constant K (relocated by RELO, or -1). */
static struct val ptr_add(const struct actx *c, struct val p, int64_t k, int32_t relo)
{
	if (p.kind == VK_LOSTPTR)
		return p;
	p.off = wadd(p.off, k);
	if (relo >= 0) {
		const struct ptregs_insn_relo *r = &c->p->relos[relo];

		if (r->kind == BPF_CORE_FIELD_BYTE_OFFSET)
			p.relo = relo;
	}
	return p;
}

static PT_HOT struct val alu_const(uint8_t op, int64_t a, int64_t b, bool *ok)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	*ok = true;
	switch (op) {
	case BPF_ADD:
		return vconst((int64_t)(ua + ub), -1);
	case BPF_SUB:
		return vconst((int64_t)(ua - ub), -1);
	case BPF_MUL:
		return vconst((int64_t)(ua * ub), -1);
	case BPF_AND:
		return vconst((int64_t)(ua & ub), -1);
	case BPF_OR:
		return vconst((int64_t)(ua | ub), -1);
	case BPF_XOR:
		return vconst((int64_t)(ua ^ ub), -1);
	case BPF_LSH:
		return vconst((int64_t)(ua << (ub & 63)), -1);
	case BPF_RSH:
		return vconst((int64_t)(ua >> (ub & 63)), -1);
	case BPF_ARSH:
		return vconst(a >> (ub & 63), -1);
	default:
		*ok = false;
		return V_UNKNOWN;
	}
}

static struct val analyze_func(struct actx *c, uint32_t start, const struct val *args,
			       int depth, bool rec);

/*
 * A call at depth DEPTH with state S into START, with ARGS: S's stack
 * takes what the callee wrote into it. A copy written is taken as made;
 * anything else over a copy leaves it lost track of.
 */
static struct val call_into(struct actx *c, struct state *s, uint32_t start,
			    const struct val *args, int depth, bool rec)
{
	struct val fx[NSLOTS], r;
	const struct val *saved_stk = c->stk[depth];
	struct val *saved_fx = c->fx[depth];

	memset(fx, 0, sizeof(fx));
	state_lower(s, 0);	/* the callee sees every slot */
	c->stk[depth] = s->stack;
	c->fx[depth] = fx;
	r = analyze_func(c, start, args, depth + 1, rec);
	c->stk[depth] = saved_stk;
	c->fx[depth] = saved_fx;
	c->depth = depth;
	for (int i = 0; i < NSLOTS; i++) {
		if (fx[i].kind == VK_NONE)
			continue;
		if (!is_img(&fx[i]) && is_img(&s->stack[i]))
			val_join(&s->stack[i], &fx[i]);
		else
			s->stack[i] = fx[i];
	}
	return r;
}

/* The index of copy CP in c->copies, added if new; -1 when they are full. */
static int copy_id(struct actx *c, const struct copy *cp)
{
	for (size_t i = 0; i < c->copy_cnt; i++) {
		const struct copy *o = &c->copies[i];

		if (o->insn == cp->insn && o->size == cp->size && o->lookup == cp->lookup &&
		    o->prev == cp->prev && o->dst == cp->dst && val_eq(&o->src, &cp->src))
			return (int)i;
	}
	if (c->copy_cnt == MAX_COPIES)
		return -1;
	c->copies[c->copy_cnt] = *cp;
	return (int)c->copy_cnt++;
}

/* The map lookup a VK_MAPVAL or VK_MAPIMG pointer comes from. */
static uint32_t lookup_of(const struct actx *c, const struct val *v)
{
	return c->copies[v->origin].lookup;
}

/* Does anything in the chain of map value states from ID overlap [LO, LO + SIZE)? */
static bool chain_overlaps(const struct actx *c, int32_t id, int64_t lo, uint32_t size)
{
	for (; id >= 0 && c->copies[id].size; id = c->copies[id].prev) {
		const struct copy *cp = &c->copies[id];

		if (lo < cp->dst + cp->size && cp->dst < lo + size)
			return true;
	}
	return false;
}

/*
 * A write at INSN of SIZE bytes (0: not known) at P + EXTRA into a map
 * value: a copy of SRC, or with SRC NULL anything else. Every pointer into
 * that value now sees the copy there, or no copy there, and what it held
 * elsewhere; or has lost track of it. False when a copy of SRC is lost.
 */
static bool value_write(struct actx *c, struct state *s, uint32_t insn, const struct val *p,
			int64_t extra, uint32_t size, const struct val *src)
{
	const struct val dst = *p;
	uint32_t lookup = lookup_of(c, &dst);
	int64_t lo = wadd(dst.off, extra);
	bool unknown = (dst.flags & F_VAROFF) || !size;
	bool kept = true;

	for (int i = 0; i < NREGS + NSLOTS; i++) {
		struct val *v = i < NREGS ? &s->r[i] : &s->stack[i - NREGS];
		struct copy cp = { .insn = insn, .size = size, .lookup = lookup, .dst = lo };
		int id;

		if (i >= NREGS && (uint32_t)(i - NREGS) < s->lo)
			continue;	/* V_UNKNOWN */
		if ((v->kind != VK_MAPVAL && v->kind != VK_MAPIMG) || lookup_of(c, v) != lookup)
			continue;
		if (unknown) {
			/* somewhere in the value, or over an unknown extent */
			if (src || v->kind == VK_MAPIMG)
				*v = vlost(VK_LOSTPTR);
			kept = !src;
			continue;
		}
		if (!src && !chain_overlaps(c, v->origin, lo, size))
			continue;	/* beside every copy the value holds */
		/* earlier states wholly under this write are gone */
		cp.prev = v->origin;
		while (c->copies[cp.prev].size && lo <= c->copies[cp.prev].dst &&
		       c->copies[cp.prev].dst + c->copies[cp.prev].size <= lo + size)
			cp.prev = c->copies[cp.prev].prev;
		if (src)
			cp.src = *src;
		id = copy_id(c, &cp);
		if (id < 0) {
			*v = vlost(VK_LOSTPTR);
			kept = kept && !src;
			continue;
		}
		v->kind = VK_MAPIMG;
		v->origin = (uint8_t)id;
	}
	return kept;
}

/*
 * Slot IDX of the frame FRAME calls up from here (0: this one), as it is
 * now; NULL when not known.
 */
static const struct val *slot_get(const struct actx *c, const struct state *s, uint8_t frame,
				  int idx)
{
	int f = c->depth - frame;

	if (!frame)
		return (uint32_t)idx < s->lo ? &V_UNKNOWN : &s->stack[idx];
	if (f < 0)
		return NULL;
	if (c->fx[f] && c->fx[f][idx].kind != VK_NONE)
		return &c->fx[f][idx];
	return c->stk[f] ? &c->stk[f][idx] : NULL;
}

/*
 * Write V into slot IDX of the frame FRAME calls up (0: this one); MAY:
 * perhaps not. A caller's slots take everything its callees may write,
 * when the call returns.
 */
static void slot_put(struct actx *c, struct state *s, uint8_t frame, int idx,
		     const struct val *v, bool may)
{
	int f = c->depth - frame;

	if (!frame) {
		state_lower(s, (uint32_t)idx);
		if (may)
			val_join(&s->stack[idx], v);
		else
			s->stack[idx] = *v;
	} else if (f >= 0 && c->fx[f]) {
		if (may && c->fx[f][idx].kind == VK_NONE && c->stk[f])
			c->fx[f][idx] = c->stk[f][idx];
		val_join(&c->fx[f][idx], v);
	}
}

static void clobber_args(struct state *s)
{
	for (int i = 1; i <= 5; i++)
		s->r[i] = V_UNKNOWN;
}

/* Argument registers a helper reads memory through (bit N: rN). */
static PT_HOT unsigned int mem_args(int32_t id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_delete_elem:
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_ringbuf_output:
	case BPF_FUNC_seq_write:
	case BPF_FUNC_probe_write_user:
		return 1u << 2;
	case BPF_FUNC_map_update_elem:
		return 1u << 2 | 1u << 3;
	case BPF_FUNC_perf_event_output:
	case BPF_FUNC_skb_output:
		return 1u << 4;
	case BPF_FUNC_trace_printk:
		return 1u << 1;
	case BPF_FUNC_trace_vprintk:
	case BPF_FUNC_strncmp:
	case BPF_FUNC_csum_diff:
		return 1u << 1 | 1u << 3;
	case BPF_FUNC_snprintf:
		return 1u << 3 | 1u << 4;
	case BPF_FUNC_seq_printf:
		return 1u << 2 | 1u << 4;
	default:
		return 0;
	}
}

static void run_callback(struct actx *c, struct state *s, const struct val *fn,
			 const struct val *args, int depth, bool rec, uint32_t insn)
{
	struct val f = *fn;

	if (f.kind != VK_FUNC) {
		if (rec)
			unanalysed(c, insn, PTREGS_ACC_ESCAPE, NULL, "callback not known statically");
		return;
	}
	call_into(c, s, (uint32_t)f.off, args, depth, rec);
}

/* A bpf_probe_read*() helper: true, and *STR for the string kinds. */
static PT_HOT bool probe_read_id(int32_t id, bool *str)
{
	switch (id) {
	case BPF_FUNC_probe_read_str:
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_probe_read_user_str:
		*str = true;
		return true;
	case BPF_FUNC_probe_read:
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_user:
		*str = false;
		return true;
	default:
		return false;
	}
}

/* bpf_probe_read*() helper ID at INSN, STR for the string kinds. */
static void do_probe_read(struct actx *c, struct state *s, uint32_t insn, int32_t id, bool str,
			  bool rec)
{
	struct val *src = &s->r[3], *dst = &s->r[1];
	uint32_t size = s->r[2].kind == VK_CONST && s->r[2].off > 0 &&
			s->r[2].off < 0x10000 ? (uint32_t)s->r[2].off : 0;
	struct val got = V_UNKNOWN;
	bool user = id == BPF_FUNC_probe_read_user || id == BPF_FUNC_probe_read_user_str;
	/*
	 * A copy whose later reads are followed: of the registers at a
	 * known offset (perf_event contexts read the kernel's struct),
	 * and of more than one field. A one-field copy is classified
	 * here, where the field is chosen; reading it back (what every
	 * BPF_CORE_READ does) would only repeat that finding.
	 */
	bool image = size && !str && !(src->flags & F_VAROFF) && src->off >= 0 &&
		     (src->kind == VK_REGS || (src->kind == VK_SUSPECT && !user)) &&
		     !ptregs_layout_field_at(c->from, (uint32_t)src->off, size);
	int cid = -1;
	bool lost = false;

	/* a kernel pt_regs is never read as user memory: sizeof-like
	 * arithmetic there is array indexing, not task_pt_regs() */
	if (src->kind == VK_SUSPECT && user) {
		/* nothing */
	} else if (src->kind == VK_REGS || src->kind == VK_PERF || src->kind == VK_SUSPECT) {
		if (rec)
			record(c, insn, PTREGS_ACC_PROBE_READ, src, 0, size);
		/* the syscall wrapper's inner regs pointer, read with CO-RE */
		if (c->p->syscall_wrapper && src->kind == VK_REGS &&
		    src->origin == PTREGS_FROM_CTX && size == 8 && !(src->flags & F_VAROFF)) {
			const struct ptregs_field *f =
				ptregs_layout_field_at(c->from, (uint32_t)src->off, 8);

			if (src->relo >= 0) {
				const char *rf = c->p->relos[src->relo].field;

				if (rf && strcmp(rf, "di") == 0)
					got = vptr(VK_REGS, PTREGS_FROM_INNER, 0);
			} else if (f && strcmp(f->name, "di") == 0) {
				got = vptr(VK_REGS, PTREGS_FROM_INNER, 0);
			}
		}
	} else if (src->kind == VK_ARGS && size == 8 && src->off >= 0 && src->off < 64LL * 8 &&
		   !(src->off % 8) &&
		   (c->p->pt_regs_args >> (src->off / 8) & 1)) {
		got = vptr(VK_REGS, PTREGS_FROM_ARG, 0);
	}
	image = image && got.kind == VK_UNKNOWN;
	/* what landed on the stack */
	if (dst->kind == VK_STACK && !(dst->flags & F_VAROFF)) {
		int64_t lo = dst->off, hi = wadd(dst->off, size ? size : 8);
		/* the frame's slots only: an offset near either end of
		 * int64_t would otherwise wrap the walk below */
		int64_t from = lo < -512 ? -512 : lo & ~7LL, to = hi > 0 ? 0 : hi;
		struct val img = V_UNKNOWN;

		if (image) {
			struct copy cp = { .insn = insn, .size = size, .prev = -1, .dst = lo,
					   .src = *src };

			cid = copy_id(c, &cp);
			img = vlost(VK_LOSTIMG);
			lost = cid < 0;
		}
		if (cid >= 0) {
			img.kind = VK_IMAGE;
			img.origin = (uint8_t)cid;
		}
		for (int64_t o = from; o < to; o += 8) {
			int64_t slot = (o + 512) / 8;

			if (slot >= 0 && slot < NSLOTS)
				slot_put(c, s, dst->origin, (int)slot,
					 (o == lo && size == 8 && got.kind != VK_UNKNOWN) ?
					 &got : &img, false);
		}
	} else if (dst->kind == VK_STACK) {
		/* somewhere in the frame */
		struct val any = vlost(image ? VK_LOSTIMG : VK_UNKNOWN);

		for (int slot = 0; slot < NSLOTS; slot++)
			slot_put(c, s, dst->origin, slot, &any, true);
		lost = image;
	} else if (dst->kind == VK_MAPVAL || dst->kind == VK_MAPIMG) {
		lost = !value_write(c, s, insn, dst, 0, size, image ? src : NULL);
	} else if (image && (dst->kind == VK_LOSTPTR ||
			     (dst->kind == VK_UNKNOWN && c->lookups_lost))) {
		lost = true;
	}
	if (lost && rec)
		unanalysed(c, insn, PTREGS_ACC_PROBE_READ, src,
			   c->copy_cnt == MAX_COPIES ?
			   "copy of the registers not followed: too many copies and map lookups" :
			   "copy of the registers to where the analysis lost track of it");
}

static void do_helper(struct actx *c, struct state *s, uint32_t insn, int32_t id, int depth,
		      bool rec)
{
	struct val cb[6];
	struct val r0 = V_UNKNOWN;
	bool str;

	for (int i = 0; i < 6; i++)
		cb[i] = V_UNKNOWN;
	if (id == BPF_FUNC_map_lookup_elem) {
		/* the value pointer, to follow copies probe-read into it */
		struct copy cp = { .insn = insn, .lookup = insn, .prev = -1 };
		int lid = copy_id(c, &cp);

		if (lid >= 0)
			r0 = (struct val){ .kind = VK_MAPVAL, .origin = (uint8_t)lid, .relo = -1 };
		else
			c->lookups_lost = true;
	}
	if (probe_read_id(id, &str))
		do_probe_read(c, s, insn, id, str, rec);
	else switch (id) {
	case BPF_FUNC_task_pt_regs:
		r0 = vptr(VK_REGS, PTREGS_FROM_TASK, 0);
		break;
	case BPF_FUNC_loop:
		cb[2] = s->r[3];
		run_callback(c, s, &s->r[2], cb, depth, rec, insn);
		break;
	case BPF_FUNC_for_each_map_elem:
		cb[4] = s->r[3];
		run_callback(c, s, &s->r[2], cb, depth, rec, insn);
		break;
	case BPF_FUNC_find_vma:
		cb[3] = s->r[4];
		run_callback(c, s, &s->r[3], cb, depth, rec, insn);
		break;
	case BPF_FUNC_user_ringbuf_drain:
		cb[2] = s->r[3];
		run_callback(c, s, &s->r[2], cb, depth, rec, insn);
		break;
	case BPF_FUNC_timer_set_callback:
		run_callback(c, s, &s->r[2], cb, depth, rec, insn);
		break;
	default:
		if (!rec)
			break;
		for (int i = 1; i <= 5; i++) {
			const struct val *v = &s->r[i];

			if (v->kind != VK_REGS && v->kind != VK_PERF)
				continue;
			if (!(mem_args(id) & (1u << i)))
				continue;
			unanalysed(c, insn, PTREGS_ACC_ESCAPE, v,
				   "pt_regs pointer passed to a helper that reads memory");
		}
	}
	clobber_args(s);
	s->r[0] = r0;
}

/*
 * A load at INSN of SIZE bytes at AT (stack offset or offset into the map
 * value) through pointer P, from where copy ID, or the map value states
 * before it, may have put the registers.
 */
static void load_copy(struct actx *c, uint32_t insn, const struct bpf_insn *in,
		      const struct val *p, int32_t id, int64_t at, uint32_t size)
{
	const struct ptregs_insn_relo *r;
	const struct copy *cp = NULL;
	int32_t arelo = -1;

	for (; id >= 0 && c->copies[id].size; id = c->copies[id].prev) {
		cp = &c->copies[id];
		if (at < cp->dst + cp->size && cp->dst < at + size)
			break;
		cp = NULL;
	}
	if (!cp || cp->src.kind == VK_NONE)
		return;	/* no copy there, or the program's own bytes over one */
	if (at < cp->dst || at + size > cp->dst + cp->size) {
		unanalysed(c, insn, PTREGS_ACC_LOAD, NULL,
			   "reads across the edge of a copy of the registers");
		return;
	}
	/* the read's own relocation: on the insn, or on the pointer when the
	 * insn adds nothing to it */
	r = relo_at(c, insn, &arelo);
	if (!r || r->kind != BPF_CORE_FIELD_BYTE_OFFSET)
		arelo = in->off == 0 && p->relo >= 0 ? p->relo : -1;
	record_at(c, insn, PTREGS_ACC_LOAD, &cp->src, at - cp->dst, size, cp, arelo);
}

/* Load through V into DST. */
static void do_load(struct actx *c, struct state *s, uint32_t insn, const struct bpf_insn *in,
		    bool rec)
{
	const struct val *src = &s->r[in->src_reg];
	uint32_t size = ldst_size(in->code);
	struct val out = V_UNKNOWN;

	switch (src->kind) {
	case VK_REGS:
	case VK_PERF:
	case VK_SUSPECT:
		if (src->kind == VK_PERF && !(src->flags & F_VAROFF) &&
		    wadd(src->off, in->off) >= PERF_REGS_SIZE)
			break;	/* sample_period, addr: not registers */
		if (rec)
			record(c, insn, PTREGS_ACC_LOAD, src, in->off, size);
		if (c->p->syscall_wrapper && src->kind == VK_REGS && src->origin == PTREGS_FROM_CTX &&
		    size == 8 && !(src->flags & F_VAROFF)) {
			const struct ptregs_insn_relo *r = relo_at(c, insn, NULL);
			const struct ptregs_field *f =
				ptregs_layout_field_at(c->from, (uint32_t)wadd(src->off, in->off), 8);
			const char *name = r && r->field ? r->field : f ? f->name : NULL;

			if (name && strcmp(name, "di") == 0)
				out = vptr(VK_REGS, PTREGS_FROM_INNER, 0);
		}
		break;
	case VK_ARGS: {
		int64_t o = wadd(src->off, in->off);

		if (!(src->flags & F_VAROFF) && size == 8 && o >= 0 && o % 8 == 0 && o / 8 < 64 &&
		    (c->p->pt_regs_args >> (o / 8) & 1))
			out = vptr(VK_REGS, PTREGS_FROM_ARG, 0);
		break;
	}
	case VK_STACK: {
		int64_t o = wadd(src->off, in->off);
		const struct val *slot;

		if ((src->flags & F_VAROFF) || o < -512 || o >= 0)
			break;
		slot = slot_get(c, s, src->origin, (int)((o + 512) / 8));
		if (slot && slot->kind == VK_IMAGE) {
			if (rec)
				load_copy(c, insn, in, src, slot->origin, o, size);
			break;
		}
		if (slot && slot->kind == VK_LOSTIMG) {
			if (rec)
				unanalysed(c, insn, PTREGS_ACC_LOAD, NULL,
					   "reads a stack slot that may hold a copy of the registers "
					   "the analysis lost track of");
			break;
		}
		if (slot && size == 8 && !(o & 7))
			out = *slot;
		break;
	}
	case VK_MAPIMG:
		if (rec && !(src->flags & F_VAROFF))
			load_copy(c, insn, in, src, src->origin, wadd(src->off, in->off), size);
		break;
	case VK_LOSTPTR:
		if (rec)
			unanalysed(c, insn, PTREGS_ACC_LOAD, NULL,
				   "reads a map value that may hold a copy of the registers "
				   "the analysis lost track of");
		break;
	default:
		break;
	}
	s->r[in->dst_reg] = out;
}

static void stack_store(struct actx *c, struct state *s, const struct val *p, int16_t off,
			uint32_t size, const struct val *v)
{
	int64_t o = wadd(p->off, off);

	if (p->flags & F_VAROFF) {
		for (int i = 0; i < NSLOTS; i++)
			slot_put(c, s, p->origin, i, &V_UNKNOWN, true);
		return;
	}
	if (o >= 0 || o < -512 - (int64_t)size)
		return;	/* no slot of the frame: and o + size cannot wrap below */
	for (int64_t a = o & ~7LL; a < o + size; a += 8) {
		if (a < -512 || a >= 0)
			continue;
		slot_put(c, s, p->origin, (int)((a + 512) / 8),
			 (a == o && size == 8 && v) ? v : &V_UNKNOWN, false);
	}
}

static void do_store(struct actx *c, struct state *s, uint32_t insn, const struct bpf_insn *in,
		     bool rec)
{
	const struct val *dst = &s->r[in->dst_reg];
	uint32_t size = ldst_size(in->code);
	bool atomic = BPF_CLASS(in->code) == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC;
	struct val imm = vconst(in->imm, -1);
	struct val v = BPF_CLASS(in->code) == BPF_ST ? imm : s->r[in->src_reg];

	if (dst->kind == VK_STACK) {
		stack_store(c, s, dst, in->off, size, atomic ? NULL : &v);
	} else if (dst->kind == VK_REGS || dst->kind == VK_PERF) {
		if (rec)
			record(c, insn, atomic ? PTREGS_ACC_ATOMIC : PTREGS_ACC_STORE, dst, in->off,
			       size);
	} else {
		if (rec && !atomic && (v.kind == VK_REGS || v.kind == VK_PERF))
			unanalysed(c, insn, PTREGS_ACC_ESCAPE, &v,
				   "pt_regs pointer stored where the analysis cannot follow it");
		/* the program's own bytes over part of a copy */
		if (dst->kind == VK_MAPVAL || dst->kind == VK_MAPIMG)
			value_write(c, s, insn, dst, in->off, size, NULL);
	}
	if (atomic && (in->imm & BPF_FETCH)) {
		if (in->imm == BPF_CMPXCHG)
			s->r[0] = V_UNKNOWN;
		else
			s->r[in->src_reg] = V_UNKNOWN;
	}
}

static void do_alu(struct actx *c, struct state *s, uint32_t insn, const struct bpf_insn *in,
		   bool rec)
{
	uint8_t op = BPF_OP(in->code);
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	bool x = BPF_SRC(in->code) == BPF_X;
	struct val *d = &s->r[in->dst_reg];
	int32_t relo;
	struct val src;
	int64_t field;
	bool ok;

	relo_at(c, insn, &relo);
	src = x ? s->r[in->src_reg] : vconst(in->imm, relo);

	if (!is64) {
		if (op == BPF_MOV && !x && in->off == 0) {
			*d = vconst((uint32_t)in->imm, relo);
			d->cdef = insn + 1;
		} else if (d->kind == VK_CONST && src.kind == VK_CONST && op != BPF_MOV) {
			*d = alu_const(op, (uint32_t)d->off, (uint32_t)src.off, &ok);
			if (ok)
				d->off = (uint32_t)d->off;
		} else if (op == BPF_MOV && src.kind == VK_CONST && in->off == 0) {
			*d = vconst((uint32_t)src.off, src.relo);
			if (src.off >= 0 && src.off <= UINT32_MAX)	/* the same value */
				d->cdef = src.cdef;
		} else {
			*d = V_UNKNOWN;
		}
		return;
	}

	switch (op) {
	case BPF_MOV:
		if (x && in->off != 0) {	/* movsx */
			*d = V_UNKNOWN;
		} else {
			*d = src;
			if (!x)
				d->cdef = insn + 1;
		}
		return;
	case BPF_ADD:
	case BPF_SUB: {
		int sign = op == BPF_ADD ? 1 : -1;

		if (is_ptr(d) && src.kind == VK_CONST) {
			*d = ptr_add(c, *d, sign > 0 ? src.off : wneg(src.off), src.relo);
			d->def = x ? DEF_MANY : insn + 1;
		} else if (op == BPF_ADD && d->kind == VK_CONST && is_ptr(&src)) {
			*d = ptr_add(c, src, d->off, d->relo);
			d->def = DEF_MANY;
		} else if (d->kind == VK_CONST && src.kind == VK_CONST) {
			*d = alu_const(op, d->off, src.off, &ok);
		} else if ((d->kind == VK_REGS || d->kind == VK_PERF || d->kind == VK_SUSPECT) &&
			   src.kind != VK_NONE) {
			d->flags |= F_VAROFF;	/* ctx + off read from elsewhere (USDT) */
		} else if (d->kind == VK_UNKNOWN && src.kind == VK_CONST && src.relo < 0 &&
			   sizeof_like(c, src.off, &field)) {
			/* (struct pt_regs *)(stack + THREAD_SIZE) - 1 and its kin;
			 * a relocated field offset added before stays with it */
			int32_t pending = d->relo;

			*d = vptr(VK_SUSPECT, PTREGS_FROM_UNKNOWN, field);
			d->relo = pending;
			d->cdef = x ? src.cdef : insn + 1;
		} else if (d->kind == VK_UNKNOWN && src.kind == VK_CONST && src.relo >= 0 &&
			   op == BPF_ADD) {
			/* unknown base + CO-RE field offset: keep the relocation */
			*d = V_UNKNOWN;
			d->relo = src.relo;
		} else {
			*d = V_UNKNOWN;
		}
		return;
	}
	default:
		if (d->kind == VK_CONST && src.kind == VK_CONST) {
			*d = alu_const(op, d->off, src.off, &ok);
			return;
		}
		if (rec && (d->kind == VK_REGS || d->kind == VK_PERF))
			unanalysed(c, insn, PTREGS_ACC_ESCAPE, d,
				   "arithmetic on a pt_regs pointer the analysis cannot follow");
		*d = V_UNKNOWN;
	}
}

static bool in_func(const struct func *f, int64_t t)
{
	return t >= f->start && t < f->end;
}

/*
 * One instruction: apply INSN to S and give its successors (-1: none).
 * The value returned by an exit is joined into RET.
 */
static void transfer(struct actx *c, struct state *s, const struct func *f, uint32_t i,
		     int depth, bool record_now, int64_t succ[2], struct val *ret)
{
	const struct bpf_insn *ins = &c->p->insns[i];
	uint8_t cls = BPF_CLASS(ins->code);

	succ[0] = i + 1;
	succ[1] = -1;
	if (ins->dst_reg >= NREGS || ins->src_reg >= NREGS) {
		if (record_now)
			unanalysed(c, i, PTREGS_ACC_ESCAPE, NULL, "invalid register");
		succ[0] = -1;
		return;
	}
	switch (cls) {
	case BPF_LD:
		if (ins->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			int32_t relo;

			if (i + 1 >= f->end) {
				if (record_now)
					unanalysed(c, i, PTREGS_ACC_ESCAPE, NULL, "truncated ld_imm64");
				succ[0] = -1;
				break;
			}
			relo_at(c, i, &relo);
			if (ins->src_reg == BPF_PSEUDO_FUNC) {
				struct val fv = { .kind = VK_FUNC, .relo = -1,
						  .off = (int64_t)i + ins->imm + 1 };

				s->r[ins->dst_reg] = fv;
			} else if (ins->src_reg == 0) {
				s->r[ins->dst_reg] = vconst((int64_t)(((uint64_t)(uint32_t)ins[1].imm << 32) |
								  (uint32_t)ins->imm), relo);
				s->r[ins->dst_reg].cdef = i + 1;
			} else {
				s->r[ins->dst_reg] = V_UNKNOWN;
			}
			succ[0] = i + 2;
		} else {
			/* legacy packet access: r0 result, r1-r5 clobbered */
			clobber_args(s);
			s->r[0] = V_UNKNOWN;
		}
		break;
	case BPF_LDX:
		if (BPF_MODE(ins->code) != BPF_MEM && BPF_MODE(ins->code) != 0x80) {
			s->r[ins->dst_reg] = V_UNKNOWN;
			break;
		}
		do_load(c, s, i, ins, record_now);
		break;
	case BPF_ST:
	case BPF_STX:
		do_store(c, s, i, ins, record_now);
		break;
	case BPF_ALU:
	case BPF_ALU64:
		do_alu(c, s, i, ins, record_now);
		break;
	case BPF_JMP:
	case BPF_JMP32: {
		uint8_t op = BPF_OP(ins->code);

		if ((op == BPF_EXIT || op == BPF_CALL) && cls == BPF_JMP32) {
			if (record_now)
				unanalysed(c, i, PTREGS_ACC_ESCAPE, NULL, "invalid jmp32 opcode");
			succ[0] = -1;
		} else if (op == BPF_EXIT) {
			val_join(ret, &s->r[0]);
			succ[0] = -1;
		} else if (op == BPF_CALL) {
			if (ins->src_reg == BPF_PSEUDO_CALL) {
				int64_t t = (int64_t)i + ins->imm + 1;
				struct val r0;

				if (t < 0 || t >= (int64_t)c->p->insn_cnt) {
					if (record_now)
						unanalysed(c, i, PTREGS_ACC_ESCAPE, NULL,
							   "call target out of range");
					r0 = V_UNKNOWN;
				} else {
					r0 = call_into(c, s, (uint32_t)t, s->r, depth, record_now);
				}
				clobber_args(s);
				s->r[0] = r0.kind == VK_NONE ? V_UNKNOWN : r0;
			} else if (ins->src_reg == 0) {
				do_helper(c, s, i, ins->imm, depth, record_now);
			} else {
				for (int r = 1; r <= 5 && record_now; r++)
					if (s->r[r].kind == VK_REGS)
						unanalysed(c, i, PTREGS_ACC_ESCAPE, &s->r[r],
							   "pt_regs pointer passed to a kfunc");
				clobber_args(s);
				s->r[0] = V_UNKNOWN;
			}
		} else if (op == BPF_JA) {
			succ[0] = (int64_t)i + (cls == BPF_JMP32 ? ins->imm : ins->off) + 1;
		} else if (op <= BPF_JSLE || op == BPF_JLT || op == BPF_JLE || op == BPF_JSLT) {
			succ[1] = (int64_t)i + ins->off + 1;
		} else {
			if (record_now)
				unanalysed(c, i, PTREGS_ACC_ESCAPE, NULL, "unknown jump opcode");
			succ[0] = -1;
		}
		break;
	}
	default:
		break;
	}
}

/*
 * From T, at most a few moves of immediates and then an exit: the shared
 * return block compilers jump back to, which is no loop and records
 * nothing. Bounded, so that many jumps back cost no more than a few steps
 * each (a longer tail is taken as a loop: two passes, the same result).
 */
static PT_HOT bool exit_tail(const struct actx *c, const struct func *f, int64_t t)
{
	for (int k = 0; k < 4 && t < f->end; k++, t++) {
		const struct bpf_insn *ins = &c->p->insns[t];

		if (ins->code == (BPF_JMP | BPF_EXIT))
			return true;
		if (ins->code != (BPF_ALU64 | BPF_MOV | BPF_K) &&
		    ins->code != (BPF_ALU | BPF_MOV | BPF_K))
			return false;
	}
	return false;
}

/*
 * The instructions of F where a basic block starts: the entry, every jump
 * target, and whatever follows a jump or an exit. Anything else is reached
 * only by falling through from the instruction before it, so its state is
 * that instruction's, carried along: states are kept, joined and compared
 * only at these. Returns each leader's index in the state array (or
 * UINT32_MAX) and their number in *CNT. *BACK: some jump goes back to
 * itself or to an earlier instruction (a loop, or may be one), other than
 * to an exit_tail(): such a block may be visited twice, and is the same
 * both times.
 */
static uint32_t *find_leaders(const struct actx *c, const struct func *f, uint32_t *cnt,
			      bool *back)
{
	const struct bpf_insn *insns = c->p->insns;
	size_t n = f->end - f->start;
	uint32_t *lead = malloc(n * sizeof(*lead));
	uint32_t k = 0;

	if (!lead)
		return NULL;
	for (size_t li = 0; li < n; li++)
		lead[li] = 0;
	lead[0] = 1;
	*back = false;
	for (size_t li = 0; li < n; li++) {
		const struct bpf_insn *ins = &insns[f->start + li];
		uint8_t cls = BPF_CLASS(ins->code), op = BPF_OP(ins->code);
		int64_t t = -1;

		if (ins->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			li++;
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_CALL && cls == BPF_JMP)
			continue;
		if (op == BPF_JA)
			t = (int64_t)f->start + li + (cls == BPF_JMP32 ? ins->imm : ins->off) + 1;
		else if (op != BPF_EXIT && op != BPF_CALL)
			t = (int64_t)f->start + li + ins->off + 1;
		if (in_func(f, t)) {
			lead[t - f->start] = 1;
			if (t <= (int64_t)(f->start + li) && !exit_tail(c, f, t))
				*back = true;
		}
		if (li + 1 < n)
			lead[li + 1] = 1;
	}
	for (size_t li = 0; li < n; li++)
		lead[li] = lead[li] ? k++ : UINT32_MAX;
	*cnt = k;
	return lead;
}

static struct val analyze_func(struct actx *c, uint32_t start, const struct val *args,
			       int depth, bool rec)
{
	const struct func *f = func_of(c, start);
	struct state *in = NULL;
	uint32_t *lead = NULL, *pos = NULL, nl = 0;
	uint64_t *queued = NULL;	/* blocks to visit, a bit each */
	struct val ret = { .kind = VK_NONE, .relo = -1 };
	size_t n, nw, low = 0;
	bool back = true;

	if (!f || f->start != start) {
		unanalysed(c, start, PTREGS_ACC_ESCAPE, NULL, "call into the middle of a function");
		return V_UNKNOWN;
	}
	if (depth > MAX_DEPTH) {
		unanalysed(c, start, PTREGS_ACC_ESCAPE, NULL, "calls nested too deep");
		return V_UNKNOWN;
	}
	n = f->end - f->start;
	if (!n)
		return V_UNKNOWN;
	lead = find_leaders(c, f, &nl, &back);
	if (!nl)	/* never: the entry leads a block */
		nl = 1;
	nw = (nl + 63) / 64;
	/* one block for the states, the queue and the positions */
	in = lead ? malloc(nl * sizeof(*in) + nw * sizeof(*queued) + nl * sizeof(*pos)) : NULL;
	if (!in) {
		c->err = -ENOMEM;
		goto out;
	}
	queued = (uint64_t *)(in + nl);
	pos = (uint32_t *)(queued + nw);
	memset(queued, 0, nw * sizeof(*queued));
	for (size_t li = 0; li < n; li++)
		if (lead[li] != UINT32_MAX)
			pos[lead[li]] = (uint32_t)li;
	/* unreached: r10 unset (a state's other bytes are written on reaching it) */
	for (uint32_t b = 0; b < nl; b++)
		in[b].r[10].kind = VK_NONE;
	for (int i = 0; i < NREGS; i++) {
		in[0].r[i] = i <= 5 && args ? args[i] : V_UNKNOWN;
		/* the callers' stack pointers are one frame further away here */
		if (in[0].r[i].kind == VK_STACK && ++in[0].r[i].origin > depth)
			in[0].r[i] = V_UNKNOWN;
	}
	c->depth = depth;
	in[0].r[10] = vptr(VK_STACK, 0, 0);
	in[0].lo = NSLOTS;

	/*
	 * pass 1: fixed point over the blocks, always visiting the first
	 * queued one: in instruction order, so a block is seen after every
	 * forward branch into it, once unless a loop feeds it back; pass 2
	 * (rec): one sweep of the reached blocks in order, recording accesses
	 * with the final states. Without a backward jump, pass 1 visits the
	 * blocks in order, each once and after all of its predecessors: it
	 * records as it goes, and there is no pass 2.
	 */
	for (int pass = 0; pass < (rec && back ? 2 : 1); pass++) {
		bool record_now = rec && (pass == 1 || !back);
		bool sweep = pass == 1;
		size_t next = 0;

		if (!sweep) {
			queued[0] |= 1;
			low = 0;
		}
		for (;;) {
			struct state s_copy, *s;
			uint32_t li, b;

			if (sweep) {
				while (next < n && (lead[next] == UINT32_MAX ||
						    in[lead[next]].r[10].kind == VK_NONE))
					next++;
				if (next >= n)
					break;
				li = (uint32_t)next++;
				b = lead[li];
			} else {
				while (low < nw && !queued[low])
					low++;
				if (low >= nw)
					break;
				b = (uint32_t)(low * 64 + (size_t)__builtin_ctzll(queued[low]));
				queued[low] &= queued[low] - 1;
				li = pos[b];
			}
			/* without loops a block is visited once, after every
			 * predecessor: its entry state is not needed again */
			s = &in[b];
			if (back) {
				state_copy(&s_copy, &in[b]);
				s = &s_copy;
			}
			for (;;) {
				uint32_t i = f->start + li, lt;
				int64_t succ[2];

				if (++c->steps > STEP_BUDGET) {
					c->budget_hit = true;
					goto out;
				}
				transfer(c, s, f, i, depth, record_now, succ, &ret);
				if (c->err)
					goto out;
				if (succ[1] < 0 && succ[0] >= 0 && in_func(f, succ[0]) &&
				    lead[succ[0] - f->start] == UINT32_MAX) {
					li = (uint32_t)(succ[0] - f->start);	/* falls through */
					continue;
				}
				for (int k = 0; k < 2; k++) {
					int64_t t = succ[k];

					if (t < 0)
						continue;
					if (!in_func(f, t)) {
						if (record_now)
							unanalysed(c, i, PTREGS_ACC_ESCAPE, NULL,
								   "jump or fall-through out of its function");
						continue;
					}
					lt = lead[t - f->start];
					if (sweep || lt == UINT32_MAX)
						continue;
					if (state_join(&in[lt], s)) {
						queued[lt / 64] |= 1ull << (lt % 64);
						if (lt / 64 < low)
							low = lt / 64;
					}
				}
				break;
			}
		}
	}
out:
	free(lead);
	free(in);
	return ret.kind == VK_NONE ? V_UNKNOWN : ret;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Function boundaries: the entry and every call or callback target. */
static int find_funcs(struct actx *c)
{
	const struct bpf_insn *insns = c->p->insns;
	size_t n = c->p->insn_cnt, cnt = 1;
	uint32_t *starts = malloc((n + 1) * sizeof(*starts));

	if (!starts)
		return -ENOMEM;
	starts[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bpf_insn *in = &insns[i];
		int64_t t = -1;

		/* calls and callback addresses are both relative to the next insn */
		if ((in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) ||
		    (in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC))
			t = (int64_t)i + in->imm + 1;
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
		if (t > 0 && t < (int64_t)n)
			starts[cnt++] = (uint32_t)t;
	}
	qsort(starts, cnt, sizeof(*starts), cmp_u32);
	c->funcs = calloc(cnt, sizeof(*c->funcs));
	if (!c->funcs) {
		free(starts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (c->func_cnt && c->funcs[c->func_cnt - 1].start == starts[i])
			continue;
		if (c->func_cnt)
			c->funcs[c->func_cnt - 1].end = starts[i];
		c->funcs[c->func_cnt].start = starts[i];
		c->funcs[c->func_cnt].end = (uint32_t)n;
		c->func_cnt++;
	}
	free(starts);
	return 0;
}

/*
 * The quick path. What code generators hand to bpf() (bpftrace's argN,
 * retval, USDT arguments) uses the context only as a base: r1 moved to
 * another register, constants added, loads and one-field probe reads
 * through it, the context passed to a helper that does not read it as
 * memory. For one function without calls into others, relocations or
 * loops, a sweep over the registers alone in instruction order finds
 * exactly what analyze_func() does, from a few hundred bytes of state
 * instead of a state of registers and stack per block. It gives up (false)
 * on anything else: the context spilled, stored or copied, sizeof
 * arithmetic, callbacks, paths that join different offsets; the full
 * analysis then runs. Small code and data on purpose: under QEMU's TCG,
 * where the kernel flushes the TLB on every program load, the full
 * analysis's cost in the preload was mostly its footprint.
 *
 * A register is one of these, each standing for what the full analysis
 * may hold there (never a pt_regs pointer other than Q_CTX, a copy of the
 * registers, or sizeof arithmetic: whatever could make one gives up):
 */
enum qkind {
	Q_NONE,		/* no path reaches here yet */
	Q_UNK,		/* VK_UNKNOWN or a map value pointer */
	Q_MAYBE,	/* any of those, a constant or a stack pointer (a stack slot's value) */
	Q_CONST,	/* the constant OFF */
	Q_STACK,	/* r10 + OFF, moved last by the add of DEF */
	Q_CTX,		/* the context + OFF, moved last by the add of DEF */
};

struct qval {
	uint32_t kind;	/* (no padding: compared as it is, in qstate_join()) */
	uint32_t def;
	int64_t off;
};
_Static_assert(sizeof(struct qval) == 2 * sizeof(uint64_t), "struct qval has no padding");

#define QMAX_PENDING 16

struct qstate {
	struct qval r[NREGS];
};

static PT_HOT struct qval qv(enum qkind k, int64_t off)
{
	struct qval v = { .kind = k, .off = off };

	return v;
}

static PT_HOT void qjoin(struct qval *a, const struct qval *b, bool *give_up)
{
	if (b->kind == Q_NONE)
		return;
	if (a->kind == Q_NONE) {
		*a = *b;
	} else if (a->kind == Q_CTX && b->kind == Q_CTX) {
		if (a->off != b->off)
			*give_up = true;	/* a variable offset */
		else if (a->def != b->def)
			a->def = DEF_MANY;
	} else if (a->kind == b->kind && a->off == b->off &&
		   (a->kind != Q_STACK || a->def == b->def)) {
		/* the same constant, the same stack pointer: kept */
	} else if ((a->kind == Q_MAYBE || b->kind == Q_MAYBE) && a->kind != Q_UNK &&
		   b->kind != Q_UNK && a->kind != Q_CTX && b->kind != Q_CTX) {
		a->kind = Q_MAYBE;	/* perhaps the same constant or stack pointer */
	} else {
		a->kind = Q_UNK;
	}
}

/* (a register both paths left alone is no call: under TCG a return is a
 * lookup, and code generators' branches join every few instructions) */
static PT_HOT void qstate_join(struct qstate *a, const struct qstate *b, bool *give_up)
{
	for (int i = 0; i < NREGS; i++) {
		uint64_t x[2], y[2];

		memcpy(x, &a->r[i], sizeof(x));
		memcpy(y, &b->r[i], sizeof(y));
		if (x[0] != y[0] || x[1] != y[1])
			qjoin(&a->r[i], &b->r[i], give_up);
	}
}

/* strcmp() == 0, here: not a call into the C library (see qrecord()) */
static PT_HOT bool same_name(const char *a, const char *b)
{
	if (a == b)
		return true;
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/*
 * For pt_quick_patches(): the one-register read of the context at OFF
 * (field OF of the source layout, or NULL) through P as the patch of the
 * constant that holds OFF, or else c->no_patch: whatever the preload's
 * plan would not turn into one patch either.
 */
static PT_HOT void qpatch(struct actx *c, uint32_t insn, enum ptregs_access_kind kind,
			  const struct qval *p, int64_t off, uint32_t size,
			  const struct ptregs_field *of)
{
	struct ptregs_access a = { .insn = insn, .kind = kind };
	int64_t to;
	int32_t delta;

	/* (a probe read of a size not known here may read several) */
	if (!of || !size || (to = pt_field_to(c->from, c->to_off, of, off)) < 0) {
		c->no_patch = true;
		return;
	}
	off_site(&a, p->def, p->off);
	delta = (int32_t)(to - off);
	if (a.off_site == PTREGS_OFF_NONE) {
		if (delta)
			c->no_patch = true;
		return;
	}
	/* one that stays claims its constant too (delta 0); one constant
	 * cannot serve accesses that move differently */
	if (!pt_add_patch(c->rw, a.off_insn, a.off_site, delta))
		c->no_patch = true;
}

/*
 * An access through the context + OFF as analyze_func() records it. Its
 * common cases decided here, as record_at() decides them for a context
 * pointer with no relocation and no copy (one register read, by a load or
 * a probe read); the rest asked of record_at(). A short path on purpose:
 * in the preload it runs right after the kernel flushed every cache QEMU's
 * TCG has, and record_at()'s many branches cost more than the sweep. The
 * random programs of tests/unit/test_quick.c and the fuzzer compare the two.
 */
static PT_HOT void qrecord(struct actx *c, uint32_t insn, enum ptregs_access_kind kind,
		    const struct qval *p, int64_t extra, uint32_t size)
{
	int64_t off = wadd(p->off, extra);
	const struct ptregs_field *of = NULL, *nf;
	struct ptregs_access a = { .insn = insn, .kind = kind, .origin = PTREGS_FROM_CTX,
				   .size = size };

	if (off > 0 && off <= UINT32_MAX)	/* 0: perhaps the whole struct copied */
		of = ptregs_layout_field_at(c->from, (uint32_t)off, size);
	if (c->to_off) {
		qpatch(c, insn, kind, p, off, size, of);
		return;
	}
	if (!of) {
		struct val v = vptr(VK_REGS, PTREGS_FROM_CTX, p->off);

		v.def = p->def;
		record(c, insn, kind, &v, extra, size);
		return;
	}
	a.offset = (uint32_t)off;
	off_site(&a, p->def, p->off);
	nf = ptregs_layout_field_at(c->to, a.offset, size);
	a.old_field = of->name;
	a.new_field = nf ? nf->name : NULL;
	a.verdict = nf && same_name(nf->name, of->name) ? PTREGS_VERDICT_UNCHANGED :
							   PTREGS_VERDICT_BREAKS;
	add_access(c, &a);
}

/* A 32- or 64-bit ALU instruction; false to give up. */
static PT_HOT bool qalu(struct actx *c, struct qstate *s, uint32_t insn,
			 const struct bpf_insn *in)
{
	uint8_t op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X;
	struct qval *d = &s->r[in->dst_reg];
	struct qval src = x ? s->r[in->src_reg] : qv(Q_CONST, in->imm);
	int64_t field;
	bool ok;

	if (BPF_CLASS(in->code) == BPF_ALU) {
		if (op == BPF_MOV && !x && in->off == 0) {
			*d = qv(Q_CONST, (uint32_t)in->imm);
		} else if ((op != BPF_MOV && d->kind == Q_MAYBE) || src.kind == Q_MAYBE) {
			d->kind = Q_MAYBE;
		} else if (d->kind == Q_CONST && src.kind == Q_CONST && op != BPF_MOV) {
			struct val r = alu_const(op, (uint32_t)d->off, (uint32_t)src.off, &ok);

			*d = qv(ok ? Q_CONST : Q_UNK, (uint32_t)r.off);
		} else if (op == BPF_MOV && src.kind == Q_CONST && in->off == 0) {
			*d = qv(Q_CONST, (uint32_t)src.off);
		} else {
			*d = qv(Q_UNK, 0);
		}
		return true;
	}
	switch (op) {
	case BPF_MOV:
		*d = src;
		if (x && in->off != 0)	/* movsx */
			d->kind = Q_UNK;
		return true;
	case BPF_ADD:
	case BPF_SUB:
		if ((d->kind == Q_CTX || d->kind == Q_STACK) && src.kind == Q_CONST) {
			d->off = wadd(d->off, op == BPF_ADD ? src.off : wneg(src.off));
			d->def = x ? DEF_MANY : insn + 1;
		} else if (d->kind == Q_CTX ||
			   (d->kind == Q_MAYBE && src.kind == Q_CTX && op == BPF_ADD)) {
			return false;	/* a variable offset; perhaps a constant plus the context */
		} else if (d->kind == Q_CONST && src.kind == Q_CONST) {
			d->off = alu_const(op, d->off, src.off, &ok).off;
		} else if (d->kind == Q_CONST && (src.kind == Q_CTX || src.kind == Q_STACK)) {
			if (op == BPF_ADD) {
				*d = qv((enum qkind)src.kind, wadd(src.off, d->off));
				d->def = DEF_MANY;
			} else {
				d->kind = Q_UNK;
			}
		} else if (src.kind == Q_CONST || src.kind == Q_MAYBE) {
			/* an unknown pointer plus sizeof(struct pt_regs) is suspect */
			if (src.kind == Q_MAYBE ? d->kind != Q_STACK && d->kind != Q_CONST :
			    d->kind != Q_STACK && sizeof_like(c, src.off, &field))
				return false;
			if (d->kind != Q_UNK)
				d->kind = Q_MAYBE;
		} else if (d->kind == Q_MAYBE && src.kind != Q_CTX) {
			/* stays Q_MAYBE */
		} else {
			d->kind = Q_UNK;
		}
		return true;
	default:
		if (d->kind == Q_CTX)
			return false;	/* arithmetic the analysis reports */
		if (d->kind == Q_CONST && src.kind == Q_CONST) {
			struct val r = alu_const(op, d->off, src.off, &ok);

			*d = qv(ok ? Q_CONST : Q_UNK, r.off);
		} else {
			d->kind = d->kind == Q_MAYBE || src.kind == Q_MAYBE ? Q_MAYBE : Q_UNK;
		}
		return true;
	}
}

/* A helper call; false to give up. */
static PT_HOT bool qhelper(struct actx *c, struct qstate *s, uint32_t insn, int32_t id)
{
	bool str;

	if (probe_read_id(id, &str)) {
		if (s->r[3].kind == Q_CTX) {
			const struct qval *n = &s->r[2];
			uint32_t size = n->kind == Q_CONST && n->off > 0 && n->off < 0x10000 ?
					(uint32_t)n->off : 0;

			/* a copy of several fields, or a size not known here */
			if (n->kind == Q_MAYBE ||
			    (size && !str && s->r[3].off >= 0 &&
			     !ptregs_layout_field_at(c->from, (uint32_t)s->r[3].off, size)))
				return false;
			qrecord(c, insn, PTREGS_ACC_PROBE_READ, &s->r[3], 0, size);
		}
	} else switch (id) {
	case BPF_FUNC_task_pt_regs:
	case BPF_FUNC_loop:
	case BPF_FUNC_for_each_map_elem:
	case BPF_FUNC_find_vma:
	case BPF_FUNC_user_ringbuf_drain:
	case BPF_FUNC_timer_set_callback:
		return false;
	default:
		for (int i = 1; i <= 5; i++)
			if (s->r[i].kind == Q_CTX && (mem_args(id) & (1u << i)))
				return false;
	}
	for (int i = 0; i <= 5; i++)
		s->r[i] = qv(Q_UNK, 0);
	return true;
}

/*
 * Record what analyze_func() would for the whole of program P (the
 * context a struct pt_regs); false when this is no program for the quick
 * path (nothing recorded then).
 */
static PT_HOT bool quick_analyze(struct actx *c)
{
	const struct bpf_insn *insns = c->p->insns;
	size_t n = c->p->insn_cnt;
	struct qstate cur, pend[QMAX_PENDING];
	uint32_t target[QMAX_PENDING], npend = 0, next = UINT32_MAX;
	bool live = true, give_up = false;

	/* one visit per insn: within the budget (analyze_func() revisits a
	 * shared return once per jump back to it, at most four insns) */
	if (c->p->ctx != PTREGS_CTX_PT_REGS || c->p->relo_cnt || c->p->syscall_wrapper ||
	    n > STEP_BUDGET / 8)
		return false;
	for (int i = 0; i < NREGS; i++)
		cur.r[i] = qv(Q_UNK, 0);
	cur.r[1] = qv(Q_CTX, 0);
	cur.r[10] = qv(Q_STACK, 0);

	for (uint32_t i = 0; i < n; i++) {
		const struct bpf_insn *in = &insns[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		int64_t t;

		/* invalid, or a call into another function (reached or not, it
		 * splits the program into functions) */
		if (in->dst_reg >= NREGS || in->src_reg >= NREGS ||
		    (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL))
			return false;
		if (i == next) {	/* the paths that jump here */
			uint32_t k = 0;

			next = UINT32_MAX;
			while (k < npend) {
				if (target[k] != i) {
					next = target[k] < next ? target[k] : next;
					k++;
					continue;
				}
				if (!live)
					cur = pend[k];
				else
					qstate_join(&cur, &pend[k], &give_up);
				live = true;
				if (k != --npend) {	/* (a state is 176 bytes) */
					pend[k] = pend[npend];
					target[k] = target[npend];
				}
			}
			if (give_up)
				return false;
		}
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			/* a jump back into the second half runs it (exit_tail()
			 * reads only codes): its registers must be valid too */
			if (i + 1 >= n || next == i + 1 || in->src_reg == BPF_PSEUDO_FUNC ||
			    in[1].dst_reg >= NREGS || in[1].src_reg >= NREGS)
				return false;
			if (live)
				cur.r[in->dst_reg] =
					qv(in->src_reg ? Q_UNK : Q_CONST,
					   (int64_t)((uint64_t)(uint32_t)in[1].imm << 32 | (uint32_t)in->imm));
			i++;
			continue;
		}
		if (!live)
			continue;
		switch (cls) {
		case BPF_LD:	/* legacy packet access: r0 result, r1-r5 clobbered */
			for (int r = 0; r <= 5; r++)
				cur.r[r] = qv(Q_UNK, 0);
			break;
		case BPF_LDX: {
			const struct qval *p = &cur.r[in->src_reg];
			struct qval out = { .kind = Q_UNK };

			if (BPF_MODE(in->code) == BPF_MEM || BPF_MODE(in->code) == 0x80) {
				int64_t o = wadd(p->off, in->off);

				if (p->kind == Q_CTX) {
					qrecord(c, i, PTREGS_ACC_LOAD, p, in->off, ldst_size(in->code));
					if (c->err || c->no_patch)
						return c->err != 0;
				} else if (p->kind == Q_MAYBE ||
					   (p->kind == Q_STACK && o >= -512 && o < 0 &&
					    ldst_size(in->code) == 8 && !(o & 7))) {
					out.kind = Q_MAYBE;	/* what a slot holds */
				}
			}
			cur.r[in->dst_reg] = out;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			/* the context stored anywhere, or written to */
			if (cur.r[in->dst_reg].kind == Q_CTX ||
			    (cls == BPF_STX && cur.r[in->src_reg].kind == Q_CTX))
				return false;
			if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC && (in->imm & BPF_FETCH))
				cur.r[in->imm == BPF_CMPXCHG ? 0 : in->src_reg] =
					qv(Q_UNK, 0);
			break;
		case BPF_ALU:
		case BPF_ALU64:
			if (!qalu(c, &cur, i, in))
				return false;
			break;
		default:	/* BPF_JMP, BPF_JMP32 */
			if (op == BPF_EXIT && cls == BPF_JMP) {
				live = false;
				break;
			}
			if (op == BPF_CALL && cls == BPF_JMP) {
				if (in->src_reg != 0 || !qhelper(c, &cur, i, in->imm))
					return false;
				if (c->err || c->no_patch)
					return c->err != 0;
				break;
			}
			if (op != BPF_JA && !(op <= BPF_JSLE && op != BPF_CALL && op != BPF_EXIT))
				return false;
			t = (int64_t)i + (op == BPF_JA && cls == BPF_JMP32 ? in->imm : in->off) + 1;
			if (t <= (int64_t)i) {
				/* back to a shared return: it records nothing */
				struct func f = { .start = 0, .end = (uint32_t)n };

				if (t < 0 || !exit_tail(c, &f, t))
					return false;
			} else if (t >= (int64_t)n) {
				return false;
			} else if (t > i + 1 || op == BPF_JA) {
				uint32_t k;

				for (k = 0; k < npend && target[k] != t; k++)
					;
				if (k == npend) {
					if (npend == QMAX_PENDING)
						return false;
					target[npend] = (uint32_t)t;
					pend[npend++] = cur;
				} else {
					qstate_join(&pend[k], &cur, &give_up);
					if (give_up)
						return false;
				}
				next = (uint32_t)t < next ? (uint32_t)t : next;
			}
			if (op == BPF_JA)
				live = false;
		}
	}
	return !live && !npend;	/* nothing falls off the end */
}

PT_HOT int pt_quick_patches(const struct ptregs_prog *prog, const struct ptregs_layout *from,
			    const int *to_off, struct pt_rewrite *rw)
{
	struct actx c;

	rw->cnt = 0;
	if (!prog || !from || !to_off || prog->sz < offsetof(struct ptregs_prog, relo_cnt) +
	    sizeof(prog->relo_cnt) || !prog->insns || !prog->insn_cnt)
		return 1;
	memset(&c, 0, sizeof(c));
	c.p = prog;
	c.from = c.to = from;
	c.to_off = to_off;
	c.rw = rw;
	if (!quick_analyze(&c) || c.no_patch) {
		rw->cnt = 0;
		return 1;
	}
	rw->cnt = pt_patches_moved(rw->p, rw->cnt);
	return 0;
}

static int acc_cmp(const void *a, const void *b)
{
	const struct ptregs_access *x = a, *y = b;

	if (x->insn != y->insn)
		return x->insn < y->insn ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static void acc_free(struct actx *c)
{
	if (c->acc != c->acc_buf)
		free(c->acc);
}

int pt_analyze_into(const struct ptregs_prog *prog, const struct ptregs_layout *from,
		    const struct ptregs_layout *to, struct ptregs_access *buf, size_t buf_cap,
		    struct ptregs_access **out, size_t *cnt, enum pt_analyze_path path)
{
	struct actx c;
	struct copy copies[MAX_COPIES];	/* not cleared, only copy_cnt used */
	struct val args[6];
	int err;

	memset(&c, 0, sizeof(c));
	c.copies = copies;
	c.p = prog;
	c.from = from;
	c.to = to;
	if (buf && buf_cap) {
		c.acc = c.acc_buf = buf;
		c.acc_cap = buf_cap;
	}

	*out = NULL;
	*cnt = 0;
	if (!prog || !from || !to || prog->sz < offsetof(struct ptregs_prog, relo_cnt) +
	    sizeof(prog->relo_cnt))
		return pt_err(EINVAL, "ptregs_analyze: invalid arguments");
	if (!prog->insn_cnt)
		return 0;
	if (!prog->insns)
		return pt_err(EINVAL, "ptregs_analyze: no instructions");
	for (size_t i = 1; i < prog->relo_cnt; i++)
		if (prog->relos[i].insn < prog->relos[i - 1].insn)
			return pt_err(EINVAL, "ptregs_analyze: relocations not sorted");

	if (path != PT_ANALYZE_FULL) {
		if (quick_analyze(&c))
			goto done;
		c.acc_cnt = 0;	/* what it recorded before giving up */
		if (path == PT_ANALYZE_QUICK) {
			acc_free(&c);
			return 1;
		}
	}
	err = find_funcs(&c);
	if (err) {
		acc_free(&c);
		return pt_err(-err, "out of memory");
	}
	for (int i = 0; i < 6; i++)
		args[i] = V_UNKNOWN;
	switch (prog->ctx) {
	case PTREGS_CTX_PT_REGS:
		args[1] = vptr(VK_REGS, PTREGS_FROM_CTX, 0);
		break;
	case PTREGS_CTX_PERF_EVENT:
		args[1] = vptr(VK_PERF, PTREGS_FROM_PERF_CTX, 0);
		break;
	case PTREGS_CTX_RAW_TP_ARGS:
	case PTREGS_CTX_BTF_ARGS:
		args[1] = vptr(VK_ARGS, PTREGS_FROM_ARG, 0);
		break;
	default:
		break;
	}
	analyze_func(&c, 0, args, 0, true);
	if (c.budget_hit)
		unanalysed(&c, 0, PTREGS_ACC_ESCAPE, NULL, "analysis budget exhausted");
	free(c.funcs);
done:
	if (c.err) {
		acc_free(&c);
		return pt_err(-c.err, "out of memory");
	}
	for (size_t i = 1; i < c.acc_cnt; i++) {
		if (acc_cmp(&c.acc[i - 1], &c.acc[i]) > 0) {
			qsort(c.acc, c.acc_cnt, sizeof(*c.acc), acc_cmp);
			break;
		}
	}
	*out = c.acc_cnt || c.acc != c.acc_buf ? c.acc : NULL;
	*cnt = c.acc_cnt;
	return 0;
}

int pt_analyze(const struct ptregs_prog *prog, const struct ptregs_layout *from,
	       const struct ptregs_layout *to, struct ptregs_access **out, size_t *cnt,
	       enum pt_analyze_path path)
{
	pt_err_clear();
	return pt_analyze_into(prog, from, to, NULL, 0, out, cnt, path);
}

int ptregs_analyze(const struct ptregs_prog *prog, const struct ptregs_layout *from,
		   const struct ptregs_layout *to, struct ptregs_access **out, size_t *cnt)
{
	return pt_analyze(prog, from, to, out, cnt, PT_ANALYZE_ANY);
}

const char *ptregs_verdict_str(enum ptregs_verdict v)
{
	switch (v) {
	case PTREGS_VERDICT_BREAKS:
		return "breaks";
	case PTREGS_VERDICT_SUSPECT:
		return "suspect";
	case PTREGS_VERDICT_RELOCATED:
		return "relocated";
	case PTREGS_VERDICT_SAFE_ABI:
		return "safe-abi";
	case PTREGS_VERDICT_FAILS_TO_LOAD:
		return "fails-to-load";
	case PTREGS_VERDICT_BREAKS_HOST_LIBBPF:
		return "breaks-host-libbpf";
	case PTREGS_VERDICT_UNANALYSED:
		return "unanalysed";
	case PTREGS_VERDICT_UNCHANGED:
		return "unchanged";
	}
	return "?";
}

const char *ptregs_access_kind_str(enum ptregs_access_kind k)
{
	switch (k) {
	case PTREGS_ACC_LOAD:
		return "load";
	case PTREGS_ACC_STORE:
		return "store";
	case PTREGS_ACC_ATOMIC:
		return "atomic";
	case PTREGS_ACC_PROBE_READ:
		return "probe-read";
	case PTREGS_ACC_VAR_OFFSET:
		return "variable-offset";
	case PTREGS_ACC_ESCAPE:
		return "escape";
	case PTREGS_ACC_SIZEOF:
		return "sizeof-arith";
	}
	return "?";
}

const char *ptregs_origin_str(enum ptregs_origin o)
{
	switch (o) {
	case PTREGS_FROM_CTX:
		return "ctx";
	case PTREGS_FROM_PERF_CTX:
		return "perf-ctx";
	case PTREGS_FROM_INNER:
		return "syscall-regs";
	case PTREGS_FROM_TASK:
		return "task-pt-regs";
	case PTREGS_FROM_ARG:
		return "arg";
	case PTREGS_FROM_UNKNOWN:
		return "unknown";
	}
	return "?";
}
