/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * .BTF.ext records, parsed from the raw bytes: libbpf 1.1 exposes no
 * reader for them. insn_off is a byte offset from the start of the ELF
 * section the block names.
 */
#ifndef PTREGS_SHIM_BTF_EXT_H
#define PTREGS_SHIM_BTF_EXT_H

#include <stddef.h>
#include <stdint.h>

struct btf;

struct ext_line {
	uint32_t insn_off, file_name_off, line_off, line_col;
};

struct ext_core {
	uint32_t insn_off, type_id, access_str_off, kind;
};

struct ext_sec {
	const char *name;	/* section name, from the BTF strings */
	struct ext_line *lines;
	size_t line_cnt;
	struct ext_core *cores;
	size_t core_cnt;
};

struct pt_ext_info {
	struct ext_sec *secs;
	size_t sec_cnt;
};

/*
 * Parse DATA (SIZE bytes) against BTF's strings. Returns 0, or a negative
 * errno with a message in ERR (what is wrong, without the file name).
 */
int pt_ext_parse(const void *data, size_t size, const struct btf *btf,
		  struct pt_ext_info *out, char *err, size_t errlen);
void pt_ext_free(struct pt_ext_info *info);
const struct ext_sec *pt_ext_find(const struct pt_ext_info *info, const char *sec);

#endif
