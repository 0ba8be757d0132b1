/* The BPF instruction analysis on hand-assembled programs. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <ptregs/analysis.h>
#include "insns.h"

/*
 * The public API, with the accesses copied into an array the tests index
 * and free(): returns 0 or -errno like the library's functions.
 */
static int analyze_between(const struct ptregs_prog *p, const struct ptregs_layout *from,
			   const struct ptregs_layout *to, struct ptregs_access **out, size_t *cnt)
{
	struct ptregs_analysis *an = ptregs_analysis_new(p, from, to);
	size_t n;

	*out = NULL;
	*cnt = 0;
	if (!an)
		return -errno;
	n = ptregs_analysis_access_cnt(an);
	*out = calloc(n ? n : 1, sizeof(**out));
	assert_non_null(*out);
	for (size_t i = 0; i < n; i++)
		(*out)[i] = *ptregs_analysis_access(an, i);
	*cnt = n;
	ptregs_analysis_free(an);
	return 0;
}

static int analyze_prog(const struct ptregs_prog *p, struct ptregs_access **out, size_t *cnt)
{
	return analyze_between(p, legacy, pkrs, out, cnt);
}

static size_t analyze(const struct bpf_insn *insns, size_t n, enum ptregs_ctx_type ctx,
		      struct ptregs_access **acc)
{
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n, .ctx = ctx };
	size_t cnt = 0;

	assert_int_equal(analyze_prog(&p, acc, &cnt), 0);
	return cnt;
}

static void direct_load_of_di_reads_si_after(void **state)
{
	const struct bpf_insn prog[] = { LDX64(0, 1, 112), EXIT() };
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 2, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 0);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[0].kind, PTREGS_ACC_LOAD);
	assert_int_equal(a[0].offset, 112);
	assert_string_equal(a[0].old_field, "di");
	assert_string_equal(a[0].new_field, "si");
	free(a);
}

static void ld_imm64_counts_two_slots(void **state)
{
	const struct bpf_insn prog[] = {
		LD_IMM64_LO(2, 0, 7), LD_IMM64_HI(), LDX64(0, 1, 128), EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 4, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 2);
	assert_string_equal(a[0].old_field, "ip");
	assert_string_equal(a[0].new_field, "orig_ax");
	free(a);
}

static void spill_reload_and_arithmetic_are_followed(void **state)
{
	const struct bpf_insn prog[] = {
		STX64(10, 1, -8),	/* spill ctx */
		MOV64_IMM(1, 0),	/* forget it */
		LDX64(2, 10, -8),	/* reload */
		ADD64_IMM(2, 100),
		LDX64(0, 2, 52),	/* ctx + 152: sp */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 6, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 4);
	assert_int_equal(a[0].offset, 152);
	assert_string_equal(a[0].old_field, "sp");
	free(a);
}

static void alu32_on_the_pointer_loses_it(void **state)
{
	const struct bpf_insn prog[] = {
		ALU32_IMM(BPF_ADD, 1, 8), LDX64(0, 1, 104), EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 3, PTREGS_CTX_PT_REGS, &a), 0);
	free(a);
}

static void paths_with_different_offsets_are_unanalysed(void **state)
{
	const struct bpf_insn prog[] = {
		JEQ_IMM(2, 0, 2),
		ADD64_IMM(1, 8),
		JA(1),
		ADD64_IMM(1, 16),
		LDX64(0, 1, 0),
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 6, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 4);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_UNANALYSED);
	assert_int_equal(a[0].kind, PTREGS_ACC_VAR_OFFSET);
	free(a);
}

