/*
 * The analysis's quick path against its full one: on the programs a code
 * generator emits, the quick path is taken and finds exactly what the full
 * analysis finds; on what it cannot follow it gives up; on random programs
 * the two never disagree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <ptregs/analysis.h>
#include <ptregs/runtime.h>
#include "internal.h"
#include "insns.h"

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool access_eq(const struct ptregs_access *a, const struct ptregs_access *b)
{
	return a->insn == b->insn && a->kind == b->kind && a->origin == b->origin &&
	       a->verdict == b->verdict && a->offset == b->offset && a->size == b->size &&
	       str_eq(a->old_field, b->old_field) && str_eq(a->new_field, b->new_field) &&
	       str_eq(a->relo_field, b->relo_field) && str_eq(a->note, b->note) &&
	       a->copy_insn == b->copy_insn && a->copy_size == b->copy_size &&
	       a->off_site == b->off_site && a->off_insn == b->off_insn;
}

/*
 * Both paths over INSNS: 1 when the quick path gave up, 0 when it was
 * taken and agreed with the full analysis, -1 when they disagree. *CNT:
 * the accesses found.
 */
static int both_to(const struct bpf_insn *insns, size_t n, const struct ptregs_layout *to,
		   size_t *cnt)
{
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access *q = NULL, *f = NULL;
	size_t qn = 0, fn = 0;
	int r = pt_analyze(&p, legacy, to, &q, &qn, PT_ANALYZE_QUICK);

	assert_int_equal(pt_analyze(&p, legacy, to, &f, &fn, PT_ANALYZE_FULL), 0);
	if (cnt)
		*cnt = fn;
	if (r == 0) {
		if (qn != fn)
			r = -1;
		for (size_t i = 0; r == 0 && i < qn; i++)
			if (!access_eq(&q[i], &f[i]))
				r = -1;
	}
	free(q);
	free(f);
	return r;
}

/* Per field of legacy, the same register's offset in TO (the preload's
 * cfg.to_off) */
static void to_offsets(const struct ptregs_layout *to, int *to_off, size_t cap)
{
	size_t fields = ptregs_layout_field_cnt(legacy);

	assert_true(fields <= cap);
	for (size_t i = 0; i < fields; i++)
		to_off[i] = ptregs_reg_offset(to, ptregs_layout_field(legacy, i)->name);
}

/*
 * A target where some registers stay and others move, by 8 one way or the
 * other: legacy with the first two of every four registers swapped (r15
 * and r14, r11 and r10, ...). One constant may then serve registers that
 * move differently, one of them perhaps not at all.
 */
static const struct ptregs_layout *swapped(void)
{
	static struct ptregs_layout *l;
	size_t n = ptregs_layout_field_cnt(legacy);

	if (l)
		return l;
	l = pt_layout_new("pt_regs", false, ptregs_layout_size(legacy), "test:swapped");
	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		size_t k = i % 4 == 0 && i + 1 < n ? i + 1 : i % 4 == 1 ? i - 1 : i;
		const struct ptregs_field *f = ptregs_layout_field(legacy, i);
		const struct ptregs_field *g = ptregs_layout_field(legacy, k);

		assert_int_equal(f->size, g->size);
		assert_int_equal(pt_layout_add(l, NULL, g->name, g->type, f->offset * 8, 0,
					       f->size), 0);
	}
	pt_layout_finish(l);
	return l;
}

/* The offset table's entry for legacy's register NAME */
static int *to_off_of(int *to_off, const char *name)
{
	return &to_off[ptregs_layout_find(legacy, name) - ptregs_layout_field(legacy, 0)];
}

/* The preload's plan (pt_plan()) over the full analysis's accesses of
 * INSNS, into RW (room for 64 patches). */
union rewrite64 {
	struct pt_rewrite rw;
	unsigned char raw[sizeof(struct pt_rewrite) + 64 * sizeof(struct pt_patch)];
};

static void full_plan(const struct bpf_insn *insns, size_t n, const struct ptregs_layout *to,
		      const int *to_off, union rewrite64 *r)
{
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access *f = NULL;
	size_t fn = 0;

	memset(r, 0, sizeof(*r));
	r->rw.cap = 64;
	assert_int_equal(pt_analyze(&p, legacy, to, &f, &fn, PT_ANALYZE_FULL), 0);
	pt_plan(&r->rw, f, fn, legacy, to_off, NULL, NULL);
	free(f);
}

