// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs check: the BPF programs the running kernel holds now. The only
 * way to see programs whose files are gone or that a tool generated at
 * run time (a bpftrace script): their instructions as the kernel keeps
 * them, their own BTF for the evidence (docs/design.md, D4), the
 * processes holding them (/proc/PID/fdinfo) and their pins in bpffs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <ptregs/analysis.h>
#include <ptregs/runtime.h>
#include "check.h"

#define BPF_FS_MAGIC 0xcafe4a11
#define MAX_XLATED (1u << 24)

static void add_text(char **list, const char *text)
{
	size_t old = *list ? strlen(*list) : 0, n = strlen(text);
	char *p = realloc(*list, old + n + 3);

	if (!p)
		return;
	snprintf(p + old, n + 3, "%s%s", old ? ", " : "", text);
	*list = p;
}

static struct live_prog *find_prog(struct live *l, uint32_t id)
{
	for (size_t i = 0; i < l->cnt; i++)
		if (l->progs[i].id == id)
			return &l->progs[i];
	return NULL;
}

/* The processes holding each program: "prog_id:" lines of /proc/PID/fdinfo/FD. */
static void find_holders(struct live *l, const char *proc)
{
	DIR *d = opendir(proc);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512], comm[64] = "?", who[128];
		DIR *fd_dir;
		struct dirent *fe;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", proc, de->d_name);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/%s/fdinfo", proc, de->d_name);
		fd_dir = opendir(path);
		if (!fd_dir)
			continue;
		while ((fe = readdir(fd_dir))) {
			char line[256], fp[600];
			struct live_prog *p;

			if (!isdigit((unsigned char)fe->d_name[0]))
				continue;
			snprintf(fp, sizeof(fp), "%s/%s", path, fe->d_name);
			f = fopen(fp, "re");
			if (!f)
				continue;
			while (fgets(line, sizeof(line), f)) {
				unsigned int id;

				if (sscanf(line, "prog_id: %u", &id) != 1)
					continue;
				p = find_prog(l, id);
				snprintf(who, sizeof(who), "%s[%s]", comm, de->d_name);
				if (p && (!p->holders || !strstr(p->holders, who)))
					add_text(&p->holders, who);
			}
			fclose(f);
		}
		closedir(fd_dir);
	}
	closedir(d);
}

/* Programs pinned under DIR (a bpffs), recursively. */
static void find_pins(struct live *l, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > 16 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char path[4096];
		struct bpf_prog_info info;
		struct bpf_link_info li;
		uint32_t len = sizeof(info), llen = sizeof(li);
		char link[64], kind[64];
		struct live_prog *p;
		struct stat st;
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			find_pins(l, path, depth + 1);
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		/* a program, or a link naming one; maps and the rest have ids of their own */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, kind, sizeof(kind) - 1);
		kind[n > 0 ? n : 0] = '\0';
		memset(&info, 0, sizeof(info));
		memset(&li, 0, sizeof(li));
		p = NULL;
		if (!strcmp(kind, "anon_inode:bpf-prog") && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			p = find_prog(l, info.id);
		else if (!strcmp(kind, "anon_inode:bpf_link") &&
			 bpf_obj_get_info_by_fd(fd, &li, &llen) == 0)
			p = find_prog(l, li.prog_id);
		if (p)
			add_text(&p->pins, path);
		close(fd);
	}
	closedir(d);
}

/* The program's own BTF (NULL: unreadable) and its main function: the evidence. */
static enum ptregs_ctx_evidence evidence(const struct bpf_prog_info *info, const struct btf *btf,
					 uint32_t main_func)
{
	if (!info->btf_id)
		return PTREGS_CTX_EV_NONE;
	return btf ? ptregs_btf_ctx_evidence(btf, main_func) : PTREGS_CTX_EV_NO_PT_REGS;
}

/*
 * The kernel keeps a helper call as the helper's address less
 * __bpf_call_base's: the ones the analysis follows are named back from
 * /proc/kallsyms (unreadable or zeroed addresses: left alone, and probe
 * reads through ctx are then not seen).
 */