/* Where a rewriter finds each offset: the load's own off, the add's imm. */
static void offset_sites_name_the_insn_holding_the_constant(void **state)
{
	const struct bpf_insn prog[] = {
		LDX64(6, 1, 112),		/* 0: off field */
		MOV64_REG(3, 1),		/* 1 */
		ADD64_IMM(3, 104),		/* 2: imm of the add */
		MOV64_IMM(2, 8),		/* 3 */
		MOV64_REG(1, 10),		/* 4 */
		ADD64_IMM(1, -8),		/* 5 */
		CALL(BPF_FUNC_probe_read_kernel),	/* 6 */
		MOV64_IMM(0, 0),
		EXIT(),
	};
	const struct bpf_insn joined[] = {
		MOV64_REG(3, 1),		/* 0 */
		JEQ_IMM(2, 0, 2),		/* 1 */
		ADD64_IMM(3, 8),		/* 2 */
		JA(1),				/* 3 */
		ADD64_IMM(3, 8),		/* 4: same offset, another insn */
		MOV64_IMM(2, 8),
		MOV64_REG(1, 10),
		ADD64_IMM(1, -8),
		CALL(BPF_FUNC_probe_read_kernel),	/* 8 */
		MOV64_IMM(0, 0),
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 9, PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[0].insn, 0);
	assert_int_equal(a[0].off_site, PTREGS_OFF_INSN);
	assert_int_equal(a[0].off_insn, 0);
	assert_int_equal(a[1].insn, 6);
	assert_int_equal(a[1].kind, PTREGS_ACC_PROBE_READ);
	assert_int_equal(a[1].offset, 104);
	assert_int_equal(a[1].off_site, PTREGS_OFF_ALU_IMM);
	assert_int_equal(a[1].off_insn, 2);
	free(a);

	assert_int_equal(analyze(joined, 11, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 8);
	assert_int_equal(a[0].offset, 8);
	assert_int_equal(a[0].off_site, PTREGS_OFF_NONE);
	free(a);
}

static void subprogram_gets_the_context_argument(void **state)
{
	const struct bpf_insn prog[] = {
		CALL_PSEUDO(1),		/* -> insn 2 */
		EXIT(),
		LDX64(0, 1, 96),	/* dx */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 4, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 2);
	assert_string_equal(a[0].old_field, "dx");
	assert_string_equal(a[0].new_field, "cx");
	free(a);
}

static void bpf_loop_callback_sees_the_callers_stack(void **state)
{
	const struct bpf_insn prog[] = {
		STX64(10, 1, -16),			/* lc.regs = ctx */
		MOV64_REG(3, 10), ADD64_IMM(3, -16),	/* callback ctx = &lc */
		LD_IMM64_LO(2, BPF_PSEUDO_FUNC, 5), LD_IMM64_HI(),	/* -> insn 9 */
		MOV64_IMM(1, 4), MOV64_IMM(4, 0),
		CALL(BPF_FUNC_loop),
		EXIT(),
		LDX64(3, 2, 0),				/* lc->regs */
		LDX64(0, 3, 120),			/* orig_ax */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 12, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 10);
	assert_string_equal(a[0].old_field, "orig_ax");
	assert_string_equal(a[0].new_field, "di");
	free(a);
}

static void atomic_fetch_overwrites_the_register(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(2, 1),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -8, BPF_ADD | BPF_FETCH),
		LDX64(0, 2, 112),	/* r2 holds the old stack value now */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 4, PTREGS_CTX_PT_REGS, &a), 0);
	free(a);
}

static void perf_event_regs_are_safe_and_sample_period_ignored(void **state)
{
	const struct bpf_insn prog[] = { LDX64(2, 1, 128), LDX64(3, 1, 168), EXIT() };
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 3, PTREGS_CTX_PERF_EVENT, &a), 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_SAFE_ABI);
	assert_int_equal(a[0].offset, 128);
	free(a);
}

static void raw_tp_args0_is_a_pt_regs_pointer(void **state)
{
	const struct bpf_insn prog[] = { LDX64(2, 1, 0), LDX64(0, 2, 112), EXIT() };
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 3,
				 .ctx = PTREGS_CTX_RAW_TP_ARGS, .pt_regs_args = 1 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].origin, PTREGS_FROM_ARG);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_BREAKS);
	free(a);
}

static void syscall_wrapper_inner_regs_are_followed(void **state)
{
	const struct bpf_insn prog[] = { LDX64(6, 1, 112), LDX64(0, 6, 104), EXIT() };
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 3,
				 .ctx = PTREGS_CTX_PT_REGS, .syscall_wrapper = true };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[1].origin, PTREGS_FROM_INNER);
	assert_string_equal(a[1].old_field, "si");
	free(a);
}

static void core_relocation_makes_the_access_safe(void **state)
{
	const struct bpf_insn prog[] = { LDX64(0, 1, 112), LDX64(0, 1, 128), EXIT() };
	const struct ptregs_insn_relo relos[] = {
		{ .insn = 0, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "di" },
		{ .insn = 1, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs___x86",
		  .field = "rip", .field_missing = true },
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 3,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = relos, .relo_cnt = 2 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_RELOCATED);
	assert_string_equal(a[0].relo_field, "di");
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_FAILS_TO_LOAD);
	free(a);
}

/* ctx + CO-RE offset of di, then a fixed 8 further: that read is not relocated */
static void relocated_base_plus_fixed_displacement_is_a_fixed_offset(void **state)
{
	const struct bpf_insn prog[] = {
		ADD64_IMM(1, 112), LDX64(0, 1, 0), LDX64(0, 1, 8), EXIT(),
	};
	const struct ptregs_insn_relo relos[] = {
		{ .insn = 0, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "di" },
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 4,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = relos, .relo_cnt = 1 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].insn, 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_RELOCATED);
	assert_string_equal(a[0].relo_field, "di");
	assert_int_equal(a[1].insn, 2);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[1].offset, 120);
	assert_null(a[1].relo_field);
	assert_string_equal(a[1].old_field, "orig_ax");
	assert_string_equal(a[1].new_field, "di");
	free(a);
}

/* a field-exists check and the field's offset on one insn: the offset counts */
static void field_offset_relocation_is_taken_among_several_on_one_insn(void **state)
{
	const struct bpf_insn prog[] = { LDX64(0, 1, 112), EXIT() };
	const struct ptregs_insn_relo relos[] = {
		{ .insn = 0, .kind = BPF_CORE_FIELD_EXISTS, .type_name = "pt_regs",
		  .field = "si" },
		{ .insn = 0, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "di" },
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 2,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = relos, .relo_cnt = 2 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_RELOCATED);
	assert_string_equal(a[0].relo_field, "di");
	free(a);
}

