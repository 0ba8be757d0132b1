/*
 * libFuzzer target over the object reader and the analysis: the input is
 * scanned as a BPF ELF object (every program linked and analysed), and also
 * analysed as a raw instruction array under each context type. An object
 * that opens also goes through ptregs fix: both strategies planned, the
 * retarget applied to a copy, the portable rewrite written to a memory
 * file, and each result read back. Wherever the analysis's quick path is
 * taken, the full analysis must find the same; wherever it gives patches
 * (pt_quick_patches()), into pkrs or into a layout where only some
 * registers move, the preload's plan over the full analysis must give the
 * same and refuse nothing.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <ptregs/object.h>
#include <ptregs/runtime.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fix.h"
#include "internal.h"

const char *bin_name = "fuzz";
static struct ptregs_layout *from, *to, *swapped;
/* per register of FROM: its offset in pkrs; in SWAPPED, legacy with the
 * first two of every four registers swapped (some stay, some move) */
static int to_off[2][64];

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	libbpf_set_print(quiet);
	/* libbpf's own open crashes on some inputs: not ours to fuzz */
	fix_verify_libbpf = false;
	from = ptregs_layout_load("builtin:legacy", NULL, NULL);
	to = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	if (!from || !to || ptregs_layout_field_cnt(from) > 64)
		return -1;
	swapped = pt_layout_new("pt_regs", false, ptregs_layout_size(from), "fuzz:swapped");
	for (size_t i = 0, n = ptregs_layout_field_cnt(from); swapped && i < n; i++) {
		size_t k = i % 4 == 0 && i + 1 < n ? i + 1 : i % 4 == 1 ? i - 1 : i;
		const struct ptregs_field *f = ptregs_layout_field(from, i);
		const struct ptregs_field *g = ptregs_layout_field(from, k);

		if (pt_layout_add(swapped, NULL, g->name, g->type, f->offset * 8, 0, f->size))
			return -1;
	}
	if (!swapped)
		return -1;
	pt_layout_finish(swapped);
	for (size_t i = 0; i < ptregs_layout_field_cnt(from); i++) {
		const struct ptregs_field *f = ptregs_layout_field(from, i);

		to_off[0][i] = ptregs_reg_offset(to, f->name);
		to_off[1][i] = ptregs_reg_offset(swapped, f->name);
	}
	return 0;
}

/* The quick patches of P into OFFS are the plan's over the accesses F
 * (analysed into the layout OFFS is of). */
union rewrite256 {
	struct pt_rewrite rw;
	unsigned char raw[sizeof(struct pt_rewrite) + 256 * sizeof(struct pt_patch)];
};

static void same_patches(const struct ptregs_prog *p, const struct ptregs_access *f, size_t fn,
			 const int *offs)
{
	union rewrite256 q = { .rw = { .cap = 256 } }, ref = { .rw = { .cap = 256 } };

	if (pt_quick_patches(p, from, offs, &q.rw) != 0)
		return;
	pt_plan(&ref.rw, f, fn, from, offs, NULL, NULL);
	if (ref.rw.bad || ref.rw.cnt != q.rw.cnt)
		__builtin_trap();
	for (size_t i = 0; i < q.rw.cnt; i++) {
		const struct pt_patch *x = &q.rw.p[i];
		size_t k = 0;

		while (k < ref.rw.cnt && ref.rw.p[k].insn != x->insn)
			k++;
		if (k == ref.rw.cnt || ref.rw.p[k].site != x->site || ref.rw.p[k].delta != x->delta)
			__builtin_trap();
	}
}

