/* The layout model and its loaders: BTF, DWARF, built-in tables. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <ptregs/ptregs.h>
#include "fixtures.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const legacy_order[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
	"cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};

static void assert_field(const struct ptregs_layout *l, const char *name, uint32_t off,
			 uint32_t size)
{
	const struct ptregs_field *f = ptregs_layout_find(l, name);

	if (!f)
		fail_msg("no field %s in %s", name, ptregs_layout_origin(l));
	assert_non_null(f);
	assert_int_equal(f->offset, off);
	assert_int_equal(f->size, size);
}

static void assert_legacy_shape(const struct ptregs_layout *l, uint32_t base)
{
	for (size_t i = 0; i < sizeof(legacy_order) / sizeof(legacy_order[0]); i++)
		assert_field(l, legacy_order[i], base + 8 * (uint32_t)i, 8);
}

static void builtin_legacy_is_168_bytes_with_di_at_112(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load("builtin:legacy", NULL, NULL);

	(void)state;
	assert_non_null(l);
	assert_string_equal(ptregs_layout_name(l), "pt_regs");
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_int_equal(ptregs_layout_field_cnt(l), 21);
	assert_legacy_shape(l, 0);
	assert_field(l, "di", 112, 8);
	assert_string_equal(ptregs_layout_origin(l), "builtin:legacy");
	ptregs_layout_free(l);
}

static void builtin_pkrs_is_176_bytes_with_pkrs_first(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load("builtin:pkrs", "pt_regs", NULL);

	(void)state;
	assert_non_null(l);
	assert_int_equal(ptregs_layout_size(l), 176);
	assert_int_equal(ptregs_layout_field_cnt(l), 22);
	assert_string_equal(ptregs_layout_field(l, 0)->name, "pkrs");
	assert_field(l, "pkrs", 0, 8);
	assert_legacy_shape(l, 8);
	assert_field(l, "di", 120, 8);
	ptregs_layout_free(l);
}

static void builtin_uapi_uses_user_space_names(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load("builtin:uapi", NULL, NULL);

	(void)state;
	assert_non_null(l);
	assert_field(l, "rdi", 112, 8);
	assert_field(l, "rip", 128, 8);
	assert_field(l, "eflags", 144, 8);
	assert_null(ptregs_layout_find(l, "di"));
	ptregs_layout_free(l);
}

static void builtin_only_describes_pt_regs(void **state)
{
	(void)state;
	assert_null(ptregs_layout_load("builtin:legacy", "task_struct", NULL));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(ptregs_errmsg(), "task_struct"));
	assert_null(ptregs_layout_load("builtin:nosuch", NULL, NULL));
	assert_non_null(strstr(ptregs_errmsg(), "builtin:nosuch"));
}

static void builtin_names_are_listed_and_described(void **state)
{
	size_t n = 0;

	(void)state;
	for (const char *const *p = ptregs_builtin_names(); *p; p++, n++)
		assert_non_null(ptregs_builtin_description(*p));
	assert_int_equal(n, 4);
	assert_null(ptregs_builtin_description("nosuch"));
}

static struct ptregs_layout *load_fixture_btf(enum fx_regs kind, const char *name)
{
	struct btf *btf = fx_btf_pt_regs(kind);
	char *path = fx_write_btf(btf);
	struct ptregs_layout *l = ptregs_layout_load(path, name, NULL);

	if (!l)
		fail_msg("%s", ptregs_errmsg());
	fx_unlink(path);
	btf__free(btf);
	return l;
}

static void btf_legacy_fixture_matches_builtin(void **state)
{
	struct ptregs_layout *l = load_fixture_btf(FX_LEGACY, NULL);
	struct ptregs_layout *b = ptregs_layout_load("builtin:legacy", NULL, NULL);
	struct ptregs_diff *d = ptregs_layout_diff(b, l);

	(void)state;
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_legacy_shape(l, 0);
	assert_non_null(strstr(ptregs_layout_origin(l), "btf:"));
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_SAME);
	assert_int_equal(ptregs_diff_change_cnt(d), 0);
	ptregs_diff_free(d);
	ptregs_layout_free(b);
	ptregs_layout_free(l);
}

static void btf_pkrs_fixture_moves_every_register_by_8(void **state)
{
	struct ptregs_layout *l = load_fixture_btf(FX_PKRS, "struct pt_regs");

	(void)state;
	assert_int_equal(ptregs_layout_size(l), 176);
	assert_field(l, "pkrs", 0, 8);
	assert_legacy_shape(l, 8);
	ptregs_layout_free(l);
}

static void btf_fred_unions_flatten_to_aliases_at_136(void **state)
{
	struct ptregs_layout *l = load_fixture_btf(FX_FRED, NULL);
	const struct ptregs_field *f;

	(void)state;
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_int_equal(ptregs_layout_field_cnt(l), 25);
	assert_field(l, "cs", 136, 2);
	assert_field(l, "csx", 136, 8);
	assert_field(l, "fred_cs", 136, 8);
	assert_field(l, "ss", 160, 2);
	assert_field(l, "ssx", 160, 8);
	assert_field(l, "flags", 144, 8);
	/* a member of named struct type stays one field */
	assert_null(ptregs_layout_find(l, "fred_cs.cs"));
	f = ptregs_layout_find(l, "fred_cs");
	assert_string_equal(f->type, "struct fred_cs");
	/* union members keep declaration order at one offset */
	assert_string_equal(ptregs_layout_field(l, 17)->name, "cs");
	assert_string_equal(ptregs_layout_field(l, 18)->name, "csx");
	assert_string_equal(ptregs_layout_field(l, 19)->name, "fred_cs");
	ptregs_layout_free(l);
}

