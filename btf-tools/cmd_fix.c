// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs fix: rewrite BPF objects, and the executables that embed them, so
 * that they read the right registers on the kernel with the new pt_regs.
 * Options, inputs and outputs here; the plan in fix_plan.c, the rewriting
 * in fix_write.c. Every output goes through a temporary file in the same
 * directory and a rename, after the rewritten objects read back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>
#include <ptregs/object.h>
#include "fix.h"
#include "format.h"
#include "main.h"

void help_fix(void)
{
	printf("Usage: %s fix [--portable | --to SOURCE] [--from SOURCE]\n"
	       "                [-o OUT | --in-place] [--dry-run] [-j|-p] PATH...\n"
	       "\n"
	       "Rewrite BPF objects, and executables that embed them (libbpf skeletons),\n"
	       "so that they read the right registers where struct pt_regs changed.\n"
	       "\n"
	       "  --portable          (default) inject CO-RE field relocations, on a local\n"
	       "                      type with the kernel's field names: libbpf relocates\n"
	       "                      the offsets on whichever kernel the object loads on\n"
	       "  -t, --to SOURCE     retarget: rewrite the offsets for that layout only\n"
	       "                      (builtin:pkrs, a kernel's BTF), sizes unchanged; the\n"
	       "                      only way to fix an object embedded in an executable\n"
	       "  -f, --from SOURCE   layout the programs were built for (builtin:legacy)\n"
	       "  -o, --output OUT    where to write the one PATH given\n"
	       "  -i, --in-place      rewrite each PATH (directories: every file found)\n"
	       "  -n, --dry-run       say what would change, write nothing\n"
	       "  -j, --json / -p, --pretty   JSON output\n"
	       "\n"
	       "An input with nothing to fix is not rewritten. Exit status: 0 everything\n"
	       "fixed or nothing to fix, 1 something left unfixed (listed, with why), 2 an\n"
	       "input could not be read or an output not written (nothing is written for\n"
	       "that input), 3 usage error.\n",
	       bin_name);
}

struct fix_run {
	struct fix_opts opts;
	const char *out, *from_name;
	bool in_place, dry_run;
	struct json_writer *w;
	size_t files, written, fixed, unfixed, errors;
};

static void run_error(struct fix_run *r, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void run_error(struct fix_run *r, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->errors++;
	if (r->w) {
		jsonw_start_object(r->w);
		jsonw_string_field(r->w, "file", path);
		jsonw_string_field(r->w, "error", msg);
		jsonw_end_object(r->w);
	}
	fprintf(stderr, "%s: %s: %s\n", bin_name, path, msg);
}

static bool elf_machine_bpf(const uint8_t *buf, size_t size)
{
	return size >= 20 && memcmp(buf, ELFMAG, SELFMAG) == 0 &&
	       buf[18] + (buf[19] << 8) == EM_BPF;
}

static int read_file(const char *path, uint8_t **buf, size_t *size, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		int e = -errno;

		close(fd);
		return e;
	}
	*buf = malloc(st->st_size ? (size_t)st->st_size : 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st->st_size - got);

		if (n <= 0) {
			int e = n < 0 && errno ? -errno : -EIO;

			close(fd);
			free(*buf);
			*buf = NULL;
			return e;
		}
		got += (size_t)n;
	}
	close(fd);
	*size = got;
	return 0;
}

/* A temporary file next to DEST: its descriptor, the name in TMP. */
static int temp_next_to(const char *dest, char *tmp, size_t len)
{
	char *d = strdup(dest), *b = strdup(dest);
	int fd = -1;

	if (d && b) {
		snprintf(tmp, len, "%s/.%s.ptregs-XXXXXX", dirname(d), basename(b));
		fd = mkostemp(tmp, O_CLOEXEC);
	} else {
		errno = ENOMEM;
	}
	free(d);
	free(b);
	return fd;
}

