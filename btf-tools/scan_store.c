// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs scan: what a scan collects (findings, errors, notices) until it is printed. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ptregs/object.h>
#include "main.h"
#include "scan.h"

static void *grow(void *arr, size_t n, size_t elem)
{
	void *p = realloc(arr, (n + 1) * elem);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(SCAN_EXIT_ERROR);
	}
	return p;
}

static char *xstrdup(const char *x)
{
	char *d;

	if (!x)
		return NULL;
	d = strdup(x);
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(SCAN_EXIT_ERROR);
	}
	return d;
}

static char *vformat(const char *file, const char *fmt, va_list ap)
{
	char msg[768], *out;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (asprintf(&out, "%s: %s", file, msg) < 0) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(SCAN_EXIT_ERROR);
	}
	return out;
}

/* Print "ptregs: FILE: MSG" unless QUIET, and append it to *LIST. */
static void collect(char ***list, size_t *cnt, bool quiet, const char *file, const char *fmt,
		    va_list ap)
{
	char *m = vformat(file, fmt, ap);

	if (!quiet)
		fprintf(stderr, "%s: %s\n", bin_name, m);
	*list = grow(*list, *cnt, sizeof(**list));
	(*list)[(*cnt)++] = m;
}

void scan_error(struct scan *s, const char *file, const char *fmt, ...)
{
	va_list ap;

	/* errors[] and err_cnt stay in step: the JSON output and the exit use both */
	va_start(ap, fmt);
	collect(&s->errors, &s->err_cnt, false, file, fmt, ap);
	va_end(ap);
}

void scan_notice(struct scan *s, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	collect(&s->notices, &s->notice_cnt, s->quiet_notices, file, fmt, ap);
	va_end(ap);
}

static bool verdict_shown(const struct scan *s, enum ptregs_verdict v)
{
	return s->all || (v != PTREGS_VERDICT_RELOCATED && v != PTREGS_VERDICT_SAFE_ABI &&
			  v != PTREGS_VERDICT_UNCHANGED);
}

void add_finding_at(struct scan *s, const char *file, const char *program, const char *section,
		    const struct ptregs_access *a)
{
	struct finding *f;

	s->verdicts[a->verdict]++;
	if (!verdict_shown(s, a->verdict))
		return;
	s->findings = grow(s->findings, s->cnt, sizeof(*s->findings));
	f = &s->findings[s->cnt++];
	memset(f, 0, sizeof(*f));
	f->file = xstrdup(file);
	f->program = xstrdup(program);
	f->section = xstrdup(section);
	f->acc = *a;
	f->old_field = xstrdup(a->old_field);
	f->new_field = xstrdup(a->new_field);
	f->relo_field = xstrdup(a->relo_field);
}

void add_finding(struct scan *s, const struct ptregs_object *o, const struct ptregs_object_prog *p,
		 const struct ptregs_access *a, const char *host)
{
	struct finding *f;
	const char *file, *text;
	uint32_t line, col;
	size_t before = s->cnt;

	add_finding_at(s, host ? host : ptregs_object_name(o), ptregs_object_prog_name(p),
		       ptregs_object_prog_section(p), a);
	if (s->cnt == before)
		return;	/* counted, not shown */
	f = &s->findings[before];
	f->object = host ? xstrdup(ptregs_object_name(o)) : NULL;
	if (ptregs_object_prog_line(o, p, a->insn, &file, &line, &col, &text) == 0) {
		f->src_file = xstrdup(file);
		f->src_text = xstrdup(text);
		f->line = line;
		f->col = col;
	}
}

