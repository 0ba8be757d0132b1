// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* DWARF loader through libdw, and the choice between .BTF and DWARF in an ELF. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>
#include "internal.h"

#define MAX_DEPTH 32

struct dwarf_priv {
	int fd;
	Elf *elf;
	Dwarf *dw;
};

static bool is_composite_tag(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_class_type;
}

/* Follow typedefs and qualifiers. */
static bool peel(Dwarf_Die *die, Dwarf_Die *out)
{
	*out = *die;
	for (int i = 0; i < MAX_DEPTH; i++) {
		int tag = dwarf_tag(out);
		Dwarf_Attribute a;

		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type &&
		    tag != DW_TAG_atomic_type)
			return true;
		if (!dwarf_attr_integrate(out, DW_AT_type, &a) || !dwarf_formref_die(&a, out))
			return false;
	}
	return false;
}

static bool member_type(Dwarf_Die *m, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(m, DW_AT_type, &a) && dwarf_formref_die(&a, type);
}

static void type_str(Dwarf_Die *t, char *buf, size_t len, int depth)
{
	const char *n = dwarf_diename(t);
	char inner[256];
	Dwarf_Die sub;
	Dwarf_Word cnt;

	if (depth > 8) {
		snprintf(buf, len, "?");
		return;
	}
	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
		if (member_type(t, &sub))
			type_str(&sub, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "void");
		snprintf(buf, len, "%s *", inner);
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
		if (member_type(t, &sub))
			type_str(&sub, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "void");
		snprintf(buf, len, "%s %s", dwarf_tag(t) == DW_TAG_const_type ? "const" :
			 "volatile", inner);
		break;
	case DW_TAG_array_type: {
		Dwarf_Die child;
		Dwarf_Attribute a;

		cnt = 0;
		if (dwarf_child(t, &child) == 0) {
			if (dwarf_attr_integrate(&child, DW_AT_count, &a))
				dwarf_formudata(&a, &cnt);
			else if (dwarf_attr_integrate(&child, DW_AT_upper_bound, &a) &&
				 dwarf_formudata(&a, &cnt) == 0)
				cnt++;
		}
		if (member_type(t, &sub))
			type_str(&sub, inner, sizeof(inner), depth + 1);
		else
			snprintf(inner, sizeof(inner), "?");
		snprintf(buf, len, "%s[%llu]", inner, (unsigned long long)cnt);
		break;
	}
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		snprintf(buf, len, "struct %s", n ? n : "(anon)");
		break;
	case DW_TAG_union_type:
		snprintf(buf, len, "union %s", n ? n : "(anon)");
		break;
	case DW_TAG_enumeration_type:
		snprintf(buf, len, "enum %s", n ? n : "(anon)");
		break;
	case DW_TAG_subroutine_type:
		snprintf(buf, len, "function");
		break;
	default:
		snprintf(buf, len, "%s", n ? n : "?");
	}
}

static int member_offset(Dwarf_Die *m, Dwarf_Word *off)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;

	*off = 0;
	if (!dwarf_attr_integrate(m, DW_AT_data_member_location, &a))
		return 0;	/* union members */
	if (dwarf_formudata(&a, off) == 0)
		return 0;
	if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_plus_uconst) {
		*off = ops[0].number;
		return 0;
	}
	return -1;
}

