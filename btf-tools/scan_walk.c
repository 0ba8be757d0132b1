// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs scan: the inputs. Paths, directories walked in name order, files
 * that are BPF objects or carry them (skeletons), each program analysed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>
#include <ptregs/object.h>
#include "main.h"
#include "scan.h"

/* The library's message names the input first: keep the reason. */
static const char *lib_reason(const char *name)
{
	const char *m = ptregs_errmsg();
	size_t n = strlen(name);

	if (strncmp(m, name, n) == 0 && m[n] == ':' && m[n + 1] == ' ')
		return m + n + 2;
	return *m ? m : strerror(errno);
}

static void scan_program(struct scan *s, const struct ptregs_object *o,
			 const struct ptregs_object_prog *p, const char *host)
{
	const struct ptregs_prog *linked = ptregs_object_prog_linked(p);
	bool usdt = ptregs_object_uses_usdt(o);
	struct ptregs_analysis *an;

	s->programs++;
	if (ptregs_object_prog_error(p)) {
		struct ptregs_access a = { .verdict = PTREGS_VERDICT_UNANALYSED,
					   .kind = PTREGS_ACC_ESCAPE,
					   .origin = PTREGS_FROM_UNKNOWN,
					   .note = "subprogram not found in the object" };

		add_finding(s, o, p, &a, host);
	}
	if (ptregs_object_prog_static(p))
		scan_notice(s, ptregs_object_name(o), "program %s is static: libbpf refuses to "
			    "open the object, other loaders do not; analysed",
			    ptregs_object_prog_name(p));
	an = ptregs_analysis_new(linked, s->from, s->to);
	if (!an) {
		scan_error(s, ptregs_object_name(o), "program %s: %s", ptregs_object_prog_name(p),
			   ptregs_errmsg());
		return;
	}
	for (size_t k = 0; k < ptregs_analysis_access_cnt(an); k++) {
		struct ptregs_access a = *ptregs_analysis_access(an, k);

		/* libbpf's USDT support reads ctx + off, off computed by the
		 * host program's libbpf with the UAPI pt_regs offsets */
		if (usdt && a.kind == PTREGS_ACC_VAR_OFFSET && a.origin == PTREGS_FROM_CTX) {
			a.verdict = PTREGS_VERDICT_BREAKS_HOST_LIBBPF;
			a.note = "USDT argument offsets come from the host program's "
				 "libbpf, computed with UAPI pt_regs offsets";
		}
		add_finding(s, o, p, &a, host);
	}
	ptregs_analysis_free(an);
}

/* Analyse every program of one object. */
static void scan_object(struct scan *s, const char *name, const uint8_t *buf, size_t size,
			const char *host)
{
	PTREGS_OPTS(ptregs_object_opts, oo, .name = name, .to = s->to);
	size_t before, usdt_progs = 0;
	struct ptregs_object *o;

	o = ptregs_object_open_mem(buf, size, &oo);
	if (!o) {
		scan_error(s, name, "%s", lib_reason(name));
		return;
	}
	s->objects++;
	for (size_t i = 0; i < ptregs_object_warning_cnt(o); i++) {
		if (s->system)
			scan_notice(s, name, "%s", ptregs_object_warning(o, i));
		else
			scan_error(s, name, "%s", ptregs_object_warning(o, i));
	}
	before = s->verdicts[PTREGS_VERDICT_BREAKS_HOST_LIBBPF];
	for (size_t i = 0; i < ptregs_object_prog_cnt(o); i++) {
		const struct ptregs_object_prog *p = ptregs_object_prog(o, i);
		const char *type = ptregs_object_prog_type(p);

		scan_program(s, o, p, host);
		if (type && strcmp(type, "usdt") == 0)
			usdt_progs++;
	}
	if (ptregs_object_uses_usdt(o))
		add_usdt_user(s, host ? host : name, usdt_progs,
			      s->verdicts[PTREGS_VERDICT_BREAKS_HOST_LIBBPF] - before);
	ptregs_object_close(o);
}

/* e_machine in the header's own byte order: a big-endian BPF object is
 * one too, for the reader to refuse by name */
static bool elf_machine_bpf(const uint8_t *buf, size_t size)
{
	if (size < 20 || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return false;
	if (buf[EI_DATA] == ELFDATA2MSB)
		return buf[18] == (EM_BPF >> 8) && buf[19] == (EM_BPF & 0xff);
	return buf[18] == (EM_BPF & 0xff) && buf[19] == (EM_BPF >> 8);
}

/* A file: a BPF object itself, or a host embedding some. */
/* A system scan reads a file up to this size into a buffer of its own */
#define SCAN_READ_MAX (8ul << 20)
/* A system scan reads a larger file this much at a time, giving back what it read
 * (the data sections searched for a light skeleton are read again). */
#define SCAN_WINDOW (16ul << 20)
#define LOADER_MAP "__loader.map"

/* Only for a file's mapping (larger than SCAN_READ_MAX): never the read buffer. */
static void give_back(const uint8_t *buf, size_t upto)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t end = ((uintptr_t)buf + upto) & ~(page - 1);

	if (end > (uintptr_t)buf)
		madvise((void *)buf, end - (uintptr_t)buf, MADV_DONTNEED);
}

bool scan_memmem(const struct scan *s, const uint8_t *buf, size_t off, size_t len,
		 const void *needle, size_t nlen)
{
	size_t end = off + len;

	if (!s->system || len <= SCAN_WINDOW)
		return memmem(buf + off, len, needle, nlen) != NULL;
	for (size_t at = off; at < end;) {
		size_t lim = end - at > SCAN_WINDOW ? at + SCAN_WINDOW : end;
		/* a match may straddle the window's end */
		size_t span = lim - at + (end - lim < nlen - 1 ? end - lim : nlen - 1);
		bool hit = memmem(buf + at, span, needle, nlen) != NULL;

		give_back(buf, lim);
		if (hit)
			return true;
		at = lim;
	}
	return false;
}

