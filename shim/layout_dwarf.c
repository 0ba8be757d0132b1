// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * DWARF loader, and the choice between .BTF and DWARF in an ELF.
 *
 * DWARF is read through libdwfl, not libdw alone: libdw does not apply the
 * .rela.debug_* relocations of relocatable objects (.o, .ko), whose names
 * and references then all read as offset 0, and libdwfl also finds separate
 * debug info (build-id under /usr/lib/debug, .gnu_debuglink).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libelf.h>
#include "internal.h"

#define MAX_DEPTH 32

struct dwarf_priv {
	int fd;
	Elf *elf;
	Dwfl *dwfl;
	Dwarf *dw;		/* owned by dwfl */
	/*
	 * Typedefs naming a struct or union, for "anon_typedef_t" lookups: a
	 * second index so the one callers list stays structs and unions only.
	 * Entries are spelled "struct NAME" whatever the target is.
	 */
	struct pt_type_index typedefs;
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

/* Handles for the shared walk: a DIE, copied into the handle's words. */
_Static_assert(sizeof(Dwarf_Die) <= sizeof(struct pt_ref), "a pt_ref holds a Dwarf_Die");

static Dwarf_Die die_of(const struct pt_ref *r)
{
	Dwarf_Die d;

	memcpy(&d, r->w, sizeof(d));
	return d;
}

static void set_ref(struct pt_ref *r, const Dwarf_Die *d)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->w, d, sizeof(*d));
}

/* From *D on, the first DW_TAG_member among D and its siblings. */
static int skip_to_member(const char *origin, Dwarf_Die *d, struct pt_ref *m)
{
	int r = 0;

	while (r == 0 && dwarf_tag(d) != DW_TAG_member)
		r = dwarf_siblingof(d, d);
	if (r < 0)
		return pt_err(EINVAL, "%s: malformed DWARF: %s", origin, dwarf_errmsg(-1));
	if (r > 0)
		return 0;
	set_ref(m, d);
	return 1;
}

static int dw_first_member(void *priv, const struct pt_ref *t, struct pt_ref *m)
{
	Dwarf_Die d = die_of(t), c;

	if (dwarf_child(&d, &c) != 0)
		return 0;
	return skip_to_member(priv, &c, m);
}

static int dw_next_member(void *priv, struct pt_ref *m)
{
	Dwarf_Die d = die_of(m);
	int r;

	r = dwarf_siblingof(&d, &d);
	if (r < 0)
		return pt_err(EINVAL, "%s: malformed DWARF: %s", (const char *)priv,
			      dwarf_errmsg(-1));
	return r > 0 ? 0 : skip_to_member(priv, &d, m);
}

static int dw_member(void *priv, const struct ptregs_layout *l, const struct pt_ref *ref,
		     unsigned int idx, struct pt_member *out)
{
	Dwarf_Die m = die_of(ref), mt;
	const char *name = dwarf_diename(&m);
	Dwarf_Word off, dbo;
	Dwarf_Attribute a;
	int bs;

	(void)priv;
	(void)idx;
	if (!member_type(&m, &mt))
		return pt_err(EINVAL, "%s: %s member '%s' has no usable type", l->origin,
			      l->name, name ? name : "(anon)");
	if (member_offset(&m, &off))
		return pt_err(EINVAL, "%s: %s member '%s' has an unsupported location",
			      l->origin, l->name, name ? name : "(anon)");
	out->name = name;
	out->bit_offset = (uint32_t)off * 8;
	out->bit_size = 0;
	set_ref(&out->type, &mt);
	bs = dwarf_bitsize(&m);
	if (bs <= 0)
		return 0;
	out->bit_size = (uint32_t)bs;
	if (dwarf_attr_integrate(&m, DW_AT_data_bit_offset, &a) &&
	    dwarf_formudata(&a, &dbo) == 0) {
		out->bit_offset = (uint32_t)dbo;
	} else {
		/* DWARF 2/3: DW_AT_bit_offset counts from the storage unit's MSB */
		int bo = dwarf_bitoffset(&m);
		Dwarf_Word bytes = 0;

		if (dwarf_attr_integrate(&m, DW_AT_byte_size, &a))
			dwarf_formudata(&a, &bytes);
		else
			dwarf_aggregate_size(&mt, &bytes);
		if (bo >= 0)
			out->bit_offset += (uint32_t)(bytes * 8 - (Dwarf_Word)bo - (Dwarf_Word)bs);
	}
	return 0;
}

