/* Runtime offsets: the running kernel's layout and registers by name. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <ptregs/runtime.h>
#include "fixtures.h"
#include "internal.h"

static void registers_by_kernel_and_uapi_name(void **state)
{
	struct ptregs_layout *legacy = ptregs_layout_load("builtin:legacy", NULL, NULL);
	struct ptregs_layout *pkrs = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	struct ptregs_layout *uapi = ptregs_layout_load("builtin:uapi", NULL, NULL);

	(void)state;
	assert_non_null(legacy);
	assert_non_null(pkrs);
	assert_non_null(uapi);
	assert_int_equal(ptregs_reg_offset(legacy, "di"), 112);
	assert_int_equal(ptregs_reg_offset(legacy, "rdi"), 112);
	assert_int_equal(ptregs_reg_offset(pkrs, "rdi"), 120);
	assert_int_equal(ptregs_reg_offset(pkrs, "ip"), 136);
	assert_int_equal(ptregs_reg_offset(pkrs, "eflags"), 152);
	assert_int_equal(ptregs_reg_offset(pkrs, "pkrs"), 0);
	assert_int_equal(ptregs_reg_offset(uapi, "di"), 112);
	assert_int_equal(ptregs_reg_offset(uapi, "orig_ax"), 120);
	assert_int_equal(ptregs_reg_offset(legacy, "pkrs"), -ENOENT);
	assert_non_null(strstr(ptregs_errmsg(), "no register 'pkrs'"));
	assert_int_equal(ptregs_reg_offset(legacy, "xmm0"), -ENOENT);
	assert_int_equal(ptregs_reg_offset(legacy, NULL), -EINVAL);
	assert_string_equal(ptregs_reg_kernel_name("rip"), "ip");
	assert_string_equal(ptregs_reg_kernel_name("r9"), "r9");
	assert_string_equal(ptregs_reg_uapi_name("flags"), "eflags");
	assert_null(ptregs_reg_kernel_name("pkrs"));
	ptregs_layout_free(legacy);
	ptregs_layout_free(pkrs);
	ptregs_layout_free(uapi);
}

static void missing_btf_falls_back_to_a_builtin_table(void **state)
{
	PTREGS_OPTS(ptregs_kernel_opts, o, .btf_path = "/nonexistent/vmlinux", .fallback = "pkrs");
	PTREGS_OPTS(ptregs_kernel_opts, none, .btf_path = "/nonexistent/vmlinux", .fallback = "");
	struct ptregs_kernel_opts bad = { .sz = 4 };
	struct ptregs_layout *l;

	(void)state;
	l = ptregs_kernel_layout_load(&o);
	assert_non_null(l);
	assert_int_equal(ptregs_layout_size(l), 176);
	assert_string_equal(ptregs_layout_origin(l), "builtin:pkrs");
	assert_int_equal(ptregs_reg_offset(l, "rdi"), 120);
	ptregs_layout_free(l);
	errno = 0;
	assert_null(ptregs_kernel_layout_load(&none));
	assert_int_not_equal(errno, 0);
	assert_non_null(strstr(ptregs_errmsg(), "/nonexistent/vmlinux"));
	assert_null(ptregs_kernel_layout_load(&bad));
	assert_int_equal(errno, EINVAL);
}

static void *get_layout(void *arg)
{
	(void)arg;
	return (void *)ptregs_kernel_layout();
}

/* Loaded once, whichever thread asks first; the same object for all. */
static void kernel_layout_is_one_object_for_every_thread(void **state)
{
	pthread_t t[4];
	void *got[4];
	const struct ptregs_layout *l;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, get_layout, NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], &got[i]), 0);
	l = ptregs_kernel_layout();
	assert_non_null(l);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(got[i], l);
	/* this machine's kernel, by BTF or the fallback: di is somewhere */
	assert_true(ptregs_reg_offset(NULL, "rdi") >= 112);
	assert_int_equal(ptregs_reg_offset(NULL, "rdi"), ptregs_reg_offset(l, "di"));
}

/*
 * Raw BTF in a new file (fx_unlink() it): long unsigned int, struct other,
 * struct pt_regs with two registers and an anonymous union defined after
 * it (the head must reach past the struct), then PAD more types. The
 * union's cs is of type CS_TYPE (0: long unsigned int). *SIZE: the file's.
 */
static char *write_btf(int pad, int cs_type, size_t *size)
{
	struct btf *b = btf__new_empty();
	uint32_t len;
	char *path;
	int ul;

	assert_non_null(b);
	ul = btf__add_int(b, "long unsigned int", 8, 0);
	assert_int_equal(btf__add_struct(b, "other", 8), 2);
	assert_int_equal(btf__add_field(b, "x", ul, 0, 0), 0);
	assert_int_equal(btf__add_struct(b, "pt_regs", 24), 3);
	assert_int_equal(btf__add_field(b, "di", ul, 0, 0), 0);
	assert_int_equal(btf__add_field(b, "si", ul, 64, 0), 0);
	assert_int_equal(btf__add_field(b, NULL, 4, 128, 0), 0);
	assert_int_equal(btf__add_union(b, NULL, 8), 4);
	assert_int_equal(btf__add_field(b, "cs", cs_type ? cs_type : ul, 0, 0), 0);
	assert_int_equal(btf__add_field(b, "csx", ul, 0, 0), 0);
	for (int i = 0; i < pad; i++)
		assert_true(btf__add_int(b, "pad", 4, 0) > 0);
	assert_non_null(btf__raw_data(b, &len));
	*size = len;
	path = fx_write_btf(b);
	btf__free(b);
	return path;
}

