/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libptregs: one model of a C struct layout (name, size, fields by member
 * path, offset and size), loaded from BTF, DWARF or built-in tables, and
 * the comparison of two layouts.
 *
 * Functions returning pointers return NULL and set errno on failure;
 * functions returning int return a negative errno. In both cases
 * ptregs_errmsg() holds a one-line description naming the input and the
 * problem.
 */
#ifndef PTREGS_PTREGS_H
#define PTREGS_PTREGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PTREGS_API __attribute__((visibility("default")))

/*
 * Declare and zero an options struct with its sz set, as LIBBPF_OPTS does:
 * PTREGS_OPTS(ptregs_open_opts, o, .force_dwarf = true);
 */
#define PTREGS_OPTS(TYPE, NAME, ...)                                           \
	struct TYPE NAME = ({                                                  \
		__builtin_memset(&NAME, 0, sizeof(struct TYPE));               \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };       \
	})

#define PTREGS_VERSION_MAJOR 0
#define PTREGS_VERSION_MINOR 2
#define PTREGS_VERSION_PATCH 0
#define PTREGS_VERSION_STRING "0.2.0"

/* Last error of the calling thread, or "" when there was none. */
PTREGS_API const char *ptregs_errmsg(void);
PTREGS_API const char *ptregs_version(void);

enum ptregs_source_kind {
	PTREGS_SOURCE_BTF = 1,
	PTREGS_SOURCE_DWARF,
	PTREGS_SOURCE_BUILTIN,
};

/*
 * One member of a layout. Anonymous struct and union members are flattened
 * into their parent, as C names them (regs->cs for a union member of
 * pt_regs); members of a named member of anonymous type get a dotted path
 * ("u.a"). A member of a named struct type is one field.
 */
struct ptregs_field {
	const char *name;	/* member path */
	const char *type;	/* C type name, or NULL when not recorded */
	uint32_t offset;	/* bytes from the start of the struct */
	uint32_t size;		/* bytes; the storage unit for a bitfield */
	uint32_t bit_offset;	/* bits from the start of the struct */
	uint32_t bit_size;	/* 0 unless the field is a bitfield */
};

struct ptregs_layout;
struct ptregs_source;

struct ptregs_open_opts {
	size_t sz;		/* sizeof(struct ptregs_open_opts) */
	const char *base_btf;	/* base BTF path for split BTF, or NULL */
	bool force_dwarf;	/* read DWARF even when the ELF has .BTF */
	bool no_types;		/* skip type names (faster whole-BTF work) */
};

/*
 * A source of layouts: "builtin:NAME", a raw BTF file (such as
 * /sys/kernel/btf/vmlinux), or an ELF file with .BTF or DWARF. BTF is used
 * when an ELF has both, unless opts->force_dwarf.
 */
PTREGS_API struct ptregs_source *ptregs_source_open(const char *spec,
						    const struct ptregs_open_opts *opts);
PTREGS_API void ptregs_source_close(struct ptregs_source *src);
PTREGS_API enum ptregs_source_kind ptregs_source_kind(const struct ptregs_source *src);
/* "btf:/sys/kernel/btf/vmlinux", "dwarf:./a.out", "builtin:legacy" */
PTREGS_API const char *ptregs_source_name(const struct ptregs_source *src);

/*
 * Load the layout of a named struct or union. NAME may be prefixed with
 * "struct " or "union "; without a prefix a struct is preferred, then a
 * union, then a typedef naming either.
 */
PTREGS_API struct ptregs_layout *ptregs_source_layout(struct ptregs_source *src,
						      const char *name);

/*
 * Every named struct and union of the source, sorted by name with each
 * name once (the first complete definition wins). *names stays owned by
 * the source. Each entry is "struct NAME" or "union NAME".
 */
PTREGS_API int ptregs_source_types(struct ptregs_source *src,
				   const char *const **names, size_t *cnt);

/* Open SPEC, load NAME (NULL: "pt_regs"), close. */
PTREGS_API struct ptregs_layout *ptregs_layout_load(const char *spec, const char *name,
						    const struct ptregs_open_opts *opts);

