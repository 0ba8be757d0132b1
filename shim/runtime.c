// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The running kernel's pt_regs layout and register offsets by name. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <ptregs/runtime.h>
#include "internal.h"

/* kernel name, UAPI name: arch/x86/include/asm/ptrace.h, uapi/asm/ptrace.h */
static const char *const reg_names[][2] = {
	{ "r15", "r15" }, { "r14", "r14" }, { "r13", "r13" }, { "r12", "r12" },
	{ "bp", "rbp" }, { "bx", "rbx" }, { "r11", "r11" }, { "r10", "r10" },
	{ "r9", "r9" }, { "r8", "r8" }, { "ax", "rax" }, { "cx", "rcx" },
	{ "dx", "rdx" }, { "si", "rsi" }, { "di", "rdi" }, { "orig_ax", "orig_rax" },
	{ "ip", "rip" }, { "cs", "cs" }, { "flags", "eflags" }, { "sp", "rsp" },
	{ "ss", "ss" },
};

static const char *reg_name(const char *name, int want)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(reg_names); i++)
		if (!strcmp(reg_names[i][0], name) || !strcmp(reg_names[i][1], name))
			return reg_names[i][want];
	return NULL;
}

const char *ptregs_reg_kernel_name(const char *name)
{
	return reg_name(name, 0);
}

const char *ptregs_reg_uapi_name(const char *name)
{
	return reg_name(name, 1);
}

/*
 * struct pt_regs of the running kernel's BTF from the head of the file
 * alone: pt_regs comes early (type 162 of 126,000 in a 6.x vmlinux), and
 * libbpf parses every type it is given (3.5 ms instead of 9-30 on a 6.18
 * host). NULL when the head cannot be cut; the whole file is read then.
 */
static struct ptregs_layout *kernel_head_layout(const char *path)
{
	struct ptregs_source *src;
	struct ptregs_layout *l = NULL;
	void *btf;
	size_t len;

	if (pt_btf_head(path, "pt_regs", &btf, &len) != 0)
		return NULL;
	src = pt_source_btf_mem(path, btf, len);
	if (src)
		l = ptregs_source_layout(src, "pt_regs");
	ptregs_source_close(src);
	free(btf);
	return l;
}

struct ptregs_layout *ptregs_kernel_layout_load(const struct ptregs_kernel_opts *opts)
{
	const char *path = PTREGS_KERNEL_BTF, *fb = PTREGS_KERNEL_FALLBACK;
	struct ptregs_layout *l;
	char btf_err[512], spec[64];

	if (!PT_OPTS_VALID(opts, ptregs_kernel_opts, fallback)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts && opts->btf_path)
		path = opts->btf_path;
	if (opts && opts->fallback)
		fb = opts->fallback;
	/* the kernel's own file only: another may be split BTF, whose ids
	 * do not start at 1 */
	l = strcmp(path, PTREGS_KERNEL_BTF) == 0 ? kernel_head_layout(path) : NULL;
	if (!l)
		l = ptregs_layout_load(path, "pt_regs", NULL);
	if (l || !*fb)
		return l;
	snprintf(btf_err, sizeof(btf_err), "%s", ptregs_errmsg());
	snprintf(spec, sizeof(spec), "builtin:%s", fb);
	l = ptregs_layout_load(spec, "pt_regs", NULL);
	if (!l) {
		int err = errno;

		return pt_err_null(err, "%s; fallback %s: %s", btf_err, spec, ptregs_errmsg());
	}
	return l;
}

static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;
static struct ptregs_layout *kernel_layout;
static int kernel_err;

static void kernel_init(void)
{
	kernel_layout = ptregs_kernel_layout_load(NULL);
	if (!kernel_layout)
		kernel_err = errno ? errno : ENOENT;
}