/* The registers an access of SIZE bytes at OFF reads in L, by name */
static void regs_read(const struct ptregs_layout *l, uint32_t off, uint32_t size, char *buf,
		      size_t cap)
{
	const struct ptregs_field *one = ptregs_layout_field_at(l, off, size);
	size_t len = 0;

	buf[0] = '\0';
	if (one) {
		snprintf(buf, cap, "%s", one->name);
		return;
	}
	for (size_t i = 0; i < ptregs_layout_field_cnt(l); i++) {
		const struct ptregs_field *f = ptregs_layout_field(l, i);

		if (f->offset >= off && (uint64_t)f->offset + f->size <= (uint64_t)off + size &&
		    len < cap)
			len += (size_t)snprintf(buf + len, cap - len, "%s,", f->name);
	}
}

/*
 * The plan's own oracle: INSNS rewritten by RW into TO read, access by
 * access, the registers they read in legacy (the analysis of the
 * rewritten program under TO against that of the original under legacy).
 */
static bool reads_the_same(const struct bpf_insn *insns, size_t n,
			   const struct ptregs_layout *to, const struct pt_rewrite *rw)
{
	struct bpf_insn x[64];
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access *a = NULL, *b = NULL;
	size_t an = 0, bn = 0;
	bool same = true;

	assert_true(n <= ARRAY_LEN(x));
	memcpy(x, insns, n * sizeof(*x));
	if (!pt_apply(rw, x, n))
		return false;
	assert_int_equal(pt_analyze(&p, legacy, to, &a, &an, PT_ANALYZE_FULL), 0);
	p.insns = x;
	assert_int_equal(pt_analyze(&p, to, to, &b, &bn, PT_ANALYZE_FULL), 0);
	for (size_t i = 0; same && i < an; i++) {
		char want[256], got[256];
		size_t k;

		if (a[i].origin != PTREGS_FROM_CTX || (a[i].kind != PTREGS_ACC_LOAD &&
						       a[i].kind != PTREGS_ACC_PROBE_READ))
			continue;
		regs_read(legacy, a[i].offset, a[i].size, want, sizeof(want));
		for (k = 0; k < bn; k++) {
			if (b[k].insn != a[i].insn || b[k].kind != a[i].kind)
				continue;
			regs_read(to, b[k].offset, b[k].size, got, sizeof(got));
			if (strcmp(want, got) == 0)
				break;
		}
		same = k < bn;
	}
	free(a);
	free(b);
	return same;
}

/*
 * pt_quick_patches() against the preload's plan over the full analysis's
 * accesses, into the offsets TO_OFF: 1 when the quick patches were not to
 * be had, 0 when they were and are the plan's, -1 when they differ or the
 * plan refuses what they patch. *CNT: the patches.
 */
static int patches_with(const struct bpf_insn *insns, size_t n, const struct ptregs_layout *to,
			const int *to_off, size_t *cnt)
{
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
				 .ctx = PTREGS_CTX_PT_REGS };
	union rewrite64 q = { .rw = { .cnt = 99, .cap = 64 } }, ref;
	int r;

	assert_true(n <= 64);
	r = pt_quick_patches(&p, legacy, to_off, &q.rw);
	if (cnt)
		*cnt = r == 0 ? q.rw.cnt : 0;
	if (r != 0) {
		assert_int_equal(q.rw.cnt, 0);
		return r;
	}
	full_plan(insns, n, to, to_off, &ref);
	if (ref.rw.bad || ref.rw.cnt != q.rw.cnt)
		return -1;
	for (size_t i = 0; i < q.rw.cnt; i++) {
		const struct pt_patch *x = &q.rw.p[i];
		size_t k = 0;

		while (k < ref.rw.cnt && ref.rw.p[k].insn != x->insn)
			k++;
		if (k == ref.rw.cnt || ref.rw.p[k].site != x->site || ref.rw.p[k].delta != x->delta)
			return -1;
	}
	return 0;
}

/* INSNS into TO (TO_OFF, its offsets) is for the plan to refuse, and says
 * WHY; the quick path leaves it to the plan. */
static void refused(const struct bpf_insn *insns, size_t n, const struct ptregs_layout *to,
		    const int *to_off, const char *why)
{
	union rewrite64 plan;

	assert_int_equal(patches_with(insns, n, to, to_off, NULL), 1);
	full_plan(insns, n, to, to_off, &plan);
	assert_int_equal(plan.rw.bad, 1);
	assert_non_null(strstr(plan.rw.why, why));
}

/* ...into the layout TO */
static int patches_to(const struct bpf_insn *insns, size_t n, const struct ptregs_layout *to,
		      size_t *cnt)
{
	int to_off[64];

	to_offsets(to, to_off, ARRAY_LEN(to_off));
	return patches_with(insns, n, to, to_off, cnt);
}