/*
 * Whether a light skeleton's map name may be in BUF: anywhere, or in a
 * whole-system scan only in the data sections of an ELF file (a light
 * skeleton is an executable's data; text and non-ELF files are skipped).
 */
static bool has_loader_map(const struct scan *s, const uint8_t *buf, size_t size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

	if (!s->system || size < sizeof(*eh) || memcmp(buf, ELFMAG, SELFMAG) != 0 ||
	    buf[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > size || (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
		return s->system ? false : memmem(buf, size, LOADER_MAP, sizeof(LOADER_MAP)) != NULL;
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff) + i;

		if (sh->sh_type != SHT_PROGBITS || (sh->sh_flags & SHF_EXECINSTR) ||
		    sh->sh_offset > size || sh->sh_size > size - sh->sh_offset)
			continue;
		if (scan_memmem(s, buf, sh->sh_offset, sh->sh_size, LOADER_MAP, sizeof(LOADER_MAP)))
			return true;
	}
	return false;
}

/* A file: a BPF object itself, or a host embedding some. */
static void scan_buffer(struct scan *s, const char *path, const uint8_t *buf, size_t size,
			bool explicit)
{
	size_t objsz, off, found = 0, pos = 0;
	bool light = false;

	/* an ELF header that says BPF is an object, whole or not: the reader
	 * tells a truncated one; so is any short ELF the user named */
	if (elf_machine_bpf(buf, size) ||
	    (explicit && size < sizeof(Elf64_Ehdr) && size >= SELFMAG &&
	     !memcmp(buf, ELFMAG, SELFMAG))) {
		s->files++;
		scan_object(s, path, buf, size, NULL);
		return;
	}
	/*
	 * Window by window, so that a whole system's scan holds a bounded part
	 * of any file (the objects found are read whole, wherever they end);
	 * the light skeleton's map name is looked for on the way.
	 */
	while (pos < size) {
		size_t limit = size - pos > SCAN_WINDOW ? pos + SCAN_WINDOW : size;

		while (ptregs_embedded_next_in(buf, size, limit, &pos, &off, &objsz)) {
			char name[4096];

			found++;
			snprintf(name, sizeof(name), "%s@0x%zx", path, off);
			scan_object(s, name, buf + off, objsz, path);
			if (pos >= limit)
				break;
		}
		if (s->system && size > SCAN_WINDOW)
			give_back(buf, pos);
	}
	if (has_loader_map(s, buf, size))
		light = ptregs_light_skeleton(buf, size);
	if (found || light) {
		s->files++;
		s->hosts++;
	}
	if (light)
		add_light_skeleton(s, path);
	if (!found && !light && s->other_file) {
		s->other_file(s, path, buf, size);
		if (s->system && size > SCAN_WINDOW)
			give_back(buf, size);
	} else if (!found && !light && explicit)
		scan_notice(s, path, "no BPF here: neither a BPF object nor a file embedding one");
}

void scan_file(struct scan *s, const char *path, bool explicit)
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
	/*
	 * A system scan reads the many small files into its own buffer: no
	 * mapping to set up and tear down (page tables, the address space's
	 * lock that the other threads want, TLB shootdowns).
	 */
	if (s->system && (uint64_t)st.st_size <= SCAN_READ_MAX) {
		size_t n = (size_t)st.st_size, got = 0;

		if (s->rcap < n) {
			void *nb = realloc(s->rbuf, SCAN_READ_MAX);

			if (!nb) {
				scan_error(s, path, "out of memory");
				close(fd);
				return;
			}
			s->rbuf = nb;
			s->rcap = SCAN_READ_MAX;
		}
		while (got < n) {
			ssize_t r = read(fd, s->rbuf + got, n - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
		if (got != n) {
			scan_error(s, path, "%s", got < n && errno ? strerror(errno) : "changed while read");
			return;
		}
		scan_buffer(s, path, s->rbuf, n, explicit);
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

static void walk(struct scan *s, const char *path, bool explicit, const struct dir_stack *up,
		 struct scan_files *out)
{
	struct dir_stack here;
	struct stat st;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if ((!explicit && s->system ? lstat(path, &st) : stat(path, &st)) != 0) {
		/* a dangling symlink in a walk is not the user's input */
		if (explicit || errno != ENOENT)
			scan_error(s, path, "%s", strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		if (!out) {
			scan_file(s, path, explicit);
			return;
		}
		if (out->cnt == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 1024;
			void *np = realloc(out->paths, ncap * sizeof(*out->paths));

			if (!np) {
				scan_error(s, path, "out of memory");
				return;
			}
			out->paths = np;
			out->cap = ncap;
		}
		out->paths[out->cnt] = strdup(path);
		if (out->paths[out->cnt])
			out->bytes += (uint64_t)st.st_size, out->cnt++;
		return;
	}
	if (S_ISLNK(st.st_mode))
		return;	/* the file or directory it points to is walked where it is */
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
		walk(s, names[i], false, &here, out);
		free(names[i]);
	}
	free(names);
}

void scan_path(struct scan *s, const char *path)
{
	walk(s, path, true, NULL, NULL);
}

void scan_collect(struct scan *s, const char *path, struct scan_files *out)
{
	walk(s, path, true, NULL, out);
}
