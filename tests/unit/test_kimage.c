/*
 * Kernel images as layout sources: the .BTF of the vmlinux in an x86
 * bzImage (each payload compression the kernel offers but lzo) and in the
 * boot/vmlinuz-* of a Debian package. The "vmlinux" is the regs_bpf.o
 * fixture, an ELF with a .BTF section; images and packages are made here
 * with the compression libraries.
 *
 * With PTREGS_KIMAGE_BUILDS (kernel build directories, colon separated)
 * it also checks that each arch/x86/boot/bzImage gives exactly the bytes
 * of its vmlinux's .BTF (make check-kimage, after make kernel).
 */
#include <bzlib.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <lz4.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>
#include <ptregs/ptregs.h>
#include "fixtures.h"
#include "internal.h"

struct buf {
	unsigned char *p;
	size_t len;
};

static void put(struct buf *b, const void *d, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* The .BTF section of the ELF in DATA. */
static struct buf elf_section(const void *data, size_t len, const char *want)
{
	struct buf out = { 0 };
	Elf_Scn *scn = NULL;
	size_t shstr;
	Elf *e;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	e = elf_memory((char *)data, len);
	assert_non_null(e);
	assert_int_equal(elf_getshdrstrndx(e, &shstr), 0);
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		gelf_getshdr(scn, &sh);
		if (strcmp(elf_strptr(e, shstr, sh.sh_name), want) != 0)
			continue;
		d = elf_getdata(scn, NULL);
		put(&out, d->d_buf, d->d_size);
	}
	elf_end(e);
	assert_true(out.len > 0);
	return out;
}

enum fmt { F_GZIP, F_XZ, F_LZMA, F_ZSTD, F_LZ4, F_BZIP2 };

static struct buf pack(enum fmt f, const unsigned char *in, size_t len)
{
	struct buf out = { 0 };
	size_t cap = len * 2 + 65536;

	out.p = malloc(cap);
	assert_non_null(out.p);
	switch (f) {
	case F_GZIP: {
		z_stream z = { 0 };

		assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)len;
		z.next_out = out.p;
		z.avail_out = (uInt)cap;
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		out.len = z.total_out;
		deflateEnd(&z);
		break;
	}
	case F_XZ:
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out.p,
							 &out.len, cap), LZMA_OK);
		break;
	case F_LZMA: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma o;

		assert_false(lzma_lzma_preset(&o, 6));
		assert_int_equal(lzma_alone_encoder(&s, &o), LZMA_OK);
		s.next_in = in;
		s.avail_in = len;
		s.next_out = out.p;
		s.avail_out = cap;
		assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
		out.len = s.total_out;
		lzma_end(&s);
		break;
	}
	case F_ZSTD:
		out.len = ZSTD_compress(out.p, cap, in, len, 19);
		assert_false(ZSTD_isError(out.len));
		break;
	case F_LZ4: {
		/* the legacy format, in blocks of 8 MiB as the kernel's lz4 -l */
		size_t o = 4;

		le32(out.p, 0x184c2102);
		for (size_t i = 0; i < len; i += 8u << 20) {
			size_t n = len - i < (8u << 20) ? len - i : (8u << 20);
			int c = LZ4_compress_default((const char *)in + i, (char *)out.p + o + 4,
						     (int)n, (int)(cap - o - 4));

			assert_true(c > 0);
			le32(out.p + o, (uint32_t)c);
			o += 4 + (size_t)c;
		}
		out.len = o;
		break;
	}
	case F_BZIP2: {
		unsigned int n = (unsigned int)cap;

		assert_int_equal(BZ2_bzBuffToBuffCompress((char *)out.p, &n, (char *)in,
							  (unsigned int)len, 9, 0, 0), BZ_OK);
		out.len = n;
		break;
	}
	}
	return out;
}

/*
 * An x86 boot image: one setup sector after the boot sector, the payload
 * 16 bytes into the protected-mode code, followed by the uncompressed
 * size as the kernel's build appends it.
 */
static struct buf bzimage(const struct buf *payload, size_t raw_len)
{
	struct buf b = { 0 };
	unsigned char hdr[1024 + 16] = { 0 }, sz[4];