/* ...from legacy to pkrs, where every register moves */
static int both(const struct bpf_insn *insns, size_t n, size_t *cnt)
{
	return both_to(insns, n, pkrs, cnt);
}

/* What bpftrace 0.17 emits for kprobe:f { @[arg0, arg1] = sum(arg2);
 * printf("%d\n", arg3); } and a shared return jumped back to. */
static void code_generator_programs_take_the_quick_path(void **state)
{
	static const struct bpf_insn prog[] = {
		MOV64_REG(6, 1),
		MOV64_IMM(7, 0),
		STX64(10, 7, -8),
		LDX64(1, 6, 112),		/* arg0: di */
		STX64(10, 1, -24),
		LDX64(1, 6, 104),		/* arg1: si */
		STX64(10, 1, -16),
		LD_MAP(1),
		LD_IMM64_HI(),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -24),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(0, 0, 1),
		LDX64(7, 0, 0),
		LDX64(1, 6, 96),		/* arg2: dx */
		ADD64_REG(1, 7),
		STX64(10, 1, -8),
		MOV64_REG(3, 6),		/* arg3 (cx) by a probe read */
		ADD64_IMM(3, 88),
		MOV64_REG(1, 10),
		ADD64_IMM(1, -32),
		MOV64_IMM(2, 8),
		CALL(BPF_FUNC_probe_read_kernel),
		JEQ_IMM(0, 0, 2),
		JA(-22),			/* back to nothing: not an exit */
		EXIT(),
		MOV64_REG(1, 6),		/* the context to a helper */
		LD_MAP(2),
		LD_IMM64_HI(),
		MOV64_IMM(3, 0),
		MOV64_REG(4, 10),
		ADD64_IMM(4, -32),
		MOV64_IMM(5, 8),
		CALL(BPF_FUNC_perf_event_output),
		JEQ_IMM(0, 0, -9),		/* to the shared return below */
		JA(0),
		MOV64_IMM(0, 0),
		EXIT(),
	};
	struct bpf_insn fixed[ARRAY_LEN(prog)];
	size_t cnt;

	(void)state;
	/* the jump back at 24 is a loop: given up on */
	assert_int_equal(both(prog, ARRAY_LEN(prog), NULL), 1);
	/* without it: taken, and four accesses (di, si, dx, cx read) */
	memcpy(fixed, prog, sizeof(prog));
	fixed[24] = JA(1);
	fixed[34] = JEQ_IMM(0, 0, -10);	/* the shared return at 25 */
	assert_int_equal(both(fixed, ARRAY_LEN(fixed), &cnt), 0);
	assert_int_equal(cnt, 4);
	/* and patched from the quick path alone: three loads' own offsets,
	 * the probe read's add; nothing when nothing moves */
	assert_int_equal(patches_to(prog, ARRAY_LEN(prog), pkrs, NULL), 1);
	assert_int_equal(patches_to(fixed, ARRAY_LEN(fixed), pkrs, &cnt), 0);
	assert_int_equal(cnt, 4);
	assert_int_equal(patches_to(fixed, ARRAY_LEN(fixed), legacy, &cnt), 0);
	assert_int_equal(cnt, 0);
}

/* The patches themselves: which constant, by how much; and what is left
 * to the full path and the plan. */
