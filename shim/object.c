// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BPF ELF objects: programs, subprogram linking, CO-RE relocations, line info. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gelf.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "internal.h"
#include "object.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif
#define INSN_SZ 8

static void warn(struct ptregs_object *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct ptregs_object *o, const char *fmt, ...)
{
	char buf[512], **w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w = realloc(o->warnings, (o->warn_cnt + 1) * sizeof(*w));
	if (!w)
		return;
	o->warnings = w;
	w[o->warn_cnt] = strdup(buf);
	if (w[o->warn_cnt])
		o->warn_cnt++;
}

bool ptregs_elf_is_bpf(const void *data, size_t avail, size_t *obj_size)
{
	const uint8_t *buf = data;
	Elf64_Ehdr h;
	uint64_t end;

	if (avail < sizeof(h) || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return false;
	memcpy(&h, buf, sizeof(h));
	if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_ident[EI_DATA] != ELFDATA2LSB ||
	    h.e_machine != EM_BPF || h.e_shentsize != sizeof(Elf64_Shdr) || h.e_shnum == 0)
		return false;
	end = h.e_shoff + (uint64_t)h.e_shnum * sizeof(Elf64_Shdr);
	if (h.e_shoff > avail || end > avail)
		return false;
	for (unsigned i = 0; i < h.e_shnum; i++) {
		Elf64_Shdr sh;

		memcpy(&sh, buf + h.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > avail || sh.sh_size > avail - sh.sh_offset)
			return false;
		if (sh.sh_offset + sh.sh_size > end)
			end = sh.sh_offset + sh.sh_size;
	}
	if (end > avail)
		return false;
	*obj_size = (size_t)end;
	return true;
}

/* Program types by section name, as libbpf names them. */
struct sec_def {
	const char *prefix;	/* matches "prefix", "prefix/..." and "prefix+" */
	const char *type;
	enum ptregs_ctx_type ctx;
};

