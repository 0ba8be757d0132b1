// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Append-only string storage: pointers stay valid until pt_arena_free(). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define BLOCK_MIN 4096

struct pt_arena_block {
	struct pt_arena_block *next;
	size_t used, cap;
	char data[];
};

static char *arena_alloc(struct pt_arena *a, size_t n)
{
	struct pt_arena_block *b = a->head;

	if (!b || b->cap - b->used < n) {
		size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

char *pt_arena_concat(struct pt_arena *a, const char *p, const char *s)
{
	size_t lp = p ? strlen(p) : 0, ls = strlen(s);
	char *r = arena_alloc(a, lp + ls + 1);

	if (!r)
		return NULL;
	if (lp)
		memcpy(r, p, lp);
	memcpy(r + lp, s, ls);
	r[lp + ls] = '\0';
	return r;
}

char *pt_arena_strdup(struct pt_arena *a, const char *s)
{
	return pt_arena_concat(a, NULL, s);
}

void pt_arena_free(struct pt_arena *a)
{
	struct pt_arena_block *b = a->head, *n;

	for (; b; b = n) {
		n = b->next;
		free(b);
	}
	a->head = NULL;
}