static void quick_patches(void **state)
{
	static const struct bpf_insn reads[] = {
		MOV64_REG(6, 1),
		LDX64(2, 6, 112),		/* di: the load's own offset */
		MOV64_REG(3, 6), ADD64_IMM(3, 104),	/* si: the add's immediate */
		MOV64_REG(1, 10), ADD64_IMM(1, -8), MOV64_IMM(2, 8),
		CALL(BPF_FUNC_probe_read_kernel),
		LDX64(4, 6, 112),		/* di again */
		MOV64_IMM(0, 0), EXIT(),
	};
	static const struct bpf_insn one_add_two_moves[] = {	/* di and si through one add */
		MOV64_REG(2, 1), ADD64_IMM(2, 104), LDX64(3, 2, 0), LDX64(4, 2, 8),
		MOV64_IMM(0, 0), EXIT(),
	};
	static const struct bpf_insn whole[] = {	/* no one register at 0 */
		MOV64_REG(3, 1), MOV64_REG(1, 10), ADD64_IMM(1, -8), MOV64_IMM(2, 8),
		CALL(BPF_FUNC_probe_read_kernel), MOV64_IMM(0, 0), EXIT(),
	};
	static const struct bpf_insn spilled[] = {
		STX64(10, 1, -8), LDX64(2, 10, -8), LDX64(0, 2, 112), EXIT(),
	};
	/* into swapped(): ip moves, di and orig_ax stay, one add for all */
	static const struct bpf_insn stays_and_moves[] = {
		MOV64_REG(3, 1), ADD64_IMM(3, 112), LDX64(8, 3, 16),
		MOV64_REG(1, 10), ADD64_IMM(1, -16), MOV64_IMM(2, 16),
		CALL(BPF_FUNC_probe_read_kernel), MOV64_IMM(0, 0), EXIT(),
	};
	static const struct bpf_insn unknown_size[] = {	/* r2 from a map value */
		MOV64_REG(6, 1), LD_MAP(1), LD_IMM64_HI(), MOV64_REG(2, 10), ADD64_IMM(2, -8),
		CALL(BPF_FUNC_map_lookup_elem), JEQ_IMM(0, 0, 7), LDX64(2, 0, 0),
		MOV64_REG(3, 6), ADD64_IMM(3, 112), MOV64_REG(1, 10), ADD64_IMM(1, -64),
		CALL(BPF_FUNC_probe_read_kernel), MOV64_IMM(0, 0), EXIT(),
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = reads, .insn_cnt = ARRAY_LEN(reads),
				 .ctx = PTREGS_CTX_PT_REGS };
	union rewrite64 q = { .rw = { .cap = 4 } };
	const struct pt_patch *x = q.rw.p;
	int to_off[64];
	size_t cnt = 99;

	(void)state;
	to_offsets(pkrs, to_off, ARRAY_LEN(to_off));
	assert_int_equal(pt_quick_patches(&p, legacy, to_off, &q.rw), 0);
	assert_int_equal(q.rw.cnt, 3);
	assert_true(x[0].insn == 1 && x[0].site == PTREGS_OFF_INSN && x[0].delta == 8);
	assert_true(x[1].insn == 3 && x[1].site == PTREGS_OFF_ALU_IMM && x[1].delta == 8);
	assert_true(x[2].insn == 8 && x[2].site == PTREGS_OFF_INSN && x[2].delta == 8);
	/* no room for them: left to the full path */
	q.rw.cap = 2;
	assert_int_equal(pt_quick_patches(&p, legacy, to_off, &q.rw), 1);
	assert_int_equal(q.rw.cnt, 0);
	q.rw.cap = 4;
	/* a register missing from the target */
	*to_off_of(to_off, "si") = -1;
	assert_int_equal(pt_quick_patches(&p, legacy, to_off, &q.rw), 1);
	assert_int_equal(patches_to(one_add_two_moves, ARRAY_LEN(one_add_two_moves), pkrs, &cnt),
			 0);
	assert_int_equal(cnt, 1);	/* both move by 8: one patch of the add */
	/* ...but not when they move differently, one of them perhaps not at
	 * all: the plan refuses, the quick path leaves it to the plan */
	for (int stays = 0; stays < 2; stays++) {
		to_offsets(pkrs, to_off, ARRAY_LEN(to_off));
		*to_off_of(to_off, stays ? "di" : "si") = stays ? 112 : 112 + 8;
		refused(one_add_two_moves, ARRAY_LEN(one_add_two_moves), pkrs, to_off,
			"move differently");
	}
	/* ...a read of several registers that stay among them */
	to_offsets(swapped(), to_off, ARRAY_LEN(to_off));
	refused(stays_and_moves, ARRAY_LEN(stays_and_moves), swapped(), to_off,
		"move differently");
	/* nothing moves: no patch, not even of delta 0 */
	to_offsets(legacy, to_off, ARRAY_LEN(to_off));
	assert_int_equal(patches_with(one_add_two_moves, ARRAY_LEN(one_add_two_moves), legacy,
				      to_off, &cnt), 0);
	assert_int_equal(cnt, 0);
	/* a probe read of a size not known here starts at di and may read
	 * more: refused, whatever each register does */
	to_offsets(swapped(), to_off, ARRAY_LEN(to_off));
	refused(unknown_size, ARRAY_LEN(unknown_size), swapped(), to_off, "size not known");
	to_offsets(pkrs, to_off, ARRAY_LEN(to_off));
	assert_int_equal(patches_to(whole, ARRAY_LEN(whole), pkrs, NULL), 1);
	assert_int_equal(patches_to(spilled, ARRAY_LEN(spilled), pkrs, NULL), 1);
	p.insns = NULL;
	assert_int_equal(pt_quick_patches(&p, legacy, to_off, &q.rw), 1);
}

/*
 * pt_analyze_into(): the accesses in the caller's buffer while they fit,
 * else in an array of its own, the same accesses either way; on either
 * path, and when the quick path recorded some before giving up.
 */