static const struct sec_def sec_defs[] = {
	{ "kprobe.multi", "kprobe.multi", PTREGS_CTX_PT_REGS },
	{ "kretprobe.multi", "kretprobe.multi", PTREGS_CTX_PT_REGS },
	{ "kprobe.session", "kprobe.session", PTREGS_CTX_PT_REGS },
	{ "uprobe.multi.s", "uprobe.multi", PTREGS_CTX_PT_REGS },
	{ "uretprobe.multi.s", "uretprobe.multi", PTREGS_CTX_PT_REGS },
	{ "uprobe.multi", "uprobe.multi", PTREGS_CTX_PT_REGS },
	{ "uretprobe.multi", "uretprobe.multi", PTREGS_CTX_PT_REGS },
	{ "uprobe.session.s", "uprobe.session", PTREGS_CTX_PT_REGS },
	{ "uprobe.session", "uprobe.session", PTREGS_CTX_PT_REGS },
	{ "kprobe", "kprobe", PTREGS_CTX_PT_REGS },
	{ "kretprobe", "kretprobe", PTREGS_CTX_PT_REGS },
	{ "ksyscall", "ksyscall", PTREGS_CTX_PT_REGS },
	{ "kretsyscall", "kretsyscall", PTREGS_CTX_PT_REGS },
	{ "uprobe.s", "uprobe", PTREGS_CTX_PT_REGS },
	{ "uretprobe.s", "uretprobe", PTREGS_CTX_PT_REGS },
	{ "uprobe", "uprobe", PTREGS_CTX_PT_REGS },
	{ "uretprobe", "uretprobe", PTREGS_CTX_PT_REGS },
	{ "usdt.s", "usdt", PTREGS_CTX_PT_REGS },
	{ "usdt", "usdt", PTREGS_CTX_PT_REGS },
	{ "perf_event", "perf_event", PTREGS_CTX_PERF_EVENT },
	{ "raw_tracepoint.w", "raw_tp", PTREGS_CTX_RAW_TP_ARGS },
	{ "raw_tp.w", "raw_tp", PTREGS_CTX_RAW_TP_ARGS },
	{ "raw_tracepoint", "raw_tp", PTREGS_CTX_RAW_TP_ARGS },
	{ "raw_tp", "raw_tp", PTREGS_CTX_RAW_TP_ARGS },
	{ "tp_btf", "tp_btf", PTREGS_CTX_RAW_TP_ARGS },
	{ "fentry.s", "fentry", PTREGS_CTX_BTF_ARGS },
	{ "fexit.s", "fexit", PTREGS_CTX_BTF_ARGS },
	{ "fmod_ret.s", "fmod_ret", PTREGS_CTX_BTF_ARGS },
	{ "fentry", "fentry", PTREGS_CTX_BTF_ARGS },
	{ "fexit", "fexit", PTREGS_CTX_BTF_ARGS },
	{ "fmod_ret", "fmod_ret", PTREGS_CTX_BTF_ARGS },
	/* program types whose context holds no pt_regs */
	{ "tracepoint", "tracepoint", PTREGS_CTX_OTHER },
	{ "tp", "tracepoint", PTREGS_CTX_OTHER },
	{ "socket", "socket_filter", PTREGS_CTX_OTHER },
	{ "sk_reuseport", "sk_reuseport", PTREGS_CTX_OTHER },
	{ "xdp", "xdp", PTREGS_CTX_OTHER },
	{ "xdp.frags", "xdp", PTREGS_CTX_OTHER },
	{ "tc", "sched_cls", PTREGS_CTX_OTHER },
	{ "tcx", "sched_cls", PTREGS_CTX_OTHER },
	{ "netkit", "sched_cls", PTREGS_CTX_OTHER },
	{ "classifier", "sched_cls", PTREGS_CTX_OTHER },
	{ "action", "sched_act", PTREGS_CTX_OTHER },
	{ "cgroup", "cgroup", PTREGS_CTX_OTHER },
	{ "cgroup_skb", "cgroup_skb", PTREGS_CTX_OTHER },
	{ "lwt_in", "lwt", PTREGS_CTX_OTHER },
	{ "lwt_out", "lwt", PTREGS_CTX_OTHER },
	{ "lwt_xmit", "lwt", PTREGS_CTX_OTHER },
	{ "lwt_seg6local", "lwt", PTREGS_CTX_OTHER },
	{ "sockops", "sock_ops", PTREGS_CTX_OTHER },
	{ "sk_skb", "sk_skb", PTREGS_CTX_OTHER },
	{ "sk_msg", "sk_msg", PTREGS_CTX_OTHER },
	{ "lirc_mode2", "lirc_mode2", PTREGS_CTX_OTHER },
	{ "flow_dissector", "flow_dissector", PTREGS_CTX_OTHER },
	{ "lsm", "lsm", PTREGS_CTX_OTHER },
	{ "lsm.s", "lsm", PTREGS_CTX_OTHER },
	{ "lsm_cgroup", "lsm", PTREGS_CTX_OTHER },
	{ "iter", "iter", PTREGS_CTX_OTHER },
	{ "iter.s", "iter", PTREGS_CTX_OTHER },
	{ "syscall", "syscall", PTREGS_CTX_OTHER },
	{ "struct_ops", "struct_ops", PTREGS_CTX_OTHER },
	{ "struct_ops.s", "struct_ops", PTREGS_CTX_OTHER },
	{ "sk_lookup", "sk_lookup", PTREGS_CTX_OTHER },
	{ "netfilter", "netfilter", PTREGS_CTX_OTHER },
	{ "freplace", "ext", PTREGS_CTX_OTHER },
};

static const struct sec_def *sec_def_of(const char *sec, const char **target)
{
	for (size_t i = 0; i < sizeof(sec_defs) / sizeof(sec_defs[0]); i++) {
		size_t n = strlen(sec_defs[i].prefix);

		if (strncmp(sec, sec_defs[i].prefix, n) != 0)
			continue;
		if (sec[n] == '\0' || sec[n] == '/' || (sec[n] == '+' && sec[n + 1] == '\0')) {
			*target = sec[n] == '/' ? sec + n + 1 : "";
			return &sec_defs[i];
		}
	}
	return NULL;
}

/* Kernel functions whose first argument is the syscall's struct pt_regs *. */
static bool regs_arg_target(const char *t)
{
	return strncmp(t, "__x64_sys_", 10) == 0 || strncmp(t, "__ia32_sys_", 11) == 0 ||
	       strncmp(t, "__ia32_compat_sys_", 18) == 0 || strncmp(t, "__x64_compat_sys_", 17) == 0 ||
	       strncmp(t, "__x32_compat_sys_", 17) == 0 || strcmp(t, "do_syscall_64") == 0 ||
	       strcmp(t, "x64_sys_call") == 0;
}

/*
 * The context libbpf's program type for a section implies: libbpf decides
 * what a section loads as, so its answer wins wherever it has one.
 */
/*
 * The program type and context libbpf gives a section: libbpf decides what
 * a section loads as, so its answer wins wherever it has one.
 */
