// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Comparing two layouts of one type, field by field and slot by slot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct name_ix {
	const struct ptregs_field *f;
};

static int nix_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_ix *)a)->f->name, ((const struct name_ix *)b)->f->name);
}

static const struct ptregs_field *nix_find(const struct name_ix *ix, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(ix[mid].f->name, name);

		if (!r)
			return ix[mid].f;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct name_ix *name_index(const struct ptregs_layout *l)
{
	struct name_ix *ix = malloc((l->cnt ? l->cnt : 1) * sizeof(*ix));

	if (!ix)
		return NULL;
	for (size_t i = 0; i < l->cnt; i++)
		ix[i].f = &l->fields[i];
	qsort(ix, l->cnt, sizeof(*ix), nix_cmp);
	return ix;
}

/*
 * A field of L that still holds the bytes (or bits) OLD occupied: a new
 * name (an alias or a rename) or one that was already there, never a field
 * that moved in from elsewhere.
 */
static const struct ptregs_field *slot_keeper(const struct ptregs_layout *l,
					      const struct ptregs_field *old,
					      const struct name_ix *oix, size_t ocnt)
{
	const struct ptregs_field *best = NULL;

	for (size_t i = 0; i < l->cnt; i++) {
		const struct ptregs_field *f = &l->fields[i];
		const struct ptregs_field *was = nix_find(oix, ocnt, f->name);

		if (was && was->bit_offset != f->bit_offset)
			continue;

		if (old->bit_size) {
			if (f->bit_offset == old->bit_offset && f->bit_size == old->bit_size)
				return f;
			continue;
		}
		if (f->bit_size || f->offset != old->offset || f->size < old->size)
			continue;
		if (f->size == old->size)
			return f;
		if (!best)
			best = f;
	}
	return best;
}

static bool same_shape(const struct ptregs_field *a, const struct ptregs_field *b)
{
	return a->bit_offset == b->bit_offset && a->size == b->size && a->bit_size == b->bit_size;
}

static bool shrank(const struct ptregs_field *o, const struct ptregs_field *n)
{
	if (o->bit_size || n->bit_size)
		return (n->bit_size ? n->bit_size : n->size * 8) <
		       (o->bit_size ? o->bit_size : o->size * 8);
	return n->size < o->size;
}

static struct ptregs_change *add_change(struct ptregs_diff *d, size_t *cap)
{
	if (d->change_cnt == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *p = realloc(d->changes, c * sizeof(*d->changes));

		if (!p)
			return NULL;
		d->changes = p;
		*cap = c;
	}
	memset(&d->changes[d->change_cnt], 0, sizeof(*d->changes));
	return &d->changes[d->change_cnt++];
}

static void set_old(struct ptregs_change *c, const struct ptregs_field *f)
{
	c->old_offset = f->offset;
	c->old_size = f->size;
	c->old_bit_offset = f->bit_offset;
	c->old_bit_size = f->bit_size;
}

static void set_new(struct ptregs_change *c, const struct ptregs_field *f)
{
	c->new_offset = f->offset;
	c->new_size = f->size;
	c->new_bit_offset = f->bit_offset;
	c->new_bit_size = f->bit_size;
}

static uint32_t change_key(const struct ptregs_change *c)
{
	return c->kind == PTREGS_CHANGE_REMOVED ? c->old_bit_offset : c->new_bit_offset;
}

struct ptregs_diff *ptregs_layout_diff(const struct ptregs_layout *o, const struct ptregs_layout *n)
{
	struct name_ix *oix = NULL, *nix = NULL;
	struct ptregs_diff *d;
	size_t cap = 0;

	pt_err_clear();
	if (!o || !n)
		return pt_err_null(EINVAL, "ptregs_layout_diff: no layout given");
	d = calloc(1, sizeof(*d));
	if (!d)
		return pt_err_null(ENOMEM, "out of memory");
	d->name = n->name;
	d->old_size = o->size;
	d->new_size = n->size;
	if (o->cnt == n->cnt && o->size == n->size && o->is_union == n->is_union) {
		size_t i;

		/* the common case in a whole-kernel diff: nothing changed */
		for (i = 0; i < o->cnt; i++)
			if (!same_shape(&o->fields[i], &n->fields[i]) ||
			    strcmp(o->fields[i].name, n->fields[i].name) != 0)
				break;
		if (i == o->cnt) {
			d->compat = PTREGS_COMPAT_SAME;
			return d;
		}
	}
	oix = name_index(o);
	nix = name_index(n);
	if (!oix || !nix)
		goto oom;

	for (size_t i = 0; i < o->cnt; i++) {
		const struct ptregs_field *of = &o->fields[i];
		const struct ptregs_field *nf = nix_find(nix, n->cnt, of->name);
		struct ptregs_change *c;
		const struct ptregs_field *keeper;

		if (nf && same_shape(of, nf))
			continue;
		c = add_change(d, &cap);
		if (!c)
			goto oom;
		c->name = of->name;
		set_old(c, of);
		if (!nf) {
			c->kind = PTREGS_CHANGE_REMOVED;
			keeper = slot_keeper(n, of, oix, o->cnt);
			c->kept_by = keeper ? keeper->name : NULL;
			c->incompatible = !keeper;
			if (!keeper && !of->bit_size) {
				const struct ptregs_field *at =
					ptregs_layout_field_at(n, of->offset, of->size);

				c->now_at_old = at ? at->name : NULL;
			}
			continue;
		}
		set_new(c, nf);
		if (nf->bit_offset != of->bit_offset) {
			const struct ptregs_field *at = of->bit_size ? NULL :
				ptregs_layout_field_at(n, of->offset, of->size);

			c->kind = PTREGS_CHANGE_MOVED;
			c->incompatible = true;
			c->now_at_old = at ? at->name : NULL;
		} else {
			c->kind = PTREGS_CHANGE_RESIZED;
			if (shrank(of, nf)) {
				keeper = slot_keeper(n, of, oix, o->cnt);
				c->kept_by = keeper ? keeper->name : NULL;
				c->incompatible = !keeper;
			}
		}
	}
	for (size_t i = 0; i < n->cnt; i++) {
		const struct ptregs_field *nf = &n->fields[i];
		struct ptregs_change *c;

		if (nix_find(oix, o->cnt, nf->name))
			continue;
		c = add_change(d, &cap);
		if (!c)
			goto oom;
		c->kind = PTREGS_CHANGE_ADDED;
		c->name = nf->name;
		set_new(c, nf);
	}

	/* stable insertion sort by where the change is */
	for (size_t i = 1; i < d->change_cnt; i++) {
		struct ptregs_change c = d->changes[i];
		size_t j = i;

		while (j > 0 && change_key(&d->changes[j - 1]) > change_key(&c)) {
			d->changes[j] = d->changes[j - 1];
			j--;
		}
		d->changes[j] = c;
	}

	d->compat = PTREGS_COMPAT_SAME;
	if (d->change_cnt || o->size != n->size || o->is_union != n->is_union)
		d->compat = PTREGS_COMPAT_COMPATIBLE;
	if (n->size < o->size || o->is_union != n->is_union)
		d->compat = PTREGS_COMPAT_INCOMPATIBLE;
	for (size_t i = 0; i < d->change_cnt; i++)
		if (d->changes[i].incompatible)
			d->compat = PTREGS_COMPAT_INCOMPATIBLE;
	free(oix);
	free(nix);
	return d;
oom:
	free(oix);
	free(nix);
	ptregs_diff_free(d);
	return pt_err_null(ENOMEM, "out of memory");
}

void ptregs_diff_free(struct ptregs_diff *d)
{
	if (!d)
		return;
	free(d->changes);
	free(d);
}

const char *ptregs_change_kind_str(enum ptregs_change_kind k)
{
	switch (k) {
	case PTREGS_CHANGE_ADDED:
		return "added";
	case PTREGS_CHANGE_REMOVED:
		return "removed";
	case PTREGS_CHANGE_MOVED:
		return "moved";
	case PTREGS_CHANGE_RESIZED:
		return "resized";
	}
	return "?";
}

const char *ptregs_diff_name(const struct ptregs_diff *d)
{
	return d->name;
}

uint32_t ptregs_diff_old_size(const struct ptregs_diff *d)
{
	return d->old_size;
}

uint32_t ptregs_diff_new_size(const struct ptregs_diff *d)
{
	return d->new_size;
}

enum ptregs_compat ptregs_diff_compat(const struct ptregs_diff *d)
{
	return d->compat;
}

size_t ptregs_diff_change_cnt(const struct ptregs_diff *d)
{
	return d->change_cnt;
}

const struct ptregs_change *ptregs_diff_change(const struct ptregs_diff *d, size_t idx)
{
	return idx < d->change_cnt ? &d->changes[idx] : NULL;
}

const char *ptregs_compat_str(enum ptregs_compat c)
{
	switch (c) {
	case PTREGS_COMPAT_SAME:
		return "same";
	case PTREGS_COMPAT_COMPATIBLE:
		return "compatible";
	case PTREGS_COMPAT_INCOMPATIBLE:
		return "incompatible";
	}
	return "?";
}