static void into(const struct bpf_insn *insns, size_t n, size_t cap, size_t want, bool in_buf)
{
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access buf[8], *out = NULL, *ref = NULL;
	size_t cnt = 99, rn = 0;

	assert_true(cap <= ARRAY_LEN(buf));
	assert_int_equal(pt_analyze_into(&p, legacy, pkrs, buf, cap, &out, &cnt, PT_ANALYZE_ANY), 0);
	assert_int_equal(pt_analyze(&p, legacy, pkrs, &ref, &rn, PT_ANALYZE_ANY), 0);
	assert_int_equal(cnt, want);
	assert_int_equal(rn, want);
	if (!want)
		assert_null(out);
	else if (in_buf)
		assert_ptr_equal(out, buf);
	else
		assert_true(out != buf);
	for (size_t i = 0; i < cnt; i++)
		assert_true(access_eq(&out[i], &ref[i]));
	if (out != buf)
		free(out);
	free(ref);
}

static void accesses_into_a_callers_buffer(void **state)
{
	static const struct bpf_insn four[] = {
		LDX64(2, 1, 112), LDX64(3, 1, 104), LDX64(4, 1, 96), LDX64(5, 1, 88),
		MOV64_IMM(0, 0), EXIT(),
	};
	static const struct bpf_insn none[] = { MOV64_IMM(0, 0), EXIT() };
	/* the quick path records insn 0, then gives up on the spill */
	static const struct bpf_insn spilled[] = {
		LDX64(2, 1, 112), STX64(10, 1, -8), LDX64(3, 10, -8), LDX64(0, 3, 104), EXIT(),
	};

	(void)state;
	into(four, ARRAY_LEN(four), 8, 4, true);
	into(four, ARRAY_LEN(four), 4, 4, true);
	into(four, ARRAY_LEN(four), 3, 4, false);
	into(four, ARRAY_LEN(four), 1, 4, false);
	into(none, ARRAY_LEN(none), 8, 0, false);
	into(spilled, ARRAY_LEN(spilled), 8, 2, true);
	into(spilled, ARRAY_LEN(spilled), 1, 2, false);
}

