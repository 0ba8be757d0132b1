// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BTF loader: raw BTF, ELF .BTF and split BTF, through libbpf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "internal.h"

#define MAX_DEPTH 32

struct btf_priv {
	struct btf *btf;
	struct btf *base;
};

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int guard = MAX_DEPTH;

	while (t && guard-- && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return guard < 0 ? NULL : t;
}

/* Handles: a type is its id in w[0]; a member, its parent's id and its index. */
static int btf_first_member(void *priv, const struct pt_ref *t, struct pt_ref *m)
{
	const struct btf_type *bt = btf__type_by_id(priv, (__u32)t->w[0]);

	if (!bt || !btf_is_composite(bt) || btf_vlen(bt) == 0)
		return 0;
	memset(m, 0, sizeof(*m));
	m->w[0] = t->w[0];
	return 1;
}

static int btf_next_member(void *priv, struct pt_ref *m)
{
	const struct btf_type *bt = btf__type_by_id(priv, (__u32)m->w[0]);

	return ++m->w[1] < btf_vlen(bt);
}

static int btf_member(void *priv, const struct ptregs_layout *l, const struct pt_ref *m,
		      unsigned int idx, struct pt_member *out)
{
	const struct btf *btf = priv;
	const struct btf_type *t = btf__type_by_id(btf, (__u32)m->w[0]);
	__u32 i = (__u32)m->w[1];
	const struct btf_member *bm = btf_members(t) + i;

	(void)l;
	(void)idx;
	out->name = btf__name_by_offset(btf, bm->name_off);
	out->bit_offset = btf_member_bit_offset(t, i);
	out->bit_size = btf_member_bitfield_size(t, i);
	memset(&out->type, 0, sizeof(out->type));
	out->type.w[0] = bm->type;
	return 0;
}

static void btf_type(void *priv, const struct pt_ref *ref, struct pt_tinfo *out)
{
	const struct btf *btf = priv;
	__u32 id = (__u32)ref->w[0];
	const struct btf_type *t = btf__type_by_id(btf, id);

	memset(out, 0, sizeof(*out));
	if (id == 0) {
		out->kind = PT_T_VOID;
		return;
	}
	if (!t) {
		out->kind = PT_T_INVALID;
		return;
	}
	out->name = btf__name_by_offset(btf, t->name_off);
	out->has_target = true;
	out->target.w[0] = t->type;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		out->kind = PT_T_PTR;
		return;
	case BTF_KIND_CONST:
		out->kind = PT_T_CONST;
		return;
	case BTF_KIND_VOLATILE:
		out->kind = PT_T_VOLATILE;
		return;
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		out->kind = PT_T_TRANSPARENT;
		return;
	case BTF_KIND_TYPEDEF:
		out->kind = PT_T_TYPEDEF;
		return;
	case BTF_KIND_ARRAY:
		out->kind = PT_T_ARRAY;
		out->target.w[0] = btf_array(t)->type;
		out->nelems = btf_array(t)->nelems;
		return;
	}
	out->has_target = false;
	out->target.w[0] = 0;
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		out->kind = PT_T_STRUCT;
		break;
	case BTF_KIND_UNION:
		out->kind = PT_T_UNION;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		out->kind = PT_T_ENUM;
		break;
	case BTF_KIND_FUNC_PROTO:
		out->kind = PT_T_FUNC;
		break;
	default:
		out->kind = PT_T_OTHER;
	}
}

static uint32_t btf_size(void *priv, const struct pt_ref *t)
{
	__s64 sz = btf__resolve_size(priv, (__u32)t->w[0]);

	/* flexible or unsized array members are legal */
	return sz < 0 ? 0 : (uint32_t)sz;
}

static const struct pt_walk_ops btf_walk_ops = {
	.first_member = btf_first_member,
	.next_member = btf_next_member,
	.member = btf_member,
	.type = btf_type,
	.size = btf_size,
};

/* NAME names an anonymous type reached through a typedef. */
static struct ptregs_layout *btf_layout_of(struct ptregs_source *src, __u32 id, const char *name)
{
	struct btf_priv *p = src->priv;
	struct pt_ref t = { .w = { id } };

