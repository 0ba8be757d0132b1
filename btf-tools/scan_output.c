// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs scan output: text, one finding a line, and JSON. */
#include <stdio.h>
#include <string.h>
#include "json_writer.h"
#include "main.h"
#include "scan.h"

static const enum ptregs_verdict summary_order[] = {
	PTREGS_VERDICT_BREAKS, PTREGS_VERDICT_FAILS_TO_LOAD, PTREGS_VERDICT_BREAKS_HOST_LIBBPF, PTREGS_VERDICT_SUSPECT,
	PTREGS_VERDICT_UNANALYSED, PTREGS_VERDICT_RELOCATED, PTREGS_VERDICT_SAFE_ABI, PTREGS_VERDICT_UNCHANGED,
};

static const char *trim(const char *t)
{
	while (t && (*t == ' ' || *t == '\t'))
		t++;
	return t;
}

/* What the access reads and why it gets its verdict, one text per verdict. */
static void what_text(const struct finding *f, char *buf, size_t len)
{
	const struct ptregs_access *a = &f->acc;
	const char *kind = ptregs_access_kind_str(a->kind), *origin = ptregs_origin_str(a->origin);
	const char *old_field = f->old_field ? f->old_field : "no field";
	const char *new_field = f->new_field ? f->new_field : "no field";

	/* a copy of a range of registers is no one field on either side */
	if ((a->verdict == PTREGS_VERDICT_BREAKS || a->verdict == PTREGS_VERDICT_SUSPECT) &&
	    !f->old_field && !f->new_field && !f->relo_field && a->size > 8) {
		snprintf(buf, len, "%s %s+%u (%u bytes): several registers at once", kind, origin,
			 a->offset, a->size);
		return;
	}
	switch (a->verdict) {
	case PTREGS_VERDICT_BREAKS:
		snprintf(buf, len, "%s %s+%u (%u bytes): %s before, %s after", kind, origin,
			 a->offset, a->size, old_field, new_field);
		break;
	case PTREGS_VERDICT_SUSPECT:
		if (f->relo_field)
			snprintf(buf, len, "%s of CO-RE field %s from a base computed with sizeof",
				 kind, f->relo_field);
		else
			snprintf(buf, len, "%s %s+%u (%u bytes): %s before, %s after", kind,
				 origin, a->offset, a->size, old_field, new_field);
		break;
	case PTREGS_VERDICT_UNCHANGED:
		snprintf(buf, len, "%s %s+%u (%u bytes): %s on both layouts", kind, origin,
			 a->offset, a->size, old_field);
		break;
	case PTREGS_VERDICT_FAILS_TO_LOAD:
		snprintf(buf, len, "%s %s via CO-RE field %s, which the target pt_regs lacks",
			 kind, origin, f->relo_field ? f->relo_field : "?");
		break;
	case PTREGS_VERDICT_RELOCATED:
		snprintf(buf, len, "%s %s via CO-RE field %s", kind, origin,
			 f->relo_field ? f->relo_field : "?");
		break;
	case PTREGS_VERDICT_SAFE_ABI:
		snprintf(buf, len, "%s perf_event regs+%u (%u bytes): %s, kept in place by the "
			 "kernel", kind, a->offset, a->size, old_field);
		break;
	case PTREGS_VERDICT_BREAKS_HOST_LIBBPF:
		snprintf(buf, len, "%s %s at a USDT argument offset", kind, origin);
		break;
	case PTREGS_VERDICT_UNANALYSED:
	default:
		snprintf(buf, len, "%s %s+%u not followed by the analysis", kind, origin,
			 a->offset);
	}
}

void finding_message(const struct finding *f, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s: ", ptregs_verdict_str(f->acc.verdict));
	n = strlen(buf);
	what_text(f, buf + n, len - n);
	n = strlen(buf);
	if (f->acc.note)
		snprintf(buf + n, len - n, " (%s)", f->acc.note);
}

void scan_print_text(const struct scan *s)
{
	for (size_t i = 0; i < s->cnt; i++) {
		const struct finding *f = &s->findings[i];
		char msg[1024];

		finding_message(f, msg, sizeof(msg));
		if (f->src_file)
			printf("%s:%u:%u: ", f->src_file, f->line, f->col);
		printf("%s\n    in %s", msg, f->object ? f->object : f->file);
		printf(", program %s (%s), insn %u\n", f->program, f->section, f->acc.insn);
		if (f->src_text && *f->src_text)
			printf("    | %s\n", trim(f->src_text));
	}
	printf("scanned %zu file%s (%zu embedding BPF), %zu object%s, %zu program%s "
	       "from %s to %s:", s->files, s->files == 1 ? "" : "s", s->hosts, s->objects,
	       s->objects == 1 ? "" : "s", s->programs, s->programs == 1 ? "" : "s",
	       s->from_name, s->to_name);
	for (size_t i = 0; i < sizeof(summary_order) / sizeof(summary_order[0]); i++)
		printf("%s %zu %s", i ? "," : "", s->verdicts[summary_order[i]],
		       ptregs_verdict_str(summary_order[i]));
	printf("\n");
	for (size_t i = 0; i < s->usdt_cnt; i++) {
		const struct usdt_user *u = &s->usdt[i];

		if (u->arg_reads)
			printf("usdt: %s: %zu USDT argument read%s at offsets from the host's libbpf "
			       "(UAPI pt_regs offsets): rebuild the host program against a fixed "
			       "libbpf\n", u->file, u->arg_reads, u->arg_reads == 1 ? "" : "s");
		else
			printf("usdt: %s: %zu USDT program%s attach through the host's libbpf but "
			       "read no USDT argument: not affected\n", u->file, u->programs,
			       u->programs == 1 ? "" : "s");
	}
	if (s->light_skeletons)
		printf("%zu light skeleton%s not analysed\n", s->light_skeletons,
		       s->light_skeletons == 1 ? "" : "s");
	if (s->err_cnt)
		printf("%zu error%s (see above)\n", s->err_cnt, s->err_cnt == 1 ? "" : "s");
	if (s->verdicts[PTREGS_VERDICT_BREAKS] || s->verdicts[PTREGS_VERDICT_FAILS_TO_LOAD] ||
	    s->verdicts[PTREGS_VERDICT_BREAKS_HOST_LIBBPF])
		printf("verdict: programs here read the wrong registers or fail to load on "
		       "the target kernel\n");
	else if (s->err_cnt)
		printf("verdict: incomplete: nothing found that breaks in what could be read\n");
	else
		printf("verdict: nothing found that breaks on the target kernel\n");
}

