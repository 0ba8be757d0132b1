// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs fix: carrying out a plan. Retargeting patches an object's bytes
 * where they are (inside a host executable or not); the portable strategy
 * writes the object anew through libelf, with a .BTF holding a local
 * struct pt_regs of the kernel's field names and a .BTF.ext whose CO-RE
 * records name it. Section indices never change (new sections go last),
 * so symbols and relocations stay as they were.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ptregs/object.h>
#include "fix.h"

#define INSN_SZ 8
#define LOCAL_TYPE "pt_regs___ptregs"
#define BTF_EXT_MAGIC 0xeB9F

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Section SHNDX of the ELF object in OBJ, checked against its size. */
static int shdr_of(const uint8_t *obj, size_t size, size_t shndx, Elf64_Shdr *sh)
{
	Elf64_Ehdr eh;

	if (size < sizeof(eh))
		return -1;
	memcpy(&eh, obj, sizeof(eh));
	if (shndx == 0 || shndx >= eh.e_shnum || eh.e_shentsize != sizeof(*sh) ||
	    eh.e_shoff > size || (uint64_t)eh.e_shnum * sizeof(*sh) > size - eh.e_shoff)
		return -1;
	memcpy(sh, obj + eh.e_shoff + shndx * sizeof(*sh), sizeof(*sh));
	if (sh->sh_type == SHT_NOBITS || sh->sh_offset > size || sh->sh_size > size - sh->sh_offset)
		return -1;
	return 0;
}

/* Patch one edit into the instructions at INSNS (section bytes). */
static int patch_insn(uint8_t *insns, size_t sec_size, const struct fix_edit *e, char *err,
		      size_t errlen)
{
	struct bpf_insn in;
	uint8_t *at;

	if ((uint64_t)e->sec_insn * INSN_SZ + INSN_SZ > sec_size)
		return fail(err, errlen, "instruction %u is outside its section", e->sec_insn);
	at = insns + (size_t)e->sec_insn * INSN_SZ;
	memcpy(&in, at, sizeof(in));
	if (e->site == PTREGS_OFF_INSN) {
		if (in.off != e->old_val)
			return fail(err, errlen, "instruction %u holds offset %d, not %d", e->sec_insn,
				    in.off, e->old_val);
		in.off = (int16_t)e->new_val;
	} else {
		if (in.imm != e->old_val)
			return fail(err, errlen, "instruction %u holds immediate %d, not %d",
				    e->sec_insn, in.imm, e->old_val);
		in.imm = e->new_val;
	}
	memcpy(at, &in, sizeof(in));
	return 0;
}

int fix_apply_retarget(const struct fix_object *fo, const struct fix_opts *opts, uint8_t *obj,
		       size_t size, char *err, size_t errlen)
{
	uint8_t mark[FIX_MARK_LEN];

	for (size_t i = 0; i < fo->edit_cnt; i++) {
		const struct fix_edit *e = &fo->edits[i];
		Elf64_Shdr sh;

		if (e->kind != EDIT_OFFSET)
			return fail(err, errlen, "internal: a relocation edit in a retarget");
		if (shdr_of(obj, size, e->shndx, &sh))
			return fail(err, errlen, "section %zu: bad section header", e->shndx);
		if (patch_insn(obj + sh.sh_offset, sh.sh_size, e, err, errlen))
			return -1;
	}
	fix_mark(opts->to, mark);
	memcpy(obj + FIX_MARK_OFF, mark, FIX_MARK_LEN);
	return 0;
}

/* .BTF.ext: the header, func and line info kept as bytes, CO-RE records parsed. */
struct relo_blk {
	uint32_t sec_off;
	struct bpf_core_relo *recs;
	size_t cnt;
};

struct ext {
	const uint8_t *func, *line;	/* "rec_size, blocks" as found */
	uint32_t func_len, line_len;
	struct relo_blk *blks;
	size_t blk_cnt;
};

static void ext_free(struct ext *x)
{
	for (size_t i = 0; i < x->blk_cnt; i++)
		free(x->blks[i].recs);
	free(x->blks);
}

