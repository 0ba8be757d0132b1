// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The layout model: a named struct or union and its flattened fields. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct ptregs_layout *pt_layout_new(const char *name, bool is_union, uint32_t size,
				    const char *origin)
{
	struct ptregs_layout *l = calloc(1, sizeof(*l));

	if (!l)
		return pt_err_null(ENOMEM, "out of memory");
	l->name = pt_arena_strdup(&l->strings, name);
	l->origin = pt_arena_strdup(&l->strings, origin);
	if (!l->name || !l->origin) {
		ptregs_layout_free(l);
		return pt_err_null(ENOMEM, "out of memory");
	}
	l->is_union = is_union;
	l->size = size;
	memset(l->slot, 0xff, sizeof(l->slot));
	return l;
}

int pt_layout_add(struct ptregs_layout *l, const char *prefix, const char *name,
		  const char *type, uint32_t bit_offset, uint32_t bit_size, uint32_t size)
{
	struct ptregs_field *f;

	if (l->cnt == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		void *p = realloc(l->fields, cap * sizeof(*l->fields));

		if (!p)
			return pt_err(ENOMEM, "out of memory");
		l->fields = p;
		l->cap = cap;
	}
	f = &l->fields[l->cnt];
	f->name = pt_arena_concat(&l->strings, prefix, name);
	f->type = type ? pt_arena_strdup(&l->strings, type) : NULL;
	if (!f->name || (type && !f->type))
		return pt_err(ENOMEM, "out of memory");
	f->bit_offset = bit_offset;
	f->bit_size = bit_size;
	f->offset = bit_offset / 8;
	f->size = size;
	/* a bitfield lives in a storage unit of its type's size: report that unit */
	if (bit_size && size && size <= 8 && !(size & (size - 1)) &&
	    (bit_offset % (size * 8)) + bit_size <= size * 8)
		f->offset = bit_offset / (size * 8) * size;
	l->cnt++;
	return 0;
}

/* Insertion sort: stable, and fields arrive almost sorted. */
void pt_layout_finish(struct ptregs_layout *l)
{
	for (size_t i = 1; i < l->cnt; i++) {
		struct ptregs_field f = l->fields[i];
		size_t j = i;

		while (j > 0 && l->fields[j - 1].bit_offset > f.bit_offset) {
			l->fields[j] = l->fields[j - 1];
			j--;
		}
		l->fields[j] = f;
	}
	memset(l->slot, 0xff, sizeof(l->slot));
	for (size_t i = l->cnt; i-- > 0;) {
		const struct ptregs_field *f = &l->fields[i];

		if (!f->bit_size && f->size == 8 && !(f->offset & 7) &&
		    f->offset / 8 < PT_LAYOUT_SLOTS && i <= INT16_MAX)
			l->slot[f->offset / 8] = (int16_t)i;	/* the first wins */
	}
}

void ptregs_layout_free(struct ptregs_layout *l)
{
	if (!l)
		return;
	free(l->fields);
	pt_arena_free(&l->strings);
	free(l);
}

const char *ptregs_layout_name(const struct ptregs_layout *l)
{
	return l->name;
}

bool ptregs_layout_is_union(const struct ptregs_layout *l)
{
	return l->is_union;
}

uint32_t ptregs_layout_size(const struct ptregs_layout *l)
{
	return l->size;
}

const char *ptregs_layout_origin(const struct ptregs_layout *l)
{
	return l->origin;
}

size_t ptregs_layout_field_cnt(const struct ptregs_layout *l)
{
	return l->cnt;
}

const struct ptregs_field *ptregs_layout_field(const struct ptregs_layout *l, size_t idx)
{
	return idx < l->cnt ? &l->fields[idx] : NULL;
}

const struct ptregs_field *ptregs_layout_find(const struct ptregs_layout *l, const char *name)
{
	for (size_t i = 0; i < l->cnt; i++)
		if (strcmp(l->fields[i].name, name) == 0)
			return &l->fields[i];
	return NULL;
}

PT_HOT const struct ptregs_field *ptregs_layout_field_at(const struct ptregs_layout *l,
							 uint32_t offset, uint32_t size)
{
	const struct ptregs_field *best = NULL;
	uint64_t end = (uint64_t)offset + (size ? size : 1);	/* 0: from OFFSET on */

	/* the usual question: one register's 8 bytes */
	if (size == 8 && !(offset & 7) && offset / 8 < PT_LAYOUT_SLOTS && l->slot[offset / 8] >= 0)
		return &l->fields[l->slot[offset / 8]];
	for (size_t i = 0; i < l->cnt; i++) {
		const struct ptregs_field *f = &l->fields[i];

		if (f->offset > offset)	/* ascending: none further can hold it */
			break;
		if (f->bit_size)
			continue;
		if (f->offset == offset && f->size == size)
			return f;
		if (f->offset <= offset && end <= (uint64_t)f->offset + f->size &&
		    (!best || f->size < best->size))
			best = f;
	}
	return best;
}

const char *pt_split_name(const char *name, enum pt_name_kind *kind)
{
	*kind = PT_ANY;
	if (strncmp(name, "struct ", 7) == 0) {
		*kind = PT_STRUCT;
		name += 7;
	} else if (strncmp(name, "union ", 6) == 0) {
		*kind = PT_UNION;
		name += 6;
	}
	while (*name == ' ')
		name++;
	return name;
}

/* The type index: every named struct and union once, sorted by name. */
int pt_index_add(struct pt_type_index *ix, bool is_union, const char *name, uint64_t ref)
{
	if (ix->cnt == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1024;
		void *p = realloc(ix->ents, cap * sizeof(*ix->ents));

		if (!p)
			return pt_err(ENOMEM, "out of memory");
		ix->ents = p;
		ix->cap = cap;
	}
	ix->ents[ix->cnt].name = pt_arena_concat(&ix->strings, is_union ? "union " : "struct ",
						 name);
	if (!ix->ents[ix->cnt].name)
		return pt_err(ENOMEM, "out of memory");
	ix->ents[ix->cnt].ref = ref;
	ix->cnt++;
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct pt_type_ent *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

int pt_index_finish(struct pt_type_index *ix)
{
	size_t n = 0;

	if (ix->cnt)
		qsort(ix->ents, ix->cnt, sizeof(*ix->ents), ent_cmp);
	for (size_t i = 0; i < ix->cnt; i++)
		if (n == 0 || strcmp(ix->ents[n - 1].name, ix->ents[i].name) != 0)
			ix->ents[n++] = ix->ents[i];
	ix->cnt = n;
	ix->names = malloc((n ? n : 1) * sizeof(*ix->names));
	if (!ix->names)
		return pt_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		ix->names[i] = ix->ents[i].name;
	return 0;
}

const struct pt_type_ent *pt_index_find(const struct pt_type_index *ix, bool is_union,
					const char *name)
{
	const char *pfx = is_union ? "union " : "struct ";
	size_t plen = strlen(pfx), lo = 0, hi = ix->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = ix->ents[mid].name;
		int r = strncmp(n, pfx, plen);

		if (!r)
			r = strcmp(n + plen, name);
		else
			r = strcmp(n, pfx) < 0 ? -1 : 1;
		if (!r)
			return &ix->ents[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void pt_index_free(struct pt_type_index *ix)
{
	free(ix->ents);
	free(ix->names);
	pt_arena_free(&ix->strings);
	memset(ix, 0, sizeof(*ix));
}