static void dw_type(void *priv, const struct pt_ref *ref, struct pt_tinfo *out)
{
	Dwarf_Die t = die_of(ref), sub;

	(void)priv;
	memset(out, 0, sizeof(*out));
	out->name = dwarf_diename(&t);
	if (member_type(&t, &sub)) {
		out->has_target = true;
		set_ref(&out->target, &sub);
	}
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
		out->kind = PT_T_PTR;
		break;
	case DW_TAG_const_type:
		out->kind = PT_T_CONST;
		break;
	case DW_TAG_volatile_type:
		out->kind = PT_T_VOLATILE;
		break;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		out->kind = PT_T_TRANSPARENT;
		break;
	case DW_TAG_typedef:
		out->kind = PT_T_TYPEDEF;
		break;
	case DW_TAG_array_type: {
		Dwarf_Die child;
		Dwarf_Attribute a;
		Dwarf_Word cnt = 0;

		/* the first dimension only */
		if (dwarf_child(&t, &child) == 0) {
			if (dwarf_attr_integrate(&child, DW_AT_count, &a))
				dwarf_formudata(&a, &cnt);
			else if (dwarf_attr_integrate(&child, DW_AT_upper_bound, &a) &&
				 dwarf_formudata(&a, &cnt) == 0)
				cnt++;
		}
		out->kind = PT_T_ARRAY;
		out->nelems = cnt;
		break;
	}
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		out->kind = PT_T_STRUCT;
		break;
	case DW_TAG_union_type:
		out->kind = PT_T_UNION;
		break;
	case DW_TAG_enumeration_type:
		out->kind = PT_T_ENUM;
		break;
	case DW_TAG_subroutine_type:
		out->kind = PT_T_FUNC;
		break;
	default:
		out->kind = PT_T_OTHER;
	}
}

static uint32_t dw_size(void *priv, const struct pt_ref *ref)
{
	Dwarf_Die t = die_of(ref);
	Dwarf_Word size = 0;

	(void)priv;
	if (dwarf_aggregate_size(&t, &size) != 0)
		size = 0;	/* flexible array */
	return (uint32_t)size;
}

static const struct pt_walk_ops dwarf_walk_ops = {
	.first_member = dw_first_member,
	.next_member = dw_next_member,
	.member = dw_member,
	.type = dw_type,
	.size = dw_size,
};	/* priv: the source's name, for messages */

/* NAME names an anonymous type reached through a typedef. */
static struct ptregs_layout *dwarf_layout_of(struct ptregs_source *src, Dwarf_Die *die,
					     const char *name)
{
	struct pt_ref t;

	set_ref(&t, die);
	return pt_walk_layout(&dwarf_walk_ops, src->name, &t, name, src->name,
			      !src->opts.no_types);
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
	struct dwarf_priv *p = src->priv;
	int tag = dwarf_tag(d);
	const char *name;
	Dwarf_Die peeled;

	(void)ctx;
	if (tag == DW_TAG_typedef) {
		name = dwarf_diename(d);
		if (name && peel(d, &peeled) && is_composite_tag(dwarf_tag(&peeled)) &&
		    is_definition(&peeled))
			return pt_index_add(&p->typedefs, false, name, dwarf_dieoffset(d));
		return 0;
	}
	if (!is_composite_tag(tag) || !is_definition(d))
		return 0;
	name = dwarf_diename(d);
	if (!name)
		return 0;
	return pt_index_add(&src->index, tag == DW_TAG_union_type, name, dwarf_dieoffset(d));
}

/* One walk over every CU; the index keeps the first definition of each name. */
static int dwarf_index(struct ptregs_source *src)
{
	struct dwarf_priv *p = src->priv;
	int err = each_top_die(src, index_one, NULL);

	return err ? err : pt_index_finish(&p->typedefs);
}