/* Every type id the BTF names is one of its own (what libbpf 1.3+ checks). */
static void assert_self_contained(const struct btf *b)
{
	uint32_t n = btf__type_cnt(b);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);

		if (btf_is_composite(t)) {
			for (uint16_t i = 0; i < btf_vlen(t); i++)
				assert_true(btf_members(t)[i].type < n);
		} else if (btf_is_array(t)) {
			assert_true(btf_array(t)->type < n);
			assert_true(btf_array(t)->index_type < n);
		} else if (btf_is_ptr(t) || btf_is_typedef(t) || btf_is_mod(t)) {
			assert_true(t->type < n);
		}
	}
}

/*
 * pt_regs of PATH's head, which must be cut, self-contained, smaller than
 * the file, and give the same layout as the whole file. Returns the number
 * of types the head keeps.
 */
static uint32_t assert_head_is_the_whole(const char *path)
{
	struct ptregs_source *src;
	struct ptregs_layout *h, *w;
	struct btf *b;
	void *head;
	size_t len, file;
	uint32_t cnt;

	assert_int_equal(pt_btf_head(path, "pt_regs", &head, &len), 0);
	free(fx_read(path, &file));
	assert_true(len < file);
	b = btf__new(head, (uint32_t)len);
	assert_non_null(b);
	assert_self_contained(b);
	cnt = btf__type_cnt(b) - 1;
	btf__free(b);
	src = pt_source_btf_mem(path, head, len);
	assert_non_null(src);
	h = ptregs_source_layout(src, "pt_regs");
	ptregs_source_close(src);
	free(head);
	w = ptregs_layout_load(path, "pt_regs", NULL);
	assert_non_null(h);
	assert_non_null(w);
	assert_int_equal(ptregs_layout_size(h), ptregs_layout_size(w));
	assert_int_equal(ptregs_layout_field_cnt(h), ptregs_layout_field_cnt(w));
	for (size_t i = 0; i < ptregs_layout_field_cnt(h); i++) {
		assert_string_equal(ptregs_layout_field(h, i)->name, ptregs_layout_field(w, i)->name);
		assert_int_equal(ptregs_layout_field(h, i)->offset, ptregs_layout_field(w, i)->offset);
		assert_int_equal(ptregs_layout_field(h, i)->size, ptregs_layout_field(w, i)->size);
		assert_int_equal(ptregs_layout_field(h, i)->bit_size,
				 ptregs_layout_field(w, i)->bit_size);
	}
	ptregs_layout_free(h);
	ptregs_layout_free(w);
	return cnt;
}

/* The head of a BTF file: pt_regs and the types it names, no more. */
static void head_of_the_btf_gives_the_whole_files_layout(void **state)
{
	static const enum fx_regs kinds[] = { FX_LEGACY, FX_PKRS, FX_FRED };
	size_t size;
	char *path = write_btf(2000, 0, &size);

	(void)state;
	/* the int, pt_regs, the union after it: not struct other */
	assert_int_equal(assert_head_is_the_whole(path), 3);
	fx_unlink(path);
	/* the fixtures' layouts: a pkrs slot, FRED's unions and bitfields */
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct btf *b = fx_btf_pt_regs(kinds[k]);

		assert_true(btf__add_int(b, "after", 4, 0) > 0);
		path = fx_write_btf(b);
		btf__free(b);
		assert_head_is_the_whole(path);
		fx_unlink(path);
	}
	/* this machine's kernel, when it has BTF: the same either way */
	if (access(PTREGS_KERNEL_BTF, R_OK) == 0)
		assert_head_is_the_whole(PTREGS_KERNEL_BTF);
}

/* What cannot be cut is an error (the caller reads the whole file). */
static void head_of_a_bad_btf_is_an_error(void **state)
{
	void *head;
	size_t len, size;
	char *path;

	(void)state;
	assert_int_equal(pt_btf_head("/nonexistent/btf", "pt_regs", &head, &len), -ENOENT);
	path = write_btf(10, 0, &size);
	assert_int_equal(pt_btf_head(path, "no_such_struct", &head, &len), -EINVAL);
	assert_null(head);
	/* cut inside the type section, inside the strings */
	assert_int_equal(truncate(path, 24 + 40), 0);
	assert_int_equal(pt_btf_head(path, "pt_regs", &head, &len), -EINVAL);
	fx_unlink(path);
	path = write_btf(10, 0, &size);
	assert_int_equal(truncate(path, (off_t)size - 3), 0);
	assert_int_equal(pt_btf_head(path, "pt_regs", &head, &len), -EINVAL);
	fx_unlink(path);
	/* a member of a type that is not there: past the last type, and
	 * past what the type section could hold */
	path = write_btf(10, 20, &size);
	assert_int_equal(pt_btf_head(path, "pt_regs", &head, &len), -EINVAL);
	fx_unlink(path);
	path = write_btf(10, 9999, &size);
	assert_int_equal(pt_btf_head(path, "pt_regs", &head, &len), -EINVAL);
	/* not BTF */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(pt_btf_head(path, "pt_regs", &head, &len), -EINVAL);
	fx_unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registers_by_kernel_and_uapi_name),
		cmocka_unit_test(missing_btf_falls_back_to_a_builtin_table),
		cmocka_unit_test(kernel_layout_is_one_object_for_every_thread),
		cmocka_unit_test(head_of_the_btf_gives_the_whole_files_layout),
		cmocka_unit_test(head_of_a_bad_btf_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
