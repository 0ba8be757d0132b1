// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs check: "if I boot this kernel, what on this machine reads the
 * wrong registers, and what do I do about each?" The new kernel's layout
 * against the running one's; then the installed files (BPF objects,
 * executables embedding them, user-space programs with the kernel's
 * struct pt_regs in their debug info), grouped by Debian package; the
 * known consumers no scan can see; and the BPF programs running now.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <ptregs/ptregs.h>
#include "check.h"
#include "format.h"
#include "main.h"

#include "known_consumers.h"	/* generated from btf-tools/known-consumers */

void help_check(void)
{
	printf("Usage: %s check [--kernel NEW] [--from OLD] [--root DIR] [--no-files]\n"
	       "                  [--no-live] [--consumers FILE] [--summary] [--sarif FILE]\n"
	       "                  [-J N] [-j|-p] [PATH...]\n"
	       "\n"
	       "Check this machine for what reads the wrong registers once the kernel NEW\n"
	       "runs: installed BPF objects and executables embedding them, user-space\n"
	       "programs built with the kernel's struct pt_regs, the known consumers of\n"
	       "the installed packages, and the BPF programs running now. Each with its\n"
	       "remedy.\n"
	       "\n"
	       "  -k, --kernel NEW    the kernel to upgrade to: a vmlinux, a BTF file, a\n"
	       "                      bzImage (/boot/vmlinuz-*), a kernel package (.deb) or\n"
	       "                      builtin:NAME (default: the newest ROOT/boot/vmlinuz-*\n"
	       "                      that is not the running kernel)\n"
	       "  -f, --from OLD      the layout programs were built for (default: the\n"
	       "                      running kernel's, /sys/kernel/btf/vmlinux)\n"
	       "  -r, --root DIR      the system to check (default /): its usr and opt, its\n"
	       "                      dpkg database and boot directory\n"
	       "      --no-files      no installed files\n"
	       "      --no-live       not the programs running in this kernel\n"
	       "      --consumers FILE   the known-consumer list (default: the built-in one)\n"
	       "      --summary       a few lines and the command for the details\n"
	       "      --sarif FILE    also write the findings as SARIF 2.1.0 to FILE\n"
	       "  -J, --jobs N        files scanned in parallel (default: the CPUs)\n"
	       "  -j, --json / -p, --pretty   JSON output\n"
	       "\n"
	       "PATH: files or directories to check instead of ROOT/usr and ROOT/opt.\n"
	       "When the two layouts agree nothing else is looked at.\n"
	       "Exit status: 0 nothing breaks, 1 something breaks (listed with its remedy),\n"
	       "2 an input could not be read (it wins over 1), 3 usage error.\n",
	       bin_name);
}

void check_error(struct check *c, const char *file, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p_err("%s: %s", file, buf);
	c->errors++;
}

void check_live_finding(struct check *c, const struct live_prog *p, const struct ptregs_access *a,
			const struct live_src *src)
{
	char file[64];
	size_t before = c->live_scan.cnt;
	struct finding *f;

	snprintf(file, sizeof(file), "bpf prog %u", p->id);
	add_finding_at(&c->live_scan, file, p->name, "kprobe", a);
	if (!src || !src->file || c->live_scan.cnt == before)
		return;
	f = &c->live_scan.findings[before];
	f->src_file = strdup(src->file);
	f->src_text = src->text ? strdup(src->text) : NULL;
	f->line = src->line;
	f->col = src->col;
}

/* ---- the kernels ------------------------------------------------------- */

static int vmlinuz_cmp(const void *a, const void *b)
{
	return -strverscmp(*(char *const *)a, *(char *const *)b);
}

