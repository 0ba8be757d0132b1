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
#include <ptregs/analysis.h>
#include "bpf_object.h"

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
	struct ptregs_access *acc = NULL;
	size_t cnt = 0;

	if (ptregs_analyze(&p, from, to, &acc, &cnt) == 0)
		free(acc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpf_obj o;
	char err[256];

	if (bpf_obj_open(&o, "fuzz", data, size, to, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < o.prog_cnt; i++) {
			const struct obj_prog *p = &o.progs[i];
			analyze(p->insns, p->insn_cnt, p->ctx, p->relos, p->relo_cnt,
				p->pt_regs_args, p->syscall_wrapper);
			for (uint32_t k = 0; k < p->insn_cnt; k += 7) {
				const char *file, *text;
				uint32_t line, col;

				bpf_obj_line(&o, p, k, &file, &line, &col, &text);
			}
		}
	}
	bpf_obj_close(&o);

	if (size >= sizeof(struct bpf_insn) && size < 64 * 1024) {
		const struct bpf_insn *insns = (const struct bpf_insn *)data;
		size_t n = size / sizeof(*insns);

		/* the input's first byte picks the context */
		analyze(insns, n, (enum ptregs_ctx_type)(data[0] % 5), NULL, 0, data[1] & 1,
			data[1] & 2);
	}
	return 0;
}
