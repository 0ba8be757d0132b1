/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The dpkg database under a root: installed packages and file owners. */
#ifndef PTREGS_DPKG_H
#define PTREGS_DPKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dpkg_pkg {
	char *name, *version, *arch;
};

struct dpkg_file {
	char *path;
	uint32_t pkg;		/* index in pkgs */
};

struct dpkg {
	char root[4096];
	struct dpkg_pkg *pkgs;	/* installed, sorted by name */
	size_t cnt, cap;
	struct dpkg_file *files;	/* sorted by path */
	size_t fcnt, fcap;
	char err[4200];		/* why a load failed */
};

/* ROOT/var/lib/dpkg/status: 0, or -errno with d->err set. */
int dpkg_load(struct dpkg *d, const char *root);
/* ROOT/var/lib/dpkg/info/\*.list of the installed packages. */
int dpkg_load_files(struct dpkg *d);
const struct dpkg_pkg *dpkg_find(const struct dpkg *d, const char *name);
/* The package owning PATH (a path under the root, or as dpkg lists it). */
const struct dpkg_pkg *dpkg_owner(const struct dpkg *d, const char *path);
void dpkg_free(struct dpkg *d);

/* deb-version(7) order: <0, 0, >0. */
int deb_vercmp(const char *a, const char *b);
/* RANGE: "any", "VERSION", "= V", ">= V", "<= V", ">> V", "<< V". */
bool deb_version_matches(const char *version, const char *range);

#endif
