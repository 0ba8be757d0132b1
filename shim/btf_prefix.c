// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The head of a raw BTF file: its types from the first one up to a named
 * struct and every type that struct refers to, with the whole string
 * section, as one BTF in memory. The running kernel's struct pt_regs is
 * type 162 of 126,000 in a 6.x vmlinux BTF; libbpf parses and checks every
 * type of what it is given, so the layout read from the head is the same,
 * for a fraction of the work (under QEMU's TCG, half a second less on
 * every `ptregs run`). Anything unexpected is an error, and the caller
 * reads the whole file instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/btf.h>
#include "internal.h"

#define CHUNK (64u << 10)
#define MAX_STRS (256u << 20)
#define KIND_ENUM64 19	/* not named by older headers */

struct head {
	int fd;
	uint64_t types_at;	/* file offset of the type section */
	uint32_t types_len;
	unsigned char *types;	/* what has been read of it */
	uint32_t have;		/* bytes read */
	uint32_t parsed;	/* bytes walked: the start of type cnt + 1 */
	uint32_t *at;		/* at[id - 1]: the offset of type id */
	uint32_t cnt, cap;
};

/* LEN bytes at OFF (sysfs hands out a page or so per read). */
static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	for (size_t done = 0; done < len;) {
		ssize_t got = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (got <= 0)
			return false;
		done += (size_t)got;
	}
	return true;
}

/* Read more of the type section; false at its end or on an error. */
static bool read_more(struct head *h)
{
	uint32_t want = h->types_len - h->have < CHUNK ? h->types_len - h->have : CHUNK;
	unsigned char *n;
	ssize_t got;

	if (!want)
		return false;
	n = realloc(h->types, (size_t)h->have + want);
	if (!n)
		return false;
	h->types = n;
	got = pread(h->fd, h->types + h->have, want, (off_t)(h->types_at + h->have));
	if (got <= 0)
		return false;
	h->have += (uint32_t)got;
	return true;
}