static void json_str_or_null(struct json_writer *w, const char *name, const char *v)
{
	jsonw_name(w, name);
	if (v)
		jsonw_string(w, v);
	else
		jsonw_null(w);
}

void finding_json_fields(struct json_writer *w, const struct finding *f)
{
	jsonw_string_field(w, "file", f->file);
	if (f->object)
		jsonw_string_field(w, "object", f->object);
	jsonw_string_field(w, "program", f->program);
	jsonw_string_field(w, "section", f->section);
	jsonw_uint_field(w, "insn", f->acc.insn);
	jsonw_string_field(w, "kind", ptregs_access_kind_str(f->acc.kind));
	jsonw_string_field(w, "origin", ptregs_origin_str(f->acc.origin));
	jsonw_string_field(w, "verdict", ptregs_verdict_str(f->acc.verdict));
	jsonw_uint_field(w, "offset", f->acc.offset);
	jsonw_uint_field(w, "size", f->acc.size);
	json_str_or_null(w, "old_field", f->old_field);
	json_str_or_null(w, "new_field", f->new_field);
	if (f->relo_field)
		jsonw_string_field(w, "core_field", f->relo_field);
	if (f->acc.note)
		jsonw_string_field(w, "note", f->acc.note);
	/* a read of a copy names the probe read that made it */
	if (f->acc.copy_size) {
		jsonw_uint_field(w, "copy_size", f->acc.copy_size);
		/* a copy takes a few insns to set up: insn 0 never makes one */
		if (f->acc.copy_insn && f->acc.copy_insn != f->acc.insn)
			jsonw_uint_field(w, "copy_insn", f->acc.copy_insn);
	}
	if (f->src_file) {
		jsonw_name(w, "source");
		jsonw_start_object(w);
		jsonw_string_field(w, "file", f->src_file);
		jsonw_uint_field(w, "line", f->line);
		jsonw_uint_field(w, "column", f->col);
		if (f->src_text)
			jsonw_string_field(w, "text", f->src_text);
		jsonw_end_object(w);
	}
}

/* JSON keys are snake_case; the verdict values keep their documented spelling. */
static void verdict_key(enum ptregs_verdict v, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ptregs_verdict_str(v));
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

void scan_print_json(const struct scan *s)
{
	struct json_writer *w = json_open();

	jsonw_start_object(w);
	jsonw_string_field(w, "from", s->from_name);
	jsonw_string_field(w, "to", s->to_name);
	jsonw_name(w, "findings");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->cnt; i++) {
		const struct finding *f = &s->findings[i];

		jsonw_start_object(w);
		finding_json_fields(w, f);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "errors");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->err_cnt; i++)
		if (s->errors && s->errors[i])
			jsonw_string(w, s->errors[i]);
	jsonw_end_array(w);
	jsonw_name(w, "notices");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->notice_cnt; i++)
		jsonw_string(w, s->notices[i]);
	jsonw_end_array(w);
	jsonw_name(w, "light_skeletons");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->light_skeletons && s->light_paths; i++)
		if (s->light_paths[i])
			jsonw_string(w, s->light_paths[i]);
	jsonw_end_array(w);
	jsonw_name(w, "usdt");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->usdt_cnt; i++) {
		jsonw_start_object(w);
		jsonw_string_field(w, "file", s->usdt[i].file);
		jsonw_uint_field(w, "programs", s->usdt[i].programs);
		jsonw_uint_field(w, "host_offset_reads", s->usdt[i].arg_reads);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "summary");
	jsonw_start_object(w);
	jsonw_uint_field(w, "files", s->files);
	jsonw_uint_field(w, "hosts", s->hosts);
	jsonw_uint_field(w, "objects", s->objects);
	jsonw_uint_field(w, "programs", s->programs);
	for (size_t i = 0; i < sizeof(summary_order) / sizeof(summary_order[0]); i++) {
		char key[32];

		verdict_key(summary_order[i], key, sizeof(key));
		jsonw_uint_field(w, key, s->verdicts[summary_order[i]]);
	}
	jsonw_uint_field(w, "errors", s->err_cnt);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}
