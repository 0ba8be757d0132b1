// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The BTF of a kernel that is not running: in a compressed kernel image
 * (an x86 bzImage, /boot/vmlinuz-*) or a Debian kernel package (.deb,
 * whose data.tar.* holds ./boot/vmlinuz-*). The image's payload is the
 * vmlinux ELF, compressed; its .BTF section is the kernel's BTF.
 *
 * Decompression is the compression libraries' (zlib, liblzma, libzstd,
 * liblz4, libbz2), as a stream: a package is walked without holding its
 * tar in memory, only the image; the image's vmlinux is held whole.
 */
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "internal.h"

/* A vmlinux larger than this is not one (x86 kernels are tens of MB). */
#define MAX_VMLINUX (1024ul << 20)
/* A kernel image inside a package: at most this large. */
#define MAX_IMAGE (256ul << 20)
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

enum zfmt { KZ_NONE, KZ_GZIP, KZ_XZ, KZ_LZMA, KZ_ZSTD, KZ_LZ4, KZ_BZIP2, KZ_LZO, KZ_UNKNOWN };

static const char *const zname[] = {
	[KZ_NONE] = "uncompressed", [KZ_GZIP] = "gzip", [KZ_XZ] = "xz", [KZ_LZMA] = "lzma",
	[KZ_ZSTD] = "zstd", [KZ_LZ4] = "lz4", [KZ_BZIP2] = "bzip2", [KZ_LZO] = "lzo",
	[KZ_UNKNOWN] = "unknown",
};

