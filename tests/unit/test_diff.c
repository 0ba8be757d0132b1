/* Comparing layouts: moved, resized, added and removed fields; the verdict. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <ptregs/ptregs.h>
#include "fixtures.h"

static struct ptregs_layout *builtin(const char *name)
{
	char spec[64];
	struct ptregs_layout *l;

	snprintf(spec, sizeof(spec), "builtin:%s", name);
	l = ptregs_layout_load(spec, NULL, NULL);
	assert_non_null(l);
	return l;
}

static const struct ptregs_change *change(const struct ptregs_diff *d, const char *name)
{
	for (size_t i = 0; i < ptregs_diff_change_cnt(d); i++)
		if (strcmp(ptregs_diff_change(d, i)->name, name) == 0)
			return ptregs_diff_change(d, i);
	fail_msg("no change for %s", name);
	return NULL;
}

static void pkrs_change_moves_all_21_registers_by_8(void **state)
{
	struct ptregs_layout *o = builtin("legacy"), *n = builtin("pkrs");
	struct ptregs_diff *d = ptregs_layout_diff(o, n);
	size_t moved = 0;

	(void)state;
	assert_non_null(d);
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_INCOMPATIBLE);
	assert_int_equal(ptregs_diff_old_size(d), 168);
	assert_int_equal(ptregs_diff_new_size(d), 176);
	assert_int_equal(ptregs_diff_change_cnt(d), 22);
	assert_int_equal(ptregs_diff_change(d, 0)->kind, PTREGS_CHANGE_ADDED);
	assert_string_equal(ptregs_diff_change(d, 0)->name, "pkrs");
	assert_int_equal(ptregs_diff_change(d, 0)->new_offset, 0);
	for (size_t i = 0; i < ptregs_diff_change_cnt(d); i++) {
		const struct ptregs_change *c = ptregs_diff_change(d, i);

		if (c->kind != PTREGS_CHANGE_MOVED)
			continue;
		moved++;
		assert_int_equal(c->new_offset, c->old_offset + 8);
		assert_true(c->incompatible);
	}
	assert_int_equal(moved, 21);
	assert_int_equal(change(d, "di")->old_offset, 112);
	assert_int_equal(change(d, "di")->new_offset, 120);
	/* what a program compiled against the old layout reads instead */
	assert_string_equal(change(d, "di")->now_at_old, "si");
	assert_string_equal(change(d, "r15")->now_at_old, "pkrs");
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void fred_unions_keep_the_8_byte_slots_compatible(void **state)
{
	struct ptregs_layout *o = builtin("legacy"), *n = builtin("fred");
	struct ptregs_diff *d = ptregs_layout_diff(o, n);
	const struct ptregs_change *cs;

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_COMPATIBLE);
	assert_int_equal(ptregs_diff_change_cnt(d), 6);
	cs = change(d, "cs");
	assert_int_equal(cs->kind, PTREGS_CHANGE_RESIZED);
	assert_int_equal(cs->old_size, 8);
	assert_int_equal(cs->new_size, 2);
	assert_int_equal(cs->new_offset, 136);
	assert_string_equal(cs->kept_by, "csx");
	assert_false(cs->incompatible);
	assert_string_equal(change(d, "ss")->kept_by, "ssx");
	assert_int_equal(change(d, "csx")->kind, PTREGS_CHANGE_ADDED);
	assert_int_equal(change(d, "fred_ss")->new_offset, 160);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void fred_then_pkrs_is_still_incompatible(void **state)
{
	struct ptregs_layout *o = builtin("fred"), *n = builtin("pkrs");
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_INCOMPATIBLE);
	/* csx vanished and nothing holds 8 bytes at 136 any more */
	assert_int_equal(change(d, "csx")->kind, PTREGS_CHANGE_REMOVED);
	assert_true(change(d, "csx")->incompatible);
	assert_null(change(d, "csx")->kept_by);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void identical_layouts_are_the_same(void **state)
{
	struct ptregs_layout *o = builtin("legacy"), *n = builtin("legacy");
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_SAME);
	assert_int_equal(ptregs_diff_change_cnt(d), 0);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void uapi_names_are_renames_of_the_same_slots(void **state)
{
	struct ptregs_layout *o = builtin("uapi"), *n = builtin("legacy");
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_COMPATIBLE);
	assert_int_equal(change(d, "rdi")->kind, PTREGS_CHANGE_REMOVED);
	assert_string_equal(change(d, "rdi")->kept_by, "di");
	assert_string_equal(change(d, "eflags")->kept_by, "flags");
	assert_string_equal(change(d, "rip")->kept_by, "ip");
	assert_int_equal(change(d, "di")->kind, PTREGS_CHANGE_ADDED);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

