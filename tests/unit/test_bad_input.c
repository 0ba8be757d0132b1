/* Every bad input gets one clear message naming the file, and no crash. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/btf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ptregs/ptregs.h>
#include "fixtures.h"

/* Loading SPEC fails, the message names FILE and contains WHAT. */
static void assert_refused(const char *spec, const struct ptregs_open_opts *oo,
			   const char *file, const char *what)
{
	struct ptregs_layout *l = ptregs_layout_load(spec, NULL, oo);
	const char *msg = ptregs_errmsg();

	if (l)
		fail_msg("%s loaded, expected: %s", spec, what);
	assert_true(errno > 0);
	if (!strstr(msg, file) || !strstr(msg, what))
		fail_msg("message '%s' lacks '%s' or '%s'", msg, file, what);
	assert_null(strchr(msg, '\n'));
}

static void missing_file(void **state)
{
	(void)state;
	assert_refused("/nonexistent/vmlinux", NULL, "/nonexistent/vmlinux",
		       "No such file or directory");
	assert_int_equal(errno, ENOENT);
}

static void directory(void **state)
{
	(void)state;
	assert_refused("/tmp", NULL, "/tmp", "is a directory");
}

static void unreadable_file(void **state)
{
	char *p = fx_write_bytes("x", 1);

	(void)state;
	chmod(p, 0);
	if (geteuid() == 0) {
		/* root reads anything: check as an unprivileged user in a child */
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(2);
			_exit(!ptregs_layout_load(p, NULL, NULL) && errno == EACCES &&
			      strstr(ptregs_errmsg(), "Permission denied") ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	} else {
		assert_refused(p, NULL, p, "Permission denied");
	}
	fx_unlink(p);
}

static void empty_file(void **state)
{
	char *p = fx_write_bytes("", 0);

	(void)state;
	assert_refused(p, NULL, p, "empty file");
	fx_unlink(p);
}

static void neither_btf_nor_elf(void **state)
{
	static const char text[] = "struct pt_regs { long di; };\n";
	char *p = fx_write_bytes(text, sizeof(text) - 1);

	(void)state;
	assert_refused(p, NULL, p, "not a BTF or ELF file");
	fx_unlink(p);
}

static void elf_without_btf_or_dwarf(void **state)
{
	const char *obj = fx_path("nodebug.o");
	struct ptregs_open_opts oo = { .sz = sizeof(oo), .force_dwarf = true };

	(void)state;
	assert_refused(obj, NULL, "nodebug.o", "neither .BTF nor DWARF");
	assert_refused(obj, &oo, "nodebug.o", "no DWARF");
}

static void truncated_elf(void **state)
{
	size_t len;
	char *data = fx_read(fx_path("regs_dwarf"), &len);
	char *p = fx_write_bytes(data, 200);

	(void)state;
	assert_refused(p, NULL, p, "truncated or malformed ELF: the section headers start at byte");
	fx_unlink(p);
	free(data);
}

static void elf_with_garbage_section_table(void **state)
{
	size_t len;
	char *data = fx_read(fx_path("regs_bpf.o"), &len);
	char *p;

	(void)state;
	/* e_shoff points past the end of the file */
	memset(data + 0x28, 0x7f, 8);
	p = fx_write_bytes(data, len);
	assert_refused(p, NULL, p, "malformed ELF");
	fx_unlink(p);
	free(data);
}

static void *legacy_btf(size_t *len)
{
	struct btf *btf = fx_btf_pt_regs(FX_LEGACY);
	uint32_t sz;
	const void *raw = btf__raw_data(btf, &sz);
	void *copy = malloc(sz);

	memcpy(copy, raw, sz);
	*len = sz;
	btf__free(btf);
	return copy;
}

static void truncated_btf(void **state)
{
	size_t len;
	char *raw = legacy_btf(&len);
	size_t cuts[] = { 3, sizeof(struct btf_header) - 1, sizeof(struct btf_header) + 10,
			  len / 2, len - 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char *p = fx_write_bytes(raw, cuts[i]);

		assert_refused(p, NULL, p, "invalid BTF");
		fx_unlink(p);
	}
	free(raw);
}

static void btf_header_lies_about_lengths(void **state)
{
	size_t len;
	char *raw = legacy_btf(&len);
	struct btf_header *h = (struct btf_header *)raw;
	char *p;

	(void)state;
	h->type_len += 4096;
	p = fx_write_bytes(raw, len);
	assert_refused(p, NULL, p, "invalid BTF");
	fx_unlink(p);
	free(raw);
}

/* Each header problem gets a message naming the file and the problem. */
static void btf_header_problems_are_named(void **state)
{
	size_t len;
	char *raw = legacy_btf(&len);
	struct btf_header *h = (struct btf_header *)raw;
	struct {
		const char *what;
		size_t len;
		uint32_t off, val;	/* write VAL at byte OFF, if OFF != 0 */
	} cases[] = {
		{ "shorter than the 24-byte header", 20, 0, 0 },
		{ "unsupported version 2", len, offsetof(struct btf_header, version), 2 },
		{ "header length 8 is shorter", len, offsetof(struct btf_header, hdr_len), 8 },
		{ "type section ends at byte", len, offsetof(struct btf_header, type_len),
		  h->type_len + 4096 },
		{ "string section ends at byte", len - 1, 0, 0 },
		{ "not 4-byte aligned", len, offsetof(struct btf_header, type_off), 2 },
		{ "empty string section", len, offsetof(struct btf_header, str_len), 0 },
		{ "not NUL-terminated", len, h->hdr_len + h->str_off + h->str_len - 1, 'x' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *copy = malloc(len);
		char *p;

		memcpy(copy, raw, len);
		/* version and string bytes are one byte wide, header lengths four */
		if (cases[i].off == offsetof(struct btf_header, version) ||
		    cases[i].off >= h->hdr_len)
			copy[cases[i].off] = (char)cases[i].val;
		else if (cases[i].off)
			memcpy(copy + cases[i].off, &cases[i].val, 4);
		p = fx_write_bytes(copy, cases[i].len);
		assert_refused(p, NULL, p, "invalid BTF");
		assert_refused(p, NULL, p, cases[i].what);
		fx_unlink(p);
		free(copy);
	}
	free(raw);
}

/*
 * libbpf's print callback is process-wide and belongs to the host
 * program: libptregs must never swap it, not even for a moment, not even
 * while threads open BTF (valid and invalid) at the same time.
 */
static atomic_int host_prints;
static atomic_int threads_done;

static int host_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	atomic_fetch_add(&host_prints, 1);
	return 0;
}

static void *open_loop(void *arg)
{
	char *const *paths = arg;

	for (int i = 0; i < 200; i++) {
		for (int j = 0; j < 3; j++)
			ptregs_source_close(ptregs_source_open(paths[j], NULL));
	}
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

static void libbpf_print_callback_is_never_swapped(void **state)
{
	struct btf *btf = fx_btf_pt_regs(FX_LEGACY);
	size_t len;
	char *raw = legacy_btf(&len);
	struct btf_header *h = (struct btf_header *)raw;
	char *paths[3];
	pthread_t th[4];
	int swapped = 0;
	libbpf_print_fn_t prev;

	(void)state;
	paths[0] = fx_write_btf(btf);
	paths[1] = fx_write_bytes(raw, len - 1);	/* refused by our header check */
	/* a well-formed header over a type of kind 31: refused by libbpf */
	((struct btf_type *)(raw + h->hdr_len + h->type_off))->info = 31u << 24;
	paths[2] = fx_write_bytes(raw, len);

	prev = libbpf_set_print(host_print);
	atomic_store(&threads_done, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, open_loop, paths), 0);
	/* setting the same callback again tells whether anyone replaced it */
	while (atomic_load(&threads_done) < 4)
		swapped += libbpf_set_print(host_print) != host_print;
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_true(libbpf_set_print(prev) == host_print);
	assert_int_equal(swapped, 0);
	/* libbpf's own reasons still reached the host's callback */
	assert_true(atomic_load(&host_prints) > 0);

	for (int i = 0; i < 3; i++)
		fx_unlink(paths[i]);
	free(raw);
	btf__free(btf);
}

static void btf_with_unknown_kind(void **state)
{
	size_t len;
	char *raw = legacy_btf(&len);
	struct btf_header *h = (struct btf_header *)raw;
	struct btf_type *t = (struct btf_type *)(raw + h->hdr_len + h->type_off);
	char *p;

	(void)state;
	t->info = (31u << 24);	/* kind 31 does not exist */
	p = fx_write_bytes(raw, len);
	assert_refused(p, NULL, p, "invalid BTF");
	fx_unlink(p);
	free(raw);
}

static void btf_member_pointing_nowhere(void **state)
{
	struct btf *btf = btf__new_empty();
	char *p;

	(void)state;
	assert_true(btf__add_struct(btf, "pt_regs", 8) > 0);
	/* type id 77 does not exist */
	assert_int_equal(btf__add_field(btf, "di", 77, 0, 0), 0);
	p = fx_write_btf(btf);
	assert_refused(p, NULL, p, "");
	fx_unlink(p);
	btf__free(btf);
}

static void dwarf_forced_on_raw_btf(void **state)
{
	struct btf *btf = fx_btf_pt_regs(FX_LEGACY);
	char *p = fx_write_btf(btf);
	struct ptregs_open_opts oo = { .sz = sizeof(oo), .force_dwarf = true };

	(void)state;
	assert_refused(p, &oo, p, "raw BTF has no DWARF");
	fx_unlink(p);
	btf__free(btf);
}

static void struct_that_does_not_exist(void **state)
{
	struct btf *btf = fx_btf_pt_regs(FX_LEGACY);
	char *p = fx_write_btf(btf);

	(void)state;
	assert_null(ptregs_layout_load(p, "no_such_struct", NULL));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(ptregs_errmsg(), p));
	assert_non_null(strstr(ptregs_errmsg(), "no_such_struct"));
	assert_null(ptregs_layout_load(fx_path("regs_dwarf"), "no_such_struct", NULL));
	assert_non_null(strstr(ptregs_errmsg(), "no_such_struct"));
	fx_unlink(p);
	btf__free(btf);
}