static enum zfmt sniff_z(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return KZ_GZIP;
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return KZ_XZ;
	if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return KZ_ZSTD;
	if (n >= 4 && memcmp(p, "\x02\x21\x4c\x18", 4) == 0)
		return KZ_LZ4;
	if (n >= 3 && memcmp(p, "BZh", 3) == 0)
		return KZ_BZIP2;
	if (n >= 4 && memcmp(p, "\x89LZO", 4) == 0)
		return KZ_LZO;
	if (n >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return KZ_LZMA;
	return KZ_UNKNOWN;
}

/* ---- a decompressing reader over a buffer ------------------------------ */

struct zin {
	enum zfmt fmt;
	const unsigned char *in;
	size_t len, pos;	/* lz4 and none: the input consumed */
	bool eof;
	z_stream gz;
	lzma_stream xz;
	ZSTD_DStream *zs;
	bz_stream bz;
	/* lz4 legacy: one block decompressed, handed out from pos */
	unsigned char *blk;
	size_t blk_len, blk_pos;
	const char *err;
};

static int zin_open(struct zin *z, enum zfmt fmt, const void *in, size_t len)
{
	memset(z, 0, sizeof(*z));
	z->fmt = fmt;
	z->in = in;
	z->len = len;
	switch (fmt) {
	case KZ_NONE:
		return 0;
	case KZ_GZIP:
		z->gz.next_in = (Bytef *)in;
		z->gz.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
		return inflateInit2(&z->gz, 15 + 32) == Z_OK ? 0 : -ENOMEM;
	case KZ_XZ:
	case KZ_LZMA: {
		lzma_stream init = LZMA_STREAM_INIT;

		z->xz = init;
		z->xz.next_in = in;
		z->xz.avail_in = len;
		return (fmt == KZ_XZ ? lzma_stream_decoder(&z->xz, 1ull << 30, 0) :
				      lzma_alone_decoder(&z->xz, 1ull << 30)) == LZMA_OK ? 0 : -ENOMEM;
	}
	case KZ_ZSTD:
		z->zs = ZSTD_createDStream();
		return z->zs && !ZSTD_isError(ZSTD_initDStream(z->zs)) ? 0 : -ENOMEM;
	case KZ_BZIP2:
		z->bz.next_in = (char *)in;
		z->bz.avail_in = len > UINT32_MAX ? UINT32_MAX : (unsigned int)len;
		return BZ2_bzDecompressInit(&z->bz, 0, 0) == BZ_OK ? 0 : -ENOMEM;
	case KZ_LZ4:
		z->pos = 4;	/* the magic */
		z->blk = malloc(LZ4_LEGACY_BLOCK);
		return z->blk ? 0 : -ENOMEM;
	default:
		return -ENOTSUP;
	}
}

static void zin_close(struct zin *z)
{
	switch (z->fmt) {
	case KZ_GZIP:
		inflateEnd(&z->gz);
		break;
	case KZ_XZ:
	case KZ_LZMA:
		lzma_end(&z->xz);
		break;
	case KZ_ZSTD:
		ZSTD_freeDStream(z->zs);
		break;
	case KZ_BZIP2:
		BZ2_bzDecompressEnd(&z->bz);
		break;
	default:
		break;
	}
	free(z->blk);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Up to N bytes into BUF: the count, 0 at the end of the stream, -1 with
 * z->err on corrupt data. A kernel image's payload is followed by its
 * uncompressed size: whatever follows the end of the stream is ignored.
 */
static ssize_t zin_read(struct zin *z, void *buf, size_t n)
{
	if (z->eof || !n)
		return 0;
	switch (z->fmt) {
	case KZ_NONE: {
		size_t k = z->len - z->pos < n ? z->len - z->pos : n;

		memcpy(buf, z->in + z->pos, k);
		z->pos += k;
		return (ssize_t)k;
	}
	case KZ_GZIP: {
		int r;

		z->gz.next_out = buf;
		z->gz.avail_out = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
		r = inflate(&z->gz, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			z->eof = true;
		else if (r != Z_OK || (z->gz.avail_out && !z->gz.avail_in))
			return z->err = r == Z_OK ? "truncated" : "corrupt data", -1;
		return (ssize_t)(n - z->gz.avail_out);
	}
	case KZ_XZ:
	case KZ_LZMA: {
		lzma_ret r;

		z->xz.next_out = buf;
		z->xz.avail_out = n;
		r = lzma_code(&z->xz, LZMA_RUN);
		if (r == LZMA_STREAM_END)
			z->eof = true;
		else if (r != LZMA_OK || (z->xz.avail_out && !z->xz.avail_in))
			return z->err = r == LZMA_OK ? "truncated" : "corrupt data", -1;
		return (ssize_t)(n - z->xz.avail_out);
	}
	case KZ_ZSTD: {
		ZSTD_inBuffer in = { z->in, z->len, z->pos };
		ZSTD_outBuffer out = { buf, n, 0 };
		size_t r = ZSTD_decompressStream(z->zs, &out, &in);

		z->pos = in.pos;
		if (ZSTD_isError(r))
			return z->err = "corrupt data", -1;
		if (r == 0)
			z->eof = true;
		else if (!out.pos && in.pos == in.size)
			return z->err = "truncated", -1;
		return (ssize_t)out.pos;
	}
	case KZ_BZIP2: {
		int r;

		z->bz.next_out = buf;
		z->bz.avail_out = n > UINT32_MAX ? UINT32_MAX : (unsigned int)n;
		r = BZ2_bzDecompress(&z->bz);
		if (r == BZ_STREAM_END)
			z->eof = true;
		else if (r != BZ_OK || (z->bz.avail_out && !z->bz.avail_in))
			return z->err = r == BZ_OK ? "truncated" : "corrupt data", -1;
		return (ssize_t)(n - z->bz.avail_out);
	}
	case KZ_LZ4: {
		/* the legacy format (lz4 -l), as the kernel writes it: blocks of
		 * at most 8 MiB, each after its compressed size */
		size_t k;

		if (z->blk_pos == z->blk_len) {
			uint32_t c;
			int d;

			if (z->pos + 4 > z->len)
				return z->eof = true, 0;
			c = le32(z->in + z->pos);
			while (c == LZ4_LEGACY_MAGIC) {	/* concatenated streams */
				z->pos += 4;
				if (z->pos + 4 > z->len)
					return z->eof = true, 0;
				c = le32(z->in + z->pos);
			}
			/* past the last block: the image's size field, or the end */
			if (c > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK) || z->pos + 4 + c > z->len)
				return z->eof = true, 0;
			d = LZ4_decompress_safe((const char *)z->in + z->pos + 4, (char *)z->blk,
						(int)c, LZ4_LEGACY_BLOCK);
			if (d < 0)
				return z->err = "corrupt data", -1;
			z->pos += 4 + c;
			z->blk_len = (size_t)d;
			z->blk_pos = 0;
			if (!d)
				return z->eof = true, 0;
		}
		k = z->blk_len - z->blk_pos < n ? z->blk_len - z->blk_pos : n;
		memcpy(buf, z->blk + z->blk_pos, k);
		z->blk_pos += k;
		return (ssize_t)k;
	}
	default:
		return z->err = "unsupported compression", -1;
	}
}

/* Exactly N bytes (BUF NULL: skipped); false at the end or on an error. */
static bool zin_full(struct zin *z, void *buf, size_t n)
{
	unsigned char sink[8192] = { 0 };

	while (n) {
		size_t want = buf ? n : (n < sizeof(sink) ? n : sizeof(sink));
		ssize_t r = zin_read(z, buf ? buf : sink, want);

		if (r <= 0) {
			if (!r && !z->err)
				z->err = "truncated";
			return false;
		}
		n -= (size_t)r;
		if (buf)
			buf = (char *)buf + r;
	}
	return true;
}

/* ---- the vmlinux in an image ------------------------------------------- */

/* The .BTF section of the vmlinux ELF in DATA, copied out. */
static int elf_btf(const char *what, void *data, size_t len, void **btf, size_t *btf_len)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstr = 0;
	int err = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return pt_err(EINVAL, "libelf: %s", elf_errmsg(-1));
	e = elf_memory(data, len);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstr))
		err = pt_err(EINVAL, "%s: the decompressed payload is not an ELF file", what);
	while (!err && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstr, sh.sh_name)) ||
		    strcmp(name, ".BTF") != 0)
			continue;
		if (sh.sh_type == SHT_NOBITS || !(d = elf_getdata(scn, NULL)) || !d->d_size)
			return elf_end(e), pt_err(EINVAL, "%s: .BTF section empty", what);
		*btf = malloc(d->d_size);
		if (!*btf)
			return elf_end(e), pt_err(ENOMEM, "out of memory");
		memcpy(*btf, d->d_buf, d->d_size);
		*btf_len = d->d_size;
		elf_end(e);
		return 0;
	}
	if (!err)
		err = pt_err(ENOENT, "%s: the kernel has no .BTF section (built without "
			     "CONFIG_DEBUG_INFO_BTF)", what);
	if (e)
		elf_end(e);
	return err;
}