static void subprogram_returning_the_context_is_followed(void **state)
{
	const struct bpf_insn prog[] = {
		CALL_PSEUDO(2),		/* -> insn 3, which returns its r1 */
		LDX64(0, 0, 112),	/* di */
		EXIT(),
		MOV64_REG(0, 1),
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 5, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(a[0].old_field, "di");
	assert_string_equal(a[0].new_field, "si");
	free(a);
}

/* one CO-RE field's offset on each path: relocated either way */
static void paths_with_different_relocated_offsets_are_relocated(void **state)
{
	const struct bpf_insn prog[] = {
		JEQ_IMM(2, 0, 2),
		ADD64_IMM(1, 112),	/* di */
		JA(1),
		ADD64_IMM(1, 104),	/* si */
		LDX64(0, 1, 0),
		EXIT(),
	};
	const struct ptregs_insn_relo relos[] = {
		{ .insn = 1, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "di" },
		{ .insn = 3, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "si" },
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 6,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = relos, .relo_cnt = 2 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].insn, 4);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_RELOCATED);
	assert_non_null(a[0].relo_field);
	assert_non_null(strstr(a[0].note, "several"));
	free(a);
}

/* pt_regs___x86 is pt_regs (libbpf drops "___flavour"); pt_regs_x86 is not */
static void flavoured_pt_regs_names_are_pt_regs(void **state)
{
	const struct bpf_insn prog[] = { LDX64(0, 1, 128), EXIT() };
	struct ptregs_insn_relo relo = { .insn = 0, .kind = BPF_CORE_FIELD_BYTE_OFFSET,
					 .field = "rip", .field_missing = true };
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 2,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = &relo, .relo_cnt = 1 };
	const char *names[] = { "pt_regs", "pt_regs___x86", "pt_regs___" };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		relo.type_name = names[i];
		assert_int_equal(analyze_prog(&p, &a, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(a[0].verdict, PTREGS_VERDICT_FAILS_TO_LOAD);
		free(a);
	}
	relo.type_name = "pt_regs_x86";
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_not_equal(a[0].verdict, PTREGS_VERDICT_FAILS_TO_LOAD);
	free(a);
}

static void malformed_programs_are_reported_not_followed(void **state)
{
	const struct bpf_insn out_of_range[] = { JA(5), EXIT() };
	const struct bpf_insn truncated[] = { LD_IMM64_LO(1, 0, 0) };
	const struct bpf_insn bad_reg[] = { INSN(BPF_ALU64 | BPF_MOV | BPF_X, 12, 1, 0, 0), EXIT() };
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(out_of_range, 2, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_UNANALYSED);
	free(a);
	assert_int_equal(analyze(truncated, 1, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_UNANALYSED);
	free(a);
	assert_int_equal(analyze(bad_reg, 2, PTREGS_CTX_PT_REGS, &a), 1);
	free(a);
}

static void unsorted_relocations_are_refused(void **state)
{
	const struct bpf_insn prog[] = { EXIT() };
	const struct ptregs_insn_relo relos[] = { { .insn = 3 }, { .insn = 1 } };
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 1,
				 .relos = relos, .relo_cnt = 2 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_true(analyze_prog(&p, &a, &n) < 0);
	assert_non_null(strstr(ptregs_errmsg(), "sorted"));
}

/* r3 = ctx; probe_read_kernel(r10 - 168, 168, r3): a copy of the whole struct */
#define COPY_CTX_TO_STACK()                                                  \
	MOV64_REG(3, 1), MOV64_REG(1, 10), ADD64_IMM(1, -168), MOV64_IMM(2, 168), \
	CALL(BPF_FUNC_probe_read_kernel)

static void probe_read_copy_of_ctx_is_followed_to_its_reads(void **state)
{
	const struct bpf_insn prog[] = {
		COPY_CTX_TO_STACK(),
		LDX64(0, 10, -56),	/* copy + 112 */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 7, PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[1].insn, 5);
	assert_int_equal(a[1].kind, PTREGS_ACC_LOAD);
	assert_int_equal(a[1].origin, PTREGS_FROM_CTX);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[1].offset, 112);
	assert_int_equal(a[1].size, 8);
	assert_string_equal(a[1].old_field, "di");
	assert_string_equal(a[1].new_field, "si");
	assert_int_equal(a[1].copy_insn, 4);
	assert_int_equal(a[1].copy_size, 168);
	free(a);
}

static void copy_of_the_old_sizeof_is_reported_with_its_size(void **state)
{
	const struct bpf_insn prog[] = { COPY_CTX_TO_STACK(), EXIT() };
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 6, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].insn, 4);
	assert_int_equal(a[0].kind, PTREGS_ACC_PROBE_READ);
	assert_int_equal(a[0].origin, PTREGS_FROM_CTX);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_SUSPECT);
	assert_int_equal(a[0].offset, 0);
	assert_int_equal(a[0].size, 168);
	assert_int_equal(a[0].copy_size, 168);
	assert_null(a[0].old_field);
	assert_non_null(strstr(a[0].note, "truncated"));
	free(a);
}