static void missing_base_btf(void **state)
{
	struct btf *btf = fx_btf_pt_regs(FX_LEGACY);
	char *p = fx_write_btf(btf);
	struct ptregs_open_opts oo = { .sz = sizeof(oo), .base_btf = "/nonexistent/base" };

	(void)state;
	assert_refused(p, &oo, "/nonexistent/base", "base BTF");
	fx_unlink(p);
	btf__free(btf);
}

static void opts_from_the_future_are_refused(void **state)
{
	struct {
		struct ptregs_open_opts o;
		long future;
	} big = { .o = { .sz = sizeof(big) }, .future = 1 };

	(void)state;
	assert_null(ptregs_source_open("builtin:legacy", &big.o));
	assert_int_equal(errno, EINVAL);
	big.future = 0;
	ptregs_source_close(ptregs_source_open("builtin:legacy", &big.o));
}

static void opts_smaller_than_their_first_version_are_refused(void **state)
{
	struct ptregs_open_opts o = { .sz = sizeof(size_t) + 1 };

	(void)state;
	errno = 0;
	assert_null(ptregs_source_open("builtin:legacy", &o));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(ptregs_errmsg(), "ptregs_open_opts: sz"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_file),
		cmocka_unit_test(directory),
		cmocka_unit_test(unreadable_file),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(neither_btf_nor_elf),
		cmocka_unit_test(elf_without_btf_or_dwarf),
		cmocka_unit_test(truncated_elf),
		cmocka_unit_test(elf_with_garbage_section_table),
		cmocka_unit_test(truncated_btf),
		cmocka_unit_test(btf_header_lies_about_lengths),
		cmocka_unit_test(btf_with_unknown_kind),
		cmocka_unit_test(btf_header_problems_are_named),
		cmocka_unit_test(libbpf_print_callback_is_never_swapped),
		cmocka_unit_test(btf_member_pointing_nowhere),
		cmocka_unit_test(dwarf_forced_on_raw_btf),
		cmocka_unit_test(struct_that_does_not_exist),
		cmocka_unit_test(missing_base_btf),
		cmocka_unit_test(opts_from_the_future_are_refused),
		cmocka_unit_test(opts_smaller_than_their_first_version_are_refused),
	};

	return cmocka_run_group_tests_name("bad_input", tests, NULL, NULL);
}
