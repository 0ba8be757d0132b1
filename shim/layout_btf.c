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

/* A C-like spelling of type ID, enough to tell fields apart. */
static void type_str(const struct btf *btf, __u32 id, char *buf, size_t len, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	char inner[256];
	const char *n;

	if (len)
		buf[0] = '\0';
	if (id == 0) {
		snprintf(buf, len, "void");
		return;
	}
	if (!t || depth > 8) {
		snprintf(buf, len, "?");
		return;
	}
	n = btf__name_by_offset(btf, t->name_off);
	if (!n)
		n = "";
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		type_str(btf, t->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, len, "%s *", inner);
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		type_str(btf, t->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, len, "%s%s", btf_is_const(t) ? "const " :
			 btf_is_volatile(t) ? "volatile " : "", inner);
		break;
	case BTF_KIND_ARRAY:
		type_str(btf, btf_array(t)->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, len, "%s[%u]", inner, btf_array(t)->nelems);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		snprintf(buf, len, "%s %s", btf_is_struct(t) ? "struct" : "union",
			 *n ? n : "(anon)");
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, len, "enum %s", *n ? n : "(anon)");
		break;
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, len, "function");
		break;
	default:
		snprintf(buf, len, "%s", *n ? n : "?");
	}
}

static int flatten(struct ptregs_layout *l, const struct btf *btf, const struct btf_type *t,
		   uint32_t base_bits, const char *prefix, bool types, int depth)
{
	const struct btf_member *m = btf_members(t);
	__u16 vlen = btf_vlen(t);
	char tbuf[256];
	int err;

	if (depth > MAX_DEPTH)
		return pt_err(ELOOP, "%s: type nesting too deep (malformed BTF?)", l->origin);
	for (__u16 i = 0; i < vlen; i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint32_t bit_off = base_bits + btf_member_bit_offset(t, i);
		uint32_t bits = btf_member_bitfield_size(t, i);
		const struct btf_type *mt;
		__u32 mid;
		__s64 sz;

		mt = skip_mods(btf, m->type, &mid);
		if (!mt)
			return pt_err(EINVAL, "%s: %s member #%u has invalid type id %u",
				      l->origin, l->name, i, m->type);
		if (!name)
			name = "";
		if (!*name && !btf_is_composite(mt))
			continue;	/* unnamed bitfield padding */
		if (!*name) {
			err = flatten(l, btf, mt, bit_off, prefix, types, depth + 1);
			if (err)
				return err;
			continue;
		}
		sz = btf__resolve_size(btf, m->type);
		if (sz < 0) {
			/* flexible or unsized array members are legal */
			sz = 0;
		}
		if (types)
			type_str(btf, m->type, tbuf, sizeof(tbuf), 0);
		err = pt_layout_add(l, prefix, name, types ? tbuf : NULL, bit_off, bits,
				    (uint32_t)sz);
		if (err)
			return err;
		if (btf_is_composite(mt) && mt->name_off == 0) {
			char *pfx = pt_arena_concat(&l->strings, prefix, name);

			if (!pfx || !(pfx = pt_arena_concat(&l->strings, pfx, ".")))
				return pt_err(ENOMEM, "out of memory");
			err = flatten(l, btf, mt, bit_off, pfx, types, depth + 1);
			if (err)
				return err;
		}
	}
	return 0;
}

/* NAME names an anonymous type reached through a typedef. */
static struct ptregs_layout *btf_layout_of(struct ptregs_source *src, __u32 id, const char *name)
{
	struct btf_priv *p = src->priv;
	const struct btf_type *t = btf__type_by_id(p->btf, id);
	const char *tname = btf__name_by_offset(p->btf, t->name_off);
	struct ptregs_layout *l;
	int err;

	l = pt_layout_new(tname && *tname ? tname : name, btf_is_union(t), t->size,
			  src->name);
	if (!l)
		return NULL;
	err = flatten(l, p->btf, t, 0, NULL, !src->opts.no_types, 0);
	if (err) {
		ptregs_layout_free(l);
		errno = -err;
		return NULL;
	}
	pt_layout_finish(l);
	return l;
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