static void btf_bitfields_keep_bit_positions(void **state)
{
	struct ptregs_layout *l = load_fixture_btf(FX_FRED, "fred_cs");
	const struct ptregs_field *f;

	(void)state;
	assert_int_equal(ptregs_layout_size(l), 8);
	f = ptregs_layout_find(l, "sl");
	assert_non_null(f);
	assert_int_equal(f->bit_offset, 16);
	assert_int_equal(f->bit_size, 2);
	assert_int_equal(f->offset, 0);	/* its u64 storage unit */
	assert_int_equal(f->size, 8);
	ptregs_layout_free(l);
}

static void field_at_resolves_accesses(void **state)
{
	struct ptregs_layout *legacy = ptregs_layout_load("builtin:legacy", NULL, NULL);
	struct ptregs_layout *pkrs = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	struct ptregs_layout *fred = ptregs_layout_load("builtin:fred", NULL, NULL);

	(void)state;
	assert_string_equal(ptregs_layout_field_at(legacy, 112, 8)->name, "di");
	assert_string_equal(ptregs_layout_field_at(pkrs, 112, 8)->name, "si");
	assert_string_equal(ptregs_layout_field_at(legacy, 116, 4)->name, "di");
	assert_string_equal(ptregs_layout_field_at(fred, 136, 2)->name, "cs");
	assert_string_equal(ptregs_layout_field_at(fred, 136, 8)->name, "csx");
	assert_string_equal(ptregs_layout_field_at(fred, 137, 1)->name, "cs");
	assert_null(ptregs_layout_field_at(legacy, 168, 8));
	assert_null(ptregs_layout_field_at(legacy, 4, 8));	/* straddles r15/r14 */
	/* a size not known (0): the register holding the first byte, not the
	 * one that ends there */
	assert_string_equal(ptregs_layout_field_at(legacy, 112, 0)->name, "di");
	assert_string_equal(ptregs_layout_field_at(legacy, 0, 0)->name, "r15");
	assert_null(ptregs_layout_field_at(legacy, 168, 0));
	ptregs_layout_free(legacy);
	ptregs_layout_free(pkrs);
	ptregs_layout_free(fred);
}

static void split_btf_loads_with_its_base(void **state)
{
	struct btf *base = btf__new_empty(), *split;
	char *base_path, *split_path;
	struct ptregs_open_opts oo = { .sz = sizeof(oo) };
	struct ptregs_layout *l;
	int ul, s;

	(void)state;
	ul = btf__add_int(base, "long unsigned int", 8, 0);
	assert_true(ul > 0);
	split = btf__new_empty_split(base);
	s = btf__add_struct(split, "mod_regs", 16);
	assert_true(s > ul);
	assert_int_equal(btf__add_field(split, "a", ul, 0, 0), 0);
	assert_int_equal(btf__add_field(split, "b", ul, 64, 0), 0);
	base_path = fx_write_btf(base);
	split_path = fx_write_btf(split);

	oo.base_btf = base_path;
	l = ptregs_layout_load(split_path, "mod_regs", &oo);
	if (!l)
		fail_msg("%s", ptregs_errmsg());
	assert_field(l, "b", 8, 8);
	assert_string_equal(ptregs_layout_field(l, 0)->type, "long unsigned int");
	ptregs_layout_free(l);

	/* without its base the split BTF is refused, with the file named */
	assert_null(ptregs_layout_load(split_path, "mod_regs", NULL));
	assert_non_null(strstr(ptregs_errmsg(), split_path));

	fx_unlink(base_path);
	fx_unlink(split_path);
	btf__free(split);
	btf__free(base);
}

