/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptregs check: the upgrade check of one machine against a new kernel. */
#ifndef PTREGS_CHECK_H
#define PTREGS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <ptregs/analysis.h>
#include <ptregs/runtime.h>
#include "dpkg.h"
#include "scan.h"

/* A kprobe-type program the running kernel holds. */
struct live_prog {
	uint32_t id;
	char name[BPF_OBJ_NAME_LEN + 1];
	char tag[17];
	enum ptregs_ctx_evidence evidence;
	bool unreadable;	/* the kernel gave no instructions */
	char *holders;		/* "comm[pid], ..." */
	char *pins;		/* bpffs paths */
	size_t verdicts[PTREGS_VERDICT_UNCHANGED + 1];
};

struct live {
	struct live_prog *progs;
	size_t cnt;
	size_t total;		/* programs of any type */
	char why[256];		/* why they could not be listed: the reason only */
	int32_t imm[16], id[16];	/* helper calls as the kernel keeps them */
	size_t imm_cnt;
};

/* A user-space ELF whose debug info has the kernel's struct pt_regs. */
struct dwarf_user {
	char *path, *debug;	/* debug: where the DWARF was (itself or a .debug file) */
	uint32_t size;
};

/* A known consumer (the consumers file) the dpkg database has installed. */
struct consumer {
	char *package, *range, *breaks, *evidence, *remedy;
	const struct dpkg_pkg *installed;
};

struct check {
	const char *root;	/* "/" or --root */
	char old_name[4200], new_name[4200];
	struct ptregs_layout *old, *new;
	struct scan files;	/* findings in installed files */
	struct scan live_scan;	/* findings in running programs */
	struct dwarf_user *dwarf;
	size_t dwarf_cnt;
	struct dpkg dpkg;
	bool have_dpkg;
	char dpkg_why[4300];
	struct consumer *consumers;	/* installed ones */
	size_t consumer_cnt;
	struct live live;
	bool live_done;
	const char *live_skipped;	/* why they were not looked at (--no-live) */
	struct scan_files paths;
	size_t errors;
};

void check_error(struct check *c, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* check_live.c */
int check_live(struct check *c, struct live *l);
/* Where a running program's instruction came from: its BTF line info. */
struct live_src {
	const char *file, *text;	/* text may be NULL */
	unsigned line, col;
};

/* SRC: NULL when the kernel has no line info for the program. */
void check_live_finding(struct check *c, const struct live_prog *p, const struct ptregs_access *a,
			const struct live_src *src);
void live_free(struct live *l);

#endif