static int ext_parse(const uint8_t *d, size_t size, struct ext *x, char *err, size_t errlen)
{
	uint32_t hdr_len, off[3] = { 0 }, len[3] = { 0 }, rec;
	uint16_t magic;
	const uint8_t *sec, *end;

	if (size < 24)
		return fail(err, errlen, ".BTF.ext: header cut short");
	memcpy(&magic, d, 2);
	memcpy(&hdr_len, d + 4, 4);
	if (magic != BTF_EXT_MAGIC || d[2] != 1 || hdr_len < 24 || hdr_len > size)
		return fail(err, errlen, ".BTF.ext: bad header");
	if (hdr_len > 32)
		return fail(err, errlen, ".BTF.ext: a %u-byte header, newer than this tool "
			    "knows", hdr_len);
	for (size_t i = 0; i < (hdr_len >= 32 ? 3u : 2u); i++) {
		memcpy(&off[i], d + 8 + i * 8, 4);
		memcpy(&len[i], d + 12 + i * 8, 4);
		if (off[i] > size - hdr_len || len[i] > size - hdr_len - off[i])
			return fail(err, errlen, ".BTF.ext: subsection beyond the section");
	}
	x->func = d + hdr_len + off[0];
	x->func_len = len[0];
	x->line = d + hdr_len + off[1];
	x->line_len = len[1];
	if (!len[2])
		return 0;
	sec = d + hdr_len + off[2];
	end = sec + len[2];
	if (len[2] < 4)
		return fail(err, errlen, ".BTF.ext: CO-RE subsection cut short");
	memcpy(&rec, sec, 4);
	if (rec < sizeof(struct bpf_core_relo))
		return fail(err, errlen, ".BTF.ext: CO-RE records of %u bytes", rec);
	sec += 4;
	while (sec < end) {
		struct relo_blk *b;
		uint32_t n;

		if (end - sec < 8)
			return fail(err, errlen, ".BTF.ext: CO-RE block cut short");
		b = realloc(x->blks, (x->blk_cnt + 1) * sizeof(*b));
		if (!b)
			return fail(err, errlen, "out of memory");
		x->blks = b;
		b = &x->blks[x->blk_cnt++];
		memset(b, 0, sizeof(*b));
		memcpy(&b->sec_off, sec, 4);
		memcpy(&n, sec + 4, 4);
		sec += 8;
		if (n > (size_t)(end - sec) / rec)
			return fail(err, errlen, ".BTF.ext: CO-RE block past its subsection");
		b->recs = calloc(n + 1, sizeof(*b->recs));
		if (!b->recs)
			return fail(err, errlen, "out of memory");
		for (uint32_t i = 0; i < n; i++, sec += rec)
			memcpy(&b->recs[i], sec, sizeof(*b->recs));
		b->cnt = n;
	}
	return 0;
}

static int relo_cmp(const void *a, const void *b)
{
	const struct bpf_core_relo *x = a, *y = b;

	return x->insn_off < y->insn_off ? -1 : x->insn_off > y->insn_off;
}

