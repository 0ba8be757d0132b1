/* The public object reader and analysis API: opening, programs, options. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <ptregs/object.h>
#include "fixtures.h"

static const struct ptregs_object_prog *prog_named(const struct ptregs_object *o, const char *name)
{
	for (size_t i = 0; i < ptregs_object_prog_cnt(o); i++)
		if (strcmp(ptregs_object_prog_name(ptregs_object_prog(o, i)), name) == 0)
			return ptregs_object_prog(o, i);
	return NULL;
}

static void optional_section_is_a_kprobe_with_autoload_off(void **state)
{
	struct ptregs_object *o = ptregs_object_open_file(fx_path("loadable.bpf.o"), NULL);
	const struct ptregs_object_prog *p;

	(void)state;
	assert_non_null(o);
	p = prog_named(o, "optional_prog");
	assert_non_null(p);
	assert_string_equal(ptregs_object_prog_section(p), "?kprobe/vfs_write");
	assert_string_equal(ptregs_object_prog_type(p), "kprobe");
	assert_true(ptregs_object_prog_optional(p));
	assert_false(ptregs_object_prog_static(p));
	assert_int_equal(ptregs_object_prog_linked(p)->ctx, PTREGS_CTX_PT_REGS);
	assert_int_equal(ptregs_object_warning_cnt(o), 0);
	ptregs_object_close(o);
}

static void static_program_is_listed_and_flagged(void **state)
{
	struct ptregs_object *o = ptregs_object_open_file(fx_path("loadable.bpf.o"), NULL);
	const struct ptregs_object_prog *p;

	(void)state;
	assert_non_null(o);
	assert_int_equal(ptregs_object_prog_cnt(o), 2);
	p = prog_named(o, "static_prog");
	assert_non_null(p);
	assert_true(ptregs_object_prog_static(p));
	assert_string_equal(ptregs_object_prog_type(p), "kprobe");
	ptregs_object_close(o);
}

static void analysis_of_a_program_reads_through_accessors(void **state)
{
	struct ptregs_layout *from = ptregs_layout_load("builtin:legacy", NULL, NULL);
	struct ptregs_layout *to = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	PTREGS_OPTS(ptregs_object_opts, oo, .to = to);
	struct ptregs_object *o = ptregs_object_open_file(fx_path("loadable.bpf.o"), &oo);
	struct ptregs_analysis *an;
	const struct ptregs_access *a;

	(void)state;
	assert_non_null(o);
	an = ptregs_analysis_new(ptregs_object_prog_linked(prog_named(o, "optional_prog")), from,
				 to);
	assert_non_null(an);
	assert_int_equal(ptregs_analysis_access_cnt(an), 1);
	a = ptregs_analysis_access(an, 0);
	assert_int_equal(a->offset, 96);
	assert_int_equal(a->verdict, PTREGS_VERDICT_BREAKS);
	assert_string_equal(a->old_field, "dx");
	assert_string_equal(a->new_field, "cx");
	assert_null(ptregs_analysis_access(an, 1));
	ptregs_analysis_free(an);
	ptregs_object_close(o);
	ptregs_layout_free(from);
	ptregs_layout_free(to);
}

static void object_opts_smaller_than_first_version_are_rejected(void **state)
{
	struct ptregs_object_opts oo = { .sz = sizeof(size_t) };

	(void)state;
	errno = 0;
	assert_null(ptregs_object_open_file(fx_path("loadable.bpf.o"), &oo));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(ptregs_errmsg(), "ptregs_object_opts: sz"));
}

static void options_from_a_newer_header_with_unknown_bits_are_rejected(void **state)
{
	struct {
		struct ptregs_object_opts o;
		long newer;
	} big = { .o = { .sz = sizeof(big) }, .newer = 1 };
	struct ptregs_prog p = { .sz = 4 };

	(void)state;
	assert_null(ptregs_object_open_file(fx_path("loadable.bpf.o"), &big.o));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(ptregs_errmsg(), "unknown non-zero option"));
	big.newer = 0;
	ptregs_object_close(ptregs_object_open_file(fx_path("loadable.bpf.o"), &big.o));
	assert_null(ptregs_analysis_new(&p, NULL, NULL));
	assert_int_equal(errno, EINVAL);
}

static void an_object_cut_short_is_truncated(void **state)
{
	size_t len;
	void *buf = fx_read(fx_path("loadable.bpf.o"), &len);
	size_t cuts[] = { len - 1, len / 2, 63, 16, 10, 4 };

	(void)state;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t objsz;

		assert_null(ptregs_object_open_mem(buf, cuts[i], NULL));
		assert_non_null(strstr(ptregs_errmsg(), "truncated"));
		assert_false(ptregs_elf_is_bpf(buf, cuts[i], &objsz));
	}
	free(buf);
}

static void a_missing_file_is_named(void **state)
{
	(void)state;
	assert_null(ptregs_object_open_file("/nonexistent/x.o", NULL));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(ptregs_errmsg(), "/nonexistent/x.o"));
}

static void a_directory_or_device_sets_errno(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ptregs_object_open_file("/tmp", NULL));
	assert_int_equal(errno, EISDIR);
	errno = 0;
	assert_null(ptregs_object_open_file("/dev/null", NULL));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(ptregs_errmsg(), "not a regular file"));
}

static void a_big_endian_object_is_refused_by_name(void **state)
{
	(void)state;
	assert_null(ptregs_object_open_file(fx_path("regs_bpfeb.o"), NULL));
	assert_int_equal(errno, ENOTSUP);
	assert_non_null(strstr(ptregs_errmsg(), "big-endian BPF objects are not supported"));
}

static void an_embedded_object_is_found_after_its_host(void **state)
{
	size_t len, off, objsz, pos = 0;
	uint8_t *obj = fx_read(fx_path("loadable.bpf.o"), &len);
	uint8_t *host = calloc(1, len + 4096);

	(void)state;
	assert_non_null(host);
	memcpy(host, "\177ELF", 4);	/* the host's own header is not a find */
	memcpy(host + 4096, obj, len);
	assert_true(ptregs_embedded_next(host, len + 4096, &pos, &off, &objsz));
	assert_int_equal(off, 4096);
	assert_int_equal(objsz, len);
	assert_false(ptregs_embedded_next(host, len + 4096, &pos, &off, &objsz));
	assert_false(ptregs_light_skeleton(host, len + 4096));
	free(host);
	free(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(optional_section_is_a_kprobe_with_autoload_off),
		cmocka_unit_test(static_program_is_listed_and_flagged),
		cmocka_unit_test(analysis_of_a_program_reads_through_accessors),
		cmocka_unit_test(object_opts_smaller_than_first_version_are_rejected),
		cmocka_unit_test(options_from_a_newer_header_with_unknown_bits_are_rejected),
		cmocka_unit_test(an_object_cut_short_is_truncated),
		cmocka_unit_test(a_missing_file_is_named),
		cmocka_unit_test(a_directory_or_device_sets_errno),
		cmocka_unit_test(a_big_endian_object_is_refused_by_name),
		cmocka_unit_test(an_embedded_object_is_found_after_its_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