static void two_field_copy_is_read_at_its_offset_in_the_copy(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(3, 1), ADD64_IMM(3, 104),	/* &ctx->si, &ctx->di */
		MOV64_REG(1, 10), ADD64_IMM(1, -16), MOV64_IMM(2, 16),
		CALL(BPF_FUNC_probe_read_kernel),
		LDX64(0, 10, -8),	/* the second field: ctx + 112 */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 8, PTREGS_CTX_PT_REGS, &a), 2);
	/* the copy itself holds dx and si on the target */
	assert_int_equal(a[0].insn, 5);
	assert_int_equal(a[0].kind, PTREGS_ACC_PROBE_READ);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[0].offset, 104);
	assert_int_equal(a[0].size, 16);
	assert_int_equal(a[1].insn, 6);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[1].offset, 112);
	assert_string_equal(a[1].old_field, "di");
	assert_string_equal(a[1].new_field, "si");
	assert_int_equal(a[1].copy_size, 16);
	free(a);
}

static void field_by_field_copy_is_reported_where_each_field_is_copied(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(6, 1),
		MOV64_REG(3, 6), ADD64_IMM(3, 112), MOV64_REG(1, 10), ADD64_IMM(1, -16),
		MOV64_IMM(2, 8), CALL(BPF_FUNC_probe_read_kernel),	/* copy.di */
		MOV64_REG(3, 6), ADD64_IMM(3, 104), MOV64_REG(1, 10), ADD64_IMM(1, -8),
		MOV64_IMM(2, 8), CALL(BPF_FUNC_probe_read_kernel),	/* copy.si */
		LDX64(0, 10, -16),
		LDX64(0, 10, -8),
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	/* each copy names its field; reading it back is not a second finding */
	assert_int_equal(analyze(prog, 16, PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[0].insn, 6);
	assert_int_equal(a[0].kind, PTREGS_ACC_PROBE_READ);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[0].offset, 112);
	assert_string_equal(a[0].old_field, "di");
	assert_string_equal(a[0].new_field, "si");
	assert_int_equal(a[1].insn, 12);
	assert_int_equal(a[1].offset, 104);
	assert_string_equal(a[1].old_field, "si");
	assert_string_equal(a[1].new_field, "dx");
	assert_int_equal(a[1].copy_size, 0);
	free(a);
}

static void copy_into_a_map_value_is_followed(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(6, 1),
		INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		MOV64_REG(2, 10), ADD64_IMM(2, -4),
		LD_IMM64_LO(1, BPF_PSEUDO_MAP_FD, 3), LD_IMM64_HI(),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(0, 0, 7),
		MOV64_REG(7, 0),
		MOV64_REG(1, 7), ADD64_IMM(1, 8),	/* value->regs, after a u64 */
		MOV64_IMM(2, 168), MOV64_REG(3, 6),
		CALL(BPF_FUNC_probe_read_kernel),
		LDX64(0, 7, 8 + 128),	/* value->regs.ip */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 16, PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[0].insn, 13);
	assert_int_equal(a[0].copy_size, 168);
	assert_int_equal(a[1].insn, 14);
	assert_int_equal(a[1].kind, PTREGS_ACC_LOAD);
	assert_int_equal(a[1].origin, PTREGS_FROM_CTX);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[1].offset, 128);
	assert_string_equal(a[1].old_field, "ip");
	assert_string_equal(a[1].new_field, "orig_ax");
	assert_int_equal(a[1].copy_insn, 13);
	free(a);
}

static void core_relocated_read_of_a_copy_stays_relocated(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(3, 1), MOV64_REG(6, 10), ADD64_IMM(6, -168), MOV64_REG(1, 6),
		MOV64_IMM(2, 168), CALL(BPF_FUNC_probe_read_kernel),
		LDX64(0, 6, 112),	/* copy.di, relocated */
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 160, 0),	/* copy.ss, relocated */
		EXIT(),
	};
	const struct ptregs_insn_relo relos[] = {
		{ .insn = 6, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "di" },
		{ .insn = 7, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "ss" },
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 9,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = relos, .relo_cnt = 2 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(a[1].insn, 6);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_RELOCATED);
	assert_int_equal(a[1].offset, 112);
	assert_string_equal(a[1].relo_field, "di");
	assert_int_equal(a[1].copy_insn, 5);
	/* relocated to 168 on the target: past the end of a 168-byte copy */
	assert_int_equal(a[2].insn, 7);
	assert_int_equal(a[2].verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(a[2].relo_field, "ss");
	free(a);
}

static void copy_read_in_a_subprogram_is_followed(void **state)
{
	const struct bpf_insn prog[] = {
		COPY_CTX_TO_STACK(),
		MOV64_REG(1, 10), ADD64_IMM(1, -168),
		CALL_PSEUDO(1),
		EXIT(),
		LDX64(0, 1, 128),	/* sub: copy->ip */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 11, PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[1].insn, 9);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_BREAKS);
	assert_int_equal(a[1].offset, 128);
	assert_string_equal(a[1].old_field, "ip");
	assert_string_equal(a[1].new_field, "orig_ax");
	assert_int_equal(a[1].copy_insn, 4);
	free(a);
}

