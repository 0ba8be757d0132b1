#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include "fixtures.h"

static const char *const gprs[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
	"ax", "cx", "dx", "si", "di", "orig_ax", "ip",
};

struct btf *fx_btf_pt_regs(enum fx_regs kind)
{
	struct btf *btf = btf__new_empty();
	int ul, u16, u64, cs_u = 0, ss_u = 0, fcs, fss, s;
	uint32_t off = 0;

	assert_non_null(btf);
	ul = btf__add_int(btf, "long unsigned int", 8, 0);
	u16 = btf__add_int(btf, "u16", 2, 0);
	u64 = btf__add_int(btf, "u64", 8, 0);
	assert_true(ul > 0 && u16 > 0 && u64 > 0);
	if (kind == FX_FRED) {
		fcs = btf__add_struct(btf, "fred_cs", 8);
		assert_int_equal(btf__add_field(btf, "cs", u64, 0, 16), 0);
		assert_int_equal(btf__add_field(btf, "sl", u64, 16, 2), 0);
		assert_int_equal(btf__add_field(btf, "wfe", u64, 18, 1), 0);
		fss = btf__add_struct(btf, "fred_ss", 8);
		assert_int_equal(btf__add_field(btf, "ss", u64, 0, 16), 0);
		cs_u = btf__add_union(btf, NULL, 8);
		assert_int_equal(btf__add_field(btf, "cs", u16, 0, 0), 0);
		assert_int_equal(btf__add_field(btf, "csx", u64, 0, 0), 0);
		assert_int_equal(btf__add_field(btf, "fred_cs", fcs, 0, 0), 0);
		ss_u = btf__add_union(btf, NULL, 8);
		assert_int_equal(btf__add_field(btf, "ss", u16, 0, 0), 0);
		assert_int_equal(btf__add_field(btf, "ssx", u64, 0, 0), 0);
		assert_int_equal(btf__add_field(btf, "fred_ss", fss, 0, 0), 0);
	}
	s = btf__add_struct(btf, "pt_regs", kind == FX_PKRS ? 176 : 168);
	assert_true(s > 0);
	if (kind == FX_PKRS) {
		assert_int_equal(btf__add_field(btf, "pkrs", ul, 0, 0), 0);
		off = 64;
	}
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++, off += 64)
		assert_int_equal(btf__add_field(btf, gprs[i], ul, off, 0), 0);
	/* FRED: cs and ss are anonymous unions */
	assert_int_equal(btf__add_field(btf, kind == FX_FRED ? NULL : "cs",
					kind == FX_FRED ? cs_u : ul, off, 0), 0);
	off += 64;
	assert_int_equal(btf__add_field(btf, "flags", ul, off, 0), 0);
	off += 64;
	assert_int_equal(btf__add_field(btf, "sp", ul, off, 0), 0);
	off += 64;
	assert_int_equal(btf__add_field(btf, kind == FX_FRED ? NULL : "ss",
					kind == FX_FRED ? ss_u : ul, off, 0), 0);
	return btf;
}

char *fx_write_bytes(const void *data, size_t len)
{
	char *path = strdup("/tmp/ptregs-test-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

char *fx_write_btf(const struct btf *btf)
{
	uint32_t sz;
	const void *raw = btf__raw_data(btf, &sz);

	assert_non_null(raw);
	return fx_write_bytes(raw, sz);
}

void *fx_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

const char *fx_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("PTREGS_FIXTURES");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "build/fixtures", name);
	return buf;
}

void fx_unlink(char *path)
{
	if (path)
		unlink(path);
	free(path);
}
