/*
 * A host program built around a libbpf skeleton of a UAPI-built object
 * (bpftool gen skeleton): the object is embedded in the executable. With
 * "load", it opens and loads the skeleton's own copy and prints the
 * offsets of the first program's context loads as the kernel holds them.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "skel.skel.h"

int main(int argc, char **argv)
{
	struct skel *s = skel__open();
	struct bpf_program *p;
	struct bpf_insn insns[64];
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	if (!s)
		return 1;
	if (argc < 2 || strcmp(argv[1], "load") != 0) {
		skel__destroy(s);
		return 0;
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, strcmp(bpf_program__name(p), "own_struct") == 0);
	if (skel__load(s)) {
		skel__destroy(s);
		return 2;
	}
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = sizeof(insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(s->progs.own_struct), &info, &len))
		return 3;
	for (__u32 i = 0; i < info.xlated_prog_len / sizeof(insns[0]) && i < 64; i++)
		if (BPF_CLASS(insns[i].code) == BPF_LDX && insns[i].src_reg == BPF_REG_1)
			printf("ldx %d\n", insns[i].off);
	skel__destroy(s);
	return 0;
}