static const struct {
	const char *sym;
	int32_t id;
} helpers[] = {
	{ "bpf_probe_read_compat", BPF_FUNC_probe_read },
	{ "bpf_probe_read_compat_str", BPF_FUNC_probe_read_str },
	{ "bpf_probe_read_kernel", BPF_FUNC_probe_read_kernel },
	{ "bpf_probe_read_kernel_str", BPF_FUNC_probe_read_kernel_str },
	{ "bpf_probe_read_user", BPF_FUNC_probe_read_user },
	{ "bpf_probe_read_user_str", BPF_FUNC_probe_read_user_str },
	{ "bpf_map_lookup_elem", BPF_FUNC_map_lookup_elem },
	{ "bpf_map_update_elem", BPF_FUNC_map_update_elem },
	{ "bpf_map_delete_elem", BPF_FUNC_map_delete_elem },
	{ "bpf_perf_event_output", BPF_FUNC_perf_event_output },
};
#define NHELPERS (sizeof(helpers) / sizeof(helpers[0]))

static void load_helper_imms(struct live *l)
{
	unsigned long long addr[NHELPERS] = { 0 }, base = 0, a;
	char line[512], type, name[256];
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3 || strchr(line, '['))
			continue;
		if (!strcmp(name, "__bpf_call_base"))
			base = a;
		for (size_t i = 0; i < NHELPERS; i++)
			if (!strcmp(name, helpers[i].sym))
				addr[i] = a;
	}
	fclose(f);
	if (!base)
		return;
	for (size_t i = 0; i < NHELPERS; i++) {
		long long d = (long long)(addr[i] - base);

		if (addr[i] && d >= INT32_MIN && d <= INT32_MAX) {
			l->imm[l->imm_cnt] = (int32_t)d;
			l->id[l->imm_cnt++] = helpers[i].id;
		}
	}
}

static void name_helpers(const struct live *l, struct bpf_insn *insns, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != 0)
			continue;
		for (size_t k = 0; k < l->imm_cnt; k++)
			if (insns[i].imm == l->imm[k]) {
				insns[i].imm = l->id[k];
				break;
			}
	}
}

/* The kernel's line info of a program, with its BTF for the strings. */
struct lines {
	struct bpf_line_info *li;
	size_t cnt;
	struct btf *btf;
};

/* The line of INSN: the last record at or before it, or NULL. */
static const struct live_src *line_of(const struct lines *ln, uint32_t insn, struct live_src *out)
{
	const struct bpf_line_info *best = NULL;

	if (!ln->btf || !ln->cnt)
		return NULL;
	for (size_t i = 0; i < ln->cnt && ln->li[i].insn_off <= insn; i++)
		best = &ln->li[i];
	if (!best)
		return NULL;
	out->file = btf__name_by_offset(ln->btf, best->file_name_off);
	out->text = btf__name_by_offset(ln->btf, best->line_off);
	out->line = BPF_LINE_INFO_LINE_NUM(best->line_col);
	out->col = BPF_LINE_INFO_LINE_COL(best->line_col);
	return out->file && *out->file ? out : NULL;
}