/* Mode and owner of ST on FD, then rename TMP over DEST. */
static int commit(int fd, const char *tmp, const char *dest, const struct stat *st)
{
	if (fchmod(fd, st->st_mode & 07777))
		return -errno;
	/* the owner as it was; only root can give a file away */
	if (fchown(fd, st->st_uid, st->st_gid) && errno != EPERM)
		return -errno;
	if (fsync(fd))
		return -errno;
	if (close(fd))
		return -errno;
	if (rename(tmp, dest))
		return -errno;
	return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t size)
{
	while (size) {
		ssize_t n = write(fd, buf, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		size -= (size_t)n;
	}
	return 0;
}

static int read_back(int fd, uint8_t **buf, size_t *size)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf)
		return -ENOMEM;
	n = pread(fd, *buf, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		int e = n < 0 && errno ? -errno : -EIO;

		free(*buf);
		*buf = NULL;
		return e;
	}
	*size = (size_t)n;
	return 0;
}

static const char *edit_kind_str(enum fix_edit_kind k)
{
	switch (k) {
	case EDIT_OFFSET:
		return "offset";
	case EDIT_INJECT_RELO:
		return "inject-relocation";
	case EDIT_REPOINT_RELO:
		return "repoint-relocation";
	case EDIT_DROP_RELO:
		return "drop-relocation";
	}
	return "?";
}

static const char *strategy_str(enum fix_strategy s)
{
	return s == FIX_PORTABLE ? "portable" : "retarget";
}

static void describe_change(const struct fix_object *fo, const struct fix_item *it, char *buf,
			    size_t len)
{
	const struct fix_edit *e = &fo->edits[it->edit];
	char via[48] = "";

	if (it->copy) {
		snprintf(buf, len, "%u %s: reads the copy made at insn %u, fixed with it",
			 it->offset, it->old_field ? it->old_field : "-", it->copy_insn);
		return;
	}
	if (it->site_insn != it->insn)
		snprintf(via, sizeof(via), " via insn %u", it->site_insn);
	switch (e->kind) {
	case EDIT_OFFSET:
		if (e->new_size) {	/* sizeof(struct pt_regs) arithmetic */
			snprintf(buf, len, "%u %s -> %u %s, sizeof(struct pt_regs) %u -> %u, "
				 "immediate %d -> %d%s%s", it->offset,
				 it->old_field ? it->old_field : "-", it->new_offset,
				 it->old_field ? it->old_field : "-", e->old_size, e->new_size,
				 e->old_val, e->new_val, via, e->old_val == e->new_val ?
				 " (the same: the registers keep their distance from the top of "
				 "the stack)" : "");
			break;
		}
		if (it->site_insn != it->insn && e->site == PTREGS_OFF_INSN)
			snprintf(via, sizeof(via), " (the copy made at insn %u)", it->site_insn);
		snprintf(buf, len, "%u %s -> %d %s%s%s", it->offset, it->old_field ? it->old_field : "-",
			 (int)it->offset + (e->new_val - e->old_val),
			 it->old_field ? it->old_field : "-",
			 e->site == PTREGS_OFF_ALU_IMM ? ", immediate" : ", offset", via);
		break;
	case EDIT_INJECT_RELO:
		snprintf(buf, len, "%u %s -> CO-RE pt_regs___ptregs.%s (relocation added%s)",
			 it->offset, it->old_field ? it->old_field : "-", e->field, via);
		break;
	case EDIT_REPOINT_RELO:
		snprintf(buf, len, "CO-RE %s.%s -> pt_regs___ptregs.%s (relocation repointed%s)",
			 e->relo_type, e->relo_field, e->field, via);
		break;
	case EDIT_DROP_RELO:
		snprintf(buf, len, "CO-RE %s.%s dropped -> %d %s, the frozen bpf_perf_event_data "
			 "offset%s", e->relo_type, e->relo_field, e->new_val,
			 it->old_field ? it->old_field : "-", via);
		break;
	}
}

