/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptregs fix: the plan of an object's rewrite, and the writers that carry it out. */
#ifndef PTREGS_FIX_H
#define PTREGS_FIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ptregs/analysis.h>

struct ptregs_object;
struct btf;

enum fix_strategy {
	FIX_PORTABLE = 1,	/* inject CO-RE relocations: right on any kernel */
	FIX_RETARGET,		/* rewrite offsets for one target layout, sizes kept */
};

enum fix_edit_kind {
	EDIT_OFFSET = 1,	/* an offset or immediate rewritten (retarget) */
	EDIT_INJECT_RELO,	/* a CO-RE field byte-offset relocation added (portable) */
	EDIT_REPOINT_RELO,	/* a relocation naming UAPI fields pointed at the local type */
	EDIT_DROP_RELO,		/* perf_event: the relocation dropped, the frozen offset set */
};

/* One rewrite of one instruction of one ELF section. */
struct fix_edit {
	enum fix_edit_kind kind;
	size_t shndx;		/* ELF section of the instruction */
	uint32_t sec_insn;	/* its index there */
	enum ptregs_off_site site;
	int32_t old_val, new_val;	/* the off or imm, before and after */
	char *field;		/* the local type's member (portable), or NULL */
	uint32_t member;	/* its index in the local type */
	/* the relocation replaced (repoint, drop): its old type and field */
	char *relo_type, *relo_field;
	uint32_t relo_kind;
	/* sizeof(struct pt_regs) arithmetic (retarget): the sizes, else 0 */
	uint32_t old_size, new_size;
};

/* One access as the user sees it: changed, or left as it was and why. */
struct fix_item {
	char *program;
	uint32_t insn;		/* linked index, as scan reports it */
	uint32_t site_insn;	/* linked index of the instruction rewritten */
	char *src_file;
	unsigned line;
	enum ptregs_verdict verdict;
	uint32_t offset, size;
	uint32_t new_offset;	/* sizeof arithmetic, fixed: where the target has what it read */
	char *old_field, *new_field;
	bool fixed;
	bool copy;		/* reads a copy, fixed with the probe read that made it */
	uint32_t copy_insn;
	int edit;		/* index into the object's edits, or -1 */
	char *reason;		/* unfixed: why, and what to do instead */
};

struct fix_object {
	char *name;		/* path, or host@0xoff for an embedded object */
	size_t host_off;	/* offset in the host file; 0 for a plain object */
	bool embedded;
	enum fix_strategy strategy;
	bool already;		/* retargeted before (marked in e_ident) */
	struct fix_edit *edits;
	size_t edit_cnt;
	struct fix_item *items;
	size_t item_cnt;
	size_t fixed_cnt, unfixed_cnt;
	char *note;		/* about the object as a whole, or NULL */
};

struct fix_opts {
	const struct ptregs_layout *from, *to;	/* to: the target, or pkrs for portable */
	const char *to_name;
	enum fix_strategy strategy;
};

/* fix_plan.c: analyse every program of O; 0 or a negative errno with ptregs_errmsg(). */
int fix_plan(const struct fix_opts *opts, const struct ptregs_object *o, const uint8_t *buf,
	     size_t size, struct fix_object *fo);
void fix_object_free(struct fix_object *fo);

/* The e_ident padding mark of a retargeted object: "ptR" and a layout hash. */
#define FIX_MARK_OFF 9
#define FIX_MARK_LEN 7
void fix_mark(const struct ptregs_layout *to, uint8_t mark[FIX_MARK_LEN]);

/*
 * fix_write.c. Retarget: patch OBJ (SIZE bytes, the object's own bytes,
 * inside a host or not) in place. 0 or -1 with ERR set.
 */
int fix_apply_retarget(const struct fix_object *fo, const struct fix_opts *opts, uint8_t *obj,
		       size_t size, char *err, size_t errlen);
/*
 * Portable: write the rewritten object (new .BTF and .BTF.ext) to FD.
 * 0 or -1 with ERR set.
 */
int fix_write_portable(const struct fix_object *fo, const struct fix_opts *opts, const uint8_t *obj,
		       size_t size, int fd, char *err, size_t errlen);
/*
 * Check a written object OBJ as libbpf will see it (btf__new, btf_ext__new,
 * and bpf_object__open_mem when the original ORIG opens): 0 or -1 with ERR.
 */
/* false: leave out the libbpf open (the fuzz target, where a child cannot crash quietly) */
extern bool fix_verify_libbpf;
int fix_verify(const uint8_t *orig, size_t orig_size, const uint8_t *obj, size_t size,
	       char *err, size_t errlen);

#endif
