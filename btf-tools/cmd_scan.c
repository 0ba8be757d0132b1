// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs scan: find BPF programs that read pt_regs at compile-time offsets,
 * in BPF objects, in executables that embed them (libbpf skeletons), and
 * in directories of either.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <ptregs/analysis.h>
#include "bpf_object.h"
#include "main.h"
#include "scan.h"

void help_scan(void)
{
	printf("Usage: %s scan [--from SOURCE] [--to SOURCE] [--all] [--strict]\n"
	       "                 [--sarif FILE] [-j|-p] PATH...\n"
	       "\n"
	       "Find BPF programs that read struct pt_regs at compile-time offsets, which\n"
	       "read another register once the layout changes. PATH is a BPF object, an\n"
	       "executable or library embedding BPF objects (libbpf skeletons), or a\n"
	       "directory searched recursively.\n"
	       "\n"
	       "  -f, --from SOURCE   layout the programs were built for (builtin:legacy)\n"
	       "  -t, --to SOURCE     layout of the kernel they will run on (builtin:pkrs)\n"
	       "  -a, --all           also list safe accesses (relocated, safe-abi, unchanged)\n"
	       "      --strict        suspect findings count as breaking for the exit status\n"
	       "      --sarif FILE    also write SARIF 2.1.0 to FILE\n"
	       "      --sarif-base DIR   SARIF file URIs relative to DIR (default: the\n"
	       "                      current directory), as uriBaseId SRCROOT\n"
	       "  -j, --json / -p, --pretty   JSON: {\"findings\": [...], \"summary\": {...}}\n"
	       "\n"
	       "Verdicts: breaks, suspect, fails-to-load, breaks-host-libbpf, unanalysed;\n"
	       "with --all also relocated, safe-abi, unchanged.\n"
	       "Exit status: 0 nothing breaks, 1 findings that break (or suspect ones\n"
	       "with --strict), 2 an input could not be read or analysed or an output not\n"
	       "written (it wins over 1), 3 usage error.\n",
	       bin_name);
}

static bool verdict_shown(const struct scan *s, enum ptregs_scan_verdict v)
{
	return s->all || (v != PTREGS_V_RELOCATED && v != PTREGS_V_SAFE_ABI &&
			  v != PTREGS_V_UNCHANGED);
}

void scan_error(struct scan *s, const char *file, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	char **e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s\n", bin_name, file, msg);
	/* errors[] and err_cnt stay in step: the JSON output and the exit use both */
	e = realloc(s->errors, (s->err_cnt + 1) * sizeof(*e));
	if (!e) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(SCAN_EXIT_ERROR);
	}
	s->errors = e;
	if (asprintf(&e[s->err_cnt], "%s: %s", file, msg) < 0)
		e[s->err_cnt] = NULL;
	s->err_cnt++;
}

static struct finding *new_finding(struct scan *s)
{
	if (s->cnt == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = realloc(s->findings, cap * sizeof(*s->findings));

		if (!p)
			return NULL;
		s->findings = p;
		s->cap = cap;
	}
	memset(&s->findings[s->cnt], 0, sizeof(*s->findings));
	return &s->findings[s->cnt++];
}

static char *dup_or_null(const char *x)
{
	return x ? strdup(x) : NULL;
}

static void add_finding(struct scan *s, const struct bpf_obj *o, const struct obj_prog *p,
			const struct ptregs_access *a, const char *host)
{
	struct finding *f;
	const char *file, *text;
	uint32_t line, col;

	s->verdicts[a->verdict]++;
	if (!verdict_shown(s, a->verdict))
		return;
	f = new_finding(s);
	if (!f)
		return;
	f->file = strdup(host ? host : o->name);
	f->object = host ? strdup(o->name) : NULL;
	f->program = strdup(p->name);
	f->section = strdup(p->section);
	f->acc = *a;
	f->old_field = dup_or_null(a->old_field);
	f->new_field = dup_or_null(a->new_field);
	f->relo_field = dup_or_null(a->relo_field);
	if (bpf_obj_line(o, p, a->insn, &file, &line, &col, &text) == 0) {
		f->src_file = strdup(file);
		f->src_text = dup_or_null(text);
		f->line = line;
		f->col = col;
	}
}