/* Each of these needs the full analysis: the quick path gives up. */
static void what_the_quick_path_gives_up_on(void **state)
{
	static const struct bpf_insn spill[] = {
		STX64(10, 1, -8), LDX64(2, 10, -8), LDX64(0, 2, 112), EXIT(),
	};
	static const struct bpf_insn copy[] = {	/* 16 bytes: two registers */
		MOV64_REG(3, 1), MOV64_REG(1, 10), ADD64_IMM(1, -16), MOV64_IMM(2, 16),
		CALL(BPF_FUNC_probe_read_kernel), LDX64(0, 10, -16), EXIT(),
	};
	static const struct bpf_insn sizeof_arith[] = {	/* task stack + 16384 - 168 + 128 */
		CALL(BPF_FUNC_get_current_task), ADD64_IMM(0, 16344), LDX64(0, 0, 0), EXIT(),
	};
	static const struct bpf_insn varoff[] = {
		MOV64_REG(6, 1), CALL(BPF_FUNC_get_prandom_u32), ADD64_REG(6, 0), LDX64(0, 6, 0),
		EXIT(),
	};
	static const struct bpf_insn join[] = {	/* di on one path, si on the other */
		MOV64_REG(2, 1), ADD64_IMM(2, 112), JEQ_IMM(0, 0, 1), ADD64_IMM(2, -8),
		LDX64(0, 2, 0), EXIT(),
	};
	static const struct bpf_insn loop[] = {
		MOV64_IMM(0, 0), ADD64_IMM(0, 1), JEQ_IMM(0, 4, -2), LDX64(0, 1, 112), EXIT(),
	};
	static const struct bpf_insn subprog[] = {
		INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1), EXIT(), LDX64(0, 1, 112), EXIT(),
	};
	static const struct bpf_insn falls_off[] = { LDX64(0, 1, 112) };
	/* a jump back into an ld_imm64's second half runs it: an invalid
	 * register there is the full analysis's to report */
	static const struct bpf_insn second_half[] = {
		JEQ_IMM(1, 0, 3), INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), EXIT(), JA(-3),
	};
	/* constants through the stack: a copy's size, sizeof arithmetic */
	static const struct bpf_insn size_spilled[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 16), LDX64(2, 10, -8), MOV64_REG(3, 1),
		MOV64_REG(1, 10), ADD64_IMM(1, -32), CALL(BPF_FUNC_probe_read_kernel),
		LDX64(0, 10, -24), EXIT(),
	};
	static const struct bpf_insn sizeof_spilled[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 16344), LDX64(6, 10, -8),
		CALL(BPF_FUNC_get_current_task), ADD64_REG(0, 6), LDX64(0, 0, 0), EXIT(),
	};
	static const struct bpf_insn sizeof_joined[] = {	/* the same constant both ways */
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 16344), CALL(BPF_FUNC_get_current_task),
		MOV64_IMM(7, 16344), JEQ_IMM(0, 0, 1), LDX64(7, 10, -8), ADD64_REG(0, 7),
		LDX64(0, 0, 0), EXIT(),
	};
	static const struct bpf_insn sizeof_alu32[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 16344), CALL(BPF_FUNC_get_current_task),
		LDX64(7, 10, -8), INSN(BPF_ALU | BPF_ADD | BPF_K, 7, 0, 0, 0), ADD64_REG(0, 7),
		LDX64(0, 0, 0), EXIT(),
	};
	static const struct bpf_insn sizeof_mul[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 16344), CALL(BPF_FUNC_get_current_task),
		LDX64(7, 10, -8), INSN(BPF_ALU64 | BPF_MUL | BPF_K, 7, 0, 0, 1), ADD64_REG(0, 7),
		LDX64(0, 0, 0), EXIT(),
	};
	static const struct bpf_insn offset_summed[] = {	/* 8 + 8 + the context + 96: di */
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 8), MOV64_IMM(2, 8), LDX64(3, 10, -8),
		ADD64_REG(2, 3), ADD64_REG(2, 1), LDX64(0, 2, 96), EXIT(),
	};
	static const struct bpf_insn offset_spilled[] = {	/* 8 + the context + 104: di */
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 8), LDX64(2, 10, -8), ADD64_REG(2, 1),
		LDX64(0, 2, 104), EXIT(),
	};

	(void)state;
	assert_int_equal(both(spill, ARRAY_LEN(spill), NULL), 1);
	assert_int_equal(both(copy, ARRAY_LEN(copy), NULL), 1);
	assert_int_equal(both(sizeof_arith, ARRAY_LEN(sizeof_arith), NULL), 1);
	assert_int_equal(both(varoff, ARRAY_LEN(varoff), NULL), 1);
	assert_int_equal(both(join, ARRAY_LEN(join), NULL), 1);
	assert_int_equal(both(loop, ARRAY_LEN(loop), NULL), 1);
	assert_int_equal(both(subprog, ARRAY_LEN(subprog), NULL), 1);
	assert_int_equal(both(falls_off, ARRAY_LEN(falls_off), NULL), 1);
	assert_int_equal(both(second_half, ARRAY_LEN(second_half), NULL), 1);
	assert_int_equal(both(size_spilled, ARRAY_LEN(size_spilled), NULL), 1);
	assert_int_equal(both(sizeof_spilled, ARRAY_LEN(sizeof_spilled), NULL), 1);
	assert_int_equal(both(sizeof_joined, ARRAY_LEN(sizeof_joined), NULL), 1);
	assert_int_equal(both(sizeof_alu32, ARRAY_LEN(sizeof_alu32), NULL), 1);
	assert_int_equal(both(sizeof_mul, ARRAY_LEN(sizeof_mul), NULL), 1);
	assert_int_equal(both(offset_spilled, ARRAY_LEN(offset_spilled), NULL), 1);
	assert_int_equal(both(offset_summed, ARRAY_LEN(offset_summed), NULL), 1);
}

/*
 * A store and a probe read through r10 + 0x7ffffffffffffff8: the walk over
 * the stack slots they cover ends (it wrapped around before).
 */
static void stack_offsets_near_the_end_of_int64_end(void **state)
{
	static const struct bpf_insn store[] = {
		STX64(10, 1, -8), INSN(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, -8),
		INSN(0, 0, 0, 0, 0x7fffffff), MOV64_REG(1, 10), ADD64_REG(1, 2),
		INSN(BPF_ST | BPF_MEM | BPF_W, 1, 0, 0, 0), MOV64_IMM(0, 0), EXIT(),
	};
	static const struct bpf_insn probe_read[] = {
		INSN(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, -8), INSN(0, 0, 0, 0, 0x7fffffff),
		MOV64_REG(1, 10), ADD64_REG(1, 2), MOV64_IMM(2, 7), MOV64_IMM(3, 0),
		CALL(BPF_FUNC_probe_read_kernel), MOV64_IMM(0, 0), EXIT(),
	};
	size_t cnt;

	(void)state;
	alarm(20);	/* a hang is a failure */
	assert_int_equal(both(store, ARRAY_LEN(store), &cnt), 1);
	assert_int_equal(cnt, 0);
	assert_int_equal(both(probe_read, ARRAY_LEN(probe_read), &cnt), 0);
	assert_int_equal(cnt, 0);
	alarm(0);
}

