/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libptregs BPF instruction analysis: follow every pointer to a struct
 * pt_regs through a BPF program (copies, stack spills, constant arithmetic,
 * subprogram calls, callbacks, probe reads) and classify each access under
 * a source and a target layout.
 *
 * It works on a linked instruction array, as the kernel receives it: the
 * main program followed by its subprograms, with BPF_PSEUDO_CALL and
 * BPF_PSEUDO_FUNC immediates relative to the instruction after them.
 * Instruction indices count ld_imm64 as two slots.
 */
#ifndef PTREGS_ANALYSIS_H
#define PTREGS_ANALYSIS_H

#include <ptregs/ptregs.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_insn;

/* What the program's context (r1 at entry) is. */
enum ptregs_ctx_type {
	PTREGS_CTX_OTHER = 0,	/* nothing pt_regs-shaped in the context */
	PTREGS_CTX_PT_REGS,	/* kprobe, uprobe, usdt...: struct pt_regs * */
	PTREGS_CTX_PERF_EVENT,	/* struct bpf_perf_event_data *, regs at 0 */
	PTREGS_CTX_RAW_TP_ARGS,	/* raw_tp/tp_btf: u64 args[]; see pt_regs_args */
	PTREGS_CTX_BTF_ARGS,	/* fentry/fexit: u64 args[]; see pt_regs_args */
};

/*
 * A CO-RE relocation that produced an instruction's offset or immediate.
 * Callers hand the library arrays of these, so this record is frozen: it
 * never grows, and what later versions need comes in through new members
 * of struct ptregs_prog.
 */
struct ptregs_insn_relo {
	uint32_t insn;		/* index in the linked program */
	uint32_t kind;		/* enum bpf_core_relo_kind */
	const char *type_name;	/* root type, e.g. "pt_regs" (a "___flavor" suffix is ignored) */
	const char *field;	/* accessed member path, e.g. "di", or NULL */
	bool field_missing;	/* the member does not exist in the target layout */
};

struct ptregs_prog {
	size_t sz;		/* sizeof(struct ptregs_prog) */
	const struct bpf_insn *insns;
	size_t insn_cnt;
	enum ptregs_ctx_type ctx;
	/* RAW_TP_ARGS / BTF_ARGS: bit i set when args[i] is a struct pt_regs * */
	uint64_t pt_regs_args;
	/* A syscall wrapper probe: the first argument read out of the context
	 * (the 'di' slot under the source layout) is the inner pt_regs pointer. */
	bool syscall_wrapper;
	const struct ptregs_insn_relo *relos;	/* sorted by insn */
	size_t relo_cnt;
};

enum ptregs_verdict {
	PTREGS_VERDICT_BREAKS = 1,		/* compile-time offset now reads another field */
	PTREGS_VERDICT_SUSPECT,			/* sizeof(struct pt_regs) baked into arithmetic */
	PTREGS_VERDICT_RELOCATED,		/* a CO-RE relocation produced the offset: safe */
	PTREGS_VERDICT_SAFE_ABI,		/* bpf_perf_event_data context read: kept stable */
	PTREGS_VERDICT_FAILS_TO_LOAD,		/* CO-RE relocation names fields the kernel lacks */
	PTREGS_VERDICT_BREAKS_HOST_LIBBPF,	/* offset comes from the host's libbpf (USDT) */
	PTREGS_VERDICT_UNANALYSED,		/* the analysis could not follow this */
	PTREGS_VERDICT_UNCHANGED,		/* compile-time offset, same field in both layouts */
};

enum ptregs_access_kind {
	PTREGS_ACC_LOAD = 1,	/* ldx from the pointer */
	PTREGS_ACC_STORE,	/* st/stx into it */
	PTREGS_ACC_ATOMIC,	/* atomic op on it */
	PTREGS_ACC_PROBE_READ,	/* bpf_probe_read*() with it as source */
	PTREGS_ACC_VAR_OFFSET,	/* read at an offset not known statically */
	PTREGS_ACC_ESCAPE,	/* pointer passed where it cannot be followed */
	PTREGS_ACC_SIZEOF,	/* arithmetic with sizeof(struct pt_regs) */
};

