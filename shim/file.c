// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading whole input files, and validating callers' options structs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>
#include <stdio.h>
#include "internal.h"

int pt_file_map(struct pt_file *f, const char *path)
{
	struct stat st;
	int fd, err;

	memset(f, 0, sizeof(*f));
	f->data = "";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pt_err(errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return pt_err(err, "%s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return pt_err(S_ISDIR(st.st_mode) ? EISDIR : EINVAL, "%s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	f->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return pt_err(err, "%s: %s", path, strerror(err));
	}
	f->data = f->map;
	f->size = (size_t)st.st_size;
	return 0;
}

void pt_file_unmap(struct pt_file *f)
{
	if (f->map)
		munmap(f->map, f->size);
	memset(f, 0, sizeof(*f));
}

bool pt_opts_valid(const void *opts, size_t user_sz, size_t min_sz, size_t our_sz,
		   const char *type)
{
	const char *p = opts;

	if (user_sz < min_sz) {
		pt_err(EINVAL, "struct %s: sz %zu is smaller than its first version (%zu)", type,
		       user_sz, min_sz);
		errno = EINVAL;
		return false;
	}
	for (size_t i = our_sz; i < user_sz; i++) {
		if (p[i]) {
			pt_err(EINVAL, "struct %s: unknown non-zero option at byte %zu (built "
			       "against a newer libptregs?)", type, i);
			errno = EINVAL;
			return false;
		}
	}
	return true;
}

int pt_elf_truncated(const void *hdr, size_t avail, uint64_t file_size, char *msg, size_t len)
{
	Elf64_Ehdr eh;
	uint64_t end;

	if (avail < sizeof(eh) || file_size < sizeof(eh)) {
		snprintf(msg, len, "truncated: %llu bytes, shorter than an ELF header (%zu)",
			 (unsigned long long)file_size, sizeof(eh));
		return 1;
	}
	/* 32-bit and big-endian files: other offsets or byte order; libelf checks them */
	if (((const unsigned char *)hdr)[EI_CLASS] != ELFCLASS64 ||
	    ((const unsigned char *)hdr)[EI_DATA] != ELFDATA2LSB)
		return 0;
	memcpy(&eh, hdr, sizeof(eh));
	/* with extended numbering e_shnum is 0 and the table has at least one entry */
	end = eh.e_shoff + (uint64_t)(eh.e_shnum ? eh.e_shnum : 1) * eh.e_shentsize;
	if (eh.e_shoff > file_size) {
		/* a cut file and a garbage offset look the same from here */
		snprintf(msg, len, "truncated or malformed ELF: the section headers start at "
			 "byte %llu, past the end of the file (%llu bytes)",
			 (unsigned long long)eh.e_shoff, (unsigned long long)file_size);
		return 1;
	}
	if (eh.e_shoff && end > file_size) {
		snprintf(msg, len, "truncated: the section headers end at byte %llu, the file "
			 "has %llu bytes", (unsigned long long)end, (unsigned long long)file_size);
		return 1;
	}
	return 0;
}
