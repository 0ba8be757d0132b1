/*
 * Write a copy of a whole-kernel BTF in which struct pt_regs gets pkrs as
 * its first member: a second, distinct vmlinux BTF for the benchmarks on a
 * machine that has not built the patched kernel.
 * Usage: mkbtf IN OUT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct btf *src, *dst;
	const void *raw;
	__u32 n, sz;
	FILE *f;
	int ul;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	src = btf__parse(argv[1], NULL);
	if (!src) {
		fprintf(stderr, "mkbtf: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ul = btf__find_by_name_kind(src, "long unsigned int", BTF_KIND_INT);
	dst = btf__new_empty();
	n = btf__type_cnt(src);
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(src, id);
		const char *name = btf__name_by_offset(src, t->name_off);
		int err;

		if (btf_is_struct(t) && name && strcmp(name, "pt_regs") == 0 && ul > 0) {
			const struct btf_member *m = btf_members(t);

			err = btf__add_struct(dst, name, t->size + 8);
			if (err > 0)
				err = btf__add_field(dst, "pkrs", ul, 0, 0);
			for (__u16 i = 0; !err && i < btf_vlen(t); i++, m++)
				err = btf__add_field(dst, btf__name_by_offset(src, m->name_off),
						     m->type, btf_member_bit_offset(t, i) + 64,
						     btf_member_bitfield_size(t, i));
		} else {
			err = btf__add_type(dst, src, t);
		}
		if (err < 0) {
			fprintf(stderr, "mkbtf: type %u: %s\n", id, strerror(-err));
			return 1;
		}
	}
	raw = btf__raw_data(dst, &sz);
	f = fopen(argv[2], "wb");
	if (!raw || !f || fwrite(raw, 1, sz, f) != sz || fclose(f)) {
		fprintf(stderr, "mkbtf: %s: write failed\n", argv[2]);
		return 1;
	}
	btf__free(dst);
	btf__free(src);
	return 0;
}
