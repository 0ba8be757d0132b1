// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs scan --sarif: SARIF 2.1.0 for CI code scanning, with stable rule ids. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ptregs/ptregs.h>
#include "json_writer.h"
#include "main.h"
#include "scan.h"

struct rule {
	enum ptregs_scan_verdict verdict;
	const char *id, *name, *level, *text;
};

static const struct rule rules[] = {
	{ PTREGS_V_BREAKS, "PTREGS001", "PtRegsCompileTimeOffset", "error",
	  "A compile-time offset into struct pt_regs reads another register on the target kernel" },
	{ PTREGS_V_FAILS_TO_LOAD, "PTREGS002", "PtRegsCoreFieldMissing", "error",
	  "A CO-RE relocation names a pt_regs field the kernel does not have; the program fails to load" },
	{ PTREGS_V_BREAKS_HOST_LIBBPF, "PTREGS003", "PtRegsHostLibbpfOffset", "error",
	  "pt_regs offsets come from the libbpf linked into the host program (USDT)" },
	{ PTREGS_V_SUSPECT, "PTREGS004", "PtRegsSizeofArithmetic", "warning",
	  "sizeof(struct pt_regs) baked into pointer arithmetic" },
	{ PTREGS_V_UNANALYSED, "PTREGS005", "PtRegsUnanalysed", "warning",
	  "A use of a pt_regs pointer the analysis could not follow" },
	{ PTREGS_V_RELOCATED, "PTREGS006", "PtRegsRelocated", "note",
	  "A CO-RE relocation produces the pt_regs offset" },
	{ PTREGS_V_SAFE_ABI, "PTREGS007", "PtRegsPerfEventAbi", "note",
	  "A bpf_perf_event_data regs read, kept stable by the kernel" },
	{ PTREGS_V_UNCHANGED, "PTREGS008", "PtRegsUnchanged", "note",
	  "A compile-time offset that reads the same field on both layouts" },
};

static const struct rule *rule_of(enum ptregs_scan_verdict v)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].verdict == v)
			return &rules[i];
	return &rules[4];
}

const char *finding_rule_id(enum ptregs_scan_verdict v)
{
	return rule_of(v)->id;
}

static void write_sarif(const struct scan *s, FILE *f)
{
	struct json_writer *w = jsonw_new(f, true);

	if (!w)
		return;
	jsonw_start_object(w);
	jsonw_string_field(w, "version", "2.1.0");
	jsonw_name(w, "runs");
	jsonw_start_array(w);
	jsonw_start_object(w);
	jsonw_name(w, "tool");
	jsonw_start_object(w);
	jsonw_name(w, "driver");
	jsonw_start_object(w);
	jsonw_string_field(w, "name", "ptregs");
	jsonw_string_field(w, "version", ptregs_version());
	jsonw_name(w, "rules");
	jsonw_start_array(w);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		jsonw_start_object(w);
		jsonw_string_field(w, "id", rules[i].id);
		jsonw_string_field(w, "name", rules[i].name);
		jsonw_name(w, "shortDescription");
		jsonw_start_object(w);
		jsonw_string_field(w, "text", rules[i].text);
		jsonw_end_object(w);
		jsonw_name(w, "defaultConfiguration");
		jsonw_start_object(w);
		jsonw_string_field(w, "level", rules[i].level);
		jsonw_end_object(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_name(w, "results");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->cnt; i++) {
		const struct finding *fd = &s->findings[i];
		const struct rule *r = rule_of(fd->acc.verdict);
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s: %s of pt_regs+%u (%u bytes) in program %s (%s), "
			 "insn %u: %s before, %s after%s%s", ptregs_scan_verdict_str(fd->acc.verdict),
			 ptregs_access_kind_str(fd->acc.kind), fd->acc.offset, fd->acc.size,
			 fd->program, fd->section, fd->acc.insn,
			 fd->old_field ? fd->old_field : "no field",
			 fd->new_field ? fd->new_field : "no field", fd->acc.note ? "; " : "",
			 fd->acc.note ? fd->acc.note : "");
		jsonw_start_object(w);
		jsonw_string_field(w, "ruleId", r->id);
		jsonw_string_field(w, "level", r->level);
		jsonw_name(w, "message");
		jsonw_start_object(w);
		jsonw_string_field(w, "text", msg);
		jsonw_end_object(w);
		jsonw_name(w, "locations");
		jsonw_start_array(w);
		jsonw_start_object(w);
		jsonw_name(w, "physicalLocation");
		jsonw_start_object(w);
		jsonw_name(w, "artifactLocation");
		jsonw_start_object(w);
		jsonw_string_field(w, "uri", fd->src_file ? fd->src_file : fd->file);
		jsonw_end_object(w);
		if (fd->src_file && fd->line) {
			jsonw_name(w, "region");
			jsonw_start_object(w);
			jsonw_uint_field(w, "startLine", fd->line);
			if (fd->col)
				jsonw_uint_field(w, "startColumn", fd->col);
			jsonw_end_object(w);
		}
		jsonw_end_object(w);
		jsonw_end_object(w);
		jsonw_end_array(w);
		jsonw_name(w, "properties");
		jsonw_start_object(w);
		jsonw_string_field(w, "file", fd->file);
		if (fd->object)
			jsonw_string_field(w, "object", fd->object);
		jsonw_string_field(w, "program", fd->program);
		jsonw_string_field(w, "section", fd->section);
		jsonw_uint_field(w, "insn", fd->acc.insn);
		jsonw_uint_field(w, "offset", fd->acc.offset);
		jsonw_end_object(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

int scan_write_sarif(const struct scan *s, const char *path)
{
	char *tmp = NULL;
	FILE *f;
	int fd;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		p_err("%s: out of memory", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		p_err("%s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	write_sarif(s, f);
	if (fflush(f) || ferror(f) || fsync(fileno(f)) || fclose(f)) {
		p_err("%s: write failed: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		p_err("%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
