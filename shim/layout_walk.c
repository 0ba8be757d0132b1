// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The member walk both loaders share. A loader hands out handles on its
 * types and members (a BTF id, a DWARF DIE) and answers a few questions
 * about them (struct pt_walk_ops); flattening anonymous members, naming
 * the members of named nested anonymous types "outer.inner", and spelling
 * type names happen once, here, so BTF and DWARF cannot drift apart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

#define MAX_DEPTH 32

struct walk {
	const struct pt_walk_ops *ops;
	void *priv;
	struct ptregs_layout *l;
	bool types;
};

static bool is_composite(enum pt_tkind k)
{
	return k == PT_T_STRUCT || k == PT_T_UNION;
}

static bool is_named(const struct pt_tinfo *ti)
{
	return ti->name && *ti->name;
}

/* Follow typedefs and qualifiers to the type underneath. */
static bool peel(const struct walk *w, const struct pt_ref *t, struct pt_ref *out,
		 struct pt_tinfo *ti)
{
	*out = *t;
	for (int i = 0; i < MAX_DEPTH; i++) {
		w->ops->type(w->priv, out, ti);
		switch (ti->kind) {
		case PT_T_TYPEDEF:
		case PT_T_CONST:
		case PT_T_VOLATILE:
		case PT_T_TRANSPARENT:
			if (!ti->has_target)
				return false;
			*out = ti->target;
			break;
		case PT_T_INVALID:
			return false;
		default:
			return true;
		}
	}
	return false;
}

/* A C-like spelling of type T, enough to tell fields apart. */
static void type_str(const struct walk *w, const struct pt_ref *t, char *buf, size_t len,
		     int depth)
{
	struct pt_tinfo ti;
	char inner[256];
	const char *n;

	if (depth > 8) {
		snprintf(buf, len, "?");
		return;
	}
	w->ops->type(w->priv, t, &ti);
	n = is_named(&ti) ? ti.name : NULL;
	switch (ti.kind) {
	case PT_T_VOID:
		snprintf(buf, len, "void");
		break;
	case PT_T_INVALID:
		snprintf(buf, len, "?");
		break;
	case PT_T_PTR:
	case PT_T_CONST:
	case PT_T_VOLATILE:
	case PT_T_TRANSPARENT:
		if (ti.has_target)
			type_str(w, &ti.target, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "void");
		if (ti.kind == PT_T_PTR)
			snprintf(buf, len, "%s *", inner);
		else if (ti.kind == PT_T_TRANSPARENT)
			snprintf(buf, len, "%s", inner);
		else
			snprintf(buf, len, "%s %s", ti.kind == PT_T_CONST ? "const" : "volatile",
				 inner);
		break;
	case PT_T_ARRAY:
		if (ti.has_target)
			type_str(w, &ti.target, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "?");
		snprintf(buf, len, "%s[%llu]", inner, (unsigned long long)ti.nelems);
		break;
	case PT_T_STRUCT:
		snprintf(buf, len, "struct %s", n ? n : "(anon)");
		break;
	case PT_T_UNION:
		snprintf(buf, len, "union %s", n ? n : "(anon)");
		break;
	case PT_T_ENUM:
		snprintf(buf, len, "enum %s", n ? n : "(anon)");
		break;
	case PT_T_FUNC:
		snprintf(buf, len, "function");
		break;
	case PT_T_TYPEDEF:
	case PT_T_OTHER:
		snprintf(buf, len, "%s", n ? n : "?");
		break;
	}
}

static int flatten(const struct walk *w, const struct pt_ref *t, uint32_t base_bits,
		   const char *prefix, int depth)
{
	struct ptregs_layout *l = w->l;
	struct pt_ref m;
	char tbuf[256];
	unsigned int idx = 0;
	int r, err;

	if (depth > MAX_DEPTH)
		return pt_err(ELOOP, "%s: type nesting too deep", l->origin);
	for (r = w->ops->first_member(w->priv, t, &m); r > 0;
	     r = w->ops->next_member(w->priv, &m), idx++) {
		struct pt_member pm = { 0 };
		struct pt_tinfo ti;
		struct pt_ref peeled;
		const char *name;
		uint32_t bit_off;

		err = w->ops->member(w->priv, l, &m, idx, &pm);
		if (err)
			return err;
		name = pm.name && *pm.name ? pm.name : NULL;
		bit_off = base_bits + pm.bit_offset;
		if (!peel(w, &pm.type, &peeled, &ti)) {
			if (name)
				return pt_err(EINVAL, "%s: %s member '%s' has no usable type",
					      l->origin, l->name, name);
			return pt_err(EINVAL, "%s: %s member #%u has no usable type",
				      l->origin, l->name, idx);
		}
		if (!name && !is_composite(ti.kind))
			continue;	/* unnamed bitfield padding */
		if (!name) {
			/* an anonymous struct or union: its members are ours */
			err = flatten(w, &peeled, bit_off, prefix, depth + 1);
			if (err)
				return err;
			continue;
		}
		if (w->types)
			type_str(w, &pm.type, tbuf, sizeof(tbuf), 0);
		err = pt_layout_add(l, prefix, name, w->types ? tbuf : NULL, bit_off,
				    pm.bit_size, w->ops->size(w->priv, &pm.type));
		if (err)
			return err;
		if (is_composite(ti.kind) && !is_named(&ti)) {
			/* a named member of an anonymous type: "name.member" */
			char *pfx = pt_arena_concat(&l->strings, prefix, name);

			if (!pfx || !(pfx = pt_arena_concat(&l->strings, pfx, ".")))
				return pt_err(ENOMEM, "out of memory");
			err = flatten(w, &peeled, bit_off, pfx, depth + 1);
			if (err)
				return err;
		}
	}
	return r < 0 ? r : 0;
}

struct ptregs_layout *pt_walk_layout(const struct pt_walk_ops *ops, void *priv,
				     const struct pt_ref *t, const char *name,
				     const char *origin, bool types)
{
	struct walk w = { .ops = ops, .priv = priv, .types = types };
	struct pt_tinfo ti;
	int err;

	ops->type(priv, t, &ti);
	w.l = pt_layout_new(is_named(&ti) ? ti.name : name, ti.kind == PT_T_UNION,
			    ops->size(priv, t), origin);
	if (!w.l)
		return NULL;
	err = flatten(&w, t, 0, NULL, 0);
	if (err) {
		ptregs_layout_free(w.l);
		errno = -err;
		return NULL;
	}
	pt_layout_finish(w.l);
	return w.l;
}
