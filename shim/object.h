/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libptregs internals: reading BPF ELF objects: sections, programs, relocations, BTF and
 * .BTF.ext, and linking each program with its subprograms as libbpf does.
 */
#ifndef PTREGS_SHIM_OBJECT_H
#define PTREGS_SHIM_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libelf.h>
#include <ptregs/object.h>
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

struct ptregs_object_prog {
	const char *name;
	const char *section;	/* as written, with a leading '?' */
	const char *type;	/* "kprobe", "perf_event", ... or NULL when unknown */
	bool optional;		/* '?' section: not auto-loaded */
	bool is_static;		/* local symbol */
	struct ptregs_prog linked;	/* insns and relos below, ctx from the section */
	struct bpf_insn *insns;	/* linked: program then subprograms */
	struct link_origin *origin;
	struct ptregs_insn_relo *relos;
	char *error;		/* linking problem, or NULL */
};

struct ptregs_object {
	char *name;
	uint8_t *buf;
	size_t size;
	Elf *elf;
	struct btf *btf;
	struct pt_ext_info ext;
	bool has_ext, uses_usdt;
	struct obj_sec *secs;
	size_t sec_cnt;
	struct obj_func *funcs;
	size_t func_cnt;
	struct ptregs_object_prog *progs;
	size_t prog_cnt;
	char **warnings;	/* per-section problems that did not stop the rest */
	size_t warn_cnt;
};

/*
 * Open the BPF ELF object in BUF (copied) into O. TO is the target layout,
 * used to tell CO-RE relocations the kernel cannot satisfy. On error,
 * returns a negative errno with the reason in ptregs_errmsg(); O is then
 * still to be closed.
 */
int pt_obj_open(struct ptregs_object *o, const char *name, const void *buf, size_t size,
		const struct ptregs_layout *to);
void pt_obj_close(struct ptregs_object *o);

#endif
