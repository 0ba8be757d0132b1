/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libptregs object reader: BPF ELF objects, alone or embedded in the
 * executables and libraries that carry them (libbpf skeletons). Each
 * program libbpf would open comes out linked with its subprograms, its
 * CO-RE relocations and line info, ready for ptregs_analysis_new().
 */
#ifndef PTREGS_OBJECT_H
#define PTREGS_OBJECT_H

#include <ptregs/analysis.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ptregs_object;
struct ptregs_object_prog;

struct ptregs_object_opts {
	size_t sz;		/* sizeof(struct ptregs_object_opts) */
	const char *name;	/* for messages; default "<memory>" or the path */
	/* Target layout: tells CO-RE relocations naming fields it lacks. */
	const struct ptregs_layout *to;
	size_t :0;
};

/*
 * Open the BPF ELF object in BUF (copied) or at PATH. NULL and errno on
 * failure, with ptregs_errmsg() saying why (truncated, not BPF, malformed
 * .BTF or .BTF.ext...). Problems confined to one section or program do not
 * fail the open: see ptregs_object_warning().
 */
PTREGS_API struct ptregs_object *ptregs_object_open_mem(const void *buf, size_t size,
							const struct ptregs_object_opts *opts);
PTREGS_API struct ptregs_object *ptregs_object_open_file(const char *path,
							 const struct ptregs_object_opts *opts);
PTREGS_API void ptregs_object_close(struct ptregs_object *obj);

PTREGS_API const char *ptregs_object_name(const struct ptregs_object *obj);
/* The object declares libbpf's USDT spec map: its USDT argument offsets
 * come from the host program's libbpf at attach time. */
PTREGS_API bool ptregs_object_uses_usdt(const struct ptregs_object *obj);
PTREGS_API size_t ptregs_object_warning_cnt(const struct ptregs_object *obj);
PTREGS_API const char *ptregs_object_warning(const struct ptregs_object *obj, size_t idx);

PTREGS_API size_t ptregs_object_prog_cnt(const struct ptregs_object *obj);
PTREGS_API const struct ptregs_object_prog *ptregs_object_prog(const struct ptregs_object *obj,
							       size_t idx);
PTREGS_API const char *ptregs_object_prog_name(const struct ptregs_object_prog *prog);
/* The ELF section, as written ("?kprobe/vfs_read" keeps its '?'). */
PTREGS_API const char *ptregs_object_prog_section(const struct ptregs_object_prog *prog);
/* "kprobe", "usdt", "perf_event"...; NULL when neither libbpf nor
 * libptregs knows the section. */
PTREGS_API const char *ptregs_object_prog_type(const struct ptregs_object_prog *prog);
/* Section starts with '?': libbpf opens it with autoload off. */
PTREGS_API bool ptregs_object_prog_optional(const struct ptregs_object_prog *prog);
/* Defined static: libbpf refuses to open the object, other loaders do not. */
PTREGS_API bool ptregs_object_prog_static(const struct ptregs_object_prog *prog);
/* Why linking was incomplete (a call to a function not in the object), or NULL. */
PTREGS_API const char *ptregs_object_prog_error(const struct ptregs_object_prog *prog);
/* The linked program, valid as long as OBJ. */
PTREGS_API const struct ptregs_prog *ptregs_object_prog_linked(const struct ptregs_object_prog *prog);

/*
 * Where linked instruction INSN of PROG comes from: the index of its ELF
 * section (in the object's section header table) and its instruction index
 * in that section; a subprogram's instructions appear in every program
 * that calls it. 0, or -ENOENT when INSN is out of range.
 */
PTREGS_API int ptregs_object_prog_insn_origin(const struct ptregs_object_prog *prog, uint32_t insn,
					      size_t *shndx, uint32_t *sec_insn);

/* Source position of linked instruction INSN: 0, or -ENOENT without line info. */
PTREGS_API int ptregs_object_prog_line(const struct ptregs_object *obj,
				       const struct ptregs_object_prog *prog, uint32_t insn,
				       const char **file, uint32_t *line, uint32_t *col,
				       const char **text);

/*
 * Is there a complete little-endian BPF ELF object at BUF? Its size (up to
 * its last section or section header) in *obj_size.
 */
PTREGS_API bool ptregs_elf_is_bpf(const void *buf, size_t avail, size_t *obj_size);

/*
 * The next BPF ELF object embedded in a host file (a skeleton's copy of its
 * object) at or after *pos: true with its offset and size, and *pos moved
 * past it. An object at offset 0 is the file itself, not an embedded one.
 */
PTREGS_API bool ptregs_embedded_next(const void *buf, size_t size, size_t *pos, size_t *off,
				     size_t *obj_size);
/*
 * The same, looking only at objects that start before LIMIT (each still
 * checked against the whole SIZE): a large file read a window at a time.
 * *pos ends at LIMIT at least when nothing is found.
 */
PTREGS_API bool ptregs_embedded_next_in(const void *buf, size_t size, size_t limit,
					size_t *pos, size_t *off, size_t *obj_size);

/*
 * A light skeleton (bpftool gen skeleton -L): a loader program, whose
 * instructions embed the BPF programs without an ELF object, and the
 * names it loads under. True only for that shape.
 */
PTREGS_API bool ptregs_light_skeleton(const void *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* PTREGS_OBJECT_H */
