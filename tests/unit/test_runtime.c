/* Runtime offsets: the running kernel's layout and registers by name. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ptregs/runtime.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registers_by_kernel_and_uapi_name),
		cmocka_unit_test(missing_btf_falls_back_to_a_builtin_table),
		cmocka_unit_test(kernel_layout_is_one_object_for_every_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