static uint8_t *ext_build(struct ext *x, size_t *size)
{
	size_t core_len = 0, n = 32 + x->func_len + x->line_len;
	uint32_t v32;
	uint16_t v16;
	uint8_t *out, *p;

	for (size_t i = 0; i < x->blk_cnt; i++)
		if (x->blks[i].cnt)
			core_len += 8 + x->blks[i].cnt * sizeof(struct bpf_core_relo);
	if (core_len)
		core_len += 4;
	n += core_len;
	out = calloc(1, n);
	if (!out)
		return NULL;
	v16 = BTF_EXT_MAGIC;
	memcpy(out, &v16, 2);
	out[2] = 1;
	v32 = 32;
	memcpy(out + 4, &v32, 4);
	v32 = 0;
	memcpy(out + 8, &v32, 4);
	memcpy(out + 12, &x->func_len, 4);
	memcpy(out + 16, &x->func_len, 4);
	memcpy(out + 20, &x->line_len, 4);
	v32 = x->func_len + x->line_len;
	memcpy(out + 24, &v32, 4);
	v32 = (uint32_t)core_len;
	memcpy(out + 28, &v32, 4);
	p = out + 32;
	if (x->func_len)
		memcpy(p, x->func, x->func_len);
	p += x->func_len;
	if (x->line_len)
		memcpy(p, x->line, x->line_len);
	p += x->line_len;
	if (core_len) {
		v32 = sizeof(struct bpf_core_relo);
		memcpy(p, &v32, 4);
		p += 4;
		for (size_t i = 0; i < x->blk_cnt; i++) {
			struct relo_blk *b = &x->blks[i];
			uint32_t cnt = (uint32_t)b->cnt;

			if (!cnt)
				continue;
			qsort(b->recs, b->cnt, sizeof(*b->recs), relo_cmp);
			memcpy(p, &b->sec_off, 4);
			memcpy(p + 4, &cnt, 4);
			p += 8;
			memcpy(p, b->recs, b->cnt * sizeof(*b->recs));
			p += b->cnt * sizeof(*b->recs);
		}
	}
	*size = n;
	return out;
}

static struct relo_blk *ext_block(struct ext *x, const struct btf *btf, const char *sec,
				  int sec_off)
{
	struct relo_blk *b;

	for (size_t i = 0; i < x->blk_cnt; i++) {
		const char *n = btf__name_by_offset(btf, x->blks[i].sec_off);

		if (n && strcmp(n, sec) == 0)
			return &x->blks[i];
	}
	if (sec_off < 0)
		return NULL;
	b = realloc(x->blks, (x->blk_cnt + 1) * sizeof(*b));
	if (!b)
		return NULL;
	x->blks = b;
	b = &x->blks[x->blk_cnt++];
	memset(b, 0, sizeof(*b));
	b->sec_off = (uint32_t)sec_off;
	return b;
}

/* The local struct: the source layout's top-level fields, kernel names. */
static int local_type(struct btf *btf, const struct ptregs_layout *from, char *err, size_t errlen)
{
	int id = btf__find_by_name_kind(btf, LOCAL_TYPE, BTF_KIND_STRUCT);
	int ints[9] = { 0 };
	size_t idx = 0;

	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
		const struct btf_member *m = btf_members(t);

		for (size_t i = 0; i < ptregs_layout_field_cnt(from); i++) {
			const struct ptregs_field *f = ptregs_layout_field(from, i);

			if (f->bit_size || strchr(f->name, '.'))
				continue;
			if (idx >= btf_vlen(t) || strcmp(btf__name_by_offset(btf, m[idx].name_off),
							 f->name) != 0 ||
			    btf_member_bit_offset(t, (__u32)idx) != f->offset * 8)
				return fail(err, errlen, "the object's own %s differs from %s",
					    LOCAL_TYPE, ptregs_layout_name(from));
			idx++;
		}
		return id;
	}
	for (size_t i = 0; i < ptregs_layout_field_cnt(from); i++) {
		const struct ptregs_field *f = ptregs_layout_field(from, i);
		static const char *const names[9] = {
			[1] = "unsigned char", [2] = "short unsigned int",
			[4] = "unsigned int", [8] = "long unsigned int",
		};

		if (f->bit_size || strchr(f->name, '.'))
			continue;
		if (f->size > 8 || !names[f->size])
			return fail(err, errlen, "%s: field %s of %u bytes", ptregs_layout_name(from),
				    f->name, f->size);
		if (!ints[f->size]) {
			int t = btf__find_by_name_kind(btf, names[f->size], BTF_KIND_INT);

			ints[f->size] = t > 0 ? t : btf__add_int(btf, names[f->size], f->size, 0);
			if (ints[f->size] < 0)
				return fail(err, errlen, "BTF: cannot add an integer type");
		}
	}
	id = btf__add_struct(btf, LOCAL_TYPE, ptregs_layout_size(from));
	if (id < 0)
		return fail(err, errlen, "BTF: cannot add %s", LOCAL_TYPE);
	for (size_t i = 0; i < ptregs_layout_field_cnt(from); i++) {
		const struct ptregs_field *f = ptregs_layout_field(from, i);

		if (f->bit_size || strchr(f->name, '.'))
			continue;
		if (btf__add_field(btf, f->name, ints[f->size], f->offset * 8, 0))
			return fail(err, errlen, "BTF: cannot add member %s", f->name);
	}
	return id;
}