void scan_merge(struct scan *to, struct scan *from)
{
	to->findings = realloc(to->findings, (to->cnt + from->cnt + 1) * sizeof(*to->findings));
	to->errors = realloc(to->errors, (to->err_cnt + from->err_cnt + 1) * sizeof(*to->errors));
	to->notices = realloc(to->notices, (to->notice_cnt + from->notice_cnt + 1) *
			      sizeof(*to->notices));
	to->usdt = realloc(to->usdt, (to->usdt_cnt + from->usdt_cnt + 1) * sizeof(*to->usdt));
	to->light_paths = realloc(to->light_paths, (to->light_skeletons + from->light_skeletons + 1) *
				  sizeof(*to->light_paths));
	if (!to->findings || !to->errors || !to->notices || !to->usdt || !to->light_paths) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(SCAN_EXIT_ERROR);
	}
	/* memcpy() wants its pointers valid even for no bytes */
	if (from->cnt)
		memcpy(to->findings + to->cnt, from->findings, from->cnt * sizeof(*from->findings));
	to->cnt += from->cnt;
	if (from->err_cnt)
		memcpy(to->errors + to->err_cnt, from->errors, from->err_cnt * sizeof(*from->errors));
	to->err_cnt += from->err_cnt;
	if (from->notice_cnt)
		memcpy(to->notices + to->notice_cnt, from->notices, from->notice_cnt * sizeof(char *));
	to->notice_cnt += from->notice_cnt;
	if (from->usdt_cnt)
		memcpy(to->usdt + to->usdt_cnt, from->usdt, from->usdt_cnt * sizeof(*from->usdt));
	to->usdt_cnt += from->usdt_cnt;
	if (from->light_skeletons)
		memcpy(to->light_paths + to->light_skeletons, from->light_paths,
		       from->light_skeletons * sizeof(char *));
	to->light_skeletons += from->light_skeletons;
	to->files += from->files;
	to->hosts += from->hosts;
	to->objects += from->objects;
	to->programs += from->programs;
	for (size_t i = 0; i <= PTREGS_VERDICT_UNCHANGED; i++)
		to->verdicts[i] += from->verdicts[i];
	free(from->findings);
	free(from->errors);
	free(from->notices);
	free(from->usdt);
	free(from->light_paths);
	from->findings = NULL;
	from->errors = from->notices = from->light_paths = NULL;
	from->usdt = NULL;
	from->cnt = from->err_cnt = from->notice_cnt = from->usdt_cnt = from->light_skeletons = 0;
}

void add_usdt_user(struct scan *s, const char *file, size_t programs, size_t arg_reads)
{
	struct usdt_user *u;

	s->usdt = grow(s->usdt, s->usdt_cnt, sizeof(*s->usdt));
	u = &s->usdt[s->usdt_cnt++];
	u->file = xstrdup(file);
	u->programs = programs;
	u->arg_reads = arg_reads;
}

void add_light_skeleton(struct scan *s, const char *path)
{
	/* bpftool gen skeleton -L: instructions without an ELF object */
	if (!s->quiet_notices)
		fprintf(stderr, "%s: %s: light skeleton: BPF instructions embedded "
			"without an ELF object, not analysed\n", bin_name, path);
	s->light_paths = grow(s->light_paths, s->light_skeletons, sizeof(*s->light_paths));
	s->light_paths[s->light_skeletons++] = xstrdup(path);
}

void scan_free(struct scan *s)
{
	free(s->rbuf);
	s->rbuf = NULL;
	for (size_t i = 0; i < s->cnt; i++) {
		struct finding *f = &s->findings[i];

		free(f->file);
		free(f->object);
		free(f->program);
		free(f->section);
		free(f->old_field);
		free(f->new_field);
		free(f->relo_field);
		free(f->src_file);
		free(f->src_text);
	}
	free(s->findings);
	for (size_t i = 0; i < s->err_cnt; i++)
		free(s->errors[i]);
	free(s->errors);
	for (size_t i = 0; i < s->notice_cnt; i++)
		free(s->notices[i]);
	free(s->notices);
	for (size_t i = 0; i < s->light_skeletons; i++)
		free(s->light_paths[i]);
	free(s->light_paths);
	for (size_t i = 0; i < s->usdt_cnt; i++)
		free(s->usdt[i].file);
	free(s->usdt);
}