static void copy_between_equal_layouts_is_unchanged(void **state)
{
	const struct bpf_insn prog[] = { COPY_CTX_TO_STACK(), LDX64(0, 10, -56), EXIT() };
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 7,
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_between(&p, legacy, legacy, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_UNCHANGED);
	assert_int_equal(a[0].copy_size, 0);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_UNCHANGED);
	assert_string_equal(a[1].old_field, "di");
	assert_string_equal(a[1].new_field, "di");
	free(a);
}

static void copy_from_a_relocated_field_follows_it_on_the_target(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(3, 1), ADD64_IMM(3, 104),	/* &ctx->si, relocated */
		MOV64_REG(1, 10), ADD64_IMM(1, -16), MOV64_IMM(2, 16),
		CALL(BPF_FUNC_probe_read_kernel),
		LDX64(0, 10, -8),	/* 8 bytes past si: di on both layouts */
		EXIT(),
	};
	const struct ptregs_insn_relo relos[] = {
		{ .insn = 1, .kind = BPF_CORE_FIELD_BYTE_OFFSET, .type_name = "pt_regs",
		  .field = "si" },
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = 8,
				 .ctx = PTREGS_CTX_PT_REGS, .relos = relos, .relo_cnt = 1 };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_prog(&p, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_RELOCATED);
	assert_int_equal(a[1].insn, 6);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_RELOCATED);
	assert_int_equal(a[1].offset, 112);
	assert_string_equal(a[1].old_field, "di");
	assert_string_equal(a[1].new_field, "di");
	assert_int_equal(a[1].copy_size, 16);
	free(a);
}

static void task_stack_sizeof_copy_is_suspect(void **state)
{
	const struct bpf_insn prog[] = {
		CALL(BPF_FUNC_get_current_task),
		ADD64_IMM(0, 16384 - 168),	/* (struct pt_regs *)(stack + THREAD_SIZE) - 1 */
		MOV64_REG(3, 0), MOV64_REG(1, 10), ADD64_IMM(1, -168), MOV64_IMM(2, 168),
		CALL(BPF_FUNC_probe_read_kernel),
		LDX64(0, 10, -16),	/* copy + 152 */
		EXIT(),
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, 9, PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[0].insn, 6);
	assert_int_equal(a[0].kind, PTREGS_ACC_SIZEOF);
	assert_int_equal(a[0].origin, PTREGS_FROM_UNKNOWN);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_SUSPECT);
	assert_int_equal(a[0].size, 168);
	assert_int_equal(a[0].copy_size, 168);
	assert_int_equal(a[1].insn, 7);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_SUSPECT);
	assert_int_equal(a[1].offset, 152);
	assert_string_equal(a[1].old_field, "sp");
	assert_string_equal(a[1].new_field, "flags");
	assert_int_equal(a[1].copy_insn, 6);
	free(a);
}

/*
 * Without loops a function is analysed in one pass; jumps back to a shared
 * "r0 = 0; exit" are no loop. The block at 11 is entered by a fall-through
 * and by a jump over the add: ctx + 104 on one path, ctx + 112 on the
 * other, so it must be judged after both (seen early, it would be one
 * read of si), and each read is recorded once.
 */
static void one_pass_judges_a_join_after_all_its_paths(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(6, 1), MOV64_REG(7, 1),
		JEQ_IMM(2, 0, 4),		/* 2: to 7 */
		MOV64_IMM(0, 0), EXIT(),	/* 3: the shared exit */
		ADD64_IMM(7, 8), JA(0),		/* 5: unreached */
		LDX64(3, 6, 112),		/* 7: di */
		JEQ_IMM(3, 0, -6),		/* 8: back to 3 */
		JEQ_IMM(2, 1, 1),		/* 9: over the add */
		ADD64_IMM(7, 8),
		LDX64(4, 7, 104),		/* 11: si or dx, by path */
		JA(-10),			/* 12: back to 3 */
	};
	struct ptregs_access *a;

	(void)state;
	assert_int_equal(analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a), 2);
	assert_int_equal(a[0].insn, 7);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(a[0].old_field, "di");
	assert_int_equal(a[1].insn, 11);
	assert_int_equal(a[1].kind, PTREGS_ACC_VAR_OFFSET);
	assert_int_equal(a[1].verdict, PTREGS_VERDICT_UNANALYSED);
	free(a);
}

/* A probe read of 8 bytes from r0 onto the stack, then exit. */
#define PROBE_READ_R0()                                                      \
	MOV64_REG(3, 0), MOV64_REG(1, 10), ADD64_IMM(1, -8), MOV64_IMM(2, 8),     \
	CALL(BPF_FUNC_probe_read_kernel), MOV64_IMM(0, 0), EXIT()