static bool ctx_from_libbpf(const char *sec, const char **type_name, enum ptregs_ctx_type *ctx)
{
	enum bpf_attach_type attach;
	enum bpf_prog_type type;

	if (libbpf_prog_type_by_name(sec, &type, &attach))
		return false;
	*type_name = libbpf_bpf_prog_type_str(type);
	switch (type) {
	case BPF_PROG_TYPE_KPROBE:
		*ctx = PTREGS_CTX_PT_REGS;
		break;
	case BPF_PROG_TYPE_PERF_EVENT:
		*ctx = PTREGS_CTX_PERF_EVENT;
		break;
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
		*ctx = PTREGS_CTX_RAW_TP_ARGS;
		break;
	case BPF_PROG_TYPE_TRACING:
		*ctx = attach == BPF_TRACE_RAW_TP ? PTREGS_CTX_RAW_TP_ARGS :
		       attach == BPF_TRACE_ITER ? PTREGS_CTX_OTHER : PTREGS_CTX_BTF_ARGS;
		break;
	default:
		*ctx = PTREGS_CTX_OTHER;
		break;
	}
	return true;
}

static void classify(struct ptregs_object_prog *p)
{
	const char *target = "", *sec = p->section + (p->optional ? 1 : 0);
	const struct sec_def *d = sec_def_of(sec, &target);
	const char *libbpf_type = NULL;
	enum ptregs_ctx_type ctx = PTREGS_CTX_OTHER;
	bool known = ctx_from_libbpf(sec, &libbpf_type, &ctx);

	if (!d) {
		if (known) {
			p->type = libbpf_type;
			p->linked.ctx = ctx;
		}
		return;
	}
	/* the finer name (uprobe, usdt, ksyscall) and the attach target are ours */
	p->type = d->type;
	p->linked.ctx = known ? ctx : d->ctx;
	switch (p->linked.ctx) {
	case PTREGS_CTX_PT_REGS:
		/* wrappers: the real arguments sit in the inner pt_regs */
		if (strcmp(d->type, "ksyscall") == 0 ||
		    ((strcmp(d->type, "kprobe") == 0 || strcmp(d->type, "kprobe.multi") == 0 ||
		      strcmp(d->type, "kprobe.session") == 0) && regs_arg_target(target)))
			p->linked.syscall_wrapper = true;
		break;
	case PTREGS_CTX_RAW_TP_ARGS:
		if (strcmp(target, "sys_enter") == 0 || strcmp(target, "sys_exit") == 0)
			p->linked.pt_regs_args = 1;
		break;
	case PTREGS_CTX_BTF_ARGS:
		if (regs_arg_target(target))
			p->linked.pt_regs_args = 1;
		break;
	default:
		break;
	}
}

/* ID's type with typedefs and modifiers resolved, or NULL. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id)
{
	int r = btf__resolve_type(btf, id);

	return r < 0 ? NULL : btf__type_by_id(btf, (__u32)r);
}

/* Root type and accessed member name of a CO-RE relocation. */
static void core_names(const struct btf *btf, __u32 type_id, const char *acc,
		       const char **root, const char **field)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const char *p = acc;
	bool first = true;

	*field = NULL;
	t = t ? skip_mods(btf, type_id) : NULL;
	*root = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	while (t && p && *p) {
		char *end;
		unsigned long idx = strtoul(p, &end, 10);

		if (end == p)
			break;
		p = *end == ':' ? end + 1 : end;
		if (first) {	/* the first index steps over a pointer or array */
			first = false;
			continue;
		}
		if (btf_is_composite(t)) {
			const struct btf_member *m;
			const char *n;

			if (idx >= btf_vlen(t))
				break;
			m = btf_members(t) + idx;
			n = btf__name_by_offset(btf, m->name_off);
			if (n && *n)
				*field = n;
			t = skip_mods(btf, m->type);
		} else if (btf_is_array(t)) {
			t = skip_mods(btf, btf_array(t)->type);
		} else {
			break;
		}
	}
}