PTREGS_API void ptregs_layout_free(struct ptregs_layout *l);
PTREGS_API const char *ptregs_layout_name(const struct ptregs_layout *l);
PTREGS_API bool ptregs_layout_is_union(const struct ptregs_layout *l);
PTREGS_API uint32_t ptregs_layout_size(const struct ptregs_layout *l);
PTREGS_API const char *ptregs_layout_origin(const struct ptregs_layout *l);
PTREGS_API size_t ptregs_layout_field_cnt(const struct ptregs_layout *l);
/* Fields in ascending offset order, members of one union in declaration order. */
PTREGS_API const struct ptregs_field *ptregs_layout_field(const struct ptregs_layout *l,
							  size_t idx);
PTREGS_API const struct ptregs_field *ptregs_layout_find(const struct ptregs_layout *l,
							 const char *name);
/*
 * The field an access of SIZE bytes at OFFSET reads: an exact offset and
 * size match first, then the smallest non-bitfield field containing the
 * whole access (SIZE 0, a size not known: the byte at OFFSET). NULL when
 * the access hits padding or straddles fields.
 */
PTREGS_API const struct ptregs_field *ptregs_layout_field_at(const struct ptregs_layout *l,
							     uint32_t offset, uint32_t size);

/* Built-in layouts: NULL-terminated list of names usable as "builtin:NAME". */
PTREGS_API const char *const *ptregs_builtin_names(void);
PTREGS_API const char *ptregs_builtin_description(const char *name);

/* Comparison of two layouts of the same type. */
enum ptregs_change_kind {
	PTREGS_CHANGE_ADDED = 1,
	PTREGS_CHANGE_REMOVED,
	PTREGS_CHANGE_MOVED,	/* offset changed (possibly size too) */
	PTREGS_CHANGE_RESIZED,	/* same offset, other size */
};

/* How a layout changed, as a whole. */
enum ptregs_compat {
	PTREGS_COMPAT_SAME = 0,
	PTREGS_COMPAT_COMPATIBLE = 1,	/* changed, every old slot still readable in place */
	PTREGS_COMPAT_INCOMPATIBLE = 2,	/* a field moved, shrank or vanished */
};

/*
 * One changed field. Records are the library's, reached through
 * ptregs_diff_change(); later versions may append members.
 */
struct ptregs_change {
	enum ptregs_change_kind kind;
	const char *name;
	const char *kept_by;	/* field that still holds the old slot, or NULL */
	const char *now_at_old;	/* what a read at the old offset gets now, or NULL */
	bool incompatible;
	uint32_t old_offset, old_size, old_bit_offset, old_bit_size;
	uint32_t new_offset, new_size, new_bit_offset, new_bit_size;
};

struct ptregs_diff;

/*
 * Compare OLD and NEW field by field. Moved fields, shrunk fields whose old
 * bytes are not still covered by a field at the same offset, removed fields
 * whose slot no other field keeps, and a smaller struct are incompatible.
 * The diff points into both layouts: free it before them.
 */
PTREGS_API struct ptregs_diff *ptregs_layout_diff(const struct ptregs_layout *old_l,
						  const struct ptregs_layout *new_l);
PTREGS_API void ptregs_diff_free(struct ptregs_diff *d);
PTREGS_API const char *ptregs_diff_name(const struct ptregs_diff *d);
PTREGS_API uint32_t ptregs_diff_old_size(const struct ptregs_diff *d);
PTREGS_API uint32_t ptregs_diff_new_size(const struct ptregs_diff *d);
PTREGS_API enum ptregs_compat ptregs_diff_compat(const struct ptregs_diff *d);
/* Changes in ascending offset order (removed fields at their old offset). */
PTREGS_API size_t ptregs_diff_change_cnt(const struct ptregs_diff *d);
PTREGS_API const struct ptregs_change *ptregs_diff_change(const struct ptregs_diff *d, size_t idx);
PTREGS_API const char *ptregs_change_kind_str(enum ptregs_change_kind k);
PTREGS_API const char *ptregs_compat_str(enum ptregs_compat c);

#ifdef __cplusplus
}
#endif

#endif /* PTREGS_PTREGS_H */