/* Whether the plan has items of PROG and fixed them all. */
static bool prog_all_fixed(const struct fix_object *fo, const char *prog)
{
	bool any = false;

	if (!prog)	/* a name offset outside the strings */
		return false;
	for (size_t i = 0; i < fo->item_cnt; i++) {
		if (!fo->items[i].program || strcmp(fo->items[i].program, prog) != 0)
			continue;
		if (!fo->items[i].fixed)
			return false;
		any = true;
	}
	return any;
}

/*
 * Whether func info names FUNC ID in a section other than .text: the entry
 * of a program, not a subprogram that may share its name in a linked
 * object. Without func info the name is all there is.
 */
static bool func_of_program(const struct ext *x, const struct btf *btf, __u32 id)
{
	const uint8_t *p = x->func, *end;
	uint32_t rec;

	if (!p || x->func_len < 4)
		return true;
	end = p + x->func_len;
	memcpy(&rec, p, 4);
	if (rec < 8)
		return false;
	p += 4;
	while (end - p >= 8) {
		uint32_t sec_off, n;
		const char *sec;

		memcpy(&sec_off, p, 4);
		memcpy(&n, p + 4, 4);
		p += 8;
		if (n > (size_t)(end - p) / rec)
			return false;
		sec = btf__name_by_offset(btf, sec_off);
		for (uint32_t i = 0; i < n; i++, p += rec) {
			uint32_t tid;

			memcpy(&tid, p + 4, 4);
			if (tid == id && sec && strcmp(sec, ".text") != 0)
				return true;
		}
	}
	return false;
}

/*
 * The PKRS kernel's verifier (kernel-patch/series: "bpf: Warn about kprobe
 * programs compiled for another struct pt_regs") warns about, and with
 * kernel.bpf_refuse_foreign_pt_regs refuses, a kprobe program whose BTF
 * declares its context as a struct pt_regs of another size with members
 * the kernel's lacks (the UAPI one), and that loads from it. Once every
 * access of a program is relocated, that declaration is no longer true:
 * give the program's function a copy of its prototype whose context is
 * the local type (named as the kernel's members, relocated the same way).
 * Functions of programs with accesses left unfixed, and subprograms,
 * keep theirs.
 */
static int retype_contexts(struct btf *btf, const struct fix_object *fo, const struct ext *x,
			   int local_id, char *err, size_t errlen)
{
	__u32 n = btf__type_cnt(btf);
	int ptr = 0;

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *f = btf__type_by_id(btf, id), *proto, *t;
		const char *tname;
		__u32 proto_id;
		__u16 vlen;
		int np, r;

		if (!btf_is_func(f) || !prog_all_fixed(fo, btf__name_by_offset(btf, f->name_off)) ||
		    !func_of_program(x, btf, id))
			continue;
		proto_id = f->type;
		proto = btf__type_by_id(btf, proto_id);
		if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) < 1)
			continue;
		/* btf__resolve_type: modifiers and typedefs skipped, bounded */
		r = btf__resolve_type(btf, btf_params(proto)[0].type);
		t = r > 0 ? btf__type_by_id(btf, (__u32)r) : NULL;
		if (!t || !btf_is_ptr(t))
			continue;
		r = btf__resolve_type(btf, t->type);
		t = r > 0 ? btf__type_by_id(btf, (__u32)r) : NULL;
		tname = t && btf_is_struct(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (!tname || strcmp(tname, "pt_regs") != 0)
			continue;
		/*
		 * Every btf__add_*() may move the types and the strings: from here
		 * on only ids are kept, and each type is looked up again after an
		 * add.
		 */
		if (!ptr && (ptr = btf__add_ptr(btf, (__u32)local_id)) < 0)
			return fail(err, errlen, "BTF: cannot add a pointer type");
		np = btf__add_func_proto(btf, btf__type_by_id(btf, proto_id)->type);
		if (np < 0)
			return fail(err, errlen, "BTF: cannot add a function prototype");
		vlen = btf_vlen(btf__type_by_id(btf, proto_id));
		for (__u16 i = 0; i < vlen; i++) {
			const struct btf_param *p = btf_params(btf__type_by_id(btf, proto_id)) + i;
			const char *pname = btf__name_by_offset(btf, p->name_off);
			char *name = strdup(pname ? pname : "");
			__u32 type = i ? p->type : (__u32)ptr;

			if (!name)
				return fail(err, errlen, "out of memory");
			r = btf__add_func_param(btf, name, type);
			free(name);
			if (r)
				return fail(err, errlen, "BTF: cannot add a function parameter");
		}
		/*
		 * The FUNC itself: once types were added, libbpf keeps them in a
		 * buffer of its own (bpftool edits it the same way); the raw data
		 * is rebuilt from it when the BTF is written.
		 */
		((struct btf_type *)btf__type_by_id(btf, id))->type = (__u32)np;
	}
	return 0;
}