const struct ptregs_layout *ptregs_kernel_layout(void)
{
	if (pthread_once(&kernel_once, kernel_init) != 0)
		return pt_err_null(EAGAIN, "ptregs_kernel_layout: pthread_once failed");
	if (!kernel_layout)
		errno = kernel_err;
	return kernel_layout;
}

int ptregs_reg_offset(const struct ptregs_layout *l, const char *name)
{
	const struct ptregs_field *f;
	const char *k;

	if (!name)
		return pt_err(EINVAL, "ptregs_reg_offset: no register name");
	if (!l) {
		l = ptregs_kernel_layout();
		if (!l)
			return -errno;
	}
	f = ptregs_layout_find(l, name);
	if (!f && (k = ptregs_reg_kernel_name(name)) != NULL) {
		f = ptregs_layout_find(l, k);
		if (!f)
			f = ptregs_layout_find(l, ptregs_reg_uapi_name(name));
	}
	if (!f)
		return pt_err(ENOENT, "%s: no register '%s'", ptregs_layout_origin(l), name);
	return (int)f->offset;
}

/* What names STRUCT ID (after modifiers and pointers) gives its members. */
static enum ptregs_ctx_evidence struct_names(const struct btf *btf, int32_t id)
{
	const struct btf_type *t;
	const struct btf_member *m;

	for (int depth = 0; depth < 32 && id > 0; depth++) {
		id = btf__resolve_type(btf, (uint32_t)id);
		if (id <= 0)
			return PTREGS_CTX_EV_NO_PT_REGS;
		t = btf__type_by_id(btf, (uint32_t)id);
		if (!t)
			return PTREGS_CTX_EV_NO_PT_REGS;
		if (!btf_is_ptr(t))
			break;
		id = (int32_t)t->type;
	}
	t = btf__type_by_id(btf, (uint32_t)id);
	if (!t || !btf_is_composite(t))
		return PTREGS_CTX_EV_NO_PT_REGS;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(btf, m[i].name_off);

		if (!n)
			continue;
		if (!strcmp(n, "rdi") || !strcmp(n, "rip") || !strcmp(n, "rsp"))
			return PTREGS_CTX_EV_UAPI;
		if (!strcmp(n, "di") || !strcmp(n, "ip") || !strcmp(n, "sp"))
			return PTREGS_CTX_EV_KERNEL;
	}
	return PTREGS_CTX_EV_NO_PT_REGS;
}

enum ptregs_ctx_evidence ptregs_btf_ctx_evidence(const struct btf *btf, uint32_t main_func)
{
	enum ptregs_ctx_evidence ev = PTREGS_CTX_EV_NO_PT_REGS;
	uint32_t cnt;

	if (!btf)
		return PTREGS_CTX_EV_NONE;
	if (main_func) {
		const struct btf_type *f = btf__type_by_id(btf, main_func);
		const struct btf_type *p = f && btf_is_func(f) ? btf__type_by_id(btf, f->type) : NULL;

		if (p && btf_is_func_proto(p) && btf_vlen(p) >= 1)
			ev = struct_names(btf, (int32_t)btf_params(p)[0].type);
	}
	cnt = btf__type_cnt(btf);
	for (uint32_t id = 1; id < cnt && ev == PTREGS_CTX_EV_NO_PT_REGS; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (t && btf_is_struct(t) && pt_is_pt_regs_name(btf__name_by_offset(btf, t->name_off)))
			ev = struct_names(btf, (int32_t)id);
	}
	return ev;
}

const char *ptregs_ctx_evidence_str(enum ptregs_ctx_evidence ev)
{
	switch (ev) {
	case PTREGS_CTX_EV_NONE:
		return "no BTF";
	case PTREGS_CTX_EV_UAPI:
		return "BTF: pt_regs with UAPI names";
	case PTREGS_CTX_EV_KERNEL:
		return "BTF: pt_regs with kernel names";
	case PTREGS_CTX_EV_NO_PT_REGS:
		return "BTF without struct pt_regs";
	}
	return "unknown";
}
