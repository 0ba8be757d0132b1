// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Built-in x86_64 pt_regs layouts, so the tools work on a machine running
 * neither kernel. They are checked against real BTF in the unit tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct bfield {
	const char *name, *type;
	uint32_t offset, size;
};

#define UL "long unsigned int"
#define GPRS(b)                                                                   \
	{ "r15", UL, (b) + 0, 8 }, { "r14", UL, (b) + 8, 8 }, { "r13", UL, (b) + 16, 8 },  \
	{ "r12", UL, (b) + 24, 8 }, { "bp", UL, (b) + 32, 8 }, { "bx", UL, (b) + 40, 8 },   \
	{ "r11", UL, (b) + 48, 8 }, { "r10", UL, (b) + 56, 8 }, { "r9", UL, (b) + 64, 8 },  \
	{ "r8", UL, (b) + 72, 8 }, { "ax", UL, (b) + 80, 8 }, { "cx", UL, (b) + 88, 8 },    \
	{ "dx", UL, (b) + 96, 8 }, { "si", UL, (b) + 104, 8 }, { "di", UL, (b) + 112, 8 },  \
	{ "orig_ax", UL, (b) + 120, 8 }, { "ip", UL, (b) + 128, 8 }

static const struct bfield legacy[] = {
	GPRS(0),
	{ "cs", UL, 136, 8 }, { "flags", UL, 144, 8 }, { "sp", UL, 152, 8 }, { "ss", UL, 160, 8 },
};

static const struct bfield pkrs[] = {
	{ "pkrs", UL, 0, 8 },
	GPRS(8),
	{ "cs", UL, 144, 8 }, { "flags", UL, 152, 8 }, { "sp", UL, 160, 8 }, { "ss", UL, 168, 8 },
};

/* Linux 6.9+ with FRED: cs and ss become unions of a selector and a 64-bit slot. */
static const struct bfield fred[] = {
	GPRS(0),
	{ "cs", "u16", 136, 2 }, { "csx", "u64", 136, 8 }, { "fred_cs", "struct fred_cs", 136, 8 },
	{ "flags", UL, 144, 8 }, { "sp", UL, 152, 8 },
	{ "ss", "u16", 160, 2 }, { "ssx", "u64", 160, 8 }, { "fred_ss", "struct fred_ss", 160, 8 },
};

/* arch/x86/include/uapi/asm/ptrace.h, as user space compiles it. */
static const struct bfield uapi[] = {
	{ "r15", UL, 0, 8 }, { "r14", UL, 8, 8 }, { "r13", UL, 16, 8 }, { "r12", UL, 24, 8 },
	{ "rbp", UL, 32, 8 }, { "rbx", UL, 40, 8 }, { "r11", UL, 48, 8 }, { "r10", UL, 56, 8 },
	{ "r9", UL, 64, 8 }, { "r8", UL, 72, 8 }, { "rax", UL, 80, 8 }, { "rcx", UL, 88, 8 },
	{ "rdx", UL, 96, 8 }, { "rsi", UL, 104, 8 }, { "rdi", UL, 112, 8 },
	{ "orig_rax", UL, 120, 8 }, { "rip", UL, 128, 8 }, { "cs", UL, 136, 8 },
	{ "eflags", UL, 144, 8 }, { "rsp", UL, 152, 8 }, { "ss", UL, 160, 8 },
};

struct builtin {
	const char *name, *desc;
	const struct bfield *fields;
	size_t cnt;
	uint32_t size;
};

static const struct builtin builtins[] = {
	{ "legacy", "x86_64 kernel pt_regs before the PKRS change (Linux 6.1), 168 bytes",
	  legacy, ARRAY_SIZE(legacy), 168 },
	{ "pkrs", "x86_64 kernel pt_regs with pkrs as first member, 176 bytes",
	  pkrs, ARRAY_SIZE(pkrs), 176 },
	{ "fred", "x86_64 kernel pt_regs with FRED cs/ss unions (Linux 6.9+), 168 bytes",
	  fred, ARRAY_SIZE(fred), 168 },
	{ "uapi", "x86_64 UAPI pt_regs (asm/ptrace.h, rdi/rip names), 168 bytes",
	  uapi, ARRAY_SIZE(uapi), 168 },
};

static const char *const builtin_names[] = { "legacy", "pkrs", "fred", "uapi", NULL };

const char *const *ptregs_builtin_names(void)
{
	return builtin_names;
}

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

const char *ptregs_builtin_description(const char *name)
{
	const struct builtin *b = find_builtin(name);

	return b ? b->desc : NULL;
}

static struct ptregs_layout *builtin_layout(struct ptregs_source *src, enum pt_name_kind kind,
					    const char *name)
{
	const struct builtin *b = src->priv;
	struct ptregs_layout *l;

	if (kind == PT_UNION || strcmp(name, "pt_regs") != 0)
		return pt_err_null(ENOENT, "%s: built-in layouts describe only struct pt_regs, "
				   "not '%s'", src->name, name);
	l = pt_layout_new("pt_regs", false, b->size, src->name);
	if (!l)
		return NULL;
	for (size_t i = 0; i < b->cnt; i++) {
		const struct bfield *f = &b->fields[i];
		int err = pt_layout_add(l, NULL, f->name, src->opts.no_types ? NULL : f->type,
					f->offset * 8, 0, f->size);

		if (err) {
			ptregs_layout_free(l);
			errno = -err;
			return NULL;
		}
	}
	pt_layout_finish(l);
	return l;
}

static int builtin_index(struct ptregs_source *src)
{
	return pt_index_add(&src->index, false, "pt_regs", 0);
}

static const struct pt_source_ops builtin_ops = {
	.layout = builtin_layout,
	.index = builtin_index,
};

int pt_builtin_open(struct ptregs_source *src, const char *which)
{
	const struct builtin *b = find_builtin(which);
	int err;

	err = pt_source_set_name(src, PTREGS_SOURCE_BUILTIN, "builtin", which);
	if (err)
		return err;
	if (!b)
		return pt_err(ENOENT, "builtin:%s: no such built-in layout (have: legacy, pkrs, "
			      "fred, uapi)", which);
	src->priv = (void *)b;
	src->ops = &builtin_ops;
	return 0;
}
