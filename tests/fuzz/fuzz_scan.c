/*
 * libFuzzer target over the object reader and the analysis: the input is
 * scanned as a BPF ELF object (every program linked and analysed), and also
 * analysed as a raw instruction array under each context type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <ptregs/object.h>

static struct ptregs_layout *from, *to;

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
	from = ptregs_layout_load("builtin:legacy", NULL, NULL);
	to = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	return from && to ? 0 : -1;
}

static void analyze(const struct bpf_insn *insns, size_t n, enum ptregs_ctx_type ctx,
		    const struct ptregs_insn_relo *relos, size_t relo_cnt, uint64_t args, bool wrap)
{
	struct ptregs_prog p = {
		.sz = sizeof(p), .insns = insns, .insn_cnt = n, .ctx = ctx,
		.pt_regs_args = args, .syscall_wrapper = wrap, .relos = relos, .relo_cnt = relo_cnt,
	};
	struct ptregs_analysis *an = ptregs_analysis_new(&p, from, to);

	for (size_t i = 0; an && i < ptregs_analysis_access_cnt(an); i++)
		(void)ptregs_analysis_access(an, i)->verdict;
	ptregs_analysis_free(an);
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
