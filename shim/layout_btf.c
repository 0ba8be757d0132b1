// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BTF loader: raw BTF, ELF .BTF and split BTF, through libbpf. */
#include <byteswap.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "internal.h"


struct btf_priv {
	struct btf *btf;
	struct btf *base;
};

/* ID's type with typedefs and modifiers resolved by libbpf, or NULL. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *res_id)
{
	int r = btf__resolve_type(btf, id);

	if (r < 0)
		return NULL;
	if (res_id)
		*res_id = (__u32)r;
	return btf__type_by_id(btf, (__u32)r);
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

/*
 * libbpf tells why it refused BTF only through its print callback, which
 * is process-wide and belongs to the program that links us: we never
 * replace it. The header problems users actually meet (a truncated or
 * foreign file) are checked here instead, so the message names them; for
 * the rest, libbpf's errno.
 */
static int bad(const char *path, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(const char *path, const char *what, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return pt_err(EINVAL, "%s: invalid %s: %s", path, what, why);
}

int pt_btf_check(const char *path, const char *what, const void *data, size_t len, bool split)
{
	const unsigned char *raw = data;
	struct btf_header h;
	uint64_t body;

	if (len < sizeof(h))
		return bad(path, what, "truncated: %zu bytes, shorter than the %zu-byte header",
			   len, sizeof(h));
	memcpy(&h, raw, sizeof(h));
	if (h.magic == bswap_16(BTF_MAGIC)) {
		/* the other byte order, which libbpf also reads */
		h.hdr_len = bswap_32(h.hdr_len);
		h.type_off = bswap_32(h.type_off);
		h.type_len = bswap_32(h.type_len);
		h.str_off = bswap_32(h.str_off);
		h.str_len = bswap_32(h.str_len);
	} else if (h.magic != BTF_MAGIC) {
		return bad(path, what, "bad magic 0x%04x (expected 0x%04x)", h.magic, BTF_MAGIC);
	}
	if (h.version != BTF_VERSION)
		return bad(path, what, "unsupported version %u (expected %u)", h.version,
			   BTF_VERSION);
	if (h.hdr_len < sizeof(h))
		return bad(path, what, "header length %u is shorter than the %zu-byte header",
			   h.hdr_len, sizeof(h));
	if (h.hdr_len > len)
		return bad(path, what, "truncated: header length %u, only %zu bytes", h.hdr_len,
			   len);
	body = len - h.hdr_len;
	if ((uint64_t)h.type_off + h.type_len > body)
		return bad(path, what, "truncated: the type section ends at byte %llu after the "
			   "header, the data has %llu", (unsigned long long)h.type_off + h.type_len,
			   (unsigned long long)body);
	if ((uint64_t)h.str_off + h.str_len > body)
		return bad(path, what, "truncated: the string section ends at byte %llu after "
			   "the header, the data has %llu",
			   (unsigned long long)h.str_off + h.str_len, (unsigned long long)body);
	if (h.type_off % 4)
		return bad(path, what, "type section offset %u is not 4-byte aligned", h.type_off);
	if ((uint64_t)h.type_off + h.type_len > h.str_off)
		return bad(path, what, "the type section (%u + %u) overlaps or follows the "
			   "string section at %u", h.type_off, h.type_len, h.str_off);
	if (h.str_len == 0) {
		if (split)
			return 0;
		return bad(path, what, "empty string section");
	}
	/* split BTF's strings continue its base's: only a base starts with "" */
	if (!split && raw[h.hdr_len + h.str_off] != '\0')
		return bad(path, what, "the string section does not start with an empty string");
	if (raw[h.hdr_len + h.str_off + h.str_len - 1] != '\0')
		return bad(path, what, "the string section is not NUL-terminated");
	return 0;
}

/* Read FILE and check it, when it is raw BTF (an ELF is checked by its opener). */
static int check_file(const char *path, const char *what, bool split)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "rbe");
	if (!f)
		return pt_err(errno, "%s: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len == cap) {
			void *nb = realloc(buf, cap ? cap * 2 : 65536);

			if (!nb) {
				err = pt_err(ENOMEM, "out of memory");
				goto out;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		err = pt_err(EIO, "%s: read error", path);
		goto out;
	}
	if (len >= 4 && memcmp(buf, "\177ELF", 4) == 0)
		goto out;
	err = pt_btf_check(path, what, buf, len, split);
out:
	free(buf);
	fclose(f);
	return err;
}

static int parse_fail(const char *path, const char *what, int err)
{
	if (err == ENOENT)
		return pt_err(err, "%s: no .BTF section", path);
	err = err ? err : EINVAL;
	return pt_err(err, "%s: invalid %s: libbpf refused it (%s)", path, what, strerror(err));
}

/* SRC becomes a BTF source named PATH, its BTF still to be read. */
static int btf_source(struct ptregs_source *src, const char *path, struct btf_priv **pp)
{
	struct btf_priv *p = calloc(1, sizeof(*p));

	*pp = p;
	if (!p)
		return pt_err(ENOMEM, "out of memory");
	src->priv = p;
	src->ops = &btf_ops;
	return pt_source_set_name(src, PTREGS_SOURCE_BTF, "btf", path);
}

int pt_btf_open(struct ptregs_source *src, const char *path, bool is_elf)
{
	struct btf_priv *p = NULL;
	int err = btf_source(src, path, &p);

	if (err)
		return err;

	if (src->opts.base_btf) {
		if (access(src->opts.base_btf, R_OK) != 0)
			return pt_err(errno, "%s: base BTF: %s", src->opts.base_btf,
				      strerror(errno));
		err = check_file(src->opts.base_btf, "base BTF", false);
		if (err)
			return err;
		p->base = btf__parse(src->opts.base_btf, NULL);
		if (!p->base)
			return parse_fail(src->opts.base_btf, "base BTF", errno);
	}
	if (!is_elf) {
		err = check_file(path, p->base ? "split BTF" : "BTF", p->base);
		if (err)
			return err;
	}
	if (is_elf)
		p->btf = btf__parse_elf_split(path, p->base);
	else
		p->btf = btf__parse_raw_split(path, p->base);
	if (!p->btf)
		return parse_fail(path, p->base ? "split BTF" : "BTF", errno);
	return 0;
}

int pt_btf_open_mem(struct ptregs_source *src, const char *path, const void *data, size_t len)
{
	struct btf_priv *p = NULL;
	int err = btf_source(src, path, &p);

	if (err)
		return err;
	err = pt_btf_check(path, "BTF", data, len, false);
	if (err)
		return err;
	p->btf = btf__new(data, (__u32)len);
	if (!p->btf)
		return parse_fail(path, "BTF", errno);
	return 0;
}
