/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptregs scan: findings and their output formats. */
#ifndef PTREGS_SCAN_H
#define PTREGS_SCAN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ptregs/analysis.h>
#include "json_writer.h"
#include "main.h"

/* scan's exit statuses are main.h's EXIT_FINDINGS, EXIT_ERROR and EXIT_USAGE */
#define SCAN_EXIT_ERROR EXIT_ERROR

struct finding {
	char *file;		/* the path given or found: object or host */
	char *object;		/* embedded object name (host@offset), or NULL */
	char *program, *section;
	struct ptregs_access acc;
	char *old_field, *new_field, *relo_field;
	char *src_file, *src_text;
	unsigned line, col;
	size_t order;		/* for merging findings found in parallel */
};

/* An object that attaches USDT probes through the host's libbpf. */
struct usdt_user {
	char *file;		/* the host program (or the object) */
	size_t programs;	/* usdt programs */
	size_t arg_reads;	/* reads at offsets from the host libbpf */
};

struct scan {
	struct ptregs_layout *from, *to;
	const char *from_name, *to_name;
	bool all, strict, quiet_notices;
	struct finding *findings;
	size_t cnt, cap;
	char **errors;
	size_t err_cnt;
	char **notices;		/* inputs with nothing to scan */
	size_t notice_cnt;
	size_t files, hosts, objects, programs, light_skeletons;
	char **light_paths;
	struct usdt_user *usdt;
	size_t usdt_cnt;
	size_t verdicts[PTREGS_VERDICT_UNCHANGED + 1];
	/*
	 * A whole system: symbolic links are not followed below the paths
	 * given, a program of a type the reader does not know is a notice
	 * (no pt_regs there), and a large file is read a window at a time.
	 */
	bool system;
	/* called for a file that is neither a BPF object nor embeds one */
	void (*other_file)(struct scan *s, const char *path, const uint8_t *buf, size_t size);
	void *ctx;		/* the caller's, for other_file */
	uint8_t *rbuf;		/* a system scan's read buffer */
	size_t rcap;
};

/* Regular files found under some paths, in walk order. */
struct scan_files {
	char **paths;
	size_t cnt, cap;
	uint64_t bytes;
};

struct ptregs_object;
struct ptregs_object_prog;

/* scan_store.c: an error counts against the exit status, a notice does not. */
void scan_error(struct scan *s, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void scan_notice(struct scan *s, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void add_finding(struct scan *s, const struct ptregs_object *o, const struct ptregs_object_prog *p,
		 const struct ptregs_access *a, const char *host);
/* A finding without an object (a program running in the kernel: FILE names it). */
void add_finding_at(struct scan *s, const char *file, const char *program, const char *section,
		    const struct ptregs_access *a);
/* Move FROM's findings, errors, notices and counts to the end of TO's. */
void scan_merge(struct scan *to, struct scan *from);
void add_usdt_user(struct scan *s, const char *file, size_t programs, size_t arg_reads);
void add_light_skeleton(struct scan *s, const char *path);
void scan_free(struct scan *s);

/* scan_walk.c: a file or a directory the user named. */
void scan_path(struct scan *s, const char *path);
/* NEEDLE in BUF[OFF, OFF + LEN): a system scan a window at a time, pages given back. */
bool scan_memmem(const struct scan *s, const uint8_t *buf, size_t off, size_t len,
		 const void *needle, size_t nlen);
/* One regular file (EXPLICIT: the user named it). */
void scan_file(struct scan *s, const char *path, bool explicit);
/* The regular files PATH is or holds, appended to OUT (errors into S). */
void scan_collect(struct scan *s, const char *path, struct scan_files *out);

/* scan_output.c */
void scan_print_text(const struct scan *s);
void scan_print_json(const struct scan *s);
/*
 * Written to a temporary file and renamed, file URIs relative to BASE:
 * 0, or -1 after adding an error to the scan.
 */
int scan_write_sarif(struct scan *s, const char *path, const char *base);
/*
 * A result of ptregs check that is no instruction: a program whose debug
 * info has the old struct pt_regs (PTREGS009), an installed known
 * consumer (PTREGS010). FILE locates it; the others are its properties
 * (NULL: left out).
 */
enum sarif_extra_kind { SARIF_DEBUG_INFO_USER, SARIF_KNOWN_CONSUMER };
struct sarif_extra {
	enum sarif_extra_kind kind;
	const char *file, *message;
	const char *package, *version, *debug_file, *breaks, *evidence, *remedy;
};
/* scan_write_sarif() with those results after the scan's, and their rules. */
int scan_write_sarif_extra(struct scan *s, const char *path, const char *base,
			   const struct sarif_extra *x, size_t n);
/* "VERDICT: what is read and why" with the access's note: text and SARIF. */
void finding_message(const struct finding *f, char *buf, size_t len);
/* The finding's JSON members: the -j findings and SARIF's properties. */
void finding_json_fields(struct json_writer *w, const struct finding *f);
const char *finding_rule_id(enum ptregs_verdict v);

#endif