/* The newest ROOT/boot/vmlinuz-* that is not the running kernel. */
static int default_kernel(const char *root, char *out, size_t len)
{
	char dir[4096];
	struct utsname u;
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int ret = -1;

	snprintf(dir, sizeof(dir), "%s/boot", strcmp(root, "/") ? root : "");
	uname(&u);
	d = opendir(dir);
	if (!d) {
		p_err("check: no kernel named (--kernel) and %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && n < 256) {
		if (strncmp(de->d_name, "vmlinuz-", 8) != 0 || !strcmp(de->d_name + 8, u.release))
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (!n) {
		p_err("check: no kernel named (--kernel) and no %s/vmlinuz-* other than the "
		      "running kernel's (%s)", dir, u.release);
		return -1;
	}
	qsort(names, n, sizeof(*names), vmlinuz_cmp);
	snprintf(out, len, "%s/%s", dir, names[0]);
	ret = 0;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return ret;
}

/*
 * The fields both layouts have whose offset differs. A field only one
 * side has (the FRED union aliases csx, fred_cs, ssx, fred_ss of 6.9+) is
 * no move by itself: the registers around it say whether reads change.
 */
static size_t moved_regs(const struct ptregs_layout *old, const struct ptregs_layout *new)
{
	size_t moved = 0, common = 0;

	for (size_t i = 0; i < ptregs_layout_field_cnt(old); i++) {
		const struct ptregs_field *f = ptregs_layout_field(old, i);
		int to = ptregs_reg_offset(new, f->name);	/* by either naming */

		common += to >= 0;
		if (to >= 0 && to != (int)f->offset)
			moved++;
	}
	/* no register in common: nothing is where it was */
	return common ? moved : ptregs_layout_field_cnt(old);
}

/* ---- user-space programs with the kernel's pt_regs in their DWARF ------ */

struct elf_view {
	const Elf64_Shdr *sh;
	size_t shnum;
	const char *shstr;
	size_t shstr_len;
};

static bool elf_view(const uint8_t *buf, size_t size, struct elf_view *v)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Shdr *ss;

	/* headers are read in place: aligned, as the ELF format has them */
	if (size < sizeof(*eh) || ((uintptr_t)buf & 7) || memcmp(buf, ELFMAG, SELFMAG) != 0 ||
	    buf[EI_CLASS] != ELFCLASS64 || (eh->e_shoff & 7) ||
	    buf[EI_DATA] != ELFDATA2LSB || !eh->e_shoff || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > size || (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		return false;
	v->sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
	v->shnum = eh->e_shnum;
	ss = &v->sh[eh->e_shstrndx];
	if (ss->sh_offset > size || ss->sh_size > size - ss->sh_offset)
		return false;
	v->shstr = (const char *)buf + ss->sh_offset;
	v->shstr_len = ss->sh_size;
	return true;
}

static const Elf64_Shdr *elf_section(const struct elf_view *v, size_t size, const char *name)
{
	for (size_t i = 0; i < v->shnum; i++) {
		const Elf64_Shdr *s = &v->sh[i];

		if (s->sh_name >= v->shstr_len || s->sh_type == SHT_NOBITS ||
		    s->sh_offset > size || s->sh_size > size - s->sh_offset)
			continue;
		if (!strncmp(v->shstr + s->sh_name, name, v->shstr_len - s->sh_name))
			return s;
	}
	return NULL;
}

/* "pt_regs" among the DWARF strings: worth reading the DWARF for. */
static bool mentions_pt_regs(const struct scan *sc, const uint8_t *buf, size_t size,
			     const struct elf_view *v)
{
	static const char *const secs[] = { ".debug_str", ".debug_info" };

	for (size_t i = 0; i < 2; i++) {
		const Elf64_Shdr *s = elf_section(v, size, secs[i]);

		if (s && scan_memmem(sc, buf, s->sh_offset, s->sh_size, "pt_regs", 8))
			return true;
	}
	return false;
}

/* ROOT/usr/lib/debug/.build-id/xx/yyyy.debug of the file's build id. */
static bool build_id_debug(const char *root, const uint8_t *buf, size_t size,
			   const struct elf_view *v, char *out, size_t len)
{
	const Elf64_Shdr *s = elf_section(v, size, ".note.gnu.build-id");
	const Elf64_Nhdr *nh;
	const uint8_t *id;
	char hex[2 * 64 + 1];

	Elf64_Nhdr h;

	if (!s || s->sh_size < sizeof(h))
		return false;
	memcpy(&h, buf + s->sh_offset, sizeof(h));
	nh = &h;
	/* the name is "GNU\0": the id right after it, inside the section */
	if (nh->n_type != NT_GNU_BUILD_ID || nh->n_namesz != 4 || nh->n_descsz < 2 ||
	    nh->n_descsz > 64 || sizeof(h) + 4 + nh->n_descsz > s->sh_size)
		return false;
	id = buf + s->sh_offset + sizeof(h) + 4;
	for (uint32_t i = 0; i < nh->n_descsz; i++)
		snprintf(hex + (size_t)2 * i, 3, "%02x", id[i]);
	snprintf(out, len, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", strcmp(root, "/") ? root : "",
		 hex, hex + 2);
	return access(out, R_OK) == 0;
}

struct worker {
	struct check *c;
	struct scan s;
	struct dwarf_user *dwarf;
	size_t dwarf_cnt;
	size_t *next, *done;
	pthread_mutex_t *lock;
	size_t errors;
};

static void dwarf_check(struct worker *w, const char *path, const char *debug)
{
	PTREGS_OPTS(ptregs_open_opts, oo, .force_dwarf = true, .no_types = true);
	struct ptregs_layout *l = ptregs_layout_load(debug, "pt_regs", &oo);
	const struct ptregs_layout *old = w->c->old, *new = w->c->new;
	bool same = true;
	size_t moves = 0;
	struct dwarf_user *d;

	if (!l)
		return;	/* no struct pt_regs after all, or unreadable DWARF */
	/* the kernel's names (di, ip), where OLD has them: a mirror of the
	 * kernel's layout, not the UAPI one of ptrace (rdi, rip), which does
	 * not change */
	for (size_t i = 0; same && i < 2; i++) {
		const char *name = i ? "ip" : "di";
		const struct ptregs_field *f = ptregs_layout_find(old, name);
		const struct ptregs_field *g = ptregs_layout_find(l, name);

		if (!f || !g || f->offset != g->offset)
			same = false;
	}
	/*
	 * OLD's layout by the fields both have: a program built against the
	 * classic 21 registers is OLD's all the same when OLD adds the FRED
	 * aliases (csx, fred_cs, ssx, fred_ss) over cs and ss. It breaks when
	 * one of its fields is elsewhere in NEW.
	 */
	for (size_t i = 0; same && i < ptregs_layout_field_cnt(l); i++) {
		const struct ptregs_field *g = ptregs_layout_field(l, i);
		const struct ptregs_field *f = ptregs_layout_find(old, g->name);
		int to;

		if (!f)
			continue;
		if (f->offset != g->offset) {
			same = false;
			break;
		}
		to = ptregs_reg_offset(new, g->name);
		if (to >= 0 && to != (int)g->offset)
			moves++;
	}
	if (same && moves) {
		d = realloc(w->dwarf, (w->dwarf_cnt + 1) * sizeof(*w->dwarf));
		if (d) {
			w->dwarf = d;
			d = &w->dwarf[w->dwarf_cnt++];
			d->path = strdup(path);
			d->debug = strcmp(path, debug) ? strdup(debug) : NULL;
			d->size = ptregs_layout_size(l);
		}
	}
	ptregs_layout_free(l);
}

static void other_file(struct scan *s, const char *path, const uint8_t *buf, size_t size)
{
	struct worker *w = s->ctx;
	struct elf_view v;
	char debug[4600];

	if (strstr(path, "/usr/lib/debug/") || !elf_view(buf, size, &v))
		return;	/* a debug file is read for the program it belongs to */
	/*
	 * A kernel module (.modinfo, wherever it lies: /lib/modules or
	 * /usr/lib/modules) belongs to its kernel and is built again with
	 * the new one: its pt_regs is the kernel's own, not a copy.
	 */
	if (elf_section(&v, size, ".modinfo"))
		return;
	if (elf_section(&v, size, ".debug_info")) {
		if (mentions_pt_regs(s, buf, size, &v))
			dwarf_check(w, path, path);
		return;
	}
	if (build_id_debug(w->c->root, buf, size, &v, debug, sizeof(debug))) {
		/* the separate debug file, mapped like the program */
		struct elf_view dv;
		struct stat st;
		void *map;
		int fd = open(debug, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return;
		if (fstat(fd, &st) != 0 || st.st_size <= 0) {
			close(fd);
			return;
		}
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (map == MAP_FAILED)
			return;
		if (elf_view(map, (size_t)st.st_size, &dv) &&
		    mentions_pt_regs(&w->s, map, (size_t)st.st_size, &dv))
			dwarf_check(w, path, debug);
		munmap(map, (size_t)st.st_size);
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct check *c = w->c;

	for (;;) {
		size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
		size_t before = w->s.cnt;

		if (i >= c->paths.cnt)
			break;
		scan_file(&w->s, c->paths.paths[i], false);
		/* the walk's order, whichever worker scanned the file */
		for (size_t k = before; k < w->s.cnt; k++)
			w->s.findings[k].order = i;
		__atomic_fetch_add(w->done, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int finding_order(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int dwarf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dwarf_user *)a)->path, ((const struct dwarf_user *)b)->path);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void progress(struct check *c, size_t done, bool final)
{
	const struct dpkg_pkg *p = NULL;
	const char *cur = done < c->paths.cnt ? c->paths.paths[done] : "";

	if (c->have_dpkg && *cur)
		p = dpkg_owner(&c->dpkg, cur);
	fprintf(stderr, "\r\033[Kcheck: %zu/%zu files%s%s", done, c->paths.cnt,
		p ? ", package " : "", p ? p->name : "");
	if (final)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

static void scan_files(struct check *c, int jobs)
{
	struct worker *ws = calloc((size_t)jobs, sizeof(*ws));
	pthread_t *tids = calloc((size_t)jobs, sizeof(*tids));
	size_t next = 0, done = 0;
	bool tty = isatty(STDERR_FILENO) && !json_output;
	int started = 0;

	if (!ws || !tids) {
		check_error(c, "check", "out of memory");
		free(ws);
		free(tids);
		return;
	}
	for (int i = 0; i < jobs; i++) {
		ws[i].c = c;
		ws[i].s.from = c->old;
		ws[i].s.to = c->new;
		ws[i].s.from_name = c->old_name;
		ws[i].s.to_name = c->new_name;
		ws[i].s.quiet_notices = true;
		ws[i].s.system = true;
		ws[i].s.other_file = other_file;
		ws[i].s.ctx = &ws[i];
		ws[i].next = &next;
		ws[i].done = &done;
		if (pthread_create(&tids[i], NULL, work, &ws[i]) == 0)
			started++;
		else
			break;
	}
	if (!started)
		work(&ws[0]);
	while (tty && __atomic_load_n(&done, __ATOMIC_RELAXED) < c->paths.cnt) {
		struct timespec ts = { 0, 100000000L };

		progress(c, __atomic_load_n(&done, __ATOMIC_RELAXED), false);
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (tty)
		progress(c, c->paths.cnt, true);
	for (int i = 0; i < jobs; i++) {
		scan_merge(&c->files, &ws[i].s);
		if (ws[i].dwarf_cnt) {
			struct dwarf_user *d = realloc(c->dwarf, (c->dwarf_cnt + ws[i].dwarf_cnt) *
							       sizeof(*d));

			if (d) {
				c->dwarf = d;
				memcpy(d + c->dwarf_cnt, ws[i].dwarf, ws[i].dwarf_cnt * sizeof(*d));
				c->dwarf_cnt += ws[i].dwarf_cnt;
			}
		}
		free(ws[i].dwarf);
		free(ws[i].s.rbuf);
	}
	if (c->files.cnt)
		qsort(c->files.findings, c->files.cnt, sizeof(*c->files.findings), finding_order);
	if (c->files.err_cnt)
		qsort(c->files.errors, c->files.err_cnt, sizeof(char *), str_cmp);
	if (c->dwarf_cnt)
		qsort(c->dwarf, c->dwarf_cnt, sizeof(*c->dwarf), dwarf_cmp);
	c->errors += c->files.err_cnt;	/* printed as found */
	free(ws);
	free(tids);
}

/* ---- known consumers ---------------------------------------------------- */

static char *field_dup(const char *v)
{
	while (*v == ' ')
		v++;
	return strdup(v);
}

/* Stanzas of "Field: value" lines; "#" comments; continuation lines start
 * with a space. */
static void consumer_free(struct consumer *k)
{
	free(k->package);
	free(k->range);
	free(k->breaks);
	free(k->evidence);
	free(k->remedy);
	memset(k, 0, sizeof(*k));
}

static int parse_consumers(struct check *c, const char *text, const char *name,
			   struct consumer *curp)
{
	char **last = NULL;
	const char *p = text;
	unsigned int lineno = 0;

	for (;;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[2048];

		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (!n || !e) {
			if (curp->package) {
				const struct dpkg_pkg *ip = c->have_dpkg ?
							    dpkg_find(&c->dpkg, curp->package) : NULL;

				if (!curp->breaks || !curp->remedy || !curp->evidence) {
					p_err("%s: the entry for %s lacks Breaks, Evidence or Remedy",
					      name, curp->package);
					return -1;
				}
				if (ip && deb_version_matches(ip->version, curp->range ? curp->range : "any")) {
					struct consumer *nc = realloc(c->consumers, (c->consumer_cnt + 1) *
											   sizeof(*nc));

					if (!nc)
						return -1;
					c->consumers = nc;
					curp->installed = ip;
					nc[c->consumer_cnt++] = *curp;
					memset(curp, 0, sizeof(*curp));	/* kept */
				} else {
					consumer_free(curp);
				}
			}
			last = NULL;
			if (!e)
				break;
			p = e + 1;
			continue;
		}
		p = e + 1;
		if (line[0] == '#')
			continue;
		if ((line[0] == ' ' || line[0] == '\t') && last && *last) {
			char *j;

			if (asprintf(&j, "%s %s", *last, line + strspn(line, " \t")) < 0)
				return -1;
			free(*last);
			*last = j;
			continue;
		}
		if (!strncmp(line, "Package:", 8))
			free(curp->package), curp->package = field_dup(line + 8), last = &curp->package;
		else if (!strncmp(line, "Version:", 8))
			free(curp->range), curp->range = field_dup(line + 8), last = &curp->range;
		else if (!strncmp(line, "Breaks:", 7))
			free(curp->breaks), curp->breaks = field_dup(line + 7), last = &curp->breaks;
		else if (!strncmp(line, "Evidence:", 9))
			free(curp->evidence), curp->evidence = field_dup(line + 9), last = &curp->evidence;
		else if (!strncmp(line, "Remedy:", 7))
			free(curp->remedy), curp->remedy = field_dup(line + 7), last = &curp->remedy;
		else {
			p_err("%s:%u: not 'Field: value' (Package, Version, Breaks, Evidence, "
			      "Remedy): '%.60s'", name, lineno, line);
			return -1;
		}
	}
	return 0;
}


static int load_consumers(struct check *c, const char *text, const char *name)
{
	struct consumer cur = { 0 };
	size_t n = strlen(text);
	char *copy = NULL;
	int r;

	/* a last line without its newline is a line all the same */
	if (n && text[n - 1] != '\n') {
		if (asprintf(&copy, "%s\n", text) < 0)
			return -1;
		text = copy;
	}
	r = parse_consumers(c, text, name, &cur);
	consumer_free(&cur);
	free(copy);
	return r;
}

/* ---- report ------------------------------------------------------------- */

static const char *remedy_for(const struct finding *f, const char *new_name)
{
	static char buf[4600];

	switch (f->acc.verdict) {
	case PTREGS_VERDICT_BREAKS:
		if (f->object)
			snprintf(buf, sizeof(buf), "ptregs fix --to %s %s (an embedded object: "
				 "for that kernel only), or rebuild with CO-RE", new_name, f->file);
		else
			snprintf(buf, sizeof(buf), "ptregs fix %s (CO-RE relocations: right on both "
				 "kernels), or rebuild with CO-RE or ptregs/compat.bpf.h", f->file);
		return buf;
	case PTREGS_VERDICT_FAILS_TO_LOAD:
		snprintf(buf, sizeof(buf), "ptregs fix %s (points its relocations at the kernel's "
			 "register names)", f->file);
		return buf;
	case PTREGS_VERDICT_BREAKS_HOST_LIBBPF:
		return "run it through ptregs run, or rebuild it against a libbpf that takes USDT "
		       "register offsets from the kernel's BTF";
	case PTREGS_VERDICT_SUSPECT:
		return "replace sizeof(struct pt_regs) arithmetic with ptregs/compat.bpf.h's "
		       "PTREGS_TASK_REGS, or ptregs fix --to the new kernel";
	default:
		return "review it by hand (ptregs scan -a)";
	}
}

static bool breaking(enum ptregs_verdict v)
{
	return v == PTREGS_VERDICT_BREAKS || v == PTREGS_VERDICT_FAILS_TO_LOAD ||
	       v == PTREGS_VERDICT_BREAKS_HOST_LIBBPF || v == PTREGS_VERDICT_SUSPECT ||
	       v == PTREGS_VERDICT_UNANALYSED;
}

static void pkg_label(const struct check *c, const char *file, char *buf, size_t len)
{
	const struct dpkg_pkg *p = c->have_dpkg ? dpkg_owner(&c->dpkg, file) : NULL;

	if (p)
		snprintf(buf, len, "package %s %s (%s)", p->name, p->version, p->arch);
	else
		snprintf(buf, len, "%s", c->have_dpkg ? "no package" : "(no dpkg database)");
}

struct tally {
	size_t files, packages, consumers, live, dwarf;
};

struct by_pkg {
	const struct check *c;
	const struct finding *f;
	const struct dpkg_pkg *p;
};

/* Packages by name, files of no package last, the walk's order within. */
static int by_pkg_cmp(const void *a, const void *b)
{
	const struct by_pkg *x = a, *y = b;
	int r;

	if (!x->p != !y->p)
		return x->p ? -1 : 1;
	if (x->p && (r = strcmp(x->p->name, y->p->name)))
		return r;
	return x->f < y->f ? -1 : x->f > y->f;
}

static void print_text(const struct check *c, const struct tally *t, bool summary)
{
	char last[512] = "", label[512], msg[1024];
	const char *last_file = "";
	struct by_pkg *order = calloc(c->files.cnt + 1, sizeof(*order));
	size_t n = 0;

	for (size_t i = 0; order && i < c->files.cnt; i++) {
		const struct finding *f = &c->files.findings[i];

		if (!breaking(f->acc.verdict))
			continue;
		order[n].c = c;
		order[n].f = f;
		order[n++].p = c->have_dpkg ? dpkg_owner(&c->dpkg, f->file) : NULL;
	}
	if (n)
		qsort(order, n, sizeof(*order), by_pkg_cmp);

	printf("ptregs check: from %s\n              to   %s\n", c->old_name, c->new_name);
	printf("pt_regs: %u -> %u bytes, %zu of its %zu fields move\n",
	       ptregs_layout_size(c->old), ptregs_layout_size(c->new), moved_regs(c->old, c->new),
	       ptregs_layout_field_cnt(c->old));
	if (!summary && c->paths.cnt) {
		printf("\ninstalled files: %zu scanned, %zu with BPF, %zu programs\n",
		       c->paths.cnt, c->files.files, c->files.programs);
		for (size_t i = 0; i < n; i++) {
			const struct finding *f = order[i].f;

			pkg_label(c, f->file, label, sizeof(label));
			if (strcmp(label, last) != 0) {
				printf("  %s\n", label);
				snprintf(last, sizeof(last), "%s", label);
				last_file = "";
			}
			if (strcmp(f->file, last_file) != 0) {
				printf("    %s\n      remedy: %s\n", f->file, remedy_for(f, c->new_name));
				last_file = f->file;
			}
			finding_message(f, msg, sizeof(msg));
			printf("      %s, insn %u: %s", f->program, f->acc.insn, msg);
			if (f->src_file)
				printf(" [%s:%u]", f->src_file, f->line);
			printf("\n");
		}
		for (size_t i = 0; i < c->files.usdt_cnt; i++) {
			const struct usdt_user *u = &c->files.usdt[i];

			if (!u->arg_reads)
				continue;
			pkg_label(c, u->file, label, sizeof(label));
			printf("  %s\n    %s: %zu USDT argument read%s at offsets from the host's "
			       "libbpf\n      remedy: run it through ptregs run, or rebuild it against "
			       "a fixed libbpf\n", label, u->file, u->arg_reads,
			       u->arg_reads == 1 ? "" : "s");
		}
		if (c->dwarf_cnt)
			printf("  programs built with the kernel's struct pt_regs (their debug info):\n");
		for (size_t i = 0; i < c->dwarf_cnt; i++) {
			const struct dwarf_user *d = &c->dwarf[i];

			pkg_label(c, d->path, label, sizeof(label));
			printf("  %s\n    %s: its debug info%s%s defines the kernel's struct pt_regs "
			       "(%u bytes, the old layout): code that reads kernel register frames "
			       "at those offsets\n      remedy: rebuild it against the new kernel's "
			       "headers\n", label, d->path, d->debug ? " in " : "",
			       d->debug ? d->debug : "", d->size);
		}
		if (!t->files && !t->dwarf)
			printf("  nothing that breaks\n");
	}
	if (!summary && c->have_dpkg) {
		printf("\nknown consumers installed: %zu\n", c->consumer_cnt);
		for (size_t i = 0; i < c->consumer_cnt; i++) {
			const struct consumer *k = &c->consumers[i];

			printf("  package %s %s (%s)\n    %s\n      evidence: %s\n      remedy: %s\n",
			       k->installed->name, k->installed->version, k->installed->arch,
			       k->breaks, k->evidence, k->remedy);
		}
	} else if (!summary) {
		printf("\nknown consumers: not checked (%s)\n", c->dpkg_why);
	}
	if (!summary && c->live_done) {
		printf("\nrunning BPF programs: %zu loaded, %zu kprobe-type\n", c->live.total,
		       c->live.cnt);
		for (size_t i = 0; i < c->live.cnt; i++) {
			const struct live_prog *p = &c->live.progs[i];
			size_t bad = 0;
			char file[64];

			for (int v = 0; v <= PTREGS_VERDICT_UNCHANGED; v++)
				if (breaking((enum ptregs_verdict)v))
					bad += p->verdicts[v];
			if (!bad && !p->unreadable)
				continue;
			printf("  prog %u '%s' (kprobe, tag %s), evidence: %s\n", p->id, p->name,
			       p->tag, ptregs_ctx_evidence_str(p->evidence));
			printf("    held by %s%s%s\n", p->holders ? p->holders : "no process",
			       p->pins ? "; pinned at " : "", p->pins ? p->pins : "");
			if (p->unreadable) {
				printf("    the kernel gave no instructions: not analysed\n");
				continue;
			}
			snprintf(file, sizeof(file), "bpf prog %u", p->id);
			for (size_t k = 0; k < c->live_scan.cnt; k++) {
				const struct finding *f = &c->live_scan.findings[k];

				if (strcmp(f->file, file) != 0 || !breaking(f->acc.verdict))
					continue;
				finding_message(f, msg, sizeof(msg));
				if (f->src_file)
					printf("    insn %u (%s:%u): %s\n", f->acc.insn,
					       basename_of(f->src_file), f->line, msg);
				else
					printf("    insn %u: %s\n", f->acc.insn, msg);
			}
			printf("    remedy: after the upgrade, run what loaded it through ptregs run, "
			       "or fix its objects (ptregs fix)\n");
		}
	} else if (!summary && c->live.why[0]) {
		printf("\nrunning BPF programs: not checked (cannot list them: %s)\n", c->live.why);
	}
	printf("\n");
	if (t->files + t->dwarf + t->consumers + t->live == 0)
		printf("verdict: nothing on this machine reads the wrong registers on the new "
		       "kernel%s", c->errors ? " (in what could be read)" : "");
	else
		printf("verdict: %zu thing%s on this machine read%s the wrong registers on the new "
		       "kernel: %zu file%s in %zu package%s, %zu debug-info user%s, %zu known "
		       "consumer%s, %zu running program%s",
		       t->files + t->dwarf + t->consumers + t->live,
		       t->files + t->dwarf + t->consumers + t->live == 1 ? "" : "s",
		       t->files + t->dwarf + t->consumers + t->live == 1 ? "s" : "",
		       t->files, t->files == 1 ? "" : "s", t->packages, t->packages == 1 ? "" : "s",
		       t->dwarf, t->dwarf == 1 ? "" : "s", t->consumers, t->consumers == 1 ? "" : "s",
		       t->live, t->live == 1 ? "" : "s");
	/* the verdict does not speak for what could not be looked at */
	if (!c->live_done && c->live.why[0])
		printf("; the running BPF programs were not checked (cannot list them: %s)",
		       c->live.why);
	printf("\n");
	if (summary && t->files + t->dwarf + t->consumers + t->live)
		printf("details: %s check --kernel %s\n", bin_name, c->new_name);
	free(order);
}

static void print_json(const struct check *c, const struct tally *t)
{
	struct json_writer *w = json_open();
	char label[512];

	jsonw_start_object(w);
	jsonw_string_field(w, "from", c->old_name);
	jsonw_string_field(w, "to", c->new_name);
	jsonw_bool_field(w, "layout_changed", true);
	jsonw_uint_field(w, "fields_moved", moved_regs(c->old, c->new));
	jsonw_name(w, "files");
	jsonw_start_array(w);
	for (size_t i = 0; i < c->files.cnt; i++) {
		const struct finding *f = &c->files.findings[i];
		const struct dpkg_pkg *p = c->have_dpkg ? dpkg_owner(&c->dpkg, f->file) : NULL;

		if (!breaking(f->acc.verdict))
			continue;
		jsonw_start_object(w);
		jsonw_name(w, "package");
		if (p)
			jsonw_string(w, p->name);
		else
			jsonw_null(w);
		jsonw_name(w, "version");
		if (p)
			jsonw_string(w, p->version);
		else
			jsonw_null(w);
		finding_json_fields(w, f);
		jsonw_string_field(w, "remedy", remedy_for(f, c->new_name));
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "usdt_hosts");
	jsonw_start_array(w);
	for (size_t i = 0; i < c->files.usdt_cnt; i++) {
		if (!c->files.usdt[i].arg_reads)
			continue;
		jsonw_start_object(w);
		jsonw_string_field(w, "file", c->files.usdt[i].file);
		jsonw_uint_field(w, "arg_reads", c->files.usdt[i].arg_reads);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "debug_info_users");
	jsonw_start_array(w);
	for (size_t i = 0; i < c->dwarf_cnt; i++) {
		pkg_label(c, c->dwarf[i].path, label, sizeof(label));
		jsonw_start_object(w);
		jsonw_string_field(w, "file", c->dwarf[i].path);
		jsonw_name(w, "debug_file");
		if (c->dwarf[i].debug)
			jsonw_string(w, c->dwarf[i].debug);
		else
			jsonw_null(w);
		jsonw_string_field(w, "package", label);
		jsonw_uint_field(w, "size", c->dwarf[i].size);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "known_consumers");
	jsonw_start_array(w);
	for (size_t i = 0; i < c->consumer_cnt; i++) {
		const struct consumer *k = &c->consumers[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "package", k->installed->name);
		jsonw_string_field(w, "version", k->installed->version);
		jsonw_string_field(w, "breaks", k->breaks);
		jsonw_string_field(w, "evidence", k->evidence);
		jsonw_string_field(w, "remedy", k->remedy);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "running");
	if (!c->live_done) {
		jsonw_null(w);
	} else {
		jsonw_start_array(w);
		for (size_t i = 0; i < c->live.cnt; i++) {
			const struct live_prog *p = &c->live.progs[i];
			char file[64];

			snprintf(file, sizeof(file), "bpf prog %u", p->id);
			jsonw_start_object(w);
			jsonw_uint_field(w, "id", p->id);
			jsonw_string_field(w, "name", p->name);
			jsonw_string_field(w, "tag", p->tag);
			jsonw_string_field(w, "evidence", ptregs_ctx_evidence_str(p->evidence));
			jsonw_name(w, "holders");
			if (p->holders)
				jsonw_string(w, p->holders);
			else
				jsonw_null(w);
			jsonw_name(w, "pinned");
			if (p->pins)
				jsonw_string(w, p->pins);
			else
				jsonw_null(w);
			jsonw_bool_field(w, "analysed", !p->unreadable);
			jsonw_name(w, "findings");
			jsonw_start_array(w);
			for (size_t k = 0; k < c->live_scan.cnt; k++) {
				const struct finding *f = &c->live_scan.findings[k];

				if (strcmp(f->file, file) != 0 || !breaking(f->acc.verdict))
					continue;
				jsonw_start_object(w);
				finding_json_fields(w, f);
				jsonw_end_object(w);
			}
			jsonw_end_array(w);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
	/* why running is null: the verdict does not speak for them */
	jsonw_name(w, "running_not_checked");
	if (c->live_done) {
		jsonw_null(w);
	} else if (c->live.why[0]) {
		snprintf(label, sizeof(label), "cannot list the running BPF programs: %s",
			 c->live.why);
		jsonw_string(w, label);
	} else {
		jsonw_string(w, c->live_skipped ? c->live_skipped : "not asked for");
	}
	jsonw_name(w, "summary");
	jsonw_start_object(w);
	jsonw_uint_field(w, "files_scanned", c->paths.cnt);
	jsonw_uint_field(w, "files_breaking", t->files);
	jsonw_uint_field(w, "packages_breaking", t->packages);
	jsonw_uint_field(w, "debug_info_users", t->dwarf);
	jsonw_uint_field(w, "known_consumers", t->consumers);
	jsonw_uint_field(w, "running_breaking", t->live);
	jsonw_uint_field(w, "errors", c->errors);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static void tally(const struct check *c, struct tally *t)
{
	const char *last_file = "";
	char label[512];

	char **labels = calloc(c->files.cnt + 1, sizeof(*labels));
	size_t nl = 0;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < c->files.cnt; i++) {
		const struct finding *f = &c->files.findings[i];

		if (!breaking(f->acc.verdict) || !strcmp(f->file, last_file))
			continue;
		last_file = f->file;
		t->files++;
		pkg_label(c, f->file, label, sizeof(label));
		if (labels && (!nl || strcmp(label, labels[nl - 1]) != 0))
			labels[nl++] = strdup(label);
	}
	/* distinct packages: a package's files need not follow each other */
	if (labels && nl) {
		qsort(labels, nl, sizeof(*labels), str_cmp);
		for (size_t i = 0; i < nl; i++)
			if (labels[i] && (!i || !labels[i - 1] || strcmp(labels[i], labels[i - 1]) != 0))
				t->packages++;
	}
	for (size_t i = 0; labels && i < nl; i++)
		free(labels[i]);
	free(labels);
	for (size_t i = 0; i < c->files.usdt_cnt; i++)
		t->files += c->files.usdt[i].arg_reads ? 1 : 0;
	t->dwarf = c->dwarf_cnt;
	t->consumers = c->consumer_cnt;
	for (size_t i = 0; i < c->live.cnt; i++) {
		const struct live_prog *p = &c->live.progs[i];
		size_t bad = 0;

		for (int v = 0; v <= PTREGS_VERDICT_UNCHANGED; v++)
			if (breaking((enum ptregs_verdict)v))
				bad += p->verdicts[v];
		t->live += bad || p->unreadable;
	}
}

/*
 * SARIF: the findings in files and running programs, then the debug-info
 * users and the known consumers (located at the dpkg status file that
 * says they are installed).
 */
static int write_sarif(const struct check *c, struct scan *all, const char *path)
{
	size_t n = c->dwarf_cnt + c->consumer_cnt, k = 0;
	struct sarif_extra *x = calloc(n + 1, sizeof(*x));
	char **msgs = calloc(n + 1, sizeof(*msgs));
	char status[4200];
	int r = -1;

	if (!x || !msgs) {
		scan_error(all, path, "out of memory");
		goto out;
	}
	snprintf(status, sizeof(status), "%s/var/lib/dpkg/status",
		 strcmp(c->root, "/") ? c->root : "");
	for (size_t i = 0; i < c->dwarf_cnt; i++, k++) {
		const struct dwarf_user *d = &c->dwarf[i];
		const struct dpkg_pkg *p = c->have_dpkg ? dpkg_owner(&c->dpkg, d->path) : NULL;

		if (asprintf(&msgs[k], "%s: its debug info%s%s defines the kernel's struct pt_regs "
			     "(%u bytes, the old layout): code that reads kernel register frames "
			     "at those offsets", d->path, d->debug ? " in " : "",
			     d->debug ? d->debug : "", d->size) < 0) {
			msgs[k] = NULL;
			scan_error(all, path, "out of memory");
			goto out;
		}
		x[k].kind = SARIF_DEBUG_INFO_USER;
		x[k].file = d->path;
		x[k].message = msgs[k];
		x[k].package = p ? p->name : NULL;
		x[k].version = p ? p->version : NULL;
		x[k].debug_file = d->debug;
		x[k].remedy = "rebuild it against the new kernel's headers";
	}
	for (size_t i = 0; i < c->consumer_cnt; i++, k++) {
		const struct consumer *kc = &c->consumers[i];

		if (asprintf(&msgs[k], "package %s %s (%s): %s", kc->installed->name,
			     kc->installed->version, kc->installed->arch, kc->breaks) < 0) {
			msgs[k] = NULL;
			scan_error(all, path, "out of memory");
			goto out;
		}
		x[k].kind = SARIF_KNOWN_CONSUMER;
		x[k].file = status;
		x[k].message = msgs[k];
		x[k].package = kc->installed->name;
		x[k].version = kc->installed->version;
		x[k].breaks = kc->breaks;
		x[k].evidence = kc->evidence;
		x[k].remedy = kc->remedy;
	}
	r = scan_write_sarif_extra(all, path, c->root, x, k);
out:
	for (size_t i = 0; msgs && i < k; i++)
		free(msgs[i]);
	free(msgs);
	free(x);
	return r;
}

/* ---- the command -------------------------------------------------------- */

static void check_free(struct check *c)
{
	ptregs_layout_free(c->old);
	ptregs_layout_free(c->new);
	scan_free(&c->files);
	scan_free(&c->live_scan);
	for (size_t i = 0; i < c->dwarf_cnt; i++) {
		free(c->dwarf[i].path);
		free(c->dwarf[i].debug);
	}
	free(c->dwarf);
	for (size_t i = 0; i < c->consumer_cnt; i++) {
		free(c->consumers[i].package);
		free(c->consumers[i].range);
		free(c->consumers[i].breaks);
		free(c->consumers[i].evidence);
		free(c->consumers[i].remedy);
	}
	free(c->consumers);
	for (size_t i = 0; i < c->paths.cnt; i++)
		free(c->paths.paths[i]);
	free(c->paths.paths);
	if (c->have_dpkg)
		dpkg_free(&c->dpkg);
	live_free(&c->live);
}

int do_check(int argc, char **argv)
{
	enum { OPT_NO_FILES = 256, OPT_NO_LIVE, OPT_CONSUMERS, OPT_SUMMARY, OPT_SARIF };
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "from", required_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "no-files", no_argument, NULL, OPT_NO_FILES },
		{ "no-live", no_argument, NULL, OPT_NO_LIVE },
		{ "consumers", required_argument, NULL, OPT_CONSUMERS },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "sarif", required_argument, NULL, OPT_SARIF },
		COMMON_LONGOPTS,
		{ 0 }
	};
	const char *kernel = NULL, *from = "/sys/kernel/btf/vmlinux", *consumers = NULL;
	const char *sarif = NULL;
	bool no_files = false, no_live = false, summary = false;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	struct check c = { .root = "/" };
	char kbuf[4096], *text = NULL;
	struct tally t;
	int opt, ret = EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":k:f:r:J:" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (common_opt(opt))
			continue;
		switch (opt) {
		case 'k':
			kernel = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			c.root = optarg;
			break;
		case 'J':
			jobs = strtol(optarg, NULL, 10);
			if (jobs < 1 || jobs > 256) {
				p_err("check: --jobs takes 1 to 256");
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_FILES:
			no_files = true;
			break;
		case OPT_NO_LIVE:
			no_live = true;
			break;
		case OPT_CONSUMERS:
			consumers = optarg;
			break;
		case OPT_SUMMARY:
			summary = true;
			break;
		case OPT_SARIF:
			sarif = optarg;
			break;
		case 'h':
			help_check();
			return EXIT_OK;
		default:
			return p_opt_err("check", opt, argv);
		}
	}
	if (jobs < 1)
		jobs = 1;
	if (!kernel) {
		if (default_kernel(c.root, kbuf, sizeof(kbuf)))
			return EXIT_ERROR;
		kernel = kbuf;
	}
	c.old = ptregs_layout_load(from, "pt_regs", NULL);
	if (!c.old) {
		p_lib_err(from);
		return EXIT_ERROR;
	}
	c.new = ptregs_layout_load(kernel, "pt_regs", NULL);
	if (!c.new) {
		p_lib_err(kernel);
		check_free(&c);
		return EXIT_ERROR;
	}
	snprintf(c.old_name, sizeof(c.old_name), "%s", ptregs_layout_origin(c.old));
	snprintf(c.new_name, sizeof(c.new_name), "%s", ptregs_layout_origin(c.new));
	if (!moved_regs(c.old, c.new)) {
		if (json_output) {
			struct json_writer *w = json_open();

			jsonw_start_object(w);
			jsonw_string_field(w, "from", c.old_name);
			jsonw_string_field(w, "to", c.new_name);
			jsonw_bool_field(w, "layout_changed", false);
			jsonw_end_object(w);
			jsonw_destroy(&w);
		} else {
			printf("ptregs check: from %s\n              to   %s\n", c.old_name,
			       c.new_name);
			printf("pt_regs: every register where it was (%u bytes): nothing on this "
			       "machine reads other registers after the upgrade\n",
			       ptregs_layout_size(c.new));
		}
		check_free(&c);
		return EXIT_OK;
	}

	/* the dpkg database: owners, versions, known consumers */
	{
		int r = dpkg_load(&c.dpkg, c.root);

		if (r == 0) {
			c.have_dpkg = true;
			if (!no_files && dpkg_load_files(&c.dpkg) != 0)
				check_error(&c, c.root, "dpkg file lists: %s", c.dpkg.err);
		} else {
			snprintf(c.dpkg_why, sizeof(c.dpkg_why), "%s", c.dpkg.err);
			dpkg_free(&c.dpkg);
			if (r != -ENOENT)	/* a root without dpkg is not an error */
				check_error(&c, "dpkg database", "%s", c.dpkg_why);
		}
	}
	if (consumers) {
		FILE *f = fopen(consumers, "re");
		size_t cap = 0;

		if (!f || getdelim(&text, &cap, '\0', f) < 0) {
			p_err("%s: %s", consumers, strerror(errno ? errno : EIO));
			if (f)
				fclose(f);
			free(text);
			check_free(&c);
			return EXIT_ERROR;
		}
		fclose(f);
	}
	if (load_consumers(&c, text ? text : known_consumers_text,
			   consumers ? consumers : "built-in known consumers")) {
		free(text);
		check_free(&c);
		return EXIT_ERROR;
	}
	free(text);

	/* installed files */
	c.files.from = c.old;
	c.files.to = c.new;
	c.files.from_name = c.old_name;
	c.files.to_name = c.new_name;
	c.files.system = true;
	if (!no_files) {
		int npaths = argc - optind;

		if (npaths > 0) {
			for (int i = optind; i < argc; i++)
				scan_collect(&c.files, argv[i], &c.paths);
		} else {
			static const char *const dirs[] = { "usr", "opt" };

			for (size_t i = 0; i < 2; i++) {
				char dir[4200];
				struct stat st;

				snprintf(dir, sizeof(dir), "%s/%s", strcmp(c.root, "/") ? c.root : "",
					 dirs[i]);
				if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
					scan_collect(&c.files, dir, &c.paths);
			}
		}
		for (size_t i = 0; i < c.files.err_cnt; i++)
			free(c.files.errors[i]);
		c.errors += c.files.err_cnt;	/* printed as found */
		c.files.err_cnt = 0;
		scan_files(&c, (int)(jobs > (long)c.paths.cnt ? (long)c.paths.cnt + 1 : jobs));
	}
	/* what runs now */
	if (no_live)
		c.live_skipped = "--no-live";
	else if (strcmp(c.root, "/") != 0)
		c.live_skipped = "another --root: its programs do not run in this kernel";
	if (!no_live && strcmp(c.root, "/") == 0) {
		c.live_scan.from = c.old;
		c.live_scan.to = c.new;
		c.live_scan.from_name = c.old_name;
		c.live_scan.to_name = c.new_name;
		if (check_live(&c, &c.live) == 0)
			c.live_done = true;
		else if (!json_output)
			fprintf(stderr, "%s: check: cannot list the running BPF programs (%s); "
				"going on without them\n", bin_name, c.live.why);
	}

	tally(&c, &t);
	if (json_output)
		print_json(&c, &t);
	else
		print_text(&c, &t, summary);
	if (sarif) {
		struct scan all = { .from_name = c.old_name, .to_name = c.new_name };

		scan_merge(&all, &c.files);
		scan_merge(&all, &c.live_scan);
		if (write_sarif(&c, &all, sarif) != 0)
			c.errors++;
		scan_free(&all);
	}
	if (t.files + t.dwarf + t.consumers + t.live)
		ret = EXIT_FINDINGS;
	if (c.errors)
		ret = EXIT_ERROR;
	check_free(&c);
	return ret;
}