/* ---- random programs, biased towards the context and what it meets ---- */

static uint64_t rs = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

#define PICK(a) ((a)[rnd() % ARRAY_LEN(a)])

static const uint8_t codes[] = {
	BPF_ALU64 | BPF_MOV | BPF_X, BPF_ALU64 | BPF_MOV | BPF_K, BPF_ALU64 | BPF_ADD | BPF_K,
	BPF_ALU64 | BPF_ADD | BPF_X, BPF_ALU64 | BPF_SUB | BPF_K, BPF_ALU64 | BPF_SUB | BPF_X,
	BPF_ALU64 | BPF_MUL | BPF_K, BPF_ALU64 | BPF_AND | BPF_K, BPF_ALU64 | BPF_LSH | BPF_K,
	BPF_ALU64 | BPF_NEG, BPF_ALU64 | BPF_DIV | BPF_X, BPF_ALU | BPF_MOV | BPF_K,
	BPF_ALU | BPF_MOV | BPF_X, BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_END | BPF_X,
	BPF_LDX | BPF_MEM | BPF_DW, BPF_LDX | BPF_MEM | BPF_W, BPF_LDX | BPF_MEM | BPF_B,
	BPF_LDX | 0x80 | BPF_W, BPF_LDX | BPF_MEM | BPF_DW, BPF_LDX | BPF_MEM | BPF_DW, BPF_STX | BPF_MEM | BPF_DW, BPF_ST | BPF_MEM | BPF_DW,
	BPF_STX | BPF_MEM | BPF_W, BPF_STX | BPF_ATOMIC | BPF_DW, BPF_JMP | BPF_JEQ | BPF_K,
	BPF_JMP | BPF_JNE | BPF_X, BPF_JMP | BPF_JA, BPF_JMP32 | BPF_JGT | BPF_K,
	BPF_JMP32 | BPF_JA, BPF_JMP | BPF_CALL, BPF_JMP | BPF_EXIT, BPF_LD | BPF_IMM | BPF_DW,
	BPF_LD | BPF_ABS | BPF_W, BPF_JMP | 0xe0 | BPF_K,
};
static const int32_t helpers[] = {
	BPF_FUNC_map_lookup_elem, BPF_FUNC_map_update_elem, BPF_FUNC_probe_read,
	BPF_FUNC_ktime_get_ns, BPF_FUNC_get_current_pid_tgid, BPF_FUNC_perf_event_output,
	BPF_FUNC_probe_read_str, BPF_FUNC_get_stackid, BPF_FUNC_probe_read_user,
	BPF_FUNC_probe_read_kernel, BPF_FUNC_probe_read_user_str, BPF_FUNC_probe_read_kernel_str,
	BPF_FUNC_loop, BPF_FUNC_task_pt_regs, BPF_FUNC_get_current_task, BPF_FUNC_trace_printk,
	BPF_FUNC_ringbuf_output, BPF_FUNC_for_each_map_elem,
};
/* field offsets of both layouts, sizes, stack offsets, sizeof arithmetic */
static const int32_t imms[] = {
	0, 1, 2, 3, 8, 16, 24, 80, 84, 96, 104, 112, 120, 128, 160, 168, 176, -8, -16, -40,
	-512, 16216, 16344, 8192, 0x10000, -168,
};