static const struct obj_rel *find_rel(const struct obj_sec *s, uint32_t insn)
{
	size_t lo = 0, hi = s->rel_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->rels[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->rel_cnt && s->rels[lo].insn == insn ? &s->rels[lo] : NULL;
}

static int find_func(const struct ptregs_object *o, uint32_t sec, uint64_t insn)
{
	for (size_t i = 0; i < o->func_cnt; i++)
		if (o->funcs[i].sec == sec && o->funcs[i].start == insn)
			return (int)i;
	return -1;
}

static int relo_cmp(const void *a, const void *b)
{
	const struct ptregs_insn_relo *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int add_relos(struct ptregs_object *o, struct ptregs_object_prog *p, const struct obj_func *f,
		     uint32_t linked_start, const struct ptregs_layout *to, size_t *cap)
{
	const struct ext_sec *es;

	if (!o->has_ext || !o->btf)
		return 0;
	es = pt_ext_find(&o->ext, o->secs[f->sec].name);
	if (!es)
		return 0;
	for (size_t i = 0; i < es->core_cnt; i++) {
		const struct ext_core *c = &es->cores[i];
		uint32_t idx = c->insn_off / INSN_SZ;
		struct ptregs_insn_relo *r;
		const char *acc;

		if (c->insn_off % INSN_SZ || idx < f->start || idx >= f->start + f->cnt)
			continue;
		if (p->linked.relo_cnt == *cap) {
			size_t n = *cap ? *cap * 2 : 16;
			void *np = realloc(p->relos, n * sizeof(*p->relos));

			if (!np)
				return -ENOMEM;
			p->relos = np;
			*cap = n;
		}
		r = &p->relos[p->linked.relo_cnt++];
		memset(r, 0, sizeof(*r));
		r->insn = linked_start + (idx - f->start);
		r->kind = c->kind;
		acc = btf__name_by_offset(o->btf, c->access_str_off);
		core_names(o->btf, c->type_id, acc ? acc : "", &r->type_name, &r->field);
		if (pt_is_pt_regs_name(r->type_name) && r->field && to &&
		    c->kind == BPF_CORE_FIELD_BYTE_OFFSET)
			r->field_missing = !ptregs_layout_find(to, r->field);
	}
	return 0;
}

/*
 * The function a call or callback address at insn J of F points to, or -1.
 * With a relocation the target is relative to the relocated symbol (a call
 * counts insns, an ld_imm64 address bytes); without one, to the insn itself.
 */
static bool is_func_addr(const struct ptregs_object *o, const struct obj_func *f, uint32_t j,
			 const struct bpf_insn *in)
{
	const struct obj_rel *r;

	if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
		return false;
	if (in->src_reg == BPF_PSEUDO_FUNC)
		return true;
	/* clang emits the address of a function as a plain ld_imm64 with a
	 * relocation against its code section; libbpf turns it into one */
	r = find_rel(&o->secs[f->sec], f->start + j);
	return in->src_reg == 0 && r && r->target_sec != UINT32_MAX;
}

static int call_target(const struct ptregs_object *o, const struct obj_func *f, uint32_t j,
		       const struct bpf_insn *in, bool call)
{
	const struct obj_rel *r = find_rel(&o->secs[f->sec], f->start + j);
	uint32_t tsec = f->sec;
	int64_t tidx;

	if (r && r->target_sec != UINT32_MAX) {
		tsec = r->target_sec;
		tidx = call ? (int64_t)(r->sym_off / INSN_SZ) + in->imm + 1 :
			      ((int64_t)r->sym_off + in->imm) / INSN_SZ;
	} else {
		tidx = (int64_t)f->start + j + in->imm + 1;
	}
	return tidx >= 0 ? find_func(o, tsec, (uint64_t)tidx) : -1;
}

/*
 * Move *J to the next subprogram call or callback address among F's
 * instructions INSNS (*FUNC tells which); false at the end.
 */
static bool next_call(const struct ptregs_object *o, const struct obj_func *f,
		      const struct bpf_insn *insns, uint32_t *j, bool *func)
{
	for (; *j < f->cnt; (*j)++) {
		const struct bpf_insn *in = &insns[*j];

		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) {
			*func = false;
			return true;
		}
		if (is_func_addr(o, f, *j, in)) {
			*func = true;
			return true;
		}
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			(*j)++;
	}
	return false;
}

/* Link program P (function MAIN) with the subprograms it reaches. */
static int link_prog(struct ptregs_object *o, struct ptregs_object_prog *p, int main,
		     const struct ptregs_layout *to)
{
	int *order = NULL, *placed = calloc(o->func_cnt, sizeof(int));
	size_t n_order = 0, total = 0, relo_cap = 0;
	char err[256] = "";
	int ret = -ENOMEM;

	if (!placed)
		return -ENOMEM;
	order = malloc(o->func_cnt * sizeof(int));
	if (!order)
		goto out;
	for (size_t i = 0; i < o->func_cnt; i++)
		placed[i] = -1;
	order[n_order++] = main;
	placed[main] = 0;
	total = o->funcs[main].cnt;

	/* discover the reachable functions in placement order */
	for (size_t k = 0; k < n_order; k++) {
		const struct obj_func *f = &o->funcs[order[k]];
		const struct bpf_insn *insns = o->secs[f->sec].insns + f->start;
		bool func;

		for (uint32_t j = 0; next_call(o, f, insns, &j, &func); j += func ? 2 : 1) {
			int t = call_target(o, f, j, &insns[j], !func);

			if (t < 0) {
				if (!*err)
					snprintf(err, sizeof(err), "insn %u calls an unknown function",
						 f->start + j);
			} else if (placed[t] < 0) {
				placed[t] = (int)total;
				total += o->funcs[t].cnt;
				order[n_order++] = t;
			}
		}
	}

	p->insns = malloc((total ? total : 1) * sizeof(*p->insns));
	p->origin = malloc((total ? total : 1) * sizeof(*p->origin));
	if (!p->insns || !p->origin)
		goto out;
	p->linked.insn_cnt = total;
	for (size_t k = 0; k < n_order; k++) {
		const struct obj_func *f = &o->funcs[order[k]];
		uint32_t base = (uint32_t)placed[order[k]];

		memcpy(p->insns + base, o->secs[f->sec].insns + f->start, f->cnt * sizeof(*p->insns));
		for (uint32_t j = 0; j < f->cnt; j++) {
			p->origin[base + j].sec = f->sec;
			p->origin[base + j].insn = f->start + j;
		}
		if (add_relos(o, p, f, base, to, &relo_cap))
			goto out;
	}
	/* point calls and callbacks at the linked copies, as libbpf does */
	for (size_t k = 0; k < n_order; k++) {
		const struct obj_func *f = &o->funcs[order[k]];
		uint32_t base = (uint32_t)placed[order[k]];
		struct bpf_insn *insns = p->insns + base;
		bool func;

		for (uint32_t j = 0; next_call(o, f, insns, &j, &func); j += func ? 2 : 1) {
			int t = call_target(o, f, j, &insns[j], !func);

			if (func)
				insns[j].src_reg = BPF_PSEUDO_FUNC;
			/* an unresolved target points past the end: reported as unanalysed */
			insns[j].imm = t >= 0 ? placed[t] - (int32_t)(base + j) - 1 :
				       (int32_t)(total - (base + j));
		}
	}
	if (p->linked.relo_cnt)
		qsort(p->relos, p->linked.relo_cnt, sizeof(*p->relos), relo_cmp);
	if (*err)
		p->error = strdup(err);
	ret = 0;
out:
	free(order);
	free(placed);
	return ret;
}

static int line_cmp(const void *a, const void *b)
{
	const struct ext_line *x = a, *y = b;

	return x->insn_off < y->insn_off ? -1 : x->insn_off > y->insn_off;
}

static int obj_line(const struct ptregs_object *o, const struct ptregs_object_prog *p, uint32_t insn,
		 const char **file, uint32_t *line, uint32_t *col, const char **text)
{
	const struct ext_sec *es;
	const struct ext_line *best = NULL;
	uint32_t off;

	if (!o->has_ext || insn >= p->linked.insn_cnt)
		return -ENOENT;
	es = pt_ext_find(&o->ext, o->secs[p->origin[insn].sec].name);
	if (!es || !es->line_cnt)
		return -ENOENT;
	off = p->origin[insn].insn * INSN_SZ;
	for (size_t lo = 0, hi = es->line_cnt; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (es->lines[mid].insn_off <= off) {
			best = &es->lines[mid];
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!best)
		return -ENOENT;
	*file = btf__name_by_offset(o->btf, best->file_name_off);
	*text = btf__name_by_offset(o->btf, best->line_off);
	*line = best->line_col >> 10;
	*col = best->line_col & 0x3ff;
	return *file ? 0 : -ENOENT;
}

static int load_sections(struct ptregs_object *o, char *err, size_t errlen)
{
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(o->elf, &shnum) || elf_getshdrstrndx(o->elf, &shstrndx)) {
		snprintf(err, errlen, "malformed ELF: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	o->secs = calloc(shnum ? shnum : 1, sizeof(*o->secs));
	if (!o->secs)
		return -ENOMEM;
	o->sec_cnt = shnum;
	while ((scn = elf_nextscn(o->elf, scn))) {
		size_t idx = elf_ndxscn(scn);
		struct obj_sec *s = &o->secs[idx];
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || idx >= shnum) {
			snprintf(err, errlen, "malformed ELF section header: %s", elf_errmsg(-1));
			return -EINVAL;
		}
		s->shndx = idx;
		s->name = elf_strptr(o->elf, shstrndx, sh.sh_name);
		if (!s->name) {
			snprintf(err, errlen, "malformed ELF section name: %s", elf_errmsg(-1));
			return -EINVAL;
		}
		if (sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > o->size || sh.sh_size > o->size - sh.sh_offset) {
			snprintf(err, errlen, "malformed ELF: section %s beyond the end of the "
				 "object (truncated?)", s->name);
			return -EINVAL;
		}
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR) && sh.sh_size) {
			d = elf_getdata(scn, NULL);
			if (!d || !d->d_buf) {
				snprintf(err, errlen, "section %s: %s", s->name, elf_errmsg(-1));
				return -EINVAL;
			}
			if (d->d_size % INSN_SZ)
				warn(o, "section %s: %zu bytes is not a whole number of "
				     "instructions (partial instruction); programs after byte %zu "
				     "skipped", s->name, (size_t)d->d_size,
				     (size_t)(d->d_size / INSN_SZ * INSN_SZ));
			s->insn_cnt = d->d_size / INSN_SZ;
			/* a corrupted object may place the section off alignment */
			if ((uintptr_t)d->d_buf % _Alignof(struct bpf_insn)) {
				s->owned = malloc(s->insn_cnt * INSN_SZ + 1);
				if (!s->owned)
					return -ENOMEM;
				memcpy(s->owned, d->d_buf, s->insn_cnt * INSN_SZ);
				s->insns = s->owned;
			} else {
				s->insns = d->d_buf;
			}
		}
	}
	return 0;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct obj_rel *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int load_symbols(struct ptregs_object *o, char *err, size_t errlen)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	Elf_Data *syms = NULL;
	GElf_Shdr symsh;
	size_t nsyms = 0;

	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
			break;
		}
	}
	if (!symscn) {
		snprintf(err, errlen, "no symbol table: programs cannot be told apart");
		return -EINVAL;
	}
	syms = elf_getdata(symscn, NULL);
	if (!syms || !symsh.sh_entsize) {
		snprintf(err, errlen, "malformed symbol table: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	nsyms = syms->d_size / symsh.sh_entsize;
	o->funcs = calloc(nsyms ? nsyms : 1, sizeof(*o->funcs));
	if (!o->funcs)
		return -ENOMEM;
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym sym;
		const char *name;
		struct obj_sec *s;

		if (!gelf_getsym(syms, (int)i, &sym))
			continue;
		name = elf_strptr(o->elf, symsh.sh_link, sym.st_name);
		if (name && strcmp(name, "__bpf_usdt_specs") == 0)
			o->uses_usdt = true;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx >= o->sec_cnt)
			continue;
		s = &o->secs[sym.st_shndx];
		if (!s->insns)
			continue;
		if (sym.st_value % INSN_SZ || sym.st_size % INSN_SZ ||
		    sym.st_value / INSN_SZ + sym.st_size / INSN_SZ > s->insn_cnt || !sym.st_size) {
			warn(o, "section %s: function %s has a bad extent (value %llu, size "
			     "%llu)", s->name, name ? name : "?", (unsigned long long)sym.st_value,
			     (unsigned long long)sym.st_size);
			continue;
		}
		o->funcs[o->func_cnt].name = name ? name : "?";
		o->funcs[o->func_cnt].sec = (uint32_t)sym.st_shndx;
		o->funcs[o->func_cnt].start = (uint32_t)(sym.st_value / INSN_SZ);
		o->funcs[o->func_cnt].cnt = (uint32_t)(sym.st_size / INSN_SZ);
		o->funcs[o->func_cnt].global = GELF_ST_BIND(sym.st_info) == STB_GLOBAL ||
					       GELF_ST_BIND(sym.st_info) == STB_WEAK;
		o->func_cnt++;
	}

	/* relocations of executable sections */
	scn = NULL;
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		struct obj_sec *s;
		struct obj_rel *rels;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info >= o->sec_cnt)
			continue;
		s = &o->secs[sh.sh_info];
		if (!s->insns)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !sh.sh_entsize)
			continue;
		n = d->d_size / sh.sh_entsize;
		/* several relocation sections may name one target: append */
		rels = realloc(s->rels, (s->rel_cnt + n + 1) * sizeof(*s->rels));
		if (!rels)
			return -ENOMEM;
		s->rels = rels;
		for (size_t i = 0; i < n; i++) {
			GElf_Rel rel;
			GElf_Sym sym;
			struct obj_rel *r;

			if (!gelf_getrel(d, (int)i, &rel) || rel.r_offset % INSN_SZ ||
			    rel.r_offset / INSN_SZ >= s->insn_cnt)
				continue;
			r = &s->rels[s->rel_cnt++];
			r->insn = (uint32_t)(rel.r_offset / INSN_SZ);
			r->target_sec = UINT32_MAX;
			if ((size_t)GELF_R_SYM(rel.r_info) < nsyms &&
			    gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym) &&
			    sym.st_shndx < o->sec_cnt && o->secs[sym.st_shndx].insns) {
				r->target_sec = sym.st_shndx;
				r->sym_off = sym.st_value;
				r->sym_is_func = GELF_ST_TYPE(sym.st_info) == STT_FUNC;
			}
		}
		if (s->rel_cnt > 1)
			qsort(s->rels, s->rel_cnt, sizeof(*s->rels), rel_cmp);
	}
	return 0;
}

