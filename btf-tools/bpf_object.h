/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading BPF ELF objects: sections, programs, relocations, BTF and
 * .BTF.ext, and linking each program with its subprograms as libbpf does.
 */
#ifndef PTREGS_BPF_OBJECT_H
#define PTREGS_BPF_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libelf.h>
#include <ptregs/analysis.h>
#include "btf_ext.h"

#include <linux/bpf.h>
struct btf;

struct obj_sec {
	const char *name;
	size_t shndx;
	const struct bpf_insn *insns;	/* NULL unless an executable section */
	struct bpf_insn *owned;		/* aligned copy, when the section was not */
	size_t insn_cnt;
	size_t rel_cnt;
	struct obj_rel *rels;		/* sorted by insn */
};

struct obj_rel {
	uint32_t insn;		/* insn index in its section */
	uint32_t target_sec;	/* section index into obj->secs, or UINT32_MAX */
	uint64_t sym_off;	/* symbol value, bytes */
	bool sym_is_func;
};

struct obj_func {
	const char *name;
	uint32_t sec;		/* index into obj->secs */
	uint32_t start, cnt;	/* in insns */
	bool global;
};

struct link_origin {
	uint32_t sec, insn;	/* section index, insn index in the section */
};

struct obj_prog {
	const char *name;
	const char *section;
	const char *type;	/* "kprobe", "perf_event", ... or NULL when unknown */
	enum ptregs_ctx_type ctx;
	uint64_t pt_regs_args;
	bool syscall_wrapper;
	struct bpf_insn *insns;	/* linked: program then subprograms */
	size_t insn_cnt;
	struct link_origin *origin;
	struct ptregs_insn_relo *relos;
	size_t relo_cnt;
	char *error;		/* linking problem, or NULL */
};

struct bpf_obj {
	char *name;
	uint8_t *buf;
	size_t size;
	Elf *elf;
	struct btf *btf;
	struct btf_ext_info ext;
	bool has_ext, uses_usdt;
	struct obj_sec *secs;
	size_t sec_cnt;
	struct obj_func *funcs;
	size_t func_cnt;
	struct obj_prog *progs;
	size_t prog_cnt;
	char **warnings;	/* per-section problems that did not stop the rest */
	size_t warn_cnt;
};

/*
 * Open the BPF ELF object in BUF (copied). TO is the target layout, used to
 * tell CO-RE relocations the kernel cannot satisfy. On error, returns a
 * negative errno and puts the reason in ERR.
 */
int bpf_obj_open(struct bpf_obj *o, const char *name, const void *buf, size_t size,
		 const struct ptregs_layout *to, char *err, size_t errlen);
void bpf_obj_close(struct bpf_obj *o);

/* Is there a BPF ELF object at BUF? Its full size in *obj_size. */
bool bpf_elf_at(const uint8_t *buf, size_t avail, size_t *obj_size);

/* Line info for a linked insn: 0 when found. */
int bpf_obj_line(const struct bpf_obj *o, const struct obj_prog *p, uint32_t insn,
		 const char **file, uint32_t *line, uint32_t *col, const char **text);

#endif
