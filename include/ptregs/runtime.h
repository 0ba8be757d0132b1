/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libptregs runtime offsets: the struct pt_regs layout of the running
 * kernel, for host programs that compute register offsets themselves (as
 * libbpf's USDT support does with the UAPI offsetof()), and a register's
 * offset by its kernel name ("di", "ip", "flags") or its UAPI name ("rdi",
 * "rip", "eflags").
 */
#ifndef PTREGS_RUNTIME_H
#define PTREGS_RUNTIME_H

#include <ptregs/ptregs.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PTREGS_KERNEL_BTF "/sys/kernel/btf/vmlinux"
#define PTREGS_KERNEL_FALLBACK "legacy"

struct ptregs_kernel_opts {
	size_t sz;		/* sizeof(struct ptregs_kernel_opts) */
	const char *btf_path;	/* NULL: PTREGS_KERNEL_BTF */
	/* built-in layout when the BTF cannot be read: NULL is
	 * PTREGS_KERNEL_FALLBACK, "" is none (fail instead) */
	const char *fallback;
};

/*
 * The running kernel's struct pt_regs: from PTREGS_KERNEL_BTF, or
 * builtin:legacy when that cannot be read (ptregs_layout_origin() says
 * which). Loaded once per process on the first call, from any thread; the
 * layout is the library's, never freed. NULL and errno when neither
 * loads (ptregs_errmsg() is only set in the thread that tried).
 */
PTREGS_API const struct ptregs_layout *ptregs_kernel_layout(void);

/* The same, loaded now as OPTS (may be NULL) says; free it. */
PTREGS_API struct ptregs_layout *ptregs_kernel_layout_load(const struct ptregs_kernel_opts *opts);

/*
 * The offset in L (NULL: the running kernel's layout) of register NAME,
 * by the layout's own name or the other naming ("rdi" in a kernel layout,
 * "di" in the UAPI one). -ENOENT when L has no such register, -EINVAL
 * for bad arguments, -errno when the running kernel's layout is missing.
 */
PTREGS_API int ptregs_reg_offset(const struct ptregs_layout *l, const char *name);

/*
 * The kernel name of a register ("rdi" -> "di", "eflags" -> "flags"),
 * NAME itself when it already is one ("di", "r8"), NULL when it names no
 * x86_64 register slot of struct pt_regs.
 */
PTREGS_API const char *ptregs_reg_kernel_name(const char *name);
/* The UAPI name ("di" -> "rdi"), likewise. */
PTREGS_API const char *ptregs_reg_uapi_name(const char *name);

/*
 * What a BPF program's own BTF says of its context (docs/design.md, D4):
 * the first parameter of its main function when MAIN_FUNC (the BTF id of
 * func_info[0], 0 when there is none) names one, else any struct pt_regs
 * (or pt_regs___FLAVOUR) of the BTF. A UAPI-named pt_regs (rdi, rip) means
 * fixed UAPI offsets; the kernel's names (di, ip) mean a build against
 * vmlinux.h, relocated by libbpf at load time.
 */
enum ptregs_ctx_evidence {
	PTREGS_CTX_EV_NONE,		/* BTF NULL: the program has none */
	PTREGS_CTX_EV_UAPI,
	PTREGS_CTX_EV_KERNEL,
	PTREGS_CTX_EV_NO_PT_REGS,	/* BTF, but no struct pt_regs in it */
};

struct btf;
PTREGS_API enum ptregs_ctx_evidence ptregs_btf_ctx_evidence(const struct btf *btf,
							   uint32_t main_func);
/* "no BTF", "BTF: pt_regs with UAPI names", ... */
PTREGS_API const char *ptregs_ctx_evidence_str(enum ptregs_ctx_evidence ev);

#ifdef __cplusplus
}
#endif

#endif /* PTREGS_RUNTIME_H */