/*
 * An x86 boot image (Documentation/x86/boot.rst): the setup header at
 * 0x1f1, "HdrS" at 0x202, protocol 2.08+ for payload_offset (0x248,
 * from the start of the protected-mode code, (setup_sects + 1) * 512 into
 * the file) and payload_length (0x24c).
 */
bool pt_is_bzimage(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	return len >= 0x250 && memcmp(p + 0x202, "HdrS", 4) == 0 && p[0x1fe] == 0x55 &&
	       p[0x1ff] == 0xaa;
}

static int bzimage_btf(const char *what, const unsigned char *p, size_t len, void **btf,
		       size_t *btf_len)
{
	unsigned int setup = p[0x1f1] ? p[0x1f1] : 4;
	unsigned int version = (unsigned int)p[0x206] | (unsigned int)p[0x207] << 8;
	size_t start, off, plen;
	unsigned char *out = NULL;
	size_t cap = 0, n = 0;
	enum zfmt fmt;
	struct zin z;
	int err;

	if (version < 0x208)
		return pt_err(EINVAL, "%s: boot protocol %u.%02u has no payload fields (2.08+)",
			      what, version >> 8, version & 0xff);
	start = ((size_t)setup + 1) * 512;
	off = start + le32(p + 0x248);
	plen = le32(p + 0x24c);
	if (off > len || plen > len - off || !plen)
		return pt_err(EINVAL, "%s: truncated kernel image: payload at %zu, %zu bytes, "
			      "file %zu bytes", what, off, plen, len);
	fmt = sniff_z(p + off, plen);
	if (fmt == KZ_UNKNOWN || fmt == KZ_LZO)
		return pt_err(ENOTSUP, "%s: kernel payload compressed with %s: not supported",
			      what, zname[fmt]);
	err = zin_open(&z, fmt, p + off, plen);
	if (err) {
		zin_close(&z);
		return pt_err(-err, "%s: %s: cannot start decompressing", what, zname[fmt]);
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16u << 20;
			void *q;

			if (ncap > MAX_VMLINUX) {
				err = pt_err(EFBIG, "%s: payload decompresses to more than %lu MB",
					     what, MAX_VMLINUX >> 20);
				break;
			}
			q = realloc(out, ncap);
			if (!q) {
				err = pt_err(ENOMEM, "out of memory");
				break;
			}
			out = q;
			cap = ncap;
		}
		r = zin_read(&z, out + n, cap - n);
		if (r < 0) {
			err = pt_err(EINVAL, "%s: %s payload: %s", what, zname[fmt], z.err);
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	zin_close(&z);
	if (!err)
		err = elf_btf(what, out, n, btf, btf_len);
	free(out);
	return err;
}

/* ---- a Debian package --------------------------------------------------- */

static uint64_t octal(const char *s, size_t n, bool *ok)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\0'))
		i++;
	if (i < n && (unsigned char)s[i] & 0x80) {	/* GNU base-256 */
		*ok = false;
		return 0;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(s[i] - '0');
	return v;
}

static bool is_image_name(const char *n)
{
	if (strncmp(n, "./", 2) == 0)
		n += 2;
	else if (*n == '/')
		n++;
	return strncmp(n, "boot/vmlinuz-", 13) == 0 && !strchr(n + 13, '/');
}

/* The kernel image in the tar stream Z, read into *IMG. */
static int tar_image(const char *what, struct zin *z, unsigned char **img, size_t *img_len,
		     char *name, size_t name_len)
{
	unsigned char h[512];
	char longname[4096] = "";

	for (;;) {
		char nm[4096];
		uint64_t size;
		bool ok = true;
		char type;

		if (!zin_full(z, h, sizeof(h)))
			return pt_err(EINVAL, "%s: data archive: %s", what,
				      z->err ? z->err : "truncated");
		if (h[0] == '\0')
			return pt_err(ENOENT, "%s: no boot/vmlinuz-* in the package: not a kernel "
				      "image package", what);
		if (memcmp(h + 257, "ustar", 5) != 0)
			return pt_err(EINVAL, "%s: data archive: not a tar archive", what);
		size = octal((const char *)h + 124, 12, &ok);
		if (!ok || size > (1ull << 40))
			return pt_err(EINVAL, "%s: data archive: bad member size", what);
		type = (char)h[156];
		if (longname[0]) {
			snprintf(nm, sizeof(nm), "%s", longname);
			longname[0] = '\0';
		} else if (h[345]) {
			snprintf(nm, sizeof(nm), "%.155s/%.100s", (const char *)h + 345,
				 (const char *)h);
		} else {
			snprintf(nm, sizeof(nm), "%.100s", (const char *)h);
		}
		if (type == 'L' && size < sizeof(longname)) {	/* GNU long name */
			if (!zin_full(z, longname, (size_t)size) ||
			    !zin_full(z, NULL, (size_t)((512 - size % 512) % 512)))
				return pt_err(EINVAL, "%s: data archive: truncated", what);
			longname[size] = '\0';
			continue;
		}
		if ((type == '0' || type == '\0') && is_image_name(nm)) {
			if (size > MAX_IMAGE)
				return pt_err(EFBIG, "%s: %s: %llu bytes, too large for a kernel "
					      "image", what, nm, (unsigned long long)size);
			*img = malloc(size ? (size_t)size : 1);
			if (!*img)
				return pt_err(ENOMEM, "out of memory");
			if (!zin_full(z, *img, (size_t)size)) {
				free(*img);
				*img = NULL;
				return pt_err(EINVAL, "%s: %s: truncated", what, nm);
			}
			*img_len = (size_t)size;
			snprintf(name, name_len, "%s", nm);
			return 0;
		}
		if (!zin_full(z, NULL, (size_t)(size + (512 - size % 512) % 512)))
			return pt_err(EINVAL, "%s: data archive: truncated", what);
	}
}

/*
 * An ar archive ("!<arch>\n", 60-byte member headers): debian-binary,
 * control.tar.*, data.tar.* (.gz, .xz, .zst, .bz2 or plain).
 */
static int deb_btf(const char *what, const unsigned char *p, size_t len, void **btf,
		   size_t *btf_len)
{
	size_t off = 8;

	while (off + 60 <= len) {
		const unsigned char *m = p + off;
		char name[17], sz[11];
		unsigned long long size;
		enum zfmt fmt;
		struct zin z;
		unsigned char *img = NULL;
		size_t img_len = 0;
		char img_name[4096], desc[4200];
		int err;

		memcpy(name, m, 16);
		name[16] = '\0';
		memcpy(sz, m + 48, 10);
		sz[10] = '\0';
		size = strtoull(sz, NULL, 10);
		if (m[58] != 0x60 || m[59] != '\n' || size > len - off - 60)
			return pt_err(EINVAL, "%s: truncated or corrupt package (ar member at %zu)",
				      what, off);
		off += 60;
		if (strncmp(name, "data.tar", 8) != 0) {
			off += (size_t)size + (size & 1);
			continue;
		}
		fmt = strncmp(name, "data.tar/", 9) == 0 || strncmp(name, "data.tar ", 9) == 0 ?
			      KZ_NONE : sniff_z(p + off, (size_t)size);
		if (fmt == KZ_UNKNOWN || fmt == KZ_LZO || fmt == KZ_LZ4)
			return pt_err(ENOTSUP, "%s: %.16s: compression not supported", what, name);
		err = zin_open(&z, fmt, p + off, (size_t)size);
		if (!err)
			err = tar_image(what, &z, &img, &img_len, img_name, sizeof(img_name));
		else
			err = pt_err(-err, "%s: %s: cannot start decompressing", what, zname[fmt]);
		zin_close(&z);
		if (err)
			return err;
		snprintf(desc, sizeof(desc), "%s: %s", what, img_name);
		if (!pt_is_bzimage(img, img_len))
			err = pt_err(EINVAL, "%s: not an x86 kernel image", desc);
		else
			err = bzimage_btf(desc, img, img_len, btf, btf_len);
		free(img);
		return err;
	}
	return pt_err(ENOENT, "%s: no data.tar member: not a Debian package", what);
}

int pt_kimage_btf(const char *path, void **btf, size_t *btf_len)
{
	struct stat st;
	void *map;
	int fd, err;

	*btf = NULL;
	*btf_len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pt_err(errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return pt_err(EINVAL, "%s: not a regular, non-empty file", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return pt_err(errno, "%s: %s", path, strerror(errno));
	if ((size_t)st.st_size >= 8 && memcmp(map, "!<arch>\n", 8) == 0)
		err = deb_btf(path, map, (size_t)st.st_size, btf, btf_len);
	else if (pt_is_bzimage(map, (size_t)st.st_size))
		err = bzimage_btf(path, map, (size_t)st.st_size, btf, btf_len);
	else
		err = pt_err(EINVAL, "%s: not a kernel image or a Debian package", path);
	munmap(map, (size_t)st.st_size);
	return err;
}