	hdr[0x1f1] = 1;
	hdr[0x1fe] = 0x55;
	hdr[0x1ff] = 0xaa;
	memcpy(hdr + 0x202, "HdrS", 4);
	hdr[0x206] = 0x0f;
	hdr[0x207] = 0x02;
	le32(hdr + 0x248, 16);
	le32(hdr + 0x24c, (uint32_t)payload->len);
	put(&b, hdr, sizeof(hdr));
	put(&b, payload->p, payload->len);
	le32(sz, (uint32_t)raw_len);
	put(&b, sz, 4);
	return b;
}

static struct buf vmlinux;	/* the regs_bpf.o fixture */

static int setup(void **state)
{
	(void)state;
	vmlinux.p = fx_read(fx_path("regs_bpf.o"), &vmlinux.len);
	return vmlinux.p ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(vmlinux.p);
	return 0;
}

/* PATH's BTF through the kernel-image reader and as a layout source. */
static void check_image(const char *path)
{
	struct buf want = elf_section(vmlinux.p, vmlinux.len, ".BTF");
	struct ptregs_layout *l;
	void *btf = NULL;
	size_t len = 0;

	assert_int_equal(pt_kimage_btf(path, &btf, &len), 0);
	assert_int_equal(len, want.len);
	assert_memory_equal(btf, want.p, len);
	l = ptregs_layout_load(path, "pt_regs", NULL);
	assert_non_null(l);
	assert_int_equal(ptregs_layout_size(l), 168);
	assert_int_equal(ptregs_layout_find(l, "di")->offset, 112);
	assert_non_null(strstr(ptregs_layout_origin(l), path));
	ptregs_layout_free(l);
	free(btf);
	free(want.p);
}

static void bzimage_of_each_compression_gives_the_vmlinux_btf(void **state)
{
	static const enum fmt fmts[] = { F_GZIP, F_XZ, F_LZMA, F_ZSTD, F_LZ4, F_BZIP2 };

	(void)state;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct buf c = pack(fmts[i], vmlinux.p, vmlinux.len);
		struct buf img = bzimage(&c, vmlinux.len);
		char *path = fx_write_bytes(img.p, img.len);

		check_image(path);
		fx_unlink(path);
		free(img.p);
		free(c.p);
	}
}

/* A ustar member header (mode 0644, type TYPE) for SIZE bytes. */
static void tar_member(struct buf *t, const char *name, char type, const void *data, size_t size)
{
	unsigned char h[512] = { 0 }, pad[512] = { 0 };
	unsigned int sum = 0;

	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011zo", size);
	memcpy(h + 136, "00000000000", 11);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	put(t, h, sizeof(h));
	if (size) {
		put(t, data, size);
		put(t, pad, (512 - size % 512) % 512);
	}
}

static void ar_member(struct buf *a, const char *name, const struct buf *data)
{
	char h[61];

	snprintf(h, sizeof(h), "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name, "0", "0", "0", "100644",
		 data->len);
	put(a, h, 60);
	put(a, data->p, data->len);
	if (data->len & 1)
		put(a, "\n", 1);
}

static struct buf deb(const struct buf *image, const char *image_name, enum fmt f)
{
	struct buf a = { 0 }, tar = { 0 }, ver = { (unsigned char *)"2.0\n", 4 }, ctl, data;
	unsigned char zero[1024] = { 0 };
	const char *names[] = { [F_GZIP] = "data.tar.gz", [F_XZ] = "data.tar.xz",
				[F_ZSTD] = "data.tar.zst", [F_BZIP2] = "data.tar.bz2" };

	tar_member(&tar, "./", '5', NULL, 0);
	tar_member(&tar, "./boot/", '5', NULL, 0);
	tar_member(&tar, "./boot/config-6.1.0-test", '0', "CONFIG_X86_64=y\n", 16);
	if (image)
		tar_member(&tar, image_name, '0', image->p, image->len);
	tar_member(&tar, "./usr/share/doc/x/changelog", '0', "x\n", 2);
	put(&tar, zero, sizeof(zero));
	ctl = pack(F_GZIP, tar.p, 512);	/* anything: it is not read */
	data = pack(f, tar.p, tar.len);
	put(&a, "!<arch>\n", 8);
	ar_member(&a, "debian-binary", &ver);
	ar_member(&a, "control.tar.gz", &ctl);
	ar_member(&a, names[f], &data);
	free(tar.p);
	free(ctl.p);
	free(data.p);
	return a;
}