/* The bytes a type of this kind and vlen takes after its struct btf_type. */
static int64_t trailer(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return (int64_t)sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (int64_t)vlen * (int64_t)sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (int64_t)vlen * (int64_t)sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (int64_t)vlen * (int64_t)sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (int64_t)vlen * (int64_t)sizeof(struct btf_var_secinfo);
	case KIND_ENUM64:
		return (int64_t)vlen * 12;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* Walk up to type ID; false when the section ends first or is malformed. */
static bool reach(struct head *h, uint32_t id)
{
	while (h->cnt < id) {
		struct btf_type t;
		int64_t len;

		while (h->have - h->parsed < sizeof(t))
			if (!read_more(h))
				return false;
		memcpy(&t, h->types + h->parsed, sizeof(t));
		len = trailer(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
		if (len < 0 || sizeof(t) + (uint64_t)len > h->types_len - h->parsed)
			return false;
		while (h->have - h->parsed < sizeof(t) + (uint64_t)len)
			if (!read_more(h))
				return false;
		if (h->cnt == h->cap) {
			uint32_t cap = h->cap ? h->cap * 2 : 1024;
			uint32_t *n = realloc(h->at, cap * sizeof(*n));

			if (!n)
				return false;
			h->at = n;
			h->cap = cap;
		}
		h->at[h->cnt++] = h->parsed;
		h->parsed += (uint32_t)(sizeof(t) + (uint64_t)len);
	}
	return true;
}

static const struct btf_type *type_at(const struct head *h, uint32_t id)
{
	return (const struct btf_type *)(h->types + h->at[id - 1]);
}

/*
 * The highest type id ROOT refers to, directly or not (ROOT when none):
 * the head must reach it. 0 when a reference cannot be followed.
 */
static uint32_t closure(struct head *h, uint32_t root)
{
	uint32_t *stack = NULL, sp = 0, cap = 0, max = root;
	uint8_t *seen = NULL;
	uint32_t seen_len = 0;
	bool ok = true;

#define PUSH(x)								\
	do {								\
		uint32_t v_ = (x);					\
		if (v_ && ok) {						\
			if (sp == cap) {				\
				uint32_t *n_;				\
				cap = cap ? cap * 2 : 64;		\
				n_ = realloc(stack, cap * sizeof(*n_)); \
				if (!n_) {				\
					ok = false;			\
					break;				\
				}					\
				stack = n_;				\
			}						\
			stack[sp++] = v_;				\
		}							\
	} while (0)

	PUSH(root);
	while (ok && sp) {
		uint32_t id = stack[--sp], kind, vlen;
		const struct btf_type *t;
		const unsigned char *tail;

		if (id >= seen_len * 8u) {
			uint32_t n = (id / 8 + 1) * 2;
			uint8_t *s = realloc(seen, n);

			if (!s) {
				ok = false;
				break;
			}
			memset(s + seen_len, 0, n - seen_len);
			seen = s;
			seen_len = n;
		}
		if (seen[id / 8] & (1u << (id % 8)))
			continue;
		seen[id / 8] |= (uint8_t)(1u << (id % 8));
		if (!reach(h, id)) {
			ok = false;
			break;
		}
		if (id > max)
			max = id;
		t = type_at(h, id);
		tail = (const unsigned char *)(t + 1);
		kind = BTF_INFO_KIND(t->info);
		vlen = BTF_INFO_VLEN(t->info);
		switch (kind) {
		case BTF_KIND_PTR:
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_FUNC:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_TYPE_TAG:
			PUSH(t->type);
			break;
		case BTF_KIND_ARRAY: {
			struct btf_array a;

			memcpy(&a, tail, sizeof(a));
			PUSH(a.type);
			PUSH(a.index_type);
			break;
		}
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (uint32_t i = 0; i < vlen; i++) {
				struct btf_member m;

				memcpy(&m, tail + i * sizeof(m), sizeof(m));
				PUSH(m.type);
			}
			break;
		case BTF_KIND_FUNC_PROTO:
			PUSH(t->type);
			for (uint32_t i = 0; i < vlen; i++) {
				struct btf_param p;

				memcpy(&p, tail + i * sizeof(p), sizeof(p));
				PUSH(p.type);
			}
			break;
		case BTF_KIND_DATASEC:
			for (uint32_t i = 0; i < vlen; i++) {
				struct btf_var_secinfo v;

				memcpy(&v, tail + i * sizeof(v), sizeof(v));
				PUSH(v.type);
			}
			break;
		default:
			break;
		}
	}
#undef PUSH
	free(stack);
	free(seen);
	return ok ? max : 0;
}

int pt_btf_head(const char *path, const char *name, void **out, size_t *out_len)
{
	struct head h = { .fd = -1 };
	struct btf_header hdr;
	struct stat st;
	char *strs = NULL;
	unsigned char *buf;
	uint32_t root = 0, last, cut;
	size_t nlen = strlen(name);
	int err = -EINVAL;

	*out = NULL;
	*out_len = 0;
	h.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h.fd < 0)
		return -errno;
	/* native byte order, the sections inside the file, strings NUL-ended */
	if (fstat(h.fd, &st) != 0 || !read_at(h.fd, &hdr, sizeof(hdr), 0) ||
	    hdr.magic != BTF_MAGIC || hdr.hdr_len < sizeof(hdr) || hdr.type_off % 4 ||
	    (uint64_t)hdr.hdr_len + hdr.type_off + hdr.type_len > (uint64_t)st.st_size ||
	    (uint64_t)hdr.hdr_len + hdr.str_off + hdr.str_len > (uint64_t)st.st_size ||
	    !hdr.str_len || hdr.str_len > MAX_STRS)
		goto out;
	h.types_at = (uint64_t)hdr.hdr_len + hdr.type_off;
	h.types_len = hdr.type_len;
	strs = malloc(hdr.str_len);
	if (!strs) {
		err = -ENOMEM;
		goto out;
	}
	if (!read_at(h.fd, strs, hdr.str_len, (uint64_t)hdr.hdr_len + hdr.str_off) ||
	    strs[hdr.str_len - 1])
		goto out;
	/* the first struct of that name, as btf__find_by_name_kind() finds it */
	for (uint32_t id = 1; !root; id++) {
		const struct btf_type *t;

		if (!reach(&h, id))
			goto out;
		t = type_at(&h, id);
		if (BTF_INFO_KIND(t->info) == BTF_KIND_STRUCT && t->name_off < hdr.str_len &&
		    strncmp(strs + t->name_off, name, nlen + 1) == 0)
			root = id;
	}
	last = closure(&h, root);
	if (!last)
		goto out;
	cut = h.at[last - 1] + (uint32_t)sizeof(struct btf_type) +
	      (uint32_t)trailer(BTF_INFO_KIND(type_at(&h, last)->info),
				BTF_INFO_VLEN(type_at(&h, last)->info));
	buf = malloc(sizeof(hdr) + (size_t)cut + hdr.str_len);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	hdr.hdr_len = sizeof(hdr);
	hdr.type_off = 0;
	hdr.type_len = cut;
	hdr.str_off = cut;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), h.types, cut);
	memcpy(buf + sizeof(hdr) + cut, strs, hdr.str_len);
	*out = buf;
	*out_len = sizeof(hdr) + (size_t)cut + hdr.str_len;
	err = 0;
out:
	close(h.fd);
	free(h.types);
	free(h.at);
	free(strs);
	return err;
}