static void analyze(const struct bpf_insn *insns, size_t n, enum ptregs_ctx_type ctx,
		    const struct ptregs_insn_relo *relos, size_t relo_cnt, uint64_t args, bool wrap)
{
	struct ptregs_prog p = {
		.sz = sizeof(p), .insns = insns, .insn_cnt = n, .ctx = ctx,
		.pt_regs_args = args, .syscall_wrapper = wrap, .relos = relos, .relo_cnt = relo_cnt,
	};
	struct ptregs_analysis *an = ptregs_analysis_new(&p, from, to);
	struct ptregs_access *q, *f;
	size_t qn, fn;

	for (size_t i = 0; an && i < ptregs_analysis_access_cnt(an); i++)
		(void)ptregs_analysis_access(an, i)->verdict;
	ptregs_analysis_free(an);
	/* where the quick path is taken, the full analysis finds the same */
	if (pt_analyze(&p, from, to, &q, &qn, PT_ANALYZE_QUICK) != 0)
		return;
	if (pt_analyze(&p, from, to, &f, &fn, PT_ANALYZE_FULL) != 0 || qn != fn)
		__builtin_trap();
	for (size_t i = 0; i < qn; i++)
		if (q[i].insn != f[i].insn || q[i].kind != f[i].kind || q[i].origin != f[i].origin ||
		    q[i].verdict != f[i].verdict || q[i].offset != f[i].offset ||
		    q[i].size != f[i].size || q[i].off_site != f[i].off_site ||
		    q[i].off_insn != f[i].off_insn || q[i].copy_insn != f[i].copy_insn ||
		    q[i].copy_size != f[i].copy_size || q[i].old_field != f[i].old_field ||
		    q[i].new_field != f[i].new_field || q[i].relo_field != f[i].relo_field ||
		    q[i].note != f[i].note)
			__builtin_trap();
	if (ctx == PTREGS_CTX_PT_REGS) {
		struct ptregs_access *g;
		size_t gn;

		same_patches(&p, f, fn, to_off[0]);
		if (pt_analyze(&p, from, swapped, &g, &gn, PT_ANALYZE_FULL) == 0) {
			same_patches(&p, g, gn, to_off[1]);
			free(g);
		}
	}
	free(q);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PTREGS_OPTS(ptregs_object_opts, oo, .name = "fuzz", .to = to);
	struct ptregs_object *o = ptregs_object_open_mem(data, size, &oo);

	for (size_t i = 0; o && i < ptregs_object_prog_cnt(o); i++) {
		const struct ptregs_object_prog *op = ptregs_object_prog(o, i);
		const struct ptregs_prog *p = ptregs_object_prog_linked(op);

		analyze(p->insns, p->insn_cnt, p->ctx, p->relos, p->relo_cnt, p->pt_regs_args,
			p->syscall_wrapper);
		for (uint32_t k = 0; k < p->insn_cnt; k += 7) {
			const char *file, *text;
			uint32_t line, col;

			ptregs_object_prog_line(o, op, k, &file, &line, &col, &text);
		}
	}
	for (int strat = FIX_PORTABLE; o && strat <= FIX_RETARGET; strat++) {
		struct fix_opts fopts = { .from = from, .to = to, .to_name = "builtin:pkrs",
					  .strategy = (enum fix_strategy)strat };
		struct fix_object fo = { 0 };
		char err[256];

		if (fix_plan(&fopts, o, data, size, &fo) == 0 && fo.edit_cnt) {
			if (strat == FIX_RETARGET) {
				uint8_t *copy = malloc(size);

				if (copy) {
					memcpy(copy, data, size);
					if (!fix_apply_retarget(&fo, &fopts, copy, size, err, sizeof(err)))
						(void)fix_verify(data, size, copy, size, err, sizeof(err));
					free(copy);
				}
			} else {
				int fd = memfd_create("fuzz-fix", MFD_CLOEXEC);

				if (fd >= 0 && !fix_write_portable(&fo, &fopts, data, size, fd, err,
								   sizeof(err))) {
					off_t n = lseek(fd, 0, SEEK_END);
					uint8_t *back = n > 0 ? malloc((size_t)n) : NULL;

					if (back && pread(fd, back, (size_t)n, 0) == n)
						(void)fix_verify(data, size, back, (size_t)n, err,
								 sizeof(err));
					free(back);
				}
				if (fd >= 0)
					close(fd);
			}
		}
		fix_object_free(&fo);
	}
	ptregs_object_close(o);
	/* the host-file readers over the same bytes */
	{
		size_t pos = 0, off, objsz;

		while (ptregs_embedded_next(data, size, &pos, &off, &objsz))
			;
		(void)ptregs_light_skeleton(data, size);
	}

	if (size >= sizeof(struct bpf_insn) && size < 64 * 1024) {
		const struct bpf_insn *insns = (const struct bpf_insn *)data;
		size_t n = size / sizeof(*insns);

		/* the input's first byte picks the context */
		analyze(insns, n, (enum ptregs_ctx_type)(data[0] % 5), NULL, 0, data[1] & 1,
			data[1] & 2);
	}
	return 0;
}
