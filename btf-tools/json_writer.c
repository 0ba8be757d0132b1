// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdlib.h>
#include "json_writer.h"

#define MAX_NEST 64

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[MAX_NEST];	/* no element yet at this depth */
	bool after_name;
};

struct json_writer *jsonw_new(FILE *f, bool pretty)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jsonw_destroy(struct json_writer **w)
{
	if (!*w)
		return;
	fputc('\n', (*w)->f);
	fflush((*w)->f);
	free(*w);
	*w = NULL;
}

void jsonw_free(struct json_writer **w)
{
	free(*w);
	*w = NULL;
}

static void indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator and indentation before a value or a name. */
static void sep(struct json_writer *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->depth)
		indent(w);
}

static void open_nest(struct json_writer *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth < MAX_NEST - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_nest(struct json_writer *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth)
		w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->f);
}

void jsonw_start_object(struct json_writer *w)
{
	open_nest(w, '{');
}

void jsonw_end_object(struct json_writer *w)
{
	close_nest(w, '}');
}

void jsonw_start_array(struct json_writer *w)
{
	open_nest(w, '[');
}

void jsonw_end_array(struct json_writer *w)
{
	close_nest(w, ']');
}

/* The length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp, min;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0) {
		n = 2, cp = *p & 0x1f, min = 0x80;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 3, cp = *p & 0x0f, min = 0x800;
	} else if ((*p & 0xf8) == 0xf0) {
		n = 4, cp = *p & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			size_t n = utf8_len(p);

			if (n) {
				fwrite(p, 1, n, f);
				p += n - 1;
			} else {
				fputs("\\ufffd", f);
			}
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void jsonw_name(struct json_writer *w, const char *name)
{
	sep(w);
	put_str(w->f, name);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_name = true;
}

void jsonw_string(struct json_writer *w, const char *s)
{
	sep(w);
	if (s)
		put_str(w->f, s);
	else
		fputs("null", w->f);
}

void jsonw_uint(struct json_writer *w, uint64_t v)
{
	sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jsonw_int(struct json_writer *w, int64_t v)
{
	sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void jsonw_bool(struct json_writer *w, bool v)
{
	sep(w);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(struct json_writer *w)
{
	sep(w);
	fputs("null", w->f);
}

void jsonw_string_field(struct json_writer *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_string(w, s);
}

void jsonw_uint_field(struct json_writer *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_uint(w, v);
}

void jsonw_int_field(struct json_writer *w, const char *name, int64_t v)
{
	jsonw_name(w, name);
	jsonw_int(w, v);
}

void jsonw_bool_field(struct json_writer *w, const char *name, bool v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}
