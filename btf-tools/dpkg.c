// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The dpkg database under a root: which packages are installed, at which
 * version (var/lib/dpkg/status), and which package owns a file
 * (var/lib/dpkg/info/PACKAGE[:ARCH].list). Debian version comparison
 * (deb-version(7)) for the known-consumer list's version ranges.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dpkg.h"
#include "main.h"

static int pkg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dpkg_pkg *)a)->name, ((const struct dpkg_pkg *)b)->name);
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dpkg_file *)a)->path, ((const struct dpkg_file *)b)->path);
}

static void set_err(struct dpkg *d, const char *fmt, const char *path)
{
	snprintf(d->err, sizeof(d->err), fmt, path, strerror(errno));
}

/* One stanza's fields we use: Package, Status, Version, Architecture. */
static int add_pkg(struct dpkg *d, const char *name, const char *status, const char *version,
		   const char *arch)
{
	struct dpkg_pkg *p;

	const char *state = strrchr(status, ' ');

	/* "WANT FLAG STATE": installed whatever is wanted (install, hold, ...) */
	if (!*name || !state || strcmp(state + 1, "installed") != 0)
		return 0;
	if (d->cnt == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 512;
		void *n = realloc(d->pkgs, cap * sizeof(*d->pkgs));

		if (!n)
			return -ENOMEM;
		d->pkgs = n;
		d->cap = cap;
	}
	p = &d->pkgs[d->cnt];
	p->name = strdup(name);
	p->version = strdup(version);
	p->arch = strdup(arch);
	if (!p->name || !p->version || !p->arch)
		return -ENOMEM;
	d->cnt++;
	return 0;
}

int dpkg_load(struct dpkg *d, const char *root)
{
	char path[4096], name[256] = "", status[256] = "", version[256] = "", arch[64] = "";
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	memset(d, 0, sizeof(*d));
	snprintf(d->root, sizeof(d->root), "%s", root);
	snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", strcmp(root, "/") ? root : "");
	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		set_err(d, "%s: %s", path);
		return -e;
	}
	for (;;) {
		ssize_t got = getline(&line, &cap, f);
		const char *r = got >= 0 ? line : NULL;
		size_t n = got > 0 ? (size_t)got : 0;

		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!r || !n) {
			err = add_pkg(d, name, status, version, arch);
			if (err || !r)
				break;
			name[0] = status[0] = version[0] = arch[0] = '\0';
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		if (!strncmp(line, "Package: ", 9))
			snprintf(name, sizeof(name), "%s", line + 9);
		else if (!strncmp(line, "Status: ", 8))
			snprintf(status, sizeof(status), "%s", line + 8);
		else if (!strncmp(line, "Version: ", 9))
			snprintf(version, sizeof(version), "%s", line + 9);
		else if (!strncmp(line, "Architecture: ", 14))
			snprintf(arch, sizeof(arch), "%s", line + 14);
		else if (!strchr(line, ':')) {
			snprintf(d->err, sizeof(d->err), "%s: not a dpkg status file (line '%.60s')",
				 path, line);
			err = -EINVAL;
			break;
		}
	}
	if (ferror(f) && !err) {
		set_err(d, "%s: %s", path);
		err = -EIO;
	}
	fclose(f);
	free(line);
	if (err == -ENOMEM)
		snprintf(d->err, sizeof(d->err), "out of memory");
	if (!err && d->cnt)
		qsort(d->pkgs, d->cnt, sizeof(*d->pkgs), pkg_cmp);
	return err;
}

const struct dpkg_pkg *dpkg_find(const struct dpkg *d, const char *name)
{
	struct dpkg_pkg key = { .name = (char *)name };

	if (!d->cnt)
		return NULL;
	return bsearch(&key, d->pkgs, d->cnt, sizeof(*d->pkgs), pkg_cmp);
}

static int add_file(struct dpkg *d, const char *path, uint32_t pkg)
{
	if (d->fcnt == d->fcap) {
		size_t cap = d->fcap ? d->fcap * 2 : 4096;
		void *n = realloc(d->files, cap * sizeof(*d->files));

		if (!n)
			return -ENOMEM;
		d->files = n;
		d->fcap = cap;
	}
	d->files[d->fcnt].path = strdup(path);
	if (!d->files[d->fcnt].path)
		return -ENOMEM;
	d->files[d->fcnt++].pkg = pkg;
	return 0;
}

/* A file list that cannot be read: said, and the others read all the same. */
static void list_warning(const char *path, const char *pkg, int err)
{
	fprintf(stderr, "%s: warning: %s: %s: files of package %s may show as no package's\n",
		bin_name, path, strerror(err), pkg);
}