/* The DIE the index recorded at OFF, a top-level DIE of the main file. */
static struct ptregs_layout *layout_at(struct ptregs_source *src, Dwarf_Off off,
				       const char *name, bool typedef_die)
{
	struct dwarf_priv *p = src->priv;
	Dwarf_Die die, peeled;

	if (!dwarf_offdie(p->dw, off, &die))
		return pt_err_null(EINVAL, "%s: malformed DWARF: %s", src->path,
				   dwarf_errmsg(-1));
	if (typedef_die) {
		if (!peel(&die, &peeled))
			return pt_err_null(EINVAL, "%s: malformed DWARF: typedef %s", src->path,
					   name);
		die = peeled;
	}
	return dwarf_layout_of(src, &die, name);
}

/*
 * Every lookup goes through the index: one walk over the CUs when the
 * source is first asked, then a binary search and dwarf_offdie, so a
 * diff --all over a whole kernel is not a walk per type.
 */
static struct ptregs_layout *dwarf_layout(struct ptregs_source *src, enum pt_name_kind kind,
					  const char *name)
{
	struct dwarf_priv *p = src->priv;
	const struct pt_type_ent *e = NULL;
	int err;

	err = pt_source_index(src);
	if (err) {
		errno = -err;
		return NULL;
	}
	/* structs are preferred over unions of the same name, then typedefs */
	if (kind != PT_UNION)
		e = pt_index_find(&src->index, false, name);
	if (!e && kind != PT_STRUCT)
		e = pt_index_find(&src->index, true, name);
	if (e)
		return layout_at(src, e->ref, name, false);
	if (kind == PT_ANY && (e = pt_index_find(&p->typedefs, false, name)))
		return layout_at(src, e->ref, name, true);
	return pt_err_null(ENOENT, "%s: no %s named '%s' in DWARF", src->path,
			   kind == PT_UNION ? "union" : kind == PT_STRUCT ? "struct" :
			   "struct or union", name);
}

static void dwarf_close(struct ptregs_source *src)
{
	struct dwarf_priv *p = src->priv;

	if (!p)
		return;
	if (p->dwfl)
		dwfl_end(p->dwfl);
	pt_index_free(&p->typedefs);
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
static int elf_sections(const char *path, Elf *elf, uint64_t file_size, Elf_Scn **btf,
			bool *has_dwarf, bool *has_link)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, shnum;
	GElf_Ehdr eh;

	*btf = NULL;
	*has_dwarf = *has_link = false;
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
	/* libelf's error is per thread and sticky: drop one an earlier file left */
	(void)elf_errno();
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
			*btf = scn;
		else if (strcmp(n, ".debug_info") == 0 || strcmp(n, ".zdebug_info") == 0)
			*has_dwarf = true;
		else if (strcmp(n, ".gnu_debuglink") == 0 || strcmp(n, ".note.gnu.build-id") == 0)
			*has_link = true;
	}
	if (elf_errno())
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	return 0;
}

/* Open PATH as a debug file unless it is the file itself. */
static int try_debug_file(const char *path, const char *self, char **found)
{
	int fd;

	if (self && strcmp(path, self) == 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*found = strdup(path);
	if (!*found) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Separate debug info, looked for on this machine only: by build-id under
 * /usr/lib/debug/.build-id, then by .gnu_debuglink next to the file, in its
 * .debug/ and under /usr/lib/debug. libdwfl's standard search also asks
 * debuginfod servers when DEBUGINFOD_URLS is set (Debian sets it), with a
 * 90 s timeout: a library linked into other programs stays off the network.
 */
static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname,
				Dwarf_Addr base, const char *file_name, const char *debuglink,
				GElf_Word crc, char **found)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	char path[4096], dir[4096];
	int len, fd, n;

	(void)userdata;
	(void)modname;
	(void)base;
	(void)crc;
	len = dwfl_module_build_id(mod, &id, &vaddr);
	if (len > 1) {
		n = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (int i = 1; i < len && n > 0 && (size_t)n + 3 < sizeof(path); i++)
			n += snprintf(path + n, sizeof(path) - (size_t)n, "%02x", id[i]);
		if (n > 0 && (size_t)n + 7 < sizeof(path)) {
			memcpy(path + n, ".debug", 7);
			fd = try_debug_file(path, file_name, found);
			if (fd >= 0)
				return fd;
		}
	}
	if (debuglink && *debuglink && !strchr(debuglink, '/') && file_name) {
		const char *slash = strrchr(file_name, '/');
		const char *const fmts[] = { "%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s" };

		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - file_name) : 1,
			 slash ? file_name : ".");
		for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
			if (snprintf(path, sizeof(path), fmts[i], dir, debuglink) >= (int)sizeof(path))
				continue;
			fd = try_debug_file(path, file_name, found);
			if (fd >= 0)
				return fd;
		}
	}
	errno = ENOENT;
	return -1;
}

