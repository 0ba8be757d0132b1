// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs scan --sarif: SARIF 2.1.0 for CI code scanning, with stable rule ids. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ptregs/ptregs.h>
#include "json_writer.h"
#include "main.h"
#include "scan.h"

struct rule {
	enum ptregs_verdict verdict;
	const char *id, *name, *level, *text;
};

static const struct rule rules[] = {
	{ PTREGS_VERDICT_BREAKS, "PTREGS001", "PtRegsCompileTimeOffset", "error",
	  "A compile-time offset into struct pt_regs reads another register on the target kernel" },
	{ PTREGS_VERDICT_FAILS_TO_LOAD, "PTREGS002", "PtRegsCoreFieldMissing", "error",
	  "A CO-RE relocation names a pt_regs field the kernel does not have; the program fails to load" },
	{ PTREGS_VERDICT_BREAKS_HOST_LIBBPF, "PTREGS003", "PtRegsHostLibbpfOffset", "error",
	  "pt_regs offsets come from the libbpf linked into the host program (USDT)" },
	{ PTREGS_VERDICT_SUSPECT, "PTREGS004", "PtRegsSizeofArithmetic", "warning",
	  "sizeof(struct pt_regs) baked into pointer arithmetic" },
	{ PTREGS_VERDICT_UNANALYSED, "PTREGS005", "PtRegsUnanalysed", "warning",
	  "A use of a pt_regs pointer the analysis could not follow" },
	{ PTREGS_VERDICT_RELOCATED, "PTREGS006", "PtRegsRelocated", "note",
	  "A CO-RE relocation produces the pt_regs offset" },
	{ PTREGS_VERDICT_SAFE_ABI, "PTREGS007", "PtRegsPerfEventAbi", "note",
	  "A bpf_perf_event_data regs read, kept stable by the kernel" },
	{ PTREGS_VERDICT_UNCHANGED, "PTREGS008", "PtRegsUnchanged", "note",
	  "A compile-time offset that reads the same field on both layouts" },
};

/* ptregs check's results that are no instruction, by enum sarif_extra_kind */
static const struct rule extra_rules[] = {
	{ 0, "PTREGS009", "PtRegsDebugInfoLayout", "error",
	  "A program's debug info defines the kernel's struct pt_regs in the old layout: "
	  "code that reads kernel register frames at those offsets" },
	{ 0, "PTREGS010", "PtRegsKnownConsumer", "error",
	  "An installed package known to read registers from a fixed table (the known-consumer list)" },
};

static const struct rule *rule_of(enum ptregs_verdict v)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].verdict == v)
			return &rules[i];
	return &rules[4];
}

const char *finding_rule_id(enum ptregs_verdict v)
{
	return rule_of(v)->id;
}

/* SARIF's name for the directory that URIs of files under it are relative to. */
#define BASE_ID "SRCROOT"

/* PATH made absolute against CWD, with "", "." and ".." components resolved. */
static char *abs_path(const char *path, const char *cwd)
{
	char *full = NULL, *out, *o;

	if (asprintf(&full, "%s/%s", path[0] == '/' ? "" : cwd, path) < 0)
		return NULL;
	out = malloc(strlen(full) + 2);
	if (!out) {
		free(full);
		return NULL;
	}
	o = out;
	for (char *save = NULL, *c = strtok_r(full, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (o > out && *--o != '/')
				;
			continue;
		}
		o += sprintf(o, "/%s", c);
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	free(full);
	return out;
}

/* RFC 3986: every byte but the unreserved ones and '/' percent-encoded. */
static void uri_append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			buf[n++] = (char)*p;
		else
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", *p);
	}
	buf[n] = '\0';
}

struct sarif_ctx {
	const struct scan *scan;
	const struct sarif_extra *extra;
	size_t extra_cnt;
	bool extra_rules;	/* ptregs check's: its rules listed too */
	char cwd[4096];
	char base[4096];	/* absolute, no trailing '/' except for "/" itself */
};

/* The artifactLocation of PATH: relative to the base, else a file:// URI. */
static void write_location(struct json_writer *w, const struct sarif_ctx *c, const char *path)
{
	char uri[8192] = "";
	char *abs = abs_path(path, c->cwd);
	const char *full = abs ? abs : path;
	size_t blen = strlen(c->base);
	const char *rel = NULL;

	if (!strcmp(c->base, "/"))
		rel = full + 1;
	else if (!strncmp(full, c->base, blen) && full[blen] == '/')
		rel = full + blen + 1;
	jsonw_name(w, "artifactLocation");
	jsonw_start_object(w);
	if (rel && *rel) {
		uri_append(uri, sizeof(uri), rel);
		jsonw_string_field(w, "uri", uri);
		jsonw_string_field(w, "uriBaseId", BASE_ID);
	} else {
		strcpy(uri, "file://");
		uri_append(uri, sizeof(uri), full);
		jsonw_string_field(w, "uri", uri);
	}
	jsonw_end_object(w);
	free(abs);
}

/*
 * A result's rule, level and message, then its one location opened at its
 * physicalLocation's artifactLocation for PATH: the caller adds a region,
 * closes the physicalLocation and calls result_properties().
 */