/* One access: sizeof arithmetic reading ip (128), its size held at SITE by INSN. */
static void expect_sizeof_ip(const struct bpf_insn *insns, size_t n, enum ptregs_off_site site,
			     uint32_t insn)
{
	struct ptregs_access *a;

	assert_int_equal(analyze(insns, n, PTREGS_CTX_PT_REGS, &a), 1);
	assert_int_equal(a[0].kind, PTREGS_ACC_SIZEOF);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_SUSPECT);
	assert_int_equal(a[0].offset, 128);
	assert_int_equal(a[0].off_site, site);
	if (site != PTREGS_OFF_NONE)
		assert_int_equal(a[0].off_insn, insn);
	free(a);
}

static void sizeof_arith_names_the_insn_holding_the_size(void **state)
{
	const struct bpf_insn by_imm[] = {
		CALL(BPF_FUNC_get_current_task),
		ADD64_IMM(0, 16384 - 168 + 128),	/* 1: &task_pt_regs()->ip */
		PROBE_READ_R0(),
	};
	const struct bpf_insn by_mov[] = {
		CALL(BPF_FUNC_get_current_task),
		MOV64_IMM(6, 16384 - 168 + 128),	/* 1 */
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		PROBE_READ_R0(),
	};
	const struct bpf_insn by_ld[] = {
		CALL(BPF_FUNC_get_current_task),
		LD_IMM64_LO(6, 0, -168), INSN(0, 0, 0, 0, -1),	/* 1: r6 = -168 */
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		ADD64_IMM(0, 128),
		PROBE_READ_R0(),
	};
	const struct bpf_insn joined[] = {
		CALL(BPF_FUNC_get_current_task),
		JEQ_IMM(1, 0, 2),
		MOV64_IMM(6, 16384 - 168 + 128),
		JA(1),
		MOV64_IMM(6, 16384 - 168 + 128),	/* the same constant, another insn */
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		PROBE_READ_R0(),
	};
	(void)state;
	expect_sizeof_ip(by_imm, ARRAY_LEN(by_imm), PTREGS_OFF_ALU_IMM, 1);
	expect_sizeof_ip(by_mov, ARRAY_LEN(by_mov), PTREGS_OFF_ALU_IMM, 1);
	expect_sizeof_ip(by_ld, ARRAY_LEN(by_ld), PTREGS_OFF_ALU_IMM, 1);
	/* still sizeof arithmetic, but no one instruction holds the size */
	expect_sizeof_ip(joined, ARRAY_LEN(joined), PTREGS_OFF_NONE, 0);
}

static void sizeof_arith_between_equal_layouts_is_unchanged(void **state)
{
	const struct bpf_insn prog[] = {
		CALL(BPF_FUNC_get_current_task),
		ADD64_IMM(0, 16384 - 176 + 136),	/* &task_pt_regs()->ip, pkrs */
		PROBE_READ_R0(),
	};
	struct ptregs_prog p = { .sz = sizeof(p), .insns = prog, .insn_cnt = ARRAY_LEN(prog),
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access *a;
	size_t n;

	(void)state;
	assert_int_equal(analyze_between(&p, pkrs, pkrs, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PTREGS_ACC_SIZEOF);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_UNCHANGED);
	assert_string_equal(a[0].old_field, "ip");
	free(a);
	/* read from the old layout, the same bytes are suspect */
	assert_int_equal(analyze_between(&p, legacy, pkrs, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].verdict, PTREGS_VERDICT_SUSPECT);
	free(a);
}

/* The access at INSN, or NULL. */
static const struct ptregs_access *access_at(const struct ptregs_access *a, size_t n, uint32_t insn)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].insn == insn)
			return &a[i];
	return NULL;
}

/* r7 = bpf_map_lookup_elem(map, &key), key at r10 - 4; r6 = ctx */
#define LOOKUP_INTO_R7()                                                     \
	MOV64_REG(6, 1), INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),          \
	MOV64_REG(2, 10), ADD64_IMM(2, -4), LD_IMM64_LO(1, BPF_PSEUDO_MAP_FD, 3), \
	LD_IMM64_HI(), CALL(BPF_FUNC_map_lookup_elem), MOV64_REG(7, 0)

/* probe_read_kernel(r7 + OFF, 168, ctx): the registers into the value */
#define COPY_CTX_TO_R7(off)                                                  \
	MOV64_REG(1, 7), ADD64_IMM(1, off), MOV64_IMM(2, 168), MOV64_REG(3, 6),   \
	CALL(BPF_FUNC_probe_read_kernel)

#define MANY_LOOKUPS 260