static int load_btf(struct ptregs_object *o, char *err, size_t errlen)
{
	const void *btf_data = NULL, *ext_data = NULL;
	size_t btf_size = 0, ext_size = 0;
	Elf_Scn *scn = NULL;
	int r;

	for (size_t i = 1; i < o->sec_cnt; i++) {
		GElf_Shdr sh;
		Elf_Data *d;

		scn = elf_getscn(o->elf, i);
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !o->secs[i].name)
			continue;
		if (strcmp(o->secs[i].name, ".BTF") != 0 && strcmp(o->secs[i].name, ".BTF.ext") != 0)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		if (strcmp(o->secs[i].name, ".BTF") == 0) {
			btf_data = d->d_buf;
			btf_size = d->d_size;
		} else {
			ext_data = d->d_buf;
			ext_size = d->d_size;
		}
	}
	if (!btf_data) {
		if (ext_data) {
			snprintf(err, errlen, ".BTF.ext without .BTF");
			return -EINVAL;
		}
		return 0;
	}
	o->btf = btf__new(btf_data, (__u32)btf_size);
	if (!o->btf) {
		snprintf(err, errlen, "malformed .BTF (%s)", strerror(errno));
		return -EINVAL;
	}
	if (!ext_data)
		return 0;
	r = pt_ext_parse(ext_data, ext_size, o->btf, &o->ext, err, errlen);
	if (r)
		return r;
	o->has_ext = true;
	for (size_t i = 0; i < o->ext.sec_cnt; i++)
		if (o->ext.secs[i].line_cnt > 1)
			qsort(o->ext.secs[i].lines, o->ext.secs[i].line_cnt, sizeof(struct ext_line),
			      line_cmp);
	return 0;
}