static void result_begin(struct json_writer *w, const struct sarif_ctx *c, const struct rule *r,
			 const char *text, const char *path)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "ruleId", r->id);
	jsonw_string_field(w, "level", r->level);
	jsonw_name(w, "message");
	jsonw_start_object(w);
	jsonw_string_field(w, "text", text);
	jsonw_end_object(w);
	jsonw_name(w, "locations");
	jsonw_start_array(w);
	jsonw_start_object(w);
	jsonw_name(w, "physicalLocation");
	jsonw_start_object(w);
	write_location(w, c, path);
}

/* Close the location and open the result's properties. */
static void result_properties(struct json_writer *w)
{
	jsonw_end_object(w);
	jsonw_end_array(w);
	jsonw_name(w, "properties");
	jsonw_start_object(w);
}

static void write_result(struct json_writer *w, const struct sarif_ctx *c,
			 const struct finding *fd)
{
	const struct rule *r = rule_of(fd->acc.verdict);
	char msg[1024];
	size_t n;

	finding_message(fd, msg, sizeof(msg));
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, "; in %s, program %s (%s), insn %u",
		 fd->object ? fd->object : fd->file, fd->program, fd->section, fd->acc.insn);
	result_begin(w, c, r, msg, fd->src_file ? fd->src_file : fd->file);
	if (fd->src_file && fd->line) {
		jsonw_name(w, "region");
		jsonw_start_object(w);
		jsonw_uint_field(w, "startLine", fd->line);
		if (fd->col)
			jsonw_uint_field(w, "startColumn", fd->col);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	result_properties(w);
	finding_json_fields(w, fd);
	jsonw_end_object(w);
	jsonw_end_object(w);
}

static void opt_string(struct json_writer *w, const char *name, const char *s)
{
	if (s)
		jsonw_string_field(w, name, s);
}

static void write_extra(struct json_writer *w, const struct sarif_ctx *c,
			const struct sarif_extra *x)
{
	const struct rule *r = &extra_rules[x->kind == SARIF_KNOWN_CONSUMER];

	result_begin(w, c, r, x->message, x->file);
	jsonw_end_object(w);
	if (x->package) {
		jsonw_name(w, "logicalLocations");
		jsonw_start_array(w);
		jsonw_start_object(w);
		jsonw_string_field(w, "name", x->package);
		jsonw_string_field(w, "kind", "package");
		jsonw_end_object(w);
		jsonw_end_array(w);
	}
	result_properties(w);
	opt_string(w, "package", x->package);
	opt_string(w, "version", x->version);
	opt_string(w, "debug_file", x->debug_file);
	opt_string(w, "breaks", x->breaks);
	opt_string(w, "evidence", x->evidence);
	opt_string(w, "remedy", x->remedy);
	jsonw_end_object(w);
	jsonw_end_object(w);
}

static void write_rule(struct json_writer *w, const struct rule *r)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "id", r->id);
	jsonw_string_field(w, "name", r->name);
	jsonw_name(w, "shortDescription");
	jsonw_start_object(w);
	jsonw_string_field(w, "text", r->text);
	jsonw_end_object(w);
	jsonw_name(w, "defaultConfiguration");
	jsonw_start_object(w);
	jsonw_string_field(w, "level", r->level);
	jsonw_end_object(w);
	jsonw_end_object(w);
}

static void write_sarif(const struct sarif_ctx *c, FILE *f)
{
	struct json_writer *w = jsonw_new(f, true);
	char base_uri[8192] = "file://";

	if (!w)
		return;
	uri_append(base_uri, sizeof(base_uri), c->base);
	if (strcmp(c->base, "/") != 0)
		uri_append(base_uri, sizeof(base_uri), "/");
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
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		write_rule(w, &rules[i]);
	for (size_t i = 0; c->extra_rules && i < sizeof(extra_rules) / sizeof(extra_rules[0]); i++)
		write_rule(w, &extra_rules[i]);
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_name(w, "originalUriBaseIds");
	jsonw_start_object(w);
	jsonw_name(w, BASE_ID);
	jsonw_start_object(w);
	jsonw_string_field(w, "uri", base_uri);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_name(w, "results");
	jsonw_start_array(w);
	for (size_t i = 0; i < c->scan->cnt; i++)
		write_result(w, c, &c->scan->findings[i]);
	for (size_t i = 0; i < c->extra_cnt; i++)
		write_extra(w, c, &c->extra[i]);
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

int scan_write_sarif(struct scan *s, const char *path, const char *base)
{
	return scan_write_sarif_extra(s, path, base, NULL, 0);
}

int scan_write_sarif_extra(struct scan *s, const char *path, const char *base,
			   const struct sarif_extra *x, size_t n)
{
	struct sarif_ctx c = { .scan = s, .extra = x, .extra_cnt = n, .extra_rules = x != NULL };
	char *tmp = NULL, *b;
	mode_t mask;
	FILE *f;
	int fd;

	if (!getcwd(c.cwd, sizeof(c.cwd)) || !(b = realpath(base, NULL))) {
		scan_error(s, base, "SARIF base: %s", strerror(errno));
		return -1;
	}
	snprintf(c.base, sizeof(c.base), "%s", b);
	free(b);
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		scan_error(s, path, "out of memory");
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		scan_error(s, path, "%s", strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	/* mkstemp creates 0600; the report is an ordinary file, so the umask decides */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		scan_error(s, path, "%s", strerror(errno));
		fclose(f);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	write_sarif(&c, f);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		scan_error(s, path, "write failed: %s", strerror(errno));
		fclose(f);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (fclose(f) || rename(tmp, path)) {
		scan_error(s, path, "%s", strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
