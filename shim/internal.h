/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libptregs internals: not part of the public API. */
#ifndef PTREGS_INTERNAL_H
#define PTREGS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <ptregs/ptregs.h>
#include <ptregs/analysis.h>

/*
 * The code of a translated load: the preload's path through the quick
 * analysis, kept together in the text (the linker groups .text.hot.*).
 * Under QEMU's TCG, where each program load flushes the guest's TLB and
 * QEMU's jump cache, every page that path spans and every branch between
 * pages costs a lookup after each load.
 */
#define PT_HOT __attribute__((section(".text.hot.ptregs")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* error.c */
/* Record a message for ptregs_errmsg() and return -err (err > 0). */
int pt_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As pt_err(), but set errno and return NULL. */
void *pt_err_null(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_err_clear(void);

/*
 * Options structs grow at the end: a caller built against an older header
 * passes a smaller sz, one built against a newer header a larger one whose
 * extra bytes must be zero (we would ignore them). LAST is the last field
 * of the first version of the struct.
 */
bool pt_opts_valid(const void *opts, size_t user_sz, size_t min_sz, size_t our_sz,
		   const char *type);
#define PT_OPTS_VALID(opts, type, last)                                              \
	(!(opts) || pt_opts_valid((opts), (opts)->sz,                                \
				  offsetof(struct type, last) + sizeof((opts)->last), \
				  sizeof(struct type), #type))

/* A whole file mapped read-only (or empty): file.c */
struct pt_file {
	const void *data;
	size_t size;
	void *map;
};
/* 0, or a negative errno with a message naming PATH. */
int pt_file_map(struct pt_file *f, const char *path);
void pt_file_unmap(struct pt_file *f);
/*
 * Does the ELF header at HDR (AVAIL bytes of it read) promise more than
 * FILE_SIZE bytes? 1 with "truncated: ..." in MSG. libelf does not say:
 * it reads a cut file as one without sections.
 */
int pt_elf_truncated(const void *hdr, size_t avail, uint64_t file_size, char *msg, size_t len);

/* arena.c: strings that live as long as their owner, never moved */
struct pt_arena {
	struct pt_arena_block *head;
};
char *pt_arena_strdup(struct pt_arena *a, const char *s);
char *pt_arena_concat(struct pt_arena *a, const char *p, const char *s);
void pt_arena_free(struct pt_arena *a);

/* layout.c */
#define PT_LAYOUT_SLOTS 32

struct ptregs_layout {
	char *name;
	char *origin;
	bool is_union;
	uint32_t size;
	struct ptregs_field *fields;
	size_t cnt, cap;
	struct pt_arena strings;
	/* by pt_layout_finish: the field that is exactly the 8 bytes at
	 * 8 * i (the first, as ptregs_layout_field_at finds it), or -1 */
	int16_t slot[PT_LAYOUT_SLOTS];
};

struct ptregs_layout *pt_layout_new(const char *name, bool is_union, uint32_t size,
				    const char *origin);
/* PREFIX may be NULL; NAME and TYPE are copied. */
int pt_layout_add(struct ptregs_layout *l, const char *prefix, const char *name,
		  const char *type, uint32_t bit_offset, uint32_t bit_size, uint32_t size);
/* Sort fields by offset (stable). */
void pt_layout_finish(struct ptregs_layout *l);

/* Split "struct foo" / "union foo" / "foo" into a kind (0 any, 1 struct, 2 union). */
enum pt_name_kind { PT_ANY = 0, PT_STRUCT, PT_UNION };
const char *pt_split_name(const char *name, enum pt_name_kind *kind);

/* Sorted, deduplicated type index shared by the loaders. */
struct pt_type_ent {
	const char *name;	/* "struct foo" / "union foo" */
	uint64_t ref;		/* loader's handle: BTF id or DIE offset */
};

struct pt_type_index {
	struct pt_type_ent *ents;
	const char **names;
	size_t cnt, cap;
	struct pt_arena strings;
};
int pt_index_add(struct pt_type_index *ix, bool is_union, const char *name, uint64_t ref);
int pt_index_finish(struct pt_type_index *ix);
const struct pt_type_ent *pt_index_find(const struct pt_type_index *ix, bool is_union,
					const char *name);
void pt_index_free(struct pt_type_index *ix);

/* insn_analysis.c: *out (free() it) holds *cnt accesses sorted by insn. */
struct ptregs_prog;
struct ptregs_access;
int ptregs_analyze(const struct ptregs_prog *prog, const struct ptregs_layout *from,
		   const struct ptregs_layout *to, struct ptregs_access **out, size_t *cnt);
/*
 * The same, by a chosen path: ANY takes the quick path when the program is
 * one for it; FULL never does; QUICK only does, and returns 1 (nothing in
 * *out) for a program that is not one for it. The two must agree.
 */
enum pt_analyze_path { PT_ANALYZE_ANY, PT_ANALYZE_FULL, PT_ANALYZE_QUICK };
int pt_analyze(const struct ptregs_prog *prog, const struct ptregs_layout *from,
	       const struct ptregs_layout *to, struct ptregs_access **out, size_t *cnt,
	       enum pt_analyze_path path);
/* The same, the accesses in BUF (BUF_CAP of them) while they fit: *out is
 * BUF, NULL (none), or an array to free() (when they did not fit, or when
 * the quick path grew one before giving up: then perhaps with *cnt 0). For
 * the preload, where a malloc() after each program load costs more than
 * the analysis (cold caches under QEMU's TCG). Unlike pt_analyze(), it
 * leaves ptregs_errmsg() as it is on success (clearing it is a
 * thread-local access through the C library). */
int pt_analyze_into(const struct ptregs_prog *prog, const struct ptregs_layout *from,
		    const struct ptregs_layout *to, struct ptregs_access *buf, size_t buf_cap,
		    struct ptregs_access **out, size_t *cnt, enum pt_analyze_path path);

/* rewrite.c: a rewrite's patches, each adding DELTA to the constant at
 * SITE of instruction INSN; planned from the analysis' records, or taken
 * from the quick path (pt_quick_patches()), and applied */
struct pt_patch {
	uint32_t insn;
	enum ptregs_off_site site;
	int32_t delta;
};
struct pt_rewrite {
	size_t cnt, cap;	/* patches, room for them in p */
	char why[256];		/* the first access that cannot be rewritten */
	uint32_t bad;		/* how many cannot */
	struct pt_patch p[];	/* at most one per constant */
};
/* The offset in the target (TO_OFF, as for pt_quick_patches()) of byte
 * OFF of field F of FROM, or -1 when the target lacks the register. */
int pt_field_to(const struct ptregs_layout *from, const int *to_off,
		const struct ptregs_field *f, int64_t off);
/* ...of an access of SIZE bytes at OFF (*field: its register, or NULL) */
int pt_translate_off(const struct ptregs_layout *from, const int *to_off, int off, uint32_t size,
		     const char **field);
/*
 * Plans the patches of the N accesses ACC (the analysis' records, from
 * FROM) into RW; rw->bad counts those that cannot be rewritten, rw->why
 * says why for the first. A variable offset is left alone when
 * VAR_OFFSET_OK(ARG) says so (asked once, when one comes; NULL: never).
 */
void pt_plan(struct pt_rewrite *rw, const struct ptregs_access *acc, size_t n,
	     const struct ptregs_layout *from, const int *to_off,
	     bool (*var_offset_ok)(void *arg), void *arg);
/* The patch of constant SITE of INSN into RW; false when the constant
 * already has another, or RW is full. */
bool pt_add_patch(struct pt_rewrite *rw, uint32_t insn, enum ptregs_off_site site,
		  int32_t delta);
/* Drops the patches of delta 0 (a constant claimed by registers that
 * stay): how many are left, in order. */
size_t pt_patches_moved(struct pt_patch *patch, size_t cnt);
/* RW's patches applied to INSNS; false when one falls outside them or
 * its constant overflows. */
bool pt_apply(const struct pt_rewrite *rw, struct bpf_insn *insns, size_t n);

/*
 * insn_analysis.c: the patches that translate a program's accesses of the
 * context, from the quick path alone, into RW (rw->cnt of them, at most
 * rw->cap; rw->bad and rw->why untouched): for the preload, which
 * otherwise records every access (pt_analyze_into()) and then plans. TO_OFF
 * gives, per field of FROM, the same register's offset in the target (or
 * -1). 0 when the quick path covers PROG and every access is a
 * one-register read of a known size whose offset one constant holds, and
 * no constant serves registers that move differently, one of them perhaps
 * not at all (none of delta 0 kept: 0 patches when nothing moves); 1, with
 * rw->cnt 0, for anything else, which the full path then records, and the
 * plan refuses or patches, with its reasons.
 */
int pt_quick_patches(const struct ptregs_prog *prog, const struct ptregs_layout *from,
		     const int *to_off, struct pt_rewrite *rw);

/* diff.c */
struct ptregs_diff {
	const char *name;
	uint32_t old_size, new_size;
	enum ptregs_compat compat;
	size_t change_cnt;
	struct ptregs_change *changes;
};

/* analysis.c: "pt_regs" or a CO-RE flavor of it ("pt_regs___x86") */
bool pt_is_pt_regs_name(const char *n);
/*
 * layout_walk.c: the member walk and type naming both loaders share. A
 * loader describes its types and members through these ops, on handles
 * it defines (a BTF id, a DWARF DIE); the walk does the rest.
 */
struct pt_ref {
	uint64_t w[6];		/* loader's handle: BTF id (and member index), Dwarf_Die */
};

enum pt_tkind {
	PT_T_INVALID,		/* a dangling reference */
	PT_T_VOID,
	PT_T_PTR,
	PT_T_CONST,
	PT_T_VOLATILE,
	PT_T_TRANSPARENT,	/* restrict, type tags, _Atomic: spelled as their target */
	PT_T_TYPEDEF,
	PT_T_ARRAY,
	PT_T_STRUCT,
	PT_T_UNION,
	PT_T_ENUM,
	PT_T_FUNC,
	PT_T_OTHER,		/* base types, forward declarations...: spelled by name */
};

struct pt_tinfo {
	enum pt_tkind kind;
	const char *name;	/* NULL or "" when anonymous */
	uint64_t nelems;	/* arrays */
	bool has_target;	/* what a pointer, qualifier, typedef or array refers to */
	struct pt_ref target;
};

struct pt_member {
	const char *name;	/* NULL or "" when anonymous */
	uint32_t bit_offset;	/* from the start of the containing type */
	uint32_t bit_size;	/* 0 unless a bitfield */
	struct pt_ref type;
};

struct pt_walk_ops {
	/* The first member of T, then the one after *M: 1, 0 at the end, or -errno. */
	int (*first_member)(void *priv, const struct pt_ref *t, struct pt_ref *m);
	int (*next_member)(void *priv, struct pt_ref *m);
	/* Describe member M (the IDXth of L's type, for messages), or -errno. */
	int (*member)(void *priv, const struct ptregs_layout *l, const struct pt_ref *m,
		      unsigned int idx, struct pt_member *out);
	void (*type)(void *priv, const struct pt_ref *t, struct pt_tinfo *out);
	/* sizeof T; 0 when it has none (flexible arrays) */
	uint32_t (*size)(void *priv, const struct pt_ref *t);
};

/*
 * The layout of struct or union T: anonymous members flattened, members of
 * named anonymous types as "name.member", TYPES: each member's type spelled.
 * NAME names T when it is anonymous (reached through a typedef).
 */
struct ptregs_layout *pt_walk_layout(const struct pt_walk_ops *ops, void *priv,
				     const struct pt_ref *t, const char *name,
				     const char *origin, bool types);

/* source.c */
struct pt_source_ops {
	struct ptregs_layout *(*layout)(struct ptregs_source *src, enum pt_name_kind kind,
					const char *name);
	int (*index)(struct ptregs_source *src);
	void (*close)(struct ptregs_source *src);
};

struct ptregs_source {
	enum ptregs_source_kind kind;
	char *name;		/* "btf:PATH" ... */
	const char *path;	/* points into name */
	const struct pt_source_ops *ops;
	struct ptregs_open_opts opts;
	struct pt_type_index index;
	bool indexed;
	void *priv;
};

/* Set kind and the "prefix:path" name (src->path points into it). */
int pt_source_set_name(struct ptregs_source *src, enum ptregs_source_kind kind,
		       const char *prefix, const char *path);
/* Build the type index once (ops->index, then sorted and deduplicated). */
int pt_source_index(struct ptregs_source *src);
int pt_btf_open(struct ptregs_source *src, const char *path, bool is_elf);
/* BTF in memory (copied by libbpf), named PATH. */
int pt_btf_open_mem(struct ptregs_source *src, const char *path, const void *data, size_t len);
/* A source of BTF in memory named PATH, or NULL (errno, message). */
struct ptregs_source *pt_source_btf_mem(const char *path, const void *data, size_t len);
/*
 * btf_prefix.c: the first struct NAME of raw BTF file PATH (a base BTF:
 * type ids from 1) and every type it refers to, renumbered, with the whole
 * string section, as BTF in *OUT (malloc'ed); -errno when the file is not
 * one it can cut so.
 */
int pt_btf_head(const char *path, const char *name, void **out, size_t *out_len);
/*
 * kimage.c: the .BTF of the vmlinux in a compressed x86 kernel image
 * (bzImage) or in the boot/vmlinuz-* of a Debian kernel package (.deb),
 * malloc'ed into *BTF.
 */
int pt_kimage_btf(const char *path, void **btf, size_t *btf_len);
bool pt_is_bzimage(const void *buf, size_t len);
/*
 * Check raw BTF (a file, an ELF's .BTF) before libbpf parses it, naming
 * PATH and the problem; WHAT says which BTF ("BTF", "base BTF"). SPLIT: it
 * extends a base, so its string section may be empty.
 */
int pt_btf_check(const char *path, const char *what, const void *data, size_t len,
		 bool split);
/* An ELF file: picks .BTF or DWARF (opts.force_dwarf) and opens it. */
int pt_dwarf_open(struct ptregs_source *src, const char *path);
int pt_builtin_open(struct ptregs_source *src, const char *which);

#endif