static int open_elf(struct ptregs_object *o, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	uint64_t need;

	elf_version(EV_CURRENT);
	if (o->size < SELFMAG || memcmp(o->buf, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "not an ELF file");
		return -ENOEXEC;
	}
	if (pt_elf_truncated(o->buf, o->size, o->size, err, errlen))
		return -EINVAL;
	o->elf = elf_memory((char *)o->buf, o->size);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF || !gelf_getehdr(o->elf, &eh)) {
		snprintf(err, errlen, "malformed ELF header: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	if (eh.e_machine != EM_BPF) {
		snprintf(err, errlen, "not a BPF object (ELF machine %u)", eh.e_machine);
		return -ENOEXEC;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "big-endian BPF objects are not supported");
		return -ENOTSUP;
	}
	need = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (eh.e_shoff > o->size || need > o->size) {
		snprintf(err, errlen, "malformed ELF: section headers beyond the end of the object");
		return -EINVAL;
	}
	return 0;
}

int pt_obj_open(struct ptregs_object *o, const char *name, const void *buf, size_t size,
		const struct ptregs_layout *to)
{
	char err[512] = "";
	int r;

	memset(o, 0, sizeof(*o));
	o->name = strdup(name);
	o->buf = malloc(size ? size : 1);
	if (!o->name || !o->buf)
		return pt_err(ENOMEM, "%s: out of memory", name);
	memcpy(o->buf, buf, size);
	o->size = size;
	r = open_elf(o, err, sizeof(err));
	if (!r)
		r = load_sections(o, err, sizeof(err));
	if (!r)
		r = load_symbols(o, err, sizeof(err));
	if (!r)
		r = load_btf(o, err, sizeof(err));
	if (r)
		return pt_err(-r, "%s: %s", name, *err ? err : strerror(-r));

	o->progs = calloc(o->func_cnt ? o->func_cnt : 1, sizeof(*o->progs));
	if (!o->progs)
		return pt_err(ENOMEM, "%s: out of memory", name);
	for (size_t i = 0; i < o->func_cnt; i++) {
		const struct obj_func *f = &o->funcs[i];
		struct ptregs_object_prog *p;

		/* every function outside .text is a program to libbpf, static or not */
		if (strcmp(o->secs[f->sec].name, ".text") == 0)
			continue;
		p = &o->progs[o->prog_cnt++];
		p->name = f->name;
		p->section = o->secs[f->sec].name;
		p->optional = p->section[0] == '?';
		p->is_static = !f->global;
		classify(p);
		if (!p->type)
			warn(o, "program %s: unknown program type for section '%s'", p->name,
			     p->section);
		r = link_prog(o, p, (int)i, to);
		if (r)
			return pt_err(-r, "%s: out of memory", name);
		p->linked.sz = sizeof(p->linked);
		p->linked.insns = p->insns;
		p->linked.relos = p->relos;
	}
	return 0;
}