/* The new .BTF and .BTF.ext for the plan, in *BTF_OUT and *EXT_OUT. */
static int build_btf(const struct fix_object *fo, const struct fix_opts *opts, Elf *elf,
		     size_t shstrndx, const Elf_Data *btf_d, const Elf_Data *ext_d,
		     struct btf **btf_out, uint8_t **ext_out, size_t *ext_size, char *err,
		     size_t errlen)
{
	struct btf *btf;
	struct ext x = { 0 };
	int id, r = -1;

	/* a NOBITS section: a size, no bytes */
	if ((btf_d && !btf_d->d_buf && btf_d->d_size) || (ext_d && !ext_d->d_buf && ext_d->d_size))
		return fail(err, errlen, "%s carries no data (a section without contents)",
			    btf_d && !btf_d->d_buf ? ".BTF" : ".BTF.ext");
	btf = btf_d ? btf__new(btf_d->d_buf, (__u32)btf_d->d_size) : btf__new_empty();
	if (!btf)
		return fail(err, errlen, "malformed .BTF (%s)", strerror(errno));
	if (ext_d && ext_parse(ext_d->d_buf, ext_d->d_size, &x, err, errlen))
		goto out;
	id = local_type(btf, opts->from, err, errlen);
	if (id < 0)
		goto out;
	for (size_t i = 0; i < fo->edit_cnt; i++) {
		const struct fix_edit *e = &fo->edits[i];
		Elf_Scn *scn = elf_getscn(elf, e->shndx);
		GElf_Shdr sh;
		const char *sec;
		char acc[32];
		int sec_off, acc_off;
		struct relo_blk *b;
		struct bpf_core_relo *rec = NULL;

		if (!scn || !gelf_getshdr(scn, &sh) ||
		    !(sec = elf_strptr(elf, shstrndx, sh.sh_name))) {
			fail(err, errlen, "section %zu: no name", e->shndx);
			goto out;
		}
		snprintf(acc, sizeof(acc), "0:%u", e->member);
		sec_off = btf__add_str(btf, sec);
		acc_off = btf__add_str(btf, acc);
		if (sec_off < 0 || acc_off < 0) {
			fail(err, errlen, "BTF: cannot add a string");
			goto out;
		}
		b = ext_block(&x, btf, sec, e->kind == EDIT_INJECT_RELO ? sec_off : -1);
		if (!b) {
			fail(err, errlen, ".BTF.ext: no CO-RE records for section %s", sec);
			goto out;
		}
		if (e->kind != EDIT_INJECT_RELO) {
			for (size_t k = 0; k < b->cnt && !rec; k++)
				if (b->recs[k].insn_off == e->sec_insn * INSN_SZ &&
				    b->recs[k].kind == e->relo_kind)
					rec = &b->recs[k];
			if (!rec) {
				fail(err, errlen, ".BTF.ext: no CO-RE record at %s+%u", sec,
				     e->sec_insn * INSN_SZ);
				goto out;
			}
		}
		switch (e->kind) {
		case EDIT_INJECT_RELO: {
			struct bpf_core_relo *n = realloc(b->recs, (b->cnt + 1) * sizeof(*n));

			if (!n) {
				fail(err, errlen, "out of memory");
				goto out;
			}
			b->recs = n;
			b->recs[b->cnt++] = (struct bpf_core_relo){
				.insn_off = e->sec_insn * INSN_SZ,
				.type_id = (__u32)id,
				.access_str_off = (__u32)acc_off,
				.kind = BPF_CORE_FIELD_BYTE_OFFSET,
			};
			break;
		}
		case EDIT_REPOINT_RELO:
			rec->type_id = (__u32)id;
			rec->access_str_off = (__u32)acc_off;
			break;
		case EDIT_DROP_RELO:
			*rec = b->recs[--b->cnt];
			break;
		default:
			fail(err, errlen, "internal: an offset edit in a portable fix");
			goto out;
		}
	}
	if (retype_contexts(btf, fo, &x, id, err, errlen))
		goto out;
	*ext_out = ext_build(&x, ext_size);
	if (!*ext_out) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	*btf_out = btf;
	btf = NULL;
	r = 0;
out:
	ext_free(&x);
	btf__free(btf);
	return r;
}

