// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF carried inside other files: ELF objects embedded by libbpf skeletons,
 * and the loader programs of light skeletons.
 */
#define _GNU_SOURCE
#include <string.h>
#include <elf.h>
#include <linux/bpf.h>
#include "internal.h"
#include <ptregs/object.h>

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

bool ptregs_embedded_next_in(const void *data, size_t size, size_t limit, size_t *pos,
			     size_t *off, size_t *obj_size)
{
	const uint8_t *buf = data, *hit;

	if (limit > size)
		limit = size;
	/* a magic starting before LIMIT, checked against the whole file */
	while ((hit = find_elf_magic(buf, limit + SELFMAG - 1 < size ? limit + SELFMAG - 1 : size,
				     *pos))) {
		size_t at = (size_t)(hit - buf);

		if (at != 0 && ptregs_elf_is_bpf(hit, size - at, obj_size)) {
			*off = at;
			*pos = at + *obj_size;
			return true;
		}
		*pos = at + 1;
	}
	if (*pos < limit)
		*pos = limit;
	return false;
}

bool ptregs_embedded_next(const void *data, size_t size, size_t *pos, size_t *off,
			  size_t *obj_size)
{
	return ptregs_embedded_next_in(data, size, size, pos, off, obj_size);
}

static void insn_at(const uint8_t *p, struct bpf_insn *in)
{
	memcpy(in, p, sizeof(*in));
}

/*
 * libbpf's generated loader (gen_loader.c) starts by keeping its context
 * and clearing its stack frame: r6 = r1; r1 = r10; r1 += -N; ...;
 * call bpf_probe_read_kernel. Checked field by field, so that no copy of
 * the pattern sits in this library's own data for a scan of it to find.
 */
static bool loader_prologue(const uint8_t *p, size_t avail)
{
	struct bpf_insn in[6];

	if (avail < sizeof(in))
		return false;
	for (size_t i = 0; i < 6; i++)
		insn_at(p + i * sizeof(struct bpf_insn), &in[i]);
	if (in[0].code != (BPF_ALU64 | BPF_MOV | BPF_X) || in[0].dst_reg != BPF_REG_6 ||
	    in[0].src_reg != BPF_REG_1 || in[0].off || in[0].imm)
		return false;
	if (in[1].code != (BPF_ALU64 | BPF_MOV | BPF_X) || in[1].dst_reg != BPF_REG_1 ||
	    in[1].src_reg != BPF_REG_10 || in[1].off || in[1].imm)
		return false;
	if (in[2].code != (BPF_ALU64 | BPF_ADD | BPF_K) || in[2].dst_reg != BPF_REG_1 ||
	    in[2].imm >= 0)
		return false;
	for (size_t i = 3; i < 6; i++)
		if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].imm == BPF_FUNC_probe_read_kernel)
			return true;
	return false;
}

bool ptregs_light_skeleton(const void *data, size_t size)
{
	const uint8_t *buf = data;
	static const char map_name[] = "__loader.map";

	/* the map the loader's data lives in, named by skel_internal.h */
	if (!memmem(buf, size, map_name, sizeof(map_name)))
		return false;
	for (size_t i = 0; i + 1 < size;) {
		const uint8_t *p = memchr(buf + i, BPF_ALU64 | BPF_MOV | BPF_X, size - i);

		if (!p)
			break;
		i = (size_t)(p - buf);
		if (loader_prologue(p, size - i))
			return true;
		i++;
	}
	return false;
}
