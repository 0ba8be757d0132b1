/*
 * Load one program of a BPF object with libbpf, CO-RE relocated against
 * BTF (a file, or "-" for the running kernel's), and print the
 * instructions the kernel holds that carry a constant: loads and stores
 * as "ldx OFF", "stx OFF", "st OFF", immediates of moves and adds as
 * "mov IMM", "add IMM", one per line, in order.
 * Usage: fix_load OBJ BTF PROG
 * Exit: 0 loaded, 1 libbpf or the kernel refused it, 2 usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), cnt;
	struct bpf_object *obj;
	struct bpf_program *p, *want = NULL;
	struct bpf_insn *insns;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s OBJ BTF|- PROG\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	if (strcmp(argv[2], "-") != 0)
		oo.btf_custom_path = argv[2];
	obj = bpf_object__open_file(argv[1], &oo);
	if (!obj) {
		fprintf(stderr, "fix_load: %s: open: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		bool me = strcmp(bpf_program__name(p), argv[3]) == 0;

		bpf_program__set_autoload(p, me);
		if (me)
			want = p;
	}
	if (!want) {
		fprintf(stderr, "fix_load: %s: no program %s\n", argv[1], argv[3]);
		return 2;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "fix_load: %s: load: %s\n", argv[1], strerror(errno));
		return 1;
	}
	fd = bpf_program__fd(want);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "fix_load: info: %s\n", strerror(errno));
		return 1;
	}
	cnt = info.xlated_prog_len / sizeof(*insns);
	insns = calloc(cnt + 1, sizeof(*insns));
	if (!insns)
		return 1;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = cnt * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "fix_load: xlated: %s\n", strerror(errno));
		return 1;
	}
	for (__u32 i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		__u8 cls = BPF_CLASS(in->code);

		if (cls == BPF_LDX && BPF_MODE(in->code) == BPF_MEM)
			printf("ldx %d\n", in->off);
		else if (cls == BPF_STX && BPF_MODE(in->code) == BPF_MEM)
			printf("stx %d\n", in->off);
		else if (cls == BPF_ST && BPF_MODE(in->code) == BPF_MEM)
			printf("st %d\n", in->off);
		else if (cls == BPF_ALU64 && BPF_SRC(in->code) == BPF_K &&
			 BPF_OP(in->code) == BPF_MOV)
			printf("mov %d\n", in->imm);
		else if (cls == BPF_ALU64 && BPF_SRC(in->code) == BPF_K &&
			 BPF_OP(in->code) == BPF_ADD)
			printf("add %d\n", in->imm);
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
	}
	free(insns);
	bpf_object__close(obj);
	return 0;
}