static void deb_gives_the_btf_of_its_kernel_image(void **state)
{
	static const enum fmt fmts[] = { F_GZIP, F_XZ, F_ZSTD, F_BZIP2 };
	struct buf c = pack(F_GZIP, vmlinux.p, vmlinux.len);
	struct buf img = bzimage(&c, vmlinux.len);

	(void)state;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct buf d = deb(&img, "./boot/vmlinuz-6.1.0-test-amd64", fmts[i]);
		char *path = fx_write_bytes(d.p, d.len);

		check_image(path);
		fx_unlink(path);
		free(d.p);
	}
	free(img.p);
	free(c.p);
}

static void expect_error(const void *data, size_t len, const char *msg)
{
	char *path = fx_write_bytes(data, len);
	void *btf = NULL;
	size_t n = 0;

	assert_int_not_equal(pt_kimage_btf(path, &btf, &n), 0);
	assert_null(btf);
	if (!strstr(ptregs_errmsg(), msg))
		fail_msg("'%s' not in '%s'", msg, ptregs_errmsg());
	assert_non_null(strstr(ptregs_errmsg(), path));
	assert_null(ptregs_layout_load(path, "pt_regs", NULL));
	fx_unlink(path);
}

static void bad_images_and_packages_are_refused_with_the_reason(void **state)
{
	struct buf c = pack(F_XZ, vmlinux.p, vmlinux.len);
	struct buf img = bzimage(&c, vmlinux.len), d;
	struct buf junk = { (unsigned char *)"not an ELF file at all, but long enough", 40 };
	struct buf jc = pack(F_GZIP, junk.p, junk.len), ji = bzimage(&jc, junk.len);
	unsigned char *bad = malloc(img.len);

	(void)state;
	/* payload cut short: the header says more than the file has */
	expect_error(img.p, img.len - 4 - c.len / 2, "truncated kernel image");
	/* the compressed data damaged in the middle */
	memcpy(bad, img.p, img.len);
	memset(bad + 1040 + c.len / 2, 0x55, 64);
	expect_error(bad, img.len, "xz payload: corrupt data");
	/* a payload that is no ELF file */
	expect_error(ji.p, ji.len, "not an ELF file");
	/* an unknown compression */
	memcpy(bad, img.p, img.len);
	memcpy(bad + 1040, "\x01\x02\x03\x04\x05\x06", 6);
	expect_error(bad, img.len, "not supported");
	/* a package without a kernel image */
	d = deb(NULL, NULL, F_XZ);
	expect_error(d.p, d.len, "no boot/vmlinuz-* in the package");
	free(d.p);
	/* a package cut short */
	d = deb(&img, "./boot/vmlinuz-6.1.0-test-amd64", F_XZ);
	expect_error(d.p, d.len / 2, "truncated or corrupt package");
	free(d.p);
	/* neither */
	expect_error("hello, world\n", 13, "not a kernel image or a Debian package");
	free(bad);
	free(img.p);
	free(c.p);
	free(ji.p);
	free(jc.p);
}

/* Each built kernel's bzImage gives the bytes of its vmlinux's .BTF. */
static void built_kernel_images_give_their_vmlinux_btf(void **state)
{
	const char *dirs = getenv("PTREGS_KIMAGE_BUILDS");
	char *copy, *dir, *save = NULL;

	(void)state;
	if (!dirs || !*dirs)
		skip();
	copy = strdup(dirs);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char img[4096], vml[4096];
		struct buf v = { 0 }, want;
		void *btf = NULL;
		size_t len = 0;

		snprintf(img, sizeof(img), "%s/arch/x86/boot/bzImage", dir);
		snprintf(vml, sizeof(vml), "%s/vmlinux", dir);
		v.p = fx_read(vml, &v.len);
		assert_non_null(v.p);
		want = elf_section(v.p, v.len, ".BTF");
		if (pt_kimage_btf(img, &btf, &len))
			fail_msg("%s: %s", img, ptregs_errmsg());
		assert_int_equal(len, want.len);
		assert_memory_equal(btf, want.p, len);
		printf("kimage: %s: %zu bytes of BTF, the same as %s's .BTF\n", img, len, vml);
		free(btf);
		free(want.p);
		free(v.p);
	}
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bzimage_of_each_compression_gives_the_vmlinux_btf),
		cmocka_unit_test(deb_gives_the_btf_of_its_kernel_image),
		cmocka_unit_test(bad_images_and_packages_are_refused_with_the_reason),
		cmocka_unit_test(built_kernel_images_give_their_vmlinux_btf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