static int flatten(struct ptregs_layout *l, Dwarf_Die *s, uint32_t base_bits,
		   const char *prefix, bool types, int depth)
{
	Dwarf_Die m;
	char tbuf[256];
	int err, r;

	if (depth > MAX_DEPTH)
		return pt_err(ELOOP, "%s: type nesting too deep", l->origin);
	if (dwarf_child(s, &m) != 0)
		return 0;
	do {
		const char *name = dwarf_diename(&m);
		Dwarf_Die mt, peeled;
		Dwarf_Word off, size = 0, dbo;
		Dwarf_Attribute a;
		uint32_t bit_off, bits = 0;
		int bs;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		if (!member_type(&m, &mt) || !peel(&mt, &peeled))
			return pt_err(EINVAL, "%s: %s member '%s' has no usable type", l->origin,
				      l->name, name ? name : "(anon)");
		if (member_offset(&m, &off))
			return pt_err(EINVAL, "%s: %s member '%s' has an unsupported location",
				      l->origin, l->name, name ? name : "(anon)");
		bit_off = base_bits + (uint32_t)off * 8;
		bs = dwarf_bitsize(&m);
		if (bs > 0) {
			bits = (uint32_t)bs;
			if (dwarf_attr_integrate(&m, DW_AT_data_bit_offset, &a) &&
			    dwarf_formudata(&a, &dbo) == 0) {
				bit_off = base_bits + (uint32_t)dbo;
			} else {
				int bo = dwarf_bitoffset(&m);
				Dwarf_Word bytes = 0;

				if (dwarf_attr_integrate(&m, DW_AT_byte_size, &a))
					dwarf_formudata(&a, &bytes);
				else
					dwarf_aggregate_size(&mt, &bytes);
				if (bo >= 0)
					bit_off += (uint32_t)(bytes * 8 - (Dwarf_Word)bo - bits);
			}
		}
		if (!name && !is_composite_tag(dwarf_tag(&peeled)))
			continue;
		if (!name) {
			err = flatten(l, &peeled, bit_off, prefix, types, depth + 1);
			if (err)
				return err;
			continue;
		}
		if (dwarf_aggregate_size(&mt, &size) != 0)
			size = 0;	/* flexible array */
		if (types)
			type_str(&mt, tbuf, sizeof(tbuf), 0);
		err = pt_layout_add(l, prefix, name, types ? tbuf : NULL, bit_off, bits,
				    (uint32_t)size);
		if (err)
			return err;
		if (is_composite_tag(dwarf_tag(&peeled)) && !dwarf_diename(&peeled)) {
			char *pfx = pt_arena_concat(&l->strings, prefix, name);

			if (!pfx || !(pfx = pt_arena_concat(&l->strings, pfx, ".")))
				return pt_err(ENOMEM, "out of memory");
			err = flatten(l, &peeled, bit_off, pfx, types, depth + 1);
			if (err)
				return err;
		}
	} while ((r = dwarf_siblingof(&m, &m)) == 0);
	return r < 0 ? pt_err(EINVAL, "%s: malformed DWARF: %s", l->origin, dwarf_errmsg(-1)) : 0;
}

/* NAME names an anonymous type reached through a typedef. */
static struct ptregs_layout *dwarf_layout_of(struct ptregs_source *src, Dwarf_Die *die,
					     const char *name)
{
	struct ptregs_layout *l;
	Dwarf_Word size = 0;
	int err;

	dwarf_aggregate_size(die, &size);
	l = pt_layout_new(dwarf_diename(die) ? dwarf_diename(die) : name,
			  dwarf_tag(die) == DW_TAG_union_type,
			  (uint32_t)size, src->name);
	if (!l)
		return NULL;
	err = flatten(l, die, 0, NULL, !src->opts.no_types, 0);
	if (err) {
		ptregs_layout_free(l);
		errno = -err;
		return NULL;
	}
	pt_layout_finish(l);
	return l;
}

/* Call FN on every top-level DIE of every compilation unit. */
static int each_top_die(struct ptregs_source *src,
			int (*fn)(struct ptregs_source *src, Dwarf_Die *die, void *ctx), void *ctx)
{
	struct dwarf_priv *p = src->priv;
	Dwarf_Off off = 0, next;
	size_t hsize;
	int r;

	while ((r = dwarf_nextcu(p->dw, off, &next, &hsize, NULL, NULL, NULL)) == 0) {
		Dwarf_Die cu, d;

		if (dwarf_offdie(p->dw, off + hsize, &cu) && dwarf_child(&cu, &d) == 0) {
			do {
				int ret = fn(src, &d, ctx);

				if (ret)
					return ret;
			} while (dwarf_siblingof(&d, &d) == 0);
		}
		off = next;
	}
	if (r < 0)
		return pt_err(EINVAL, "%s: malformed DWARF: %s", src->path, dwarf_errmsg(-1));
	return 0;
}

static bool is_definition(Dwarf_Die *d)
{
	return !dwarf_hasattr(d, DW_AT_declaration);
}

static int index_one(struct ptregs_source *src, Dwarf_Die *d, void *ctx)
{
	int tag = dwarf_tag(d);
	const char *name;

	(void)ctx;
	if (!is_composite_tag(tag) || !is_definition(d))
		return 0;
	name = dwarf_diename(d);
	if (!name)
		return 0;
	return pt_index_add(&src->index, tag == DW_TAG_union_type, name, dwarf_dieoffset(d));
}

static int dwarf_index(struct ptregs_source *src)
{
	return each_top_die(src, index_one, NULL);
}

struct find_ctx {
	enum pt_name_kind kind;
	const char *name;
	bool typedefs;
	Dwarf_Die found;
};

static int find_one(struct ptregs_source *src, Dwarf_Die *d, void *ctx)
{
	struct find_ctx *c = ctx;
	const char *name = dwarf_diename(d);
	int tag = dwarf_tag(d);
	Dwarf_Die peeled;

	(void)src;
	if (!name || strcmp(name, c->name) != 0)
		return 0;
	if (c->typedefs) {
		if (tag == DW_TAG_typedef && peel(d, &peeled) &&
		    is_composite_tag(dwarf_tag(&peeled)) && is_definition(&peeled)) {
			c->found = peeled;
			return 1;
		}
		return 0;
	}
	if (!is_definition(d))
		return 0;
	if ((tag == DW_TAG_structure_type || tag == DW_TAG_class_type) && c->kind != PT_UNION) {
		c->found = *d;
		return 1;
	}
	if (tag == DW_TAG_union_type && c->kind != PT_STRUCT) {
		c->found = *d;
		return 1;
	}
	return 0;
}