static void elf_prefers_btf_and_dwarf_agrees(void **state)
{
	const char *obj = fx_path("regs_bpf.o");
	struct ptregs_open_opts oo = { .sz = sizeof(oo), .force_dwarf = true };
	struct ptregs_source *bs = ptregs_source_open(obj, NULL);
	struct ptregs_source *ds = ptregs_source_open(obj, &oo);
	const char *names[] = { "pt_regs", "nested", "fred_ss" };

	(void)state;
	assert_non_null(bs);
	assert_non_null(ds);
	assert_int_equal(ptregs_source_kind(bs), PTREGS_SOURCE_BTF);
	assert_int_equal(ptregs_source_kind(ds), PTREGS_SOURCE_DWARF);
	for (size_t i = 0; i < 3; i++) {
		struct ptregs_layout *b = ptregs_source_layout(bs, names[i]);
		struct ptregs_layout *d = ptregs_source_layout(ds, names[i]);
		struct ptregs_diff *df;

		assert_non_null(b);
		assert_non_null(d);
		df = ptregs_layout_diff(b, d);
		assert_int_equal(ptregs_diff_compat(df), PTREGS_COMPAT_SAME);
		assert_int_equal(ptregs_layout_field_cnt(b), ptregs_layout_field_cnt(d));
		ptregs_diff_free(df);
		ptregs_layout_free(b);
		ptregs_layout_free(d);
	}
	ptregs_source_close(bs);
	ptregs_source_close(ds);
}

static void dwarf_reads_a_programs_own_pt_regs(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load(fx_path("regs_dwarf"), "pt_regs", NULL);

	(void)state;
	if (!l)
		fail_msg("%s", ptregs_errmsg());
	assert_non_null(strstr(ptregs_layout_origin(l), "dwarf:"));
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_legacy_shape(l, 0);
	ptregs_layout_free(l);
}

static void assert_type(const struct ptregs_layout *l, const char *name, const char *type)
{
	const struct ptregs_field *f = ptregs_layout_find(l, name);

	if (!f)
		fail_msg("no field %s in %s", name, ptregs_layout_origin(l));
	if (!f->type || strcmp(f->type, type) != 0)
		fail_msg("%s: field %s has type '%s', expected '%s'", ptregs_layout_origin(l),
			 name, f->type ? f->type : "(none)", type);
}

static void dwarf_relocatable_object_gives_pt_regs_with_types(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load(fx_path("regs_dwarf_rel.o"), "pt_regs",
						     NULL);

	(void)state;
	if (!l)
		fail_msg("%s", ptregs_errmsg());
	assert_non_null(strstr(ptregs_layout_origin(l), "dwarf:"));
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_int_equal(ptregs_layout_field_cnt(l), 21);
	assert_legacy_shape(l, 0);
	for (size_t i = 0; i < ARRAY_SIZE(legacy_order); i++)
		assert_type(l, legacy_order[i], "long unsigned int");
	ptregs_layout_free(l);
}

static void dwarf_relocatable_object_with_many_structs_keeps_member_types(void **state)
{
	struct ptregs_source *s = ptregs_source_open(fx_path("many_structs.o"), NULL);
	struct ptregs_layout *l, *m;

	(void)state;
	if (!s)
		fail_msg("%s", ptregs_errmsg());
	l = ptregs_source_layout(s, "pt_regs");
	if (!l)
		fail_msg("%s", ptregs_errmsg());
	assert_int_equal(ptregs_layout_size(l), 208);
	assert_field(l, "di", 112, 8);
	assert_type(l, "di", "long unsigned int");
	assert_field(l, "last", 168, 8);
	assert_type(l, "last", "struct s59 *");
	assert_field(l, "mid", 176, 16);
	assert_type(l, "mid", "s30_t");
	assert_type(l, "first", "const struct s0 *");
	assert_field(l, "tail", 200, 3);
	assert_type(l, "tail", "unsigned char[3]");
	/* and a struct found by name is the one of that name */
	m = ptregs_source_layout(s, "s41");
	assert_non_null(m);
	assert_string_equal(ptregs_layout_name(m), "s41");
	assert_field(m, "a41", 0, 8);
	assert_field(m, "b41", 8, 41 % 7 + 1);
	ptregs_layout_free(m);
	ptregs_layout_free(l);
	ptregs_source_close(s);
}

static void dwarf_found_through_gnu_debuglink(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load(fx_path("regs_stripped"), "pt_regs", NULL);

	(void)state;
	if (!l)
		fail_msg("%s", ptregs_errmsg());
	assert_non_null(strstr(ptregs_layout_origin(l), "dwarf:"));
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_legacy_shape(l, 0);
	assert_type(l, "di", "long unsigned int");
	ptregs_layout_free(l);
}

static void dwarf_reads_user_regs_struct(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load(fx_path("regs_dwarf"), "user_regs_struct",
						     NULL);

	(void)state;
	assert_non_null(l);
	assert_int_equal(ptregs_layout_size(l), 216);
	assert_field(l, "rdi", 112, 8);
	assert_field(l, "fs_base", 168, 8);
	assert_field(l, "gs", 208, 8);
	ptregs_layout_free(l);
}