void pt_obj_close(struct ptregs_object *o)
{
	for (size_t i = 0; i < o->prog_cnt; i++) {
		free(o->progs[i].insns);
		free(o->progs[i].origin);
		free(o->progs[i].relos);
		free(o->progs[i].error);
	}
	free(o->progs);
	for (size_t i = 0; i < o->sec_cnt; i++) {
		free(o->secs[i].rels);
		free(o->secs[i].owned);
	}
	free(o->secs);
	free(o->funcs);
	for (size_t i = 0; i < o->warn_cnt; i++)
		free(o->warnings[i]);
	free(o->warnings);
	pt_ext_free(&o->ext);
	btf__free(o->btf);
	if (o->elf)
		elf_end(o->elf);
	free(o->buf);
	free(o->name);
	memset(o, 0, sizeof(*o));
}

/* The public face of the reader. */

static const char *opts_name(const struct ptregs_object_opts *opts, const char *dflt)
{
	return opts && opts->name ? opts->name : dflt;
}

static struct ptregs_object *object_open(const char *name, const void *buf, size_t size,
					 const struct ptregs_object_opts *opts)
{
	struct ptregs_object *o;
	int r;

	/* the first version ends with a pointer to a layout: its size is meant */
	if (!PT_OPTS_VALID(opts, ptregs_object_opts, to)) /* NOLINT(bugprone-sizeof-expression) */
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return pt_err_null(ENOMEM, "%s: out of memory", name);
	r = pt_obj_open(o, name, buf, size, opts ? opts->to : NULL);
	if (r) {
		pt_obj_close(o);
		free(o);
		errno = -r;
		return NULL;
	}
	return o;
}