int dpkg_load_files(struct dpkg *d)
{
	char dir[4096];
	struct dirent *de;
	DIR *dh;
	int err = 0;

	snprintf(dir, sizeof(dir), "%s/var/lib/dpkg/info", strcmp(d->root, "/") ? d->root : "");
	dh = opendir(dir);
	if (!dh) {
		int e = errno;

		set_err(d, "%s: %s", dir);
		return -e;
	}
	while (!err && (de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		char pkg[256], path[4096 + 256], line[4096];
		const struct dpkg_pkg *p;
		FILE *f;

		if (n < 6 || strcmp(de->d_name + n - 5, ".list") != 0 || n - 5 >= sizeof(pkg))
			continue;
		snprintf(pkg, sizeof(pkg), "%.*s", (int)(n - 5), de->d_name);
		pkg[strcspn(pkg, ":")] = '\0';	/* NAME:ARCH */
		p = dpkg_find(d, pkg);
		if (!p)
			continue;	/* listed but not installed */
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		if (!f) {
			list_warning(path, p->name, errno);
			continue;
		}
		errno = 0;
		while (!err && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0] == '/' && line[1])
				err = add_file(d, line, (uint32_t)(p - d->pkgs));
		}
		if (!err && ferror(f))
			list_warning(path, p->name, errno ? errno : EIO);
		fclose(f);
	}
	closedir(dh);
	if (err) {
		snprintf(d->err, sizeof(d->err), "out of memory");
		return err;
	}
	if (d->fcnt)
		qsort(d->files, d->fcnt, sizeof(*d->files), file_cmp);
	return 0;
}

static const struct dpkg_pkg *owner_exact(const struct dpkg *d, const char *path)
{
	struct dpkg_file key = { .path = (char *)path }, *f;

	if (!d->fcnt)
		return NULL;
	f = bsearch(&key, d->files, d->fcnt, sizeof(*d->files), file_cmp);
	return f ? &d->pkgs[f->pkg] : NULL;
}

const struct dpkg_pkg *dpkg_owner(const struct dpkg *d, const char *path)
{
	size_t rl = strcmp(d->root, "/") ? strlen(d->root) : 0;
	const struct dpkg_pkg *p;
	char alt[4096];

	/* a path under the root, as dpkg names it */
	if (rl && !strncmp(path, d->root, rl) && path[rl] == '/')
		path += rl;
	p = owner_exact(d, path);
	if (p)
		return p;
	/* merged /usr: dpkg may list /bin/x for /usr/bin/x, and the reverse */
	if (!strncmp(path, "/usr/", 5))
		return owner_exact(d, path + 4);
	snprintf(alt, sizeof(alt), "/usr%s", path);
	return owner_exact(d, alt);
}

void dpkg_free(struct dpkg *d)
{
	for (size_t i = 0; i < d->cnt; i++) {
		free(d->pkgs[i].name);
		free(d->pkgs[i].version);
		free(d->pkgs[i].arch);
	}
	for (size_t i = 0; i < d->fcnt; i++)
		free(d->files[i].path);
	free(d->pkgs);
	free(d->files);
	memset(d, 0, sizeof(*d));
}

/* deb-version(7): letters sort before non-letters, '~' before everything,
 * even the end of the string */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a), bc = order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

static void split(const char *v, long *epoch, char *up, size_t ul, const char **rev, char *buf)
{
	const char *colon = strchr(v, ':'), *dash;

	*epoch = colon ? strtol(v, NULL, 10) : 0;
	if (colon)
		v = colon + 1;
	snprintf(up, ul, "%s", v);
	dash = strrchr(up, '-');
	if (dash) {
		up[dash - up] = '\0';
		snprintf(buf, 256, "%s", dash + 1);
		*rev = buf;
	} else {
		*rev = "";
	}
}

int deb_vercmp(const char *a, const char *b)
{
	char ua[256], ub[256], ra_buf[256], rb_buf[256];
	const char *ra, *rb;
	long ea, eb;
	int r;

	split(a, &ea, ua, sizeof(ua), &ra, ra_buf);
	split(b, &eb, ub, sizeof(ub), &rb, rb_buf);
	if (ea != eb)
		return ea < eb ? -1 : 1;
	r = verrevcmp(ua, ub);
	if (r)
		return r < 0 ? -1 : 1;
	r = verrevcmp(ra, rb);
	return r < 0 ? -1 : r > 0;
}

bool deb_version_matches(const char *version, const char *range)
{
	char op[3] = "";
	const char *v = range;
	int c;

	while (*v == ' ')
		v++;
	if (!*v || !strcmp(v, "any"))
		return true;
	if (strchr("<>=", *v)) {
		size_t n = strspn(v, "<>=");

		snprintf(op, sizeof(op), "%.*s", (int)(n > 2 ? 2 : n), v);
		v += n;
		while (*v == ' ')
			v++;
	}
	c = deb_vercmp(version, v);
	if (!*op || !strcmp(op, "="))
		return c == 0;
	if (!strcmp(op, ">="))
		return c >= 0;
	if (!strcmp(op, "<="))
		return c <= 0;
	if (!strcmp(op, ">>"))
		return c > 0;
	if (!strcmp(op, "<<"))
		return c < 0;
	return false;
}