/* Analyse every program of one object. */
static void scan_object(struct scan *s, const char *name, const uint8_t *buf, size_t size,
			const char *host)
{
	struct bpf_obj o;
	char err[512] = "";
	size_t before, usdt_progs = 0;
	int r;

	s->objects++;
	r = bpf_obj_open(&o, name, buf, size, s->to, err, sizeof(err));
	if (r) {
		scan_error(s, name, "%s", *err ? err : strerror(-r));
		bpf_obj_close(&o);
		return;
	}
	for (size_t i = 0; i < o.warn_cnt; i++)
		scan_error(s, name, "%s", o.warnings[i]);
	before = s->verdicts[PTREGS_V_BREAKS_HOST_LIBBPF];
	for (size_t i = 0; i < o.prog_cnt; i++) {
		const struct obj_prog *p = &o.progs[i];
		struct ptregs_prog pp = {
			.sz = sizeof(pp),
			.insns = p->insns,
			.insn_cnt = p->insn_cnt,
			.ctx = p->ctx,
			.pt_regs_args = p->pt_regs_args,
			.syscall_wrapper = p->syscall_wrapper,
			.relos = p->relos,
			.relo_cnt = p->relo_cnt,
		};
		struct ptregs_access *acc = NULL;
		size_t n = 0;

		s->programs++;
		if (p->error) {
			struct ptregs_access a = { .verdict = PTREGS_V_UNANALYSED,
						   .kind = PTREGS_ACC_ESCAPE,
						   .origin = PTREGS_FROM_UNKNOWN,
						   .note = "subprogram not found in the object" };

			add_finding(s, &o, p, &a, host);
		}
		if (ptregs_analyze(&pp, s->from, s->to, &acc, &n)) {
			scan_error(s, name, "program %s: %s", p->name, ptregs_errmsg());
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			struct ptregs_access *a = &acc[k];

			/* libbpf's USDT support reads ctx + off, off computed by the
			 * host program's libbpf with the UAPI pt_regs offsets */
			if (o.uses_usdt && a->kind == PTREGS_ACC_VAR_OFFSET &&
			    a->origin == PTREGS_FROM_CTX) {
				a->verdict = PTREGS_V_BREAKS_HOST_LIBBPF;
				a->note = "USDT argument offsets come from the host program's "
					  "libbpf, computed with UAPI pt_regs offsets";
			}
			add_finding(s, &o, p, a, host);
		}
		free(acc);
		if (p->type && strcmp(p->type, "usdt") == 0)
			usdt_progs++;
	}
	if (o.uses_usdt) {
		struct usdt_user *u = realloc(s->usdt, (s->usdt_cnt + 1) * sizeof(*u));

		if (u) {
			s->usdt = u;
			u = &s->usdt[s->usdt_cnt++];
			u->file = strdup(host ? host : name);
			u->programs = usdt_progs;
			u->arg_reads = s->verdicts[PTREGS_V_BREAKS_HOST_LIBBPF] - before;
		}
	}
	bpf_obj_close(&o);
}

/* The next "\177ELF" at or after FROM: memchr for the rare first byte is fast. */
static const uint8_t *find_elf_magic(const uint8_t *buf, size_t size, size_t from)
{
	while (from + SELFMAG <= size) {
		const uint8_t *p = memchr(buf + from, ELFMAG0, size - from - SELFMAG + 1);

		if (!p)
			return NULL;
		if (memcmp(p, ELFMAG, SELFMAG) == 0)
			return p;
		from = (size_t)(p - buf) + 1;
	}
	return NULL;
}

/* A file: a BPF object itself, or a host embedding some. */
static void scan_buffer(struct scan *s, const char *path, const uint8_t *buf, size_t size,
			bool explicit)
{
	size_t objsz, found = 0, pos = 0;
	const uint8_t *hit;
	bool light;

	if (bpf_elf_at(buf, size, &objsz) || (size >= 20 && !memcmp(buf, ELFMAG, SELFMAG) &&
					      buf[18] == 247 && buf[19] == 0)) {
		s->files++;
		scan_object(s, path, buf, size, NULL);
		return;
	}
	while ((hit = find_elf_magic(buf, size, pos))) {
		size_t off = (size_t)(hit - buf);
		char name[4096];

		if (off != 0 && bpf_elf_at(hit, size - off, &objsz)) {
			found++;
			snprintf(name, sizeof(name), "%s@0x%zx", path, off);
			scan_object(s, name, hit, objsz, path);
			pos = off + objsz;
		} else {
			pos = off + 1;
		}
	}
	light = memmem(buf, size, "__loader.prog", 13) != NULL;
	if (found || light) {
		s->files++;
		s->hosts++;
	}
	if (light) {
		/* bpftool gen skeleton -L: instructions without an ELF object */
		s->light_skeletons++;
		if (!s->quiet_light)
			fprintf(stderr, "%s: %s: light skeleton: BPF instructions embedded "
				"without an ELF object, not analysed\n", bin_name, path);
		s->light_paths = realloc(s->light_paths,
					 (s->light_skeletons) * sizeof(*s->light_paths));
		if (s->light_paths)
			s->light_paths[s->light_skeletons - 1] = strdup(path);
	}
	if (!found && !light && explicit && (size < 4 || memcmp(buf, ELFMAG, SELFMAG) != 0))
		scan_error(s, path, "neither a BPF object nor a file embedding one");
}