static struct ptregs_layout *dwarf_layout(struct ptregs_source *src, enum pt_name_kind kind,
					  const char *name)
{
	struct find_ctx c = { .kind = kind, .name = name };
	int r;

	/* structs are preferred over unions of the same name */
	if (kind == PT_ANY) {
		c.kind = PT_STRUCT;
		r = each_top_die(src, find_one, &c);
		if (r == 0) {
			c.kind = PT_UNION;
			r = each_top_die(src, find_one, &c);
		}
		if (r == 0) {
			c.typedefs = true;
			r = each_top_die(src, find_one, &c);
		}
	} else {
		r = each_top_die(src, find_one, &c);
	}
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (r == 0)
		return pt_err_null(ENOENT, "%s: no %s named '%s' in DWARF", src->path,
				   kind == PT_UNION ? "union" : kind == PT_STRUCT ? "struct" :
				   "struct or union", name);
	return dwarf_layout_of(src, &c.found, name);
}

static void dwarf_close(struct ptregs_source *src)
{
	struct dwarf_priv *p = src->priv;

	if (!p)
		return;
	if (p->dw)
		dwarf_end(p->dw);
	if (p->elf)
		elf_end(p->elf);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	src->priv = NULL;
}

static const struct pt_source_ops dwarf_ops = {
	.layout = dwarf_layout,
	.index = dwarf_index,
	.close = dwarf_close,
};

/* Which debug sections does the ELF carry? */
static int elf_sections(const char *path, Elf *elf, uint64_t file_size, bool *has_btf,
			bool *has_dwarf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, shnum;
	GElf_Ehdr eh;

	*has_btf = *has_dwarf = false;
	if (elf_kind(elf) != ELF_K_ELF)
		return pt_err(EINVAL, "%s: not an ELF object (%s)", path,
			      elf_kind(elf) == ELF_K_AR ? "archive" : "unknown kind");
	if (!gelf_getehdr(elf, &eh) || elf_getshdrnum(elf, &shnum) != 0)
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	/* libelf reads lazily: check the tables lie inside the file ourselves */
	if (eh.e_shoff > file_size || shnum * (uint64_t)eh.e_shentsize > file_size - eh.e_shoff)
		return pt_err(EINVAL, "%s: malformed ELF: section headers beyond the end of "
			      "the file (truncated?)", path);
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!n)
			return pt_err(EINVAL, "%s: malformed ELF section names: %s", path,
				      elf_errmsg(-1));
		if (sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > file_size || sh.sh_size > file_size - sh.sh_offset)
			return pt_err(EINVAL, "%s: malformed ELF: section %s beyond the end of "
				      "the file (truncated?)", path, n);
		if (strcmp(n, ".BTF") == 0)
			*has_btf = true;
		else if (strcmp(n, ".debug_info") == 0 || strcmp(n, ".zdebug_info") == 0)
			*has_dwarf = true;
	}
	if (elf_errno())
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	return 0;
}

int pt_dwarf_open(struct ptregs_source *src, const char *path)
{
	struct dwarf_priv *p;
	bool has_btf, has_dwarf;
	struct stat st;
	int err;

	elf_version(EV_CURRENT);
	p = calloc(1, sizeof(*p));
	if (!p)
		return pt_err(ENOMEM, "out of memory");
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		err = pt_err(errno, "%s: %s", path, strerror(errno));
		free(p);
		return err;
	}
	src->priv = p;
	src->ops = &dwarf_ops;
	if (fstat(p->fd, &st) != 0)
		return pt_err(errno, "%s: %s", path, strerror(errno));
	p->elf = elf_begin(p->fd, ELF_C_READ_MMAP, NULL);
	if (!p->elf)
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	err = elf_sections(path, p->elf, (uint64_t)st.st_size, &has_btf, &has_dwarf);
	if (err)
		return err;

	if (!src->opts.force_dwarf && has_btf) {
		dwarf_close(src);
		return pt_btf_open(src, path, true);
	}
	if (!has_dwarf) {
		if (src->opts.force_dwarf)
			return pt_err(ENODATA, "%s: no DWARF debug info", path);
		return pt_err(ENODATA, "%s: ELF file has neither .BTF nor DWARF debug info",
			      path);
	}
	err = pt_source_set_name(src, PTREGS_SOURCE_DWARF, "dwarf", path);
	if (err)
		return err;
	p->dw = dwarf_begin_elf(p->elf, DWARF_C_READ, NULL);
	if (!p->dw)
		return pt_err(EINVAL, "%s: malformed DWARF: %s", path, dwarf_errmsg(-1));
	return 0;
}