/* The file is reported by path; libdwfl never needs to look for it. */
static int find_elf_none(Dwfl_Module *mod, void **userdata, const char *modname,
			 Dwarf_Addr base, char **file_name, Elf **elfp)
{
	(void)mod;
	(void)userdata;
	(void)modname;
	(void)base;
	(void)file_name;
	(void)elfp;
	errno = ENOENT;
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = find_elf_none,
	.find_debuginfo = find_debuginfo_local,
	.section_address = dwfl_offline_section_address,
};

/* The file as one offline module: libdwfl relocates ET_REL debug sections. */
static int dwfl_load(struct ptregs_source *src, struct dwarf_priv *p, const char *path,
		     bool has_dwarf)
{
	Dwfl_Module *mod;
	Dwarf_Addr bias;

	p->dwfl = dwfl_begin(&offline_callbacks);
	if (!p->dwfl)
		return pt_err(ENOMEM, "%s: %s", path, dwfl_errmsg(-1));
	mod = dwfl_report_offline(p->dwfl, path, path, -1);
	if (!mod)
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, dwfl_errmsg(-1));
	if (dwfl_report_end(p->dwfl, NULL, NULL) != 0)
		return pt_err(EINVAL, "%s: %s", path, dwfl_errmsg(-1));
	p->dw = dwfl_module_getdwarf(mod, &bias);
	if (p->dw)
		return 0;
	if (has_dwarf)
		return pt_err(EINVAL, "%s: malformed DWARF: %s", path, dwfl_errmsg(-1));
	/* only a build-id or debuglink, and no debug file found for it */
	if (src->opts.force_dwarf)
		return pt_err(ENODATA, "%s: no DWARF debug info (none in the file, no separate "
			      "debug file found)", path);
	return pt_err(ENODATA, "%s: ELF file has neither .BTF nor DWARF debug info (no "
		      "separate debug file found)", path);
}

int pt_dwarf_open(struct ptregs_source *src, const char *path)
{
	struct dwarf_priv *p;
	bool has_dwarf, has_link;
	unsigned char hdr[sizeof(Elf64_Ehdr)];
	char msg[160];
	ssize_t hdr_len;
	Elf_Scn *btf;
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
	hdr_len = pread(p->fd, hdr, sizeof(hdr), 0);
	if (pt_elf_truncated(hdr, hdr_len > 0 ? (size_t)hdr_len : 0, (uint64_t)st.st_size, msg,
			     sizeof(msg)))
		return pt_err(EINVAL, "%s: %s", path, msg);
	p->elf = elf_begin(p->fd, ELF_C_READ_MMAP, NULL);
	if (!p->elf)
		return pt_err(EINVAL, "%s: malformed ELF: %s", path, elf_errmsg(-1));
	err = elf_sections(path, p->elf, (uint64_t)st.st_size, &btf, &has_dwarf, &has_link);
	if (err)
		return err;

	if (!src->opts.force_dwarf && btf) {
		Elf_Data *d = elf_getdata(btf, NULL);

		/* an empty .BTF has no buffer: the check calls it truncated */
		if (!d)
			return pt_err(EINVAL, "%s: malformed ELF: .BTF: %s", path, elf_errmsg(-1));
		err = pt_btf_check(path, src->opts.base_btf ? "split BTF" : "BTF", d->d_buf,
				   d->d_size, src->opts.base_btf != NULL);
		if (err)
			return err;
		dwarf_close(src);
		return pt_btf_open(src, path, true);
	}
	/* without .debug_info here, DWARF may still be in a separate file */
	if (!has_dwarf && !has_link) {
		if (src->opts.force_dwarf)
			return pt_err(ENODATA, "%s: no DWARF debug info", path);
		return pt_err(ENODATA, "%s: ELF file has neither .BTF nor DWARF debug info",
			      path);
	}
	err = pt_source_set_name(src, PTREGS_SOURCE_DWARF, "dwarf", path);
	if (err)
		return err;
	return dwfl_load(src, p, path, has_dwarf);
}
