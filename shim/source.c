// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opening a layout source and dispatching to its loader. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define BTF_MAGIC_LE "\x9f\xeb"
#define BTF_MAGIC_BE "\xeb\x9f"

static int sniff(const char *path, unsigned char *buf, size_t len, size_t *got)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pt_err(errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return pt_err(EISDIR, "%s: is a directory", path);
	}
	n = read(fd, buf, len);
	if (n < 0) {
		int e = errno;

		close(fd);
		return pt_err(e, "%s: %s", path, strerror(e));
	}
	close(fd);
	*got = (size_t)n;
	return 0;
}

struct ptregs_source *ptregs_source_open(const char *spec, const struct ptregs_open_opts *opts)
{
	struct ptregs_source *src;
	unsigned char magic[0x250];
	size_t got = 0;
	int err;

	pt_err_clear();
	if (!spec || !*spec)
		return pt_err_null(EINVAL, "no layout source given");
	if (!PT_OPTS_VALID(opts, ptregs_open_opts, no_types))
		return NULL;

	src = calloc(1, sizeof(*src));
	if (!src)
		return pt_err_null(ENOMEM, "out of memory");
	if (opts)
		memcpy(&src->opts, opts, opts->sz < sizeof(*opts) ? opts->sz : sizeof(*opts));
	src->opts.sz = sizeof(src->opts);

	if (strncmp(spec, "builtin:", 8) == 0) {
		err = pt_builtin_open(src, spec + 8);
		goto out;
	}

	err = sniff(spec, magic, sizeof(magic), &got);
	if (err)
		goto out;
	if (got >= 4 && memcmp(magic, "\177ELF", 4) == 0) {
		err = pt_dwarf_open(src, spec);	/* decides between .BTF and DWARF */
	} else if (got >= 2 && (memcmp(magic, BTF_MAGIC_LE, 2) == 0 ||
				memcmp(magic, BTF_MAGIC_BE, 2) == 0)) {
		if (src->opts.force_dwarf)
			err = pt_err(EINVAL, "%s: raw BTF has no DWARF (--dwarf needs an ELF file)", spec);
		else
			err = pt_btf_open(src, spec, false);
	} else if ((got >= 8 && memcmp(magic, "!<arch>\n", 8) == 0) || pt_is_bzimage(magic, got)) {
		void *btf = NULL;
		size_t len = 0;

		if (src->opts.force_dwarf)
			err = pt_err(EINVAL, "%s: a kernel image has no DWARF (--dwarf needs an ELF "
				     "file)", spec);
		else
			err = pt_kimage_btf(spec, &btf, &len);
		if (!err)
			err = pt_btf_open_mem(src, spec, btf, len);
		free(btf);
	} else if (got == 0) {
		err = pt_err(EINVAL, "%s: empty file", spec);
	} else {
		err = pt_err(EINVAL, "%s: not a BTF or ELF file, a kernel image or a Debian package",
			     spec);
	}
out:
	if (err) {
		ptregs_source_close(src);
		errno = -err;
		return NULL;
	}
	return src;
}

struct ptregs_source *pt_source_btf_mem(const char *path, const void *data, size_t len)
{
	struct ptregs_source *src = calloc(1, sizeof(*src));
	int err;

	if (!src)
		return pt_err_null(ENOMEM, "out of memory");
	src->opts.sz = sizeof(src->opts);
	err = pt_btf_open_mem(src, path, data, len);
	if (err) {
		ptregs_source_close(src);
		errno = -err;
		return NULL;
	}
	return src;
}

void ptregs_source_close(struct ptregs_source *src)
{
	if (!src)
		return;
	if (src->ops && src->ops->close)
		src->ops->close(src);
	pt_index_free(&src->index);
	free(src->name);
	free(src);
}

enum ptregs_source_kind ptregs_source_kind(const struct ptregs_source *src)
{
	return src->kind;
}

const char *ptregs_source_name(const struct ptregs_source *src)
{
	return src->name;
}

struct ptregs_layout *ptregs_source_layout(struct ptregs_source *src, const char *name)
{
	enum pt_name_kind kind;
	const char *bare;

	pt_err_clear();
	if (!src->ops)
		return pt_err_null(EINVAL, "source not open");
	if (!name)
		name = "pt_regs";
	bare = pt_split_name(name, &kind);
	if (!*bare)
		return pt_err_null(EINVAL, "empty type name");
	return src->ops->layout(src, kind, bare);
}

int ptregs_source_types(struct ptregs_source *src, const char *const **names, size_t *cnt)
{
	int err;

	pt_err_clear();
	if (!src->ops)
		return pt_err(EINVAL, "source not open");
	err = pt_source_index(src);
	if (err)
		return err;
	*names = src->index.names;
	*cnt = src->index.cnt;
	return 0;
}

struct ptregs_layout *ptregs_layout_load(const char *spec, const char *name,
					 const struct ptregs_open_opts *opts)
{
	struct ptregs_source *src = ptregs_source_open(spec, opts);
	struct ptregs_layout *l;
	int err;

	if (!src)
		return NULL;
	l = ptregs_source_layout(src, name);
	err = errno;
	ptregs_source_close(src);
	errno = err;
	return l;
}

int pt_source_index(struct ptregs_source *src)
{
	int err;

	if (src->indexed)
		return 0;
	err = src->ops->index(src);
	if (err)
		return err;
	err = pt_index_finish(&src->index);
	if (err)
		return err;
	src->indexed = true;
	return 0;
}

int pt_source_set_name(struct ptregs_source *src, enum ptregs_source_kind kind,
		       const char *prefix, const char *path)
{
	size_t n = strlen(prefix) + strlen(path) + 2;

	free(src->name);
	src->name = malloc(n);
	if (!src->name)
		return pt_err(ENOMEM, "out of memory");
	snprintf(src->name, n, "%s:%s", prefix, path);
	src->path = src->name + strlen(prefix) + 1;
	src->kind = kind;
	return 0;
}