int fix_write_portable(const struct fix_object *fo, const struct fix_opts *opts, const uint8_t *obj,
		       size_t size, int fd, char *err, size_t errlen)
{
	Elf *in = NULL, *out = NULL;
	Elf_Scn *scn = NULL, *btf_scn = NULL, *ext_scn = NULL;
	Elf_Data *btf_d = NULL, *ext_d = NULL;
	struct btf *btf = NULL;
	uint8_t *copy = NULL, *ext = NULL, *shstr = NULL, **patched = NULL;
	size_t ext_size = 0, shstrndx, shnum, shstr_size = 0;
	uint32_t btf_name = 0, ext_name = 0;
	const void *btf_raw;
	__u32 btf_size;
	GElf_Ehdr eh;
	int r = -1;

	elf_version(EV_CURRENT);
	copy = malloc(size);
	if (!copy)
		return fail(err, errlen, "out of memory");
	memcpy(copy, obj, size);
	in = elf_memory((char *)copy, size);
	if (!in || !gelf_getehdr(in, &eh) || elf_getshdrstrndx(in, &shstrndx) ||
	    elf_getshdrnum(in, &shnum)) {
		fail(err, errlen, "malformed ELF: %s", elf_errmsg(-1));
		goto out;
	}
	while ((scn = elf_nextscn(in, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(in, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(n, ".BTF") == 0) {
			btf_scn = scn;
			btf_d = elf_getdata(scn, NULL);
		} else if (strcmp(n, ".BTF.ext") == 0) {
			ext_scn = scn;
			ext_d = elf_getdata(scn, NULL);
		}
	}
	if (build_btf(fo, opts, in, shstrndx, btf_d, ext_d, &btf, &ext, &ext_size, err, errlen))
		goto out;
	btf_raw = btf__raw_data(btf, &btf_size);
	if (!btf_raw) {
		fail(err, errlen, "BTF: cannot serialise");
		goto out;
	}
	/* instructions whose value changes (a dropped relocation's frozen offset) */
	patched = calloc(shnum + 1, sizeof(*patched));
	if (!patched) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < fo->edit_cnt; i++) {
		const struct fix_edit *e = &fo->edits[i];
		Elf_Data *d;

		if (e->new_val == e->old_val)
			continue;
		if (e->shndx >= shnum || !(d = elf_getdata(elf_getscn(in, e->shndx), NULL))) {
			fail(err, errlen, "section %zu: no data", e->shndx);
			goto out;
		}
		if (!patched[e->shndx]) {
			patched[e->shndx] = malloc(d->d_size ? d->d_size : 1);
			if (!patched[e->shndx]) {
				fail(err, errlen, "out of memory");
				goto out;
			}
			memcpy(patched[e->shndx], d->d_buf, d->d_size);
		}
		if (patch_insn(patched[e->shndx], d->d_size, e, err, errlen))
			goto out;
	}
	/* names of the sections to add */
	if (!btf_scn || !ext_scn) {
		Elf_Data *sd = elf_getdata(elf_getscn(in, shstrndx), NULL);

		if (!sd) {
			fail(err, errlen, "no section name table");
			goto out;
		}
		shstr_size = sd->d_size;
		shstr = malloc(shstr_size + 16);
		if (!shstr) {
			fail(err, errlen, "out of memory");
			goto out;
		}
		memcpy(shstr, sd->d_buf, sd->d_size);
		if (!btf_scn) {
			btf_name = (uint32_t)shstr_size;
			memcpy(shstr + shstr_size, ".BTF", 5);
			shstr_size += 5;
		}
		if (!ext_scn) {
			ext_name = (uint32_t)shstr_size;
			memcpy(shstr + shstr_size, ".BTF.ext", 9);
			shstr_size += 9;
		}
	}

	out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!out || !gelf_newehdr(out, ELFCLASS64)) {
		fail(err, errlen, "cannot write ELF: %s", elf_errmsg(-1));
		goto out;
	}
	{
		GElf_Ehdr oh;

		gelf_getehdr(out, &oh);
		memcpy(oh.e_ident, eh.e_ident, EI_NIDENT);
		oh.e_type = eh.e_type;
		oh.e_machine = eh.e_machine;
		oh.e_version = eh.e_version;
		oh.e_flags = eh.e_flags;
		oh.e_shstrndx = eh.e_shstrndx;
		if (!gelf_update_ehdr(out, &oh)) {
			fail(err, errlen, "cannot write ELF header: %s", elf_errmsg(-1));
			goto out;
		}
	}
	scn = NULL;
	while ((scn = elf_nextscn(in, scn))) {
		size_t idx = elf_ndxscn(scn);
		Elf_Scn *os = elf_newscn(out);
		Elf_Data *id = elf_getdata(scn, NULL), *od;
		GElf_Shdr sh;

		if (!os || !gelf_getshdr(scn, &sh)) {
			fail(err, errlen, "cannot copy section %zu: %s", idx, elf_errmsg(-1));
			goto out;
		}
		od = elf_newdata(os);
		if (!od) {
			fail(err, errlen, "cannot copy section %zu: %s", idx, elf_errmsg(-1));
			goto out;
		}
		/* libelf lays the output out by these: a huge one is a file of petabytes */
		if (sh.sh_addralign > 4096 || (sh.sh_addralign & (sh.sh_addralign - 1))) {
			fail(err, errlen, "section %zu: alignment %llu: not a BPF object's", idx,
			     (unsigned long long)sh.sh_addralign);
			goto out;
		}
		od->d_type = ELF_T_BYTE;
		od->d_version = EV_CURRENT;
		od->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
		od->d_off = 0;
		if (scn == btf_scn) {
			od->d_buf = (void *)btf_raw;
			od->d_size = btf_size;
		} else if (scn == ext_scn) {
			od->d_buf = ext;
			od->d_size = ext_size;
		} else if (idx == shstrndx && shstr) {
			od->d_buf = shstr;
			od->d_size = shstr_size;
		} else if (idx < shnum && patched[idx]) {
			od->d_buf = patched[idx];
			od->d_size = id ? id->d_size : 0;
		} else if (sh.sh_type == SHT_NOBITS) {
			od->d_buf = NULL;
			od->d_size = sh.sh_size;
		} else {
			od->d_buf = id ? id->d_buf : NULL;
			od->d_size = id ? id->d_size : 0;
		}
		sh.sh_size = od->d_size;
		if (!gelf_update_shdr(os, &sh)) {
			fail(err, errlen, "cannot copy section %zu: %s", idx, elf_errmsg(-1));
			goto out;
		}
	}
	for (int k = 0; k < 2; k++) {
		bool need = k == 0 ? !btf_scn : !ext_scn;
		Elf_Scn *os;
		Elf_Data *od;
		GElf_Shdr sh = { 0 };

		if (!need)
			continue;
		os = elf_newscn(out);
		od = os ? elf_newdata(os) : NULL;
		if (!od) {
			fail(err, errlen, "cannot add a section: %s", elf_errmsg(-1));
			goto out;
		}
		od->d_type = ELF_T_BYTE;
		od->d_version = EV_CURRENT;
		od->d_align = 4;
		od->d_buf = k == 0 ? (void *)btf_raw : ext;
		od->d_size = k == 0 ? btf_size : ext_size;
		sh.sh_name = k == 0 ? btf_name : ext_name;
		sh.sh_type = SHT_PROGBITS;
		sh.sh_addralign = 4;
		sh.sh_size = od->d_size;
		if (!gelf_update_shdr(os, &sh)) {
			fail(err, errlen, "cannot add a section: %s", elf_errmsg(-1));
			goto out;
		}
	}
	if (elf_update(out, ELF_C_WRITE) < 0) {
		fail(err, errlen, "cannot write ELF: %s", elf_errmsg(-1));
		goto out;
	}
	r = 0;
out:
	if (out)
		elf_end(out);
	if (in)
		elf_end(in);
	if (patched)
		for (size_t i = 0; i <= shnum; i++)
			free(patched[i]);
	free(patched);
	free(shstr);
	free(ext);
	btf__free(btf);
	free(copy);
	return r;
}

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