static void copy_after_the_copy_table_fills_is_unanalysed(void **state)
{
	size_t n = 2 + MANY_LOOKUPS * 5 + 7, k = 0, cnt;
	struct bpf_insn *prog = calloc(n, sizeof(*prog));
	const struct ptregs_access *ld, *pr;
	struct ptregs_access *a;
	uint32_t copy;

	(void)state;
	assert_non_null(prog);
	prog[k++] = MOV64_REG(6, 1);
	prog[k++] = INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	for (int i = 0; i < MANY_LOOKUPS; i++) {
		prog[k++] = MOV64_REG(2, 10);
		prog[k++] = ADD64_IMM(2, -4);
		prog[k++] = LD_IMM64_LO(1, BPF_PSEUDO_MAP_FD, 3);
		prog[k++] = LD_IMM64_HI();
		prog[k++] = CALL(BPF_FUNC_map_lookup_elem);
	}
	prog[k++] = MOV64_REG(3, 6);
	prog[k++] = MOV64_REG(1, 10);
	prog[k++] = ADD64_IMM(1, -168);
	prog[k++] = MOV64_IMM(2, 168);
	copy = (uint32_t)k;
	prog[k++] = CALL(BPF_FUNC_probe_read_kernel);
	prog[k++] = LDX64(0, 10, -56);	/* copy.di */
	prog[k++] = EXIT();
	assert_int_equal(k, n);
	cnt = analyze(prog, n, PTREGS_CTX_PT_REGS, &a);
	/* the copy is not followed, and says so where it is made and read */
	pr = NULL;
	for (size_t i = 0; i < cnt; i++)
		if (a[i].insn == copy && a[i].verdict == PTREGS_VERDICT_UNANALYSED)
			pr = &a[i];
	assert_non_null(pr);
	assert_non_null(strstr(pr->note, "too many"));
	ld = access_at(a, cnt, copy + 1);
	assert_non_null(ld);
	assert_int_equal(ld->verdict, PTREGS_VERDICT_UNANALYSED);
	free(a);
	free(prog);
}

static void copies_in_a_loop_converge_and_their_reads_are_reported(void **state)
{
	const struct bpf_insn prog[] = {
		LOOKUP_INTO_R7(),
		MOV64_IMM(8, 0),
		COPY_CTX_TO_R7(0),	/* 9..13, every iteration */
		ADD64_IMM(8, 1),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 8, 0, -7, 4),
		LDX64(0, 7, 112),	/* value->di */
		EXIT(),
	};
	const struct ptregs_access *ld;
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	ld = access_at(a, n, 16);
	assert_non_null(ld);
	assert_int_equal(ld->kind, PTREGS_ACC_LOAD);
	free(a);
}