static void scan_file(struct scan *s, const char *path, bool explicit)
{
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		scan_error(s, path, "%s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0) {
		scan_error(s, path, "%s", strerror(errno));
		close(fd);
		return;
	}
	if (st.st_size == 0) {
		if (explicit)
			scan_error(s, path, "empty file");
		close(fd);
		return;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		scan_error(s, path, "%s", strerror(errno));
		return;
	}
	scan_buffer(s, path, map, (size_t)st.st_size, explicit);
	munmap(map, (size_t)st.st_size);
}

struct dir_stack {
	dev_t dev;
	ino_t ino;
	const struct dir_stack *up;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_path(struct scan *s, const char *path, bool explicit, const struct dir_stack *up)
{
	struct dir_stack here;
	struct stat st;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (stat(path, &st) != 0) {
		/* a dangling symlink in a walk is not the user's input */
		if (explicit || errno != ENOENT)
			scan_error(s, path, "%s", strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		scan_file(s, path, explicit);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (explicit)
			scan_error(s, path, "not a regular file or directory");
		return;
	}
	for (const struct dir_stack *p = up; p; p = p->up) {
		if (p->dev == st.st_dev && p->ino == st.st_ino) {
			scan_error(s, path, "directory loop (already being scanned higher up)");
			return;
		}
	}
	d = opendir(path);
	if (!d) {
		scan_error(s, path, "%s", strerror(errno));
		return;
	}
	here.dev = st.st_dev;
	here.ino = st.st_ino;
	here.up = up;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn)
				break;
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) >= 0)
			n++;
	}
	closedir(d);
	/* sorted, so output does not depend on the file system's order */
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		scan_path(s, names[i], false, &here);
		free(names[i]);
	}
	free(names);
}

static void scan_free(struct scan *s)
{
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
	for (size_t i = 0; i < s->light_skeletons && s->light_paths; i++)
		free(s->light_paths[i]);
	free(s->light_paths);
	for (size_t i = 0; i < s->usdt_cnt; i++)
		free(s->usdt[i].file);
	free(s->usdt);
}

int do_scan(int argc, char **argv)
{
	enum { OPT_STRICT = 256, OPT_SARIF, OPT_SARIF_BASE };
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "sarif", required_argument, NULL, OPT_SARIF },
		{ "sarif-base", required_argument, NULL, OPT_SARIF_BASE },
		COMMON_LONGOPTS,
		{ 0 }
	};
	const char *from = "builtin:legacy", *to = "builtin:pkrs", *sarif = NULL;
	const char *sarif_base = ".";
	struct scan s = { 0 };
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":f:t:a" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (common_opt(opt))
			continue;
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'a':
			s.all = true;
			break;
		case OPT_STRICT:
			s.strict = true;
			break;
		case OPT_SARIF:
			sarif = optarg;
			break;
		case OPT_SARIF_BASE:
			sarif_base = optarg;
			break;
		case 'h':
			help_scan();
			return EXIT_OK;
		default:
			return p_opt_err("scan", opt, argv);
		}
	}
	if (optind == argc) {
		p_err("scan: no PATH given (see '%s help scan')", bin_name);
		return EXIT_USAGE;
	}
	s.from = ptregs_layout_load(from, "pt_regs", NULL);
	if (!s.from) {
		p_lib_err(from);
		return EXIT_ERROR;
	}
	s.to = ptregs_layout_load(to, "pt_regs", NULL);
	if (!s.to) {
		p_lib_err(to);
		ptregs_layout_free(s.from);
		return EXIT_ERROR;
	}
	s.from_name = from;
	s.to_name = to;
	s.quiet_light = json_output;
	for (int i = optind; i < argc; i++)
		scan_path(&s, argv[i], true, NULL);

	/* first, so that a failure is one of the errors the output reports */
	if (sarif)
		scan_write_sarif(&s, sarif, sarif_base);
	if (json_output)
		scan_print_json(&s);
	else
		scan_print_text(&s);

	if (s.err_cnt)
		ret = EXIT_ERROR;
	else if (s.verdicts[PTREGS_V_BREAKS] || s.verdicts[PTREGS_V_FAILS_TO_LOAD] ||
		 s.verdicts[PTREGS_V_BREAKS_HOST_LIBBPF] ||
		 (s.strict && s.verdicts[PTREGS_V_SUSPECT]))
		ret = EXIT_FINDINGS;
	else
		ret = EXIT_OK;
	scan_free(&s);
	ptregs_layout_free(s.from);
	ptregs_layout_free(s.to);
	return ret;
}