/* Two versions of a small struct, built as BTF and loaded from files. */
static struct ptregs_layout *small(uint32_t a_size, bool drop_b, uint32_t struct_size,
				   bool b_bits_moved)
{
	struct btf *btf = btf__new_empty();
	int i4 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int i8 = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	struct ptregs_layout *l;
	char *path;

	assert_true(btf__add_struct(btf, "s", struct_size) > 0);
	assert_int_equal(btf__add_field(btf, "a", a_size == 8 ? i8 : i4, 0, 0), 0);
	if (!drop_b)
		assert_int_equal(btf__add_field(btf, "b", i4, b_bits_moved ? 68 : 64, 3), 0);
	assert_int_equal(btf__add_field(btf, "c", i8, 128, 0), 0);
	path = fx_write_btf(btf);
	l = ptregs_layout_load(path, "s", NULL);
	assert_non_null(l);
	fx_unlink(path);
	btf__free(btf);
	return l;
}

static void shrunk_field_without_alias_is_incompatible(void **state)
{
	struct ptregs_layout *o = small(8, false, 24, false), *n = small(4, false, 24, false);
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_INCOMPATIBLE);
	assert_int_equal(change(d, "a")->kind, PTREGS_CHANGE_RESIZED);
	assert_true(change(d, "a")->incompatible);
	ptregs_diff_free(d);
	/* the other way, a field that grew in place, is compatible */
	d = ptregs_layout_diff(n, o);
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_COMPATIBLE);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void removed_field_with_no_keeper_is_incompatible(void **state)
{
	struct ptregs_layout *o = small(8, false, 24, false), *n = small(8, true, 24, false);
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_INCOMPATIBLE);
	assert_int_equal(change(d, "b")->kind, PTREGS_CHANGE_REMOVED);
	assert_int_equal(change(d, "b")->old_bit_size, 3);
	assert_null(change(d, "b")->kept_by);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void moved_bitfield_is_incompatible(void **state)
{
	struct ptregs_layout *o = small(8, false, 24, false), *n = small(8, false, 24, true);
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_INCOMPATIBLE);
	assert_int_equal(ptregs_diff_change_cnt(d), 1);
	assert_int_equal(change(d, "b")->kind, PTREGS_CHANGE_MOVED);
	assert_int_equal(change(d, "b")->old_bit_offset, 64);
	assert_int_equal(change(d, "b")->new_bit_offset, 68);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void struct_size_changes_are_judged(void **state)
{
	struct ptregs_layout *o = small(8, false, 24, false), *n = small(8, false, 32, false);
	struct ptregs_diff *d = ptregs_layout_diff(o, n);

	(void)state;
	/* grew at the end, nothing moved: changed, compatible */
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_COMPATIBLE);
	assert_int_equal(ptregs_diff_change_cnt(d), 0);
	assert_int_equal(ptregs_diff_new_size(d), 32);
	ptregs_diff_free(d);
	/* shrank: incompatible */
	d = ptregs_layout_diff(n, o);
	assert_int_equal(ptregs_diff_compat(d), PTREGS_COMPAT_INCOMPATIBLE);
	ptregs_diff_free(d);
	ptregs_layout_free(o);
	ptregs_layout_free(n);
}

static void diff_without_a_layout_is_an_error(void **state)
{
	struct ptregs_layout *l = ptregs_layout_load("builtin:legacy", NULL, NULL);

	(void)state;
	assert_non_null(l);
	errno = 0;
	assert_null(ptregs_layout_diff(NULL, l));
	assert_int_equal(errno, EINVAL);
	assert_null(ptregs_layout_diff(l, NULL));
	ptregs_layout_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pkrs_change_moves_all_21_registers_by_8),
		cmocka_unit_test(fred_unions_keep_the_8_byte_slots_compatible),
		cmocka_unit_test(fred_then_pkrs_is_still_incompatible),
		cmocka_unit_test(identical_layouts_are_the_same),
		cmocka_unit_test(uapi_names_are_renames_of_the_same_slots),
		cmocka_unit_test(shrunk_field_without_alias_is_incompatible),
		cmocka_unit_test(removed_field_with_no_keeper_is_incompatible),
		cmocka_unit_test(moved_bitfield_is_incompatible),
		cmocka_unit_test(struct_size_changes_are_judged),
		cmocka_unit_test(diff_without_a_layout_is_an_error),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