bool fix_verify_libbpf = true;

/*
 * Does libbpf open OBJ? In a child process: libbpf 1.1 reads some
 * malformed objects the reader accepts out of bounds (a crash the fuzz
 * target found in bpf_object__open_mem), and that must not take the
 * command down with it. A child that dies counts as "does not open".
 */
static bool libbpf_opens(const uint8_t *obj, size_t size)
{
	int status;
	pid_t pid;

	if (!fix_verify_libbpf)
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		struct bpf_object *bo;
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		/* a crash report here is libbpf's, not the command's */
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		libbpf_set_print(silent);
		bo = bpf_object__open_mem(obj, size, NULL);
		_exit(libbpf_get_error(bo) == 0 && bo ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int fix_verify(const uint8_t *orig, size_t orig_size, const uint8_t *obj, size_t size,
	       char *err, size_t errlen)
{
	struct ptregs_object *o = ptregs_object_open_mem(obj, size, NULL);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	struct btf *btf = NULL;
	int r = 0;

	if (!o)
		return fail(err, errlen, "the rewritten object does not read back: %s",
			    ptregs_errmsg());
	ptregs_object_close(o);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)obj, size);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return fail(err, errlen, "the rewritten object is not ELF");
	while ((scn = elf_nextscn(elf, scn)) && !r) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(n, ".BTF") != 0 || !(d = elf_getdata(scn, NULL)))
			continue;
		/* libbpf copies d_size bytes from d_buf: a NOBITS .BTF has none */
		if (!d->d_buf || !d->d_size) {
			r = fail(err, errlen, "the rewritten .BTF carries no data");
			break;
		}
		btf__free(btf);
		btf = btf__new(d->d_buf, (__u32)d->d_size);
		if (!btf)
			r = fail(err, errlen, "libbpf refuses the rewritten .BTF");
	}
	scn = NULL;
	while (!r && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *n;
		struct btf_ext *x;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(n, ".BTF.ext") != 0 || !(d = elf_getdata(scn, NULL)))
			continue;
		if (!d->d_buf || !d->d_size) {
			r = fail(err, errlen, "the rewritten .BTF.ext carries no data");
			break;
		}
		x = btf_ext__new(d->d_buf, (__u32)d->d_size);
		if (!x)
			r = fail(err, errlen, "libbpf refuses the rewritten .BTF.ext (%s)",
				 strerror(errno));
		btf_ext__free(x);
	}
	btf__free(btf);
	elf_end(elf);
	if (!r && libbpf_opens(orig, orig_size) && !libbpf_opens(obj, size))
		r = fail(err, errlen, "libbpf opens the original object but not the rewritten one");
	return r;
}