static void analyse(struct check *c, struct live_prog *p, const struct bpf_insn *insns,
		    size_t cnt, const struct lines *ln)
{
	struct ptregs_prog prog = { .sz = sizeof(prog), .insns = insns, .insn_cnt = cnt,
				    .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_analysis *an = ptregs_analysis_new(&prog, c->old, c->new);
	char file[64];

	snprintf(file, sizeof(file), "bpf prog %u", p->id);
	if (!an) {
		check_error(c, file, "%s: %s", p->name, ptregs_errmsg());
		return;
	}
	for (size_t k = 0; k < ptregs_analysis_access_cnt(an); k++) {
		struct ptregs_access a = *ptregs_analysis_access(an, k);
		struct live_src src;

		if (p->evidence == PTREGS_CTX_EV_KERNEL &&
		    (a.verdict == PTREGS_VERDICT_BREAKS || a.verdict == PTREGS_VERDICT_UNCHANGED)) {
			/* CO-RE: libbpf relocated these offsets for the running
			 * kernel and relocates them anew on the next one */
			a.verdict = PTREGS_VERDICT_RELOCATED;
			a.note = "the program's BTF names the kernel's registers: built "
				 "with CO-RE, relocated again when loaded on the new kernel";
		}
		p->verdicts[a.verdict]++;
		check_live_finding(c, p, &a, line_of(ln, a.insn, &src));
	}
	ptregs_analysis_free(an);
}

static void one_prog(struct check *c, struct live *l, uint32_t id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	struct bpf_func_info fi[1] = { { 0 } };
	struct bpf_insn *insns = NULL;
	struct lines ln = { 0 };
	struct live_prog *p;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return;	/* gone since listed */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
		close(fd);
		return;
	}
	l->total++;
	if (info.type != BPF_PROG_TYPE_KPROBE) {
		close(fd);
		return;
	}
	p = realloc(l->progs, (l->cnt + 1) * sizeof(*l->progs));
	if (!p) {
		close(fd);
		return;
	}
	l->progs = p;
	p = &l->progs[l->cnt++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)sizeof(info.name), info.name);
	for (int i = 0; i < 8; i++)
		snprintf(p->tag + (size_t)2 * (size_t)i, 3, "%02x", info.tag[i]);
	if (!info.xlated_prog_len || info.xlated_prog_len > MAX_XLATED) {
		p->unreadable = true;
		close(fd);
		return;
	}
	insns = calloc(1, info.xlated_prog_len);
	if (!insns) {
		close(fd);
		return;
	}
	{
		struct bpf_prog_info full;
		uint32_t flen = sizeof(full);

		memset(&full, 0, sizeof(full));
		full.xlated_prog_len = info.xlated_prog_len;
		full.xlated_prog_insns = (uint64_t)(uintptr_t)insns;
		if (info.nr_func_info && info.func_info_rec_size == sizeof(fi[0])) {
			full.nr_func_info = 1;
			full.func_info_rec_size = sizeof(fi[0]);
			full.func_info = (uint64_t)(uintptr_t)fi;
		}
		/* line info: where each finding came from, when the loader gave it */
		if (info.btf_id && info.nr_line_info && info.nr_line_info <= MAX_XLATED / 8 &&
		    info.line_info_rec_size == sizeof(*ln.li) &&
		    (ln.li = calloc(info.nr_line_info, sizeof(*ln.li)))) {
			full.nr_line_info = info.nr_line_info;
			full.line_info_rec_size = sizeof(*ln.li);
			full.line_info = (uint64_t)(uintptr_t)ln.li;
			full.btf_id = info.btf_id;
		}
		/* a blinded program without raw dumps allowed: length, no insns */
		if (bpf_obj_get_info_by_fd(fd, &full, &flen) != 0 || !full.xlated_prog_insns ||
		    full.xlated_prog_len != info.xlated_prog_len) {
			p->unreadable = true;
		} else {
			/* its BTF, once: the evidence and the line strings */
			if (info.btf_id)
				ln.btf = btf__load_from_kernel_by_id(info.btf_id);
			if (ln.li && full.nr_line_info == info.nr_line_info)
				ln.cnt = full.nr_line_info;
			p->evidence = evidence(&info, ln.btf, full.nr_func_info && fi[0].insn_off == 0 ?
							      fi[0].type_id : 0);
			name_helpers(l, insns, info.xlated_prog_len / sizeof(*insns));
			analyse(c, p, insns, info.xlated_prog_len / sizeof(*insns), &ln);
		}
	}
	btf__free(ln.btf);
	free(ln.li);
	free(insns);
	close(fd);
}

int check_live(struct check *c, struct live *l)
{
	uint32_t id = 0;
	struct statfs sfs;

	memset(l, 0, sizeof(*l));
	load_helper_imms(l);
	for (;;) {
		if (bpf_prog_get_next_id(id, &id) != 0) {
			if (errno == ENOENT)
				break;
			snprintf(l->why, sizeof(l->why), "%s%s", strerror(errno),
				 errno == EPERM ? ": needs root" : "");
			return -1;
		}
		one_prog(c, l, id);
	}
	find_holders(l, "/proc");
	if (statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		find_pins(l, "/sys/fs/bpf", 0);
	return 0;
}

void live_free(struct live *l)
{
	for (size_t i = 0; i < l->cnt; i++) {
		free(l->progs[i].holders);
		free(l->progs[i].pins);
	}
	free(l->progs);
	memset(l, 0, sizeof(*l));
}