	return pt_walk_layout(&btf_walk_ops, p->btf, &t, name, src->name, !src->opts.no_types);
}

static struct ptregs_layout *btf_layout(struct ptregs_source *src, enum pt_name_kind kind,
					const char *name)
{
	struct btf_priv *p = src->priv;
	__s32 id = -ENOENT;

	if (src->indexed) {
		const struct pt_type_ent *e = NULL;

		if (kind != PT_UNION)
			e = pt_index_find(&src->index, false, name);
		if (!e && kind != PT_STRUCT)
			e = pt_index_find(&src->index, true, name);
		if (e)
			return btf_layout_of(src, (__u32)e->ref, name);
	}
	if (kind != PT_UNION)
		id = btf__find_by_name_kind(p->btf, name, BTF_KIND_STRUCT);
	if (id < 0 && kind != PT_STRUCT)
		id = btf__find_by_name_kind(p->btf, name, BTF_KIND_UNION);
	if (id < 0 && kind == PT_ANY) {
		__s32 td = btf__find_by_name_kind(p->btf, name, BTF_KIND_TYPEDEF);
		const struct btf_type *t;
		__u32 rid;

		if (td > 0) {
			t = skip_mods(p->btf, (__u32)td, &rid);
			if (t && btf_is_composite(t))
				id = (__s32)rid;
		}
	}
	if (id <= 0)
		return pt_err_null(ENOENT, "%s: no %s named '%s'", src->path,
				   kind == PT_UNION ? "union" : kind == PT_STRUCT ? "struct" :
				   "struct or union", name);
	return btf_layout_of(src, (__u32)id, name);
}

static int btf_index(struct ptregs_source *src)
{
	struct btf_priv *p = src->priv;
	__u32 n = btf__type_cnt(p->btf);
	int err;

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(p->btf, id);
		const char *name;

		if (!t || !btf_is_composite(t) || !t->name_off)
			continue;
		name = btf__name_by_offset(p->btf, t->name_off);
		if (!name || !*name)
			continue;
		err = pt_index_add(&src->index, btf_is_union(t), name, id);
		if (err)
			return err;
	}
	return 0;
}

static void btf_close(struct ptregs_source *src)
{
	struct btf_priv *p = src->priv;

	if (!p)
		return;
	btf__free(p->btf);
	btf__free(p->base);
	free(p);
	src->priv = NULL;
}

static const struct pt_source_ops btf_ops = {
	.layout = btf_layout,
	.index = btf_index,
	.close = btf_close,
};

static int parse_fail(const char *path, const char *what, int err)
{
	const char *detail = pt_libbpf_last();

	if (err == ENOENT && !*detail)
		return pt_err(err, "%s: no .BTF section", path);
	if (*detail) {
		if (strncmp(detail, "libbpf: ", 8) == 0)
			detail += 8;
		return pt_err(err ? err : EINVAL, "%s: invalid %s: %s", path, what, detail);
	}
	return pt_err(err ? err : EINVAL, "%s: invalid %s (%s)", path, what,
		      strerror(err ? err : EINVAL));
}

int pt_btf_open(struct ptregs_source *src, const char *path, bool is_elf)
{
	struct btf_priv *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return pt_err(ENOMEM, "out of memory");
	src->priv = p;
	src->ops = &btf_ops;
	err = pt_source_set_name(src, PTREGS_SOURCE_BTF, "btf", path);
	if (err)
		return err;

	if (src->opts.base_btf && access(src->opts.base_btf, R_OK) != 0)
		return pt_err(errno, "%s: base BTF: %s", src->opts.base_btf, strerror(errno));
	pt_libbpf_capture_begin();
	if (src->opts.base_btf) {
		p->base = btf__parse(src->opts.base_btf, NULL);
		if (!p->base) {
			err = parse_fail(src->opts.base_btf, "base BTF", errno);
			goto out;
		}
	}
	if (is_elf)
		p->btf = btf__parse_elf_split(path, p->base);
	else
		p->btf = btf__parse_raw_split(path, p->base);
	if (!p->btf)
		err = parse_fail(path, p->base ? "split BTF" : "BTF", errno);
out:
	pt_libbpf_capture_end();
	return err;
}