static void random_prog(struct bpf_insn *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn *in = &p[i];
		uint32_t k;

		memset(in, 0, sizeof(*in));
		in->code = PICK(codes);
		k = rnd() % 16;	/* mostly the context, its copy and the stack */
		in->dst_reg = k < 4 ? 1 : k < 7 ? 6 : k < 9 ? 10 : rnd() % 11;
		k = rnd() % 16;
		in->src_reg = k < 5 ? 1 : k < 8 ? 6 : k < 10 ? 10 : rnd() % 11;
		if (rnd() % 200 == 0)
			in->dst_reg = 11 + rnd() % 4;
		in->imm = PICK(imms);
		in->off = rnd() % 3 ? (int16_t)imms[rnd() % 15] : (int16_t)(rnd() % 200 - 100);
		switch (BPF_CLASS(in->code)) {
		case BPF_JMP:
		case BPF_JMP32:
			if (BPF_OP(in->code) == BPF_CALL) {
				in->src_reg = rnd() % 40 ? 0 : rnd() % 2 ? BPF_PSEUDO_CALL :
							   BPF_PSEUDO_KFUNC_CALL;
				in->imm = in->src_reg == BPF_PSEUDO_CALL ? (int32_t)(rnd() % 8) - 2 :
									 PICK(helpers);
				in->off = 0;
			} else if (BPF_OP(in->code) == BPF_EXIT) {
				in->off = 0;
			} else {	/* mostly forward, some back */
				in->off = rnd() % 8 ? (int16_t)(rnd() % 8) : (int16_t)(rnd() % 12) - 10;
				if (BPF_OP(in->code) == BPF_JA && BPF_CLASS(in->code) == BPF_JMP32)
					in->imm = in->off;
			}
			break;
		case BPF_ALU:
		case BPF_ALU64:
			if (BPF_OP(in->code) != BPF_MOV || rnd() % 4)
				in->off = 0;
			break;
		case BPF_ST:
		case BPF_STX:
			/* mostly to the stack, of something else than the context */
			if (rnd() % 4) {
				in->dst_reg = 10;
				in->src_reg = 7;
			}
			if (BPF_CLASS(in->code) == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC)
				in->imm = rnd() % 3 == 0 ? BPF_CMPXCHG :
					  rnd() % 2 ? (BPF_ADD | BPF_FETCH) : BPF_ADD;
			break;
		case BPF_LD:
			if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
				in->src_reg = rnd() % 3 == 0 ? rnd() % 7 : 0;
				if (i + 1 < n) {
					i++;
					memset(&p[i], 0, sizeof(p[i]));
					p[i].imm = rnd() % 4 == 0 ? 0 : (int32_t)rnd();
				}
			}
			break;
		default:
			break;
		}
		/* the stack at slots a program uses */
		if (((BPF_CLASS(in->code) == BPF_ST || BPF_CLASS(in->code) == BPF_STX) &&
		     in->dst_reg == 10) || (BPF_CLASS(in->code) == BPF_LDX && in->src_reg == 10))
			in->off = (int16_t)(-8 * (int)(1 + rnd() % 5));
	}
	if (rnd() % 4 && n >= 2) {	/* most end in a return */
		p[n - 2] = MOV64_IMM(0, 0);
		p[n - 1] = EXIT();
	}
}

static void quick_and_full_agree_on_random_programs(void **state)
{
	struct bpf_insn prog[48];
	size_t taken = 0, found = 0, runs = 200000, patched = 0, planned = 0;

	(void)state;
	for (size_t i = 0; i < runs; i++) {
		size_t n = 2 + rnd() % 46, cnt;
		int r;

		random_prog(prog, n);
		/* every other one to legacy itself: nothing moves */
		r = both_to(prog, n, i % 2 ? legacy : pkrs, &cnt);
		if (r >= 0) {
			/* patched into pkrs, legacy, or a target where only
			 * some registers move */
			const struct ptregs_layout *to = i % 4 == 2 ? swapped() :
							 i % 2 ? legacy : pkrs;
			union rewrite64 plan;
			size_t pc;
			int pr, to_off[64];

			to_offsets(to, to_off, ARRAY_LEN(to_off));
			pr = patches_with(prog, n, to, to_off, &pc);
			/* patches only where the quick path goes, and the plan's */
			if (pr < 0 || (pr == 0 && r != 0))
				r = -1;
			patched += pc > 0;
			/* what the plan does not refuse reads the same registers */
			full_plan(prog, n, to, to_off, &plan);
			if (!plan.rw.bad && !reads_the_same(prog, n, to, &plan.rw))
				r = -1;
			planned += !plan.rw.bad && plan.rw.cnt;
		}
		if (r < 0) {
			print_error("program %zu (%zu insns) found differently:\n", i, n);
			for (size_t k = 0; k < n; k++)
				print_error("  %zu: code %02x dst %u src %u off %d imm %d\n", k,
					    prog[k].code, prog[k].dst_reg, prog[k].src_reg, prog[k].off,
					    prog[k].imm);
			fail();
		}
		if (r == 0) {
			taken++;
			found += cnt;
		}
	}
	/* the quick path is exercised, and not only on programs with no access */
	assert_true(taken > runs / 10);
	assert_true(found > taken / 8);
	assert_true(patched > taken / 40);
	assert_true(planned > patched);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(code_generator_programs_take_the_quick_path),
		cmocka_unit_test(what_the_quick_path_gives_up_on),
		cmocka_unit_test(accesses_into_a_callers_buffer),
		cmocka_unit_test(quick_patches),
		cmocka_unit_test(stack_offsets_near_the_end_of_int64_end),
		cmocka_unit_test(quick_and_full_agree_on_random_programs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