static void other_probe_read_into_the_value_keeps_the_copy(void **state)
{
	const struct bpf_insn prog[] = {
		LOOKUP_INTO_R7(),
		COPY_CTX_TO_R7(0),	/* 8..12: e->regs */
		MOV64_REG(1, 7), ADD64_IMM(1, 168), MOV64_IMM(2, 16), MOV64_IMM(3, 0),
		CALL(BPF_FUNC_probe_read_kernel_str),	/* e->comm, after the regs */
		LDX64(0, 7, 112),	/* e->regs.di */
		EXIT(),
	};
	const struct ptregs_access *ld;
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	ld = access_at(a, n, 18);
	assert_non_null(ld);
	assert_int_equal(ld->verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(ld->old_field, "di");
	assert_string_equal(ld->new_field, "si");
	assert_int_equal(ld->copy_insn, 12);
	free(a);
}

static void probe_read_over_part_of_a_copy_replaces_that_part(void **state)
{
	const struct bpf_insn prog[] = {
		LOOKUP_INTO_R7(),
		COPY_CTX_TO_R7(0),
		MOV64_REG(1, 7), ADD64_IMM(1, 104), MOV64_IMM(2, 8), MOV64_IMM(3, 0),
		CALL(BPF_FUNC_probe_read_kernel),	/* over si */
		LDX64(0, 7, 104),	/* si: not a register any more */
		LDX64(0, 7, 112),	/* di: still the copy's */
		EXIT(),
	};
	const struct ptregs_access *ld;
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	assert_null(access_at(a, n, 18));
	ld = access_at(a, n, 19);
	assert_non_null(ld);
	assert_int_equal(ld->verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(ld->old_field, "di");
	free(a);
}

static void store_into_a_copy_in_a_map_value_overwrites_it(void **state)
{
	const struct bpf_insn prog[] = {
		LOOKUP_INTO_R7(),
		COPY_CTX_TO_R7(0),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 7, 0, 112, 5),	/* e->regs.di = 5 */
		LDX64(0, 7, 112),	/* the program's own 5 */
		LDX64(0, 7, 104),	/* si: still the copy's */
		EXIT(),
	};
	const struct ptregs_access *ld;
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	assert_null(access_at(a, n, 14));
	ld = access_at(a, n, 15);
	assert_non_null(ld);
	assert_int_equal(ld->verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(ld->old_field, "si");
	free(a);
}

static void store_into_a_copy_on_the_stack_overwrites_it(void **state)
{
	const struct bpf_insn prog[] = {
		COPY_CTX_TO_STACK(),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -56, 5),	/* copy.di = 5 */
		LDX64(0, 10, -56),
		EXIT(),
	};
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	assert_null(access_at(a, n, 6));
	free(a);
}

static void copy_by_a_subprogram_into_the_callers_stack_is_followed(void **state)
{
	const struct bpf_insn prog[] = {
		MOV64_REG(2, 1), MOV64_REG(1, 10), ADD64_IMM(1, -168),
		CALL_PSEUDO(2),	/* fill(&copy, ctx) */
		LDX64(0, 10, -40),	/* copy.ip */
		EXIT(),
		MOV64_REG(3, 2), MOV64_IMM(2, 168),	/* fill: */
		CALL(BPF_FUNC_probe_read_kernel),
		EXIT(),
	};
	const struct ptregs_access *ld;
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	ld = access_at(a, n, 4);
	assert_non_null(ld);
	assert_int_equal(ld->verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(ld->old_field, "ip");
	assert_string_equal(ld->new_field, "orig_ax");
	assert_int_equal(ld->copy_insn, 8);
	free(a);
}

static void subprogram_store_over_the_callers_copy_is_not_the_copy(void **state)
{
	const struct bpf_insn prog[] = {
		COPY_CTX_TO_STACK(),
		MOV64_REG(1, 10), ADD64_IMM(1, -168),
		CALL_PSEUDO(2),	/* clear(&copy) */
		LDX64(0, 10, -40),	/* copy.ip */
		EXIT(),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 1, 0, 128, 0),	/* clear: copy->ip = 0 */
		EXIT(),
	};
	const struct ptregs_access *ld;
	struct ptregs_access *a;
	size_t n;

	(void)state;
	n = analyze(prog, ARRAY_LEN(prog), PTREGS_CTX_PT_REGS, &a);
	ld = access_at(a, n, 8);
	assert_true(!ld || ld->verdict == PTREGS_VERDICT_UNANALYSED);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(direct_load_of_di_reads_si_after),
		cmocka_unit_test(ld_imm64_counts_two_slots),
		cmocka_unit_test(spill_reload_and_arithmetic_are_followed),
		cmocka_unit_test(alu32_on_the_pointer_loses_it),
		cmocka_unit_test(paths_with_different_offsets_are_unanalysed),
		cmocka_unit_test(subprogram_gets_the_context_argument),
		cmocka_unit_test(bpf_loop_callback_sees_the_callers_stack),
		cmocka_unit_test(atomic_fetch_overwrites_the_register),
		cmocka_unit_test(perf_event_regs_are_safe_and_sample_period_ignored),
		cmocka_unit_test(raw_tp_args0_is_a_pt_regs_pointer),
		cmocka_unit_test(syscall_wrapper_inner_regs_are_followed),
		cmocka_unit_test(core_relocation_makes_the_access_safe),
		cmocka_unit_test(relocated_base_plus_fixed_displacement_is_a_fixed_offset),
		cmocka_unit_test(field_offset_relocation_is_taken_among_several_on_one_insn),
		cmocka_unit_test(subprogram_returning_the_context_is_followed),
		cmocka_unit_test(paths_with_different_relocated_offsets_are_relocated),
		cmocka_unit_test(flavoured_pt_regs_names_are_pt_regs),
		cmocka_unit_test(malformed_programs_are_reported_not_followed),
		cmocka_unit_test(unsorted_relocations_are_refused),
		cmocka_unit_test(probe_read_copy_of_ctx_is_followed_to_its_reads),
		cmocka_unit_test(copy_of_the_old_sizeof_is_reported_with_its_size),
		cmocka_unit_test(two_field_copy_is_read_at_its_offset_in_the_copy),
		cmocka_unit_test(field_by_field_copy_is_reported_where_each_field_is_copied),
		cmocka_unit_test(copy_into_a_map_value_is_followed),
		cmocka_unit_test(core_relocated_read_of_a_copy_stays_relocated),
		cmocka_unit_test(copy_read_in_a_subprogram_is_followed),
		cmocka_unit_test(copy_between_equal_layouts_is_unchanged),
		cmocka_unit_test(copy_from_a_relocated_field_follows_it_on_the_target),
		cmocka_unit_test(task_stack_sizeof_copy_is_suspect),
		cmocka_unit_test(one_pass_judges_a_join_after_all_its_paths),
		cmocka_unit_test(sizeof_arith_names_the_insn_holding_the_size),
		cmocka_unit_test(sizeof_arith_between_equal_layouts_is_unchanged),
		cmocka_unit_test(offset_sites_name_the_insn_holding_the_constant),
		cmocka_unit_test(copy_after_the_copy_table_fills_is_unanalysed),
		cmocka_unit_test(copies_in_a_loop_converge_and_their_reads_are_reported),
		cmocka_unit_test(other_probe_read_into_the_value_keeps_the_copy),
		cmocka_unit_test(probe_read_over_part_of_a_copy_replaces_that_part),
		cmocka_unit_test(store_into_a_copy_in_a_map_value_overwrites_it),
		cmocka_unit_test(store_into_a_copy_on_the_stack_overwrites_it),
		cmocka_unit_test(copy_by_a_subprogram_into_the_callers_stack_is_followed),
		cmocka_unit_test(subprogram_store_over_the_callers_copy_is_not_the_copy),
	};

	return cmocka_run_group_tests_name("analysis", tests, setup, teardown);
}