/* Where an access's offset is written in the program. */
enum ptregs_off_site {
	PTREGS_OFF_NONE = 0,
	PTREGS_OFF_INSN,	/* the off field of the access insn */
	PTREGS_OFF_ALU_IMM,	/* the imm of the add at off_insn */
};

/* Where the pointer came from. */
enum ptregs_origin {
	PTREGS_FROM_CTX = 1,	/* the program's pt_regs context */
	PTREGS_FROM_PERF_CTX,	/* &ctx->regs of a perf_event context */
	PTREGS_FROM_INNER,	/* syscall wrapper: regs read out of the context */
	PTREGS_FROM_TASK,	/* bpf_task_pt_regs() */
	PTREGS_FROM_ARG,	/* a pt_regs * argument of raw_tp or fentry */
	PTREGS_FROM_UNKNOWN,	/* a pointer of unknown origin (sizeof arithmetic) */
};

struct ptregs_access {
	uint32_t insn;		/* index in the linked program */
	enum ptregs_access_kind kind;
	enum ptregs_origin origin;
	enum ptregs_verdict verdict;
	uint32_t offset;	/* into struct pt_regs (or bpf_perf_event_data) */
	uint32_t size;
	const char *old_field;	/* under the source layout, NULL if none */
	const char *new_field;	/* under the target layout, NULL if none */
	const char *relo_field;	/* CO-RE field, when relocated */
	const char *note;	/* short explanation, static storage */
	/*
	 * A load from a copy of the registers (a probe read of them onto the
	 * stack or into a map value): offset, fields and verdict describe the
	 * pt_regs bytes the copy holds there, not the insn's own offset.
	 * copy_insn is the probe read that made the copy, copy_size how many
	 * bytes it copied. A probe read that copies exactly the source
	 * layout's sizeof(struct pt_regs) has copy_size set too. 0 otherwise.
	 */
	uint32_t copy_insn;
	uint32_t copy_size;
	/*
	 * Which constant holds the offset, for a rewriter: the off field of
	 * the access insn itself (a load or store through the pointer as it
	 * came), or the immediate of the 64-bit add at off_insn that made the
	 * pointer (ctx + 112 passed to a probe read). PTREGS_OFF_NONE when no
	 * one constant does: reads of copies, offsets that differ by path or
	 * come from a register. For sizeof arithmetic (PTREGS_ACC_SIZEOF, not
	 * a copy) PTREGS_OFF_ALU_IMM names the instruction whose immediate
	 * holds the sizeof constant: the add or subtract that made the
	 * pointer, or the mov or ld_imm64 that loaded its register operand.
	 */
	enum ptregs_off_site off_site;
	uint32_t off_insn;
};

/*
 * The accesses of one program, sorted by insn. The record a caller reads
 * through ptregs_analysis_access() may grow at its end in later versions;
 * the array behind it is the library's.
 */
struct ptregs_analysis;

/*
 * Analyse PROG. FROM is the layout it was compiled for, TO the layout of
 * the kernel it will run on; the field names in the results point into
 * them, so free the analysis before them. NULL and errno on failure.
 */
PTREGS_API struct ptregs_analysis *ptregs_analysis_new(const struct ptregs_prog *prog,
						       const struct ptregs_layout *from,
						       const struct ptregs_layout *to);
PTREGS_API void ptregs_analysis_free(struct ptregs_analysis *an);
PTREGS_API size_t ptregs_analysis_access_cnt(const struct ptregs_analysis *an);
PTREGS_API const struct ptregs_access *ptregs_analysis_access(const struct ptregs_analysis *an,
							      size_t idx);

PTREGS_API const char *ptregs_verdict_str(enum ptregs_verdict v);
PTREGS_API const char *ptregs_access_kind_str(enum ptregs_access_kind k);
PTREGS_API const char *ptregs_origin_str(enum ptregs_origin o);

#ifdef __cplusplus
}
#endif

#endif /* PTREGS_ANALYSIS_H */