static void dwarf_flattens_anonymous_and_paths_named_members(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load(fx_path("regs_dwarf"), "nested", NULL);
	const struct ptregs_field *f;

	(void)state;
	assert_non_null(l);
	assert_field(l, "lo", 4, 2);
	assert_field(l, "hi", 6, 2);
	assert_field(l, "word", 4, 4);
	assert_field(l, "named", 8, 16);
	assert_field(l, "named.x", 8, 1);
	assert_field(l, "named.y", 16, 8);
	f = ptregs_layout_find(l, "f2");
	assert_int_equal(f->bit_offset, 24 * 8 + 3);
	assert_int_equal(f->bit_size, 5);
	f = ptregs_layout_find(l, "wide");
	assert_int_equal(f->bit_size, 40);
	assert_field(l, "tail", 30, 0);	/* flexible array */
	ptregs_layout_free(l);
}

static void typedef_and_union_names_resolve(void **state)
{
	struct ptregs_layout *t = ptregs_layout_load(fx_path("regs_dwarf"), "anon_typedef_t", NULL);
	struct ptregs_layout *u = ptregs_layout_load(fx_path("regs_dwarf"), "union just_union",
						     NULL);

	(void)state;
	assert_non_null(t);
	assert_string_equal(ptregs_layout_name(t), "anon_typedef_t");
	assert_field(t, "only", 0, 8);
	assert_non_null(u);
	assert_true(ptregs_layout_is_union(u));
	assert_int_equal(ptregs_layout_size(u), 16);
	assert_field(u, "c", 0, 16);
	assert_null(ptregs_layout_load(fx_path("regs_dwarf"), "struct just_union", NULL));
	ptregs_layout_free(t);
	ptregs_layout_free(u);
}

static void source_types_are_sorted_and_unique(void **state)
{
	struct ptregs_source *s = ptregs_source_open(fx_path("regs_bpf.o"), NULL);
	const char *const *names;
	size_t n;
	bool seen = false;

	(void)state;
	assert_non_null(s);
	assert_int_equal(ptregs_source_types(s, &names, &n), 0);
	assert_true(n >= 4);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(names[i - 1], names[i]) < 0);
	for (size_t i = 0; i < n; i++)
		seen |= strcmp(names[i], "struct pt_regs") == 0;
	assert_true(seen);
	ptregs_source_close(s);
}

static void running_kernel_btf_has_pt_regs(void **state)
{
	const char *vmlinux = "/sys/kernel/btf/vmlinux";
	struct ptregs_layout *l;

	(void)state;
	if (access(vmlinux, R_OK) != 0) {
		print_message("skipped: %s not readable on this machine\n", vmlinux);
		skip();
	}
	l = ptregs_layout_load(vmlinux, NULL, NULL);
	if (!l)
		fail_msg("%s", ptregs_errmsg());
	/* before and after FRED, with or without PKRS: di is where the kernel says */
	assert_true(ptregs_layout_size(l) == 168 || ptregs_layout_size(l) == 176);
	assert_field(l, "di", ptregs_layout_size(l) == 176 ? 120 : 112, 8);
	assert_non_null(ptregs_layout_find(l, "orig_ax"));
	ptregs_layout_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_legacy_is_168_bytes_with_di_at_112),
		cmocka_unit_test(builtin_pkrs_is_176_bytes_with_pkrs_first),
		cmocka_unit_test(builtin_uapi_uses_user_space_names),
		cmocka_unit_test(builtin_only_describes_pt_regs),
		cmocka_unit_test(builtin_names_are_listed_and_described),
		cmocka_unit_test(btf_legacy_fixture_matches_builtin),
		cmocka_unit_test(btf_pkrs_fixture_moves_every_register_by_8),
		cmocka_unit_test(btf_fred_unions_flatten_to_aliases_at_136),
		cmocka_unit_test(btf_bitfields_keep_bit_positions),
		cmocka_unit_test(field_at_resolves_accesses),
		cmocka_unit_test(split_btf_loads_with_its_base),
		cmocka_unit_test(elf_prefers_btf_and_dwarf_agrees),
		cmocka_unit_test(dwarf_reads_a_programs_own_pt_regs),
		cmocka_unit_test(dwarf_reads_user_regs_struct),
		cmocka_unit_test(dwarf_relocatable_object_gives_pt_regs_with_types),
		cmocka_unit_test(dwarf_relocatable_object_with_many_structs_keeps_member_types),
		cmocka_unit_test(dwarf_found_through_gnu_debuglink),
		cmocka_unit_test(dwarf_flattens_anonymous_and_paths_named_members),
		cmocka_unit_test(typedef_and_union_names_resolve),
		cmocka_unit_test(source_types_are_sorted_and_unique),
		cmocka_unit_test(running_kernel_btf_has_pt_regs),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