struct ptregs_object *ptregs_object_open_mem(const void *buf, size_t size,
					     const struct ptregs_object_opts *opts)
{
	if (!buf && size)
		return pt_err_null(EINVAL, "ptregs_object_open_mem: NULL buffer");
	return object_open(opts_name(opts, "<memory>"), buf ? buf : "", size, opts);
}

struct ptregs_object *ptregs_object_open_file(const char *path,
					      const struct ptregs_object_opts *opts)
{
	struct ptregs_object *o;
	struct pt_file f;
	int r = pt_file_map(&f, path);

	if (r) {
		errno = -r;
		return NULL;
	}
	o = object_open(opts_name(opts, path), f.data, f.size, opts);
	pt_file_unmap(&f);
	return o;
}

void ptregs_object_close(struct ptregs_object *obj)
{
	if (!obj)
		return;
	pt_obj_close(obj);
	free(obj);
}

const char *ptregs_object_name(const struct ptregs_object *obj)
{
	return obj->name;
}

bool ptregs_object_uses_usdt(const struct ptregs_object *obj)
{
	return obj->uses_usdt;
}

size_t ptregs_object_warning_cnt(const struct ptregs_object *obj)
{
	return obj->warn_cnt;
}

const char *ptregs_object_warning(const struct ptregs_object *obj, size_t idx)
{
	return idx < obj->warn_cnt ? obj->warnings[idx] : NULL;
}

size_t ptregs_object_prog_cnt(const struct ptregs_object *obj)
{
	return obj->prog_cnt;
}

const struct ptregs_object_prog *ptregs_object_prog(const struct ptregs_object *obj, size_t idx)
{
	return idx < obj->prog_cnt ? &obj->progs[idx] : NULL;
}

const char *ptregs_object_prog_name(const struct ptregs_object_prog *prog)
{
	return prog->name;
}

const char *ptregs_object_prog_section(const struct ptregs_object_prog *prog)
{
	return prog->section;
}

const char *ptregs_object_prog_type(const struct ptregs_object_prog *prog)
{
	return prog->type;
}

bool ptregs_object_prog_optional(const struct ptregs_object_prog *prog)
{
	return prog->optional;
}

bool ptregs_object_prog_static(const struct ptregs_object_prog *prog)
{
	return prog->is_static;
}

const char *ptregs_object_prog_error(const struct ptregs_object_prog *prog)
{
	return prog->error;
}

const struct ptregs_prog *ptregs_object_prog_linked(const struct ptregs_object_prog *prog)
{
	return &prog->linked;
}

int ptregs_object_prog_line(const struct ptregs_object *obj, const struct ptregs_object_prog *prog,
			    uint32_t insn, const char **file, uint32_t *line, uint32_t *col,
			    const char **text)
{
	return obj_line(obj, prog, insn, file, line, col, text);
}

int ptregs_object_prog_insn_origin(const struct ptregs_object_prog *prog, uint32_t insn,
				   size_t *shndx, uint32_t *sec_insn)
{
	if (!prog || insn >= prog->linked.insn_cnt)
		return -ENOENT;
	*shndx = prog->origin[insn].sec;
	*sec_insn = prog->origin[insn].insn;
	return 0;
}