static void print_object(struct fix_run *r, const struct fix_object *fo, const char *dest,
			 bool written)
{
	char what[512];

	if (r->w) {
		struct json_writer *w = r->w;

		jsonw_start_object(w);
		jsonw_string_field(w, "file", fo->name);
		jsonw_string_field(w, "strategy", strategy_str(fo->strategy));
		if (fo->strategy == FIX_RETARGET)
			jsonw_string_field(w, "target", r->opts.to_name);
		jsonw_bool_field(w, "written", written);
		if (written)
			jsonw_string_field(w, "output", dest);
		if (fo->note)
			jsonw_string_field(w, "note", fo->note);
		jsonw_uint_field(w, "fixed", fo->fixed_cnt);
		jsonw_uint_field(w, "unfixed", fo->unfixed_cnt);
		jsonw_name(w, "accesses");
		jsonw_start_array(w);
		for (size_t i = 0; i < fo->item_cnt; i++) {
			const struct fix_item *it = &fo->items[i];

			jsonw_start_object(w);
			jsonw_string_field(w, "program", it->program);
			jsonw_uint_field(w, "insn", it->insn);
			jsonw_string_field(w, "verdict", ptregs_verdict_str(it->verdict));
			jsonw_uint_field(w, "offset", it->offset);
			jsonw_uint_field(w, "size", it->size);
			jsonw_name(w, "old_field");
			it->old_field ? jsonw_string(w, it->old_field) : jsonw_null(w);
			jsonw_name(w, "new_field");
			it->new_field ? jsonw_string(w, it->new_field) : jsonw_null(w);
			if (it->src_file) {
				jsonw_name(w, "source");
				jsonw_start_object(w);
				jsonw_string_field(w, "file", it->src_file);
				jsonw_uint_field(w, "line", it->line);
				jsonw_end_object(w);
			}
			jsonw_bool_field(w, "fixed", it->fixed);
			if (it->fixed) {
				const struct fix_edit *e = &fo->edits[it->edit];

				jsonw_name(w, "change");
				jsonw_start_object(w);
				jsonw_string_field(w, "kind", edit_kind_str(e->kind));
				jsonw_uint_field(w, "insn", it->site_insn);
				jsonw_string_field(w, "site", e->site == PTREGS_OFF_ALU_IMM ? "imm" : "off");
				jsonw_int_field(w, "old_value", e->old_val);
				jsonw_int_field(w, "new_value", e->new_val);
				if (e->new_size) {
					jsonw_uint_field(w, "old_sizeof", e->old_size);
					jsonw_uint_field(w, "new_sizeof", e->new_size);
					jsonw_uint_field(w, "new_offset", it->new_offset);
				}
				if (e->field)
					jsonw_string_field(w, "core_field", e->field);
				if (e->relo_field) {
					jsonw_string_field(w, "old_core_type", e->relo_type);
					jsonw_string_field(w, "old_core_field", e->relo_field);
				}
				jsonw_end_object(w);
			} else {
				jsonw_string_field(w, "reason", it->reason ? it->reason : "?");
			}
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		jsonw_end_object(w);
		return;
	}
	if (!fo->item_cnt && !fo->note) {
		printf("%s: nothing to fix\n", fo->name);
		return;
	}
	printf("%s: %s%s%s: %zu fixed, %zu left", fo->name, strategy_str(fo->strategy),
	       fo->strategy == FIX_RETARGET ? " for " : "",
	       fo->strategy == FIX_RETARGET ? r->opts.to_name : "", fo->fixed_cnt,
	       fo->unfixed_cnt);
	if (written)
		printf("; written to %s%s", dest, fo->strategy == FIX_RETARGET ?
		       " (right on that layout only)" : "");
	else if (r->dry_run && fo->edit_cnt)
		printf("; dry run, nothing written");
	printf("\n");
	if (fo->note)
		printf("  %s\n", fo->note);
	for (size_t i = 0; i < fo->item_cnt; i++) {
		const struct fix_item *it = &fo->items[i];
		char src[300] = "";

		if (it->src_file)
			snprintf(src, sizeof(src), " (%s:%u)", basename_of(it->src_file), it->line);
		if (it->fixed) {
			describe_change(fo, it, what, sizeof(what));
			printf("  fixed  %s insn %u%s: %s\n", it->program, it->insn, src, what);
		} else {
			printf("  LEFT   %s insn %u%s: %s: %s\n", it->program, it->insn, src,
			       ptregs_verdict_str(it->verdict), it->reason ? it->reason : "?");
		}
	}
}

struct found {
	struct fix_object fo;
	size_t off, size;
};

/* Fix one file: a BPF object, or a host embedding some. */
static void fix_file(struct fix_run *r, const char *path, bool explicit)
{
	uint8_t *buf = NULL, *outbuf = NULL, *back = NULL;
	struct found *objs = NULL;
	size_t size = 0, n = 0, pos = 0, off, objsz, edits = 0, back_size = 0;
	const char *dest = r->out ? r->out : path, *src = path;
	bool standalone, written = false;
	char tmp[4096], err[512] = "", real[PATH_MAX];
	struct stat st;
	int ret, fd = -1;

	/* in place through a symbolic link: replace the file, keep the link */
	if (!r->out && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, real))
		src = dest = real;
	ret = read_file(src, &buf, &size, &st);
	if (ret) {
		run_error(r, path, "%s", strerror(-ret));
		return;
	}
	if (size == 0) {
		if (explicit)
			run_error(r, path, "empty file");
		free(buf);
		return;
	}
	standalone = elf_machine_bpf(buf, size) ||
		     (explicit && size < sizeof(Elf64_Ehdr) && !memcmp(buf, ELFMAG, SELFMAG));
	/* the objects: the file itself, or each one embedded */
	while (standalone ? n == 0 : ptregs_embedded_next(buf, size, &pos, &off, &objsz)) {
		PTREGS_OPTS(ptregs_object_opts, oo, .to = r->opts.to);
		struct ptregs_object *o;
		struct found *f;
		char name[4200];

		if (standalone) {
			off = 0;
			objsz = size;
			snprintf(name, sizeof(name), "%s", path);
		} else {
			snprintf(name, sizeof(name), "%s@0x%zx", path, off);
		}
		oo.name = name;
		o = ptregs_object_open_mem(buf + off, objsz, &oo);
		if (!o) {
			const char *m = ptregs_errmsg();
			size_t nl = strlen(name);

			/* the library's message names the input first: keep the reason */
			if (strncmp(m, name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ')
				m += nl + 2;
			run_error(r, name, "%s; nothing written", *m ? m : strerror(errno));
			goto out;
		}
		/* what the reader could not take is not analysed: never "fixed" */
		if (ptregs_object_warning_cnt(o)) {
			for (size_t i = 0; i < ptregs_object_warning_cnt(o); i++)
				run_error(r, name, "%s; nothing written", ptregs_object_warning(o, i));
			ptregs_object_close(o);
			goto out;
		}
		f = realloc(objs, (n + 1) * sizeof(*objs));
		if (!f) {
			ptregs_object_close(o);
			run_error(r, path, "out of memory");
			goto out;
		}
		objs = f;
		f = &objs[n++];
		memset(f, 0, sizeof(*f));
		f->off = off;
		f->size = objsz;
		f->fo.name = strdup(name);
		f->fo.embedded = !standalone;
		f->fo.host_off = off;
		ret = fix_plan(&r->opts, o, buf + off, objsz, &f->fo);
		ptregs_object_close(o);
		if (ret) {
			run_error(r, path, "%s; nothing written", ptregs_errmsg());
			goto out;
		}
		if (f->fo.embedded && r->opts.strategy == FIX_PORTABLE) {
			/* the skeleton's code fixes the object's size */
			for (size_t i = 0; i < f->fo.item_cnt; i++) {
				struct fix_item *it = &f->fo.items[i];

				if (!it->fixed)
					continue;
				it->fixed = false;
				it->edit = -1;
				free(it->reason);
				it->reason = strdup("embedded in an executable, whose code fixes the "
						    "object's size: relocations cannot be added; use "
						    "--to");
				f->fo.fixed_cnt--;
				f->fo.unfixed_cnt++;
			}
			f->fo.edit_cnt = 0;
		}
		edits += f->fo.edit_cnt;
	}
	if (!n) {
		if (explicit && ptregs_light_skeleton(buf, size))
			run_error(r, path, "a light skeleton: its programs are in loader code, not in "
				  "an object, and cannot be fixed here; rebuild it from fixed sources, "
				  "or run it through ptregs run; nothing written");
		else if (explicit)
			run_error(r, path, "no BPF object here: neither a BPF object nor a file "
				  "embedding one");
		goto out;
	}
	r->files++;

	if (r->dry_run || (!edits && !r->out))
		goto report;
	fd = temp_next_to(dest, tmp, sizeof(tmp));
	if (fd < 0) {
		run_error(r, path, "cannot write next to %s: %s; nothing written", dest,
			  strerror(errno));
		goto out;
	}
	if (!edits) {
		ret = write_all(fd, buf, size);	/* -o of a file with nothing to fix: a copy */
	} else if (r->opts.strategy == FIX_RETARGET) {
		outbuf = malloc(size);
		ret = outbuf ? 0 : -ENOMEM;
		if (outbuf)
			memcpy(outbuf, buf, size);
		for (size_t i = 0; !ret && i < n; i++) {
			if (!objs[i].fo.edit_cnt)
				continue;
			if (fix_apply_retarget(&objs[i].fo, &r->opts, outbuf + objs[i].off,
					       objs[i].size, err, sizeof(err)) ||
			    fix_verify(buf + objs[i].off, objs[i].size, outbuf + objs[i].off,
				       objs[i].size, err, sizeof(err)))
				ret = -EINVAL;
		}
		if (!ret)
			ret = write_all(fd, outbuf, size);
	} else {
		ret = fix_write_portable(&objs[0].fo, &r->opts, buf, size, fd, err, sizeof(err)) ?
		      -EINVAL : 0;
		if (!ret)
			ret = read_back(fd, &back, &back_size);
		if (!ret && fix_verify(buf, size, back, back_size, err, sizeof(err)))
			ret = -EINVAL;
	}
	if (!ret)
		ret = commit(fd, tmp, dest, &st);
	else
		close(fd);
	if (ret) {
		unlink(tmp);
		run_error(r, path, "%s; nothing written", ret == -EINVAL && *err ? err :
			  strerror(-ret));
		goto out;
	}
	written = true;
	r->written++;
report:
	for (size_t i = 0; i < n; i++) {
		print_object(r, &objs[i].fo, dest, written && objs[i].fo.edit_cnt);
		r->fixed += objs[i].fo.fixed_cnt;
		r->unfixed += objs[i].fo.unfixed_cnt;
	}
out:
	for (size_t i = 0; i < n; i++)
		fix_object_free(&objs[i].fo);
	free(objs);
	free(back);
	free(outbuf);
	free(buf);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fix_path(struct fix_run *r, const char *path, bool explicit, int depth)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t cnt = 0;
	DIR *d;

	/* links named by the user are followed; links found in a walk are not */
	if (explicit ? stat(path, &st) : lstat(path, &st)) {
		run_error(r, path, "%s", strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		fix_file(r, path, explicit);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (explicit)
			run_error(r, path, "not a regular file or directory");
		return;
	}
	if (depth > 64) {
		run_error(r, path, "directories nested too deep");
		return;
	}
	d = opendir(path);
	if (!d) {
		run_error(r, path, "%s", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')	/* also our own temporary files */
			continue;
		nn = realloc(names, (cnt + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		if (asprintf(&names[cnt], "%s/%s", path, de->d_name) >= 0)
			cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(names, cnt, sizeof(*names), name_cmp);
	for (size_t i = 0; i < cnt; i++) {
		fix_path(r, names[i], false, depth + 1);
		free(names[i]);
	}
	free(names);
}

int do_fix(int argc, char **argv)
{
	enum { OPT_PORTABLE = 256 };
	static const struct option opts[] = {
		{ "portable", no_argument, NULL, OPT_PORTABLE },
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "in-place", no_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		COMMON_LONGOPTS,
		{ 0 }
	};
	struct fix_run r = { .opts.strategy = FIX_PORTABLE };
	const char *from = "builtin:legacy", *to = NULL;
	struct ptregs_layout *lfrom, *lto;
	bool portable = false;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":t:f:o:in" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (common_opt(opt))
			continue;
		switch (opt) {
		case OPT_PORTABLE:
			portable = true;
			break;
		case 't':
			to = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'o':
			r.out = optarg;
			break;
		case 'i':
			r.in_place = true;
			break;
		case 'n':
			r.dry_run = true;
			break;
		case 'h':
			help_fix();
			return EXIT_OK;
		default:
			return p_opt_err("fix", opt, argv);
		}
	}
	if (optind == argc) {
		p_err("fix: no PATH given (see '%s help fix')", bin_name);
		return EXIT_USAGE;
	}
	if (portable && to) {
		p_err("fix: --portable and --to exclude each other");
		return EXIT_USAGE;
	}
	if (r.out && r.in_place) {
		p_err("fix: -o and --in-place exclude each other");
		return EXIT_USAGE;
	}
	if (r.out && argc - optind != 1) {
		p_err("fix: -o takes one PATH; use --in-place for several");
		return EXIT_USAGE;
	}
	if (!r.out && !r.in_place && !r.dry_run) {
		p_err("fix: say where to write: -o OUT, --in-place or --dry-run");
		return EXIT_USAGE;
	}
	if (r.out) {
		struct stat st;

		if (stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode)) {
			p_err("fix: -o takes a file, not a directory; use --in-place");
			return EXIT_USAGE;
		}
	}
	lfrom = ptregs_layout_load(from, "pt_regs", NULL);
	if (!lfrom) {
		p_lib_err(from);
		return EXIT_ERROR;
	}
	lto = ptregs_layout_load(to ? to : "builtin:pkrs", "pt_regs", NULL);
	if (!lto) {
		p_lib_err(to);
		ptregs_layout_free(lfrom);
		return EXIT_ERROR;
	}
	r.opts.from = lfrom;
	r.opts.to = lto;
	r.opts.to_name = to ? to : "builtin:pkrs";
	r.opts.strategy = to ? FIX_RETARGET : FIX_PORTABLE;
	r.from_name = from;
	if (json_output) {
		r.w = json_open();
		jsonw_start_object(r.w);
		jsonw_string_field(r.w, "from", from);
		jsonw_string_field(r.w, "strategy", strategy_str(r.opts.strategy));
		if (to)
			jsonw_string_field(r.w, "target", to);
		jsonw_bool_field(r.w, "dry_run", r.dry_run);
		jsonw_name(r.w, "objects");
		jsonw_start_array(r.w);
	}
	for (int i = optind; i < argc; i++)
		fix_path(&r, argv[i], true, 0);
	if (!r.files && !r.errors)
		run_error(&r, argv[optind], "no BPF object found");
	if (r.w) {
		jsonw_end_array(r.w);
		jsonw_name(r.w, "summary");
		jsonw_start_object(r.w);
		jsonw_uint_field(r.w, "files", r.files);
		jsonw_uint_field(r.w, "written", r.written);
		jsonw_uint_field(r.w, "fixed", r.fixed);
		jsonw_uint_field(r.w, "unfixed", r.unfixed);
		jsonw_uint_field(r.w, "errors", r.errors);
		jsonw_end_object(r.w);
		jsonw_end_object(r.w);
		jsonw_destroy(&r.w);
	} else if (r.files > 1) {
		printf("fix: %zu files, %zu written, %zu accesses fixed, %zu left%s\n", r.files,
		       r.written, r.fixed, r.unfixed, r.dry_run ? " (dry run)" : "");
	}
	ret = r.errors ? EXIT_ERROR : r.unfixed ? EXIT_FINDINGS : EXIT_OK;
	ptregs_layout_free(lfrom);
	ptregs_layout_free(lto);
	return ret;
}
