// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The head of a raw BTF file: a named struct and every type it refers to,
 * renumbered in their order, with the whole string section, as one BTF in
 * memory; the file's types are read only as far as the last of them. The
 * running kernel's struct pt_regs is type 162 of 126,000 in a 6.x vmlinux
 * BTF and refers to 11 others on 6.18; libbpf parses and checks every type
 * of what it is given, so the layout read from the head is the same for a
 * fraction of the work. Anything unexpected is an error, and the caller
 * reads the whole file instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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
	uint8_t *keep;		/* a bit per type id: in the head */
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
 * The byte offset in a type record of KIND and VLEN of the Kth type id it
 * names; false past the last.
 */
static bool ref_at(uint32_t kind, uint32_t vlen, uint32_t k, uint32_t *off)
{
	const uint32_t rec = sizeof(struct btf_type);

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
		*off = offsetof(struct btf_type, type);
		return k == 0;
	case BTF_KIND_ARRAY:
		*off = rec + (k ? offsetof(struct btf_array, index_type) : offsetof(struct btf_array, type));
		return k < 2;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		*off = rec + k * (uint32_t)sizeof(struct btf_member) + offsetof(struct btf_member, type);
		return k < vlen;
	case BTF_KIND_FUNC_PROTO:
		*off = k ? rec + (k - 1) * (uint32_t)sizeof(struct btf_param) +
			   offsetof(struct btf_param, type) :
			   offsetof(struct btf_type, type);
		return k <= vlen;
	case BTF_KIND_DATASEC:
		*off = rec + k * (uint32_t)sizeof(struct btf_var_secinfo) +
		       offsetof(struct btf_var_secinfo, type);
		return k < vlen;
	default:
		return false;
	}
}

/*
 * Mark in h->keep ROOT and every type it refers to, directly or not;
 * their highest id, or 0 when a reference cannot be followed.
 */
static uint32_t closure(struct head *h, uint32_t root)
{
	/* no more types than 12-byte records in the section */
	uint32_t most = h->types_len / (uint32_t)sizeof(struct btf_type);
	uint32_t *stack = NULL, sp = 0, cap = 0, max = 0;
	bool ok = true;

	h->keep = calloc(most / 8 + 1, 1);
	if (!h->keep || root > most)
		return 0;
	stack = malloc(64 * sizeof(*stack));
	cap = stack ? 64 : 0;
	if (stack)
		stack[sp++] = root;
	ok = stack != NULL;
	while (ok && sp) {
		uint32_t id = stack[--sp], kind, vlen, off;
		const unsigned char *rec;

		if (h->keep[id / 8] & (1u << (id % 8)))
			continue;
		h->keep[id / 8] |= (uint8_t)(1u << (id % 8));
		if (!reach(h, id)) {
			ok = false;
			break;
		}
		if (id > max)
			max = id;
		rec = h->types + h->at[id - 1];
		kind = BTF_INFO_KIND(type_at(h, id)->info);
		vlen = BTF_INFO_VLEN(type_at(h, id)->info);
		for (uint32_t k = 0; ok && ref_at(kind, vlen, k, &off); k++) {
			uint32_t ref;

			memcpy(&ref, rec + off, sizeof(ref));
			if (!ref)
				continue;	/* void */
			if (ref > most) {
				ok = false;
				break;
			}
			if (sp == cap) {
				uint32_t *n = realloc(stack, (size_t)cap * 2 * sizeof(*n));

				if (!n) {
					ok = false;
					break;
				}
				stack = n;
				cap *= 2;
			}
			stack[sp++] = ref;
		}
	}
	free(stack);
	return ok ? max : 0;
}

/* The length of type ID's record. */
static uint32_t rec_len(const struct head *h, uint32_t id)
{
	const struct btf_type *t = type_at(h, id);

	return (uint32_t)sizeof(*t) + (uint32_t)trailer(BTF_INFO_KIND(t->info), BTF_INFO_VLEN(t->info));
}

int pt_btf_head(const char *path, const char *name, void **out, size_t *out_len)
{
	struct head h = { .fd = -1 };
	struct btf_header hdr;
	struct stat st;
	char *strs = NULL;
	unsigned char *buf;
	uint32_t root = 0, last, len = 0, *map = NULL;
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
	/*
	 * Only the kept types, renumbered in their order: every id the head
	 * names is in it (libbpf 1.3+ checks that), and nothing else is.
	 */
	map = calloc((size_t)last + 1, sizeof(*map));
	if (!map) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t id = 1, n = 0; id <= last; id++) {
		if (h.keep[id / 8] & (1u << (id % 8))) {
			map[id] = ++n;
			len += rec_len(&h, id);
		}
	}
	buf = malloc(sizeof(hdr) + len + hdr.str_len);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t id = 1, at = 0; id <= last; id++) {
		unsigned char *rec = buf + sizeof(hdr) + at;
		const struct btf_type *t = type_at(&h, id);
		uint32_t off;

		if (!map[id])
			continue;
		memcpy(rec, t, rec_len(&h, id));
		for (uint32_t k = 0; ref_at(BTF_INFO_KIND(t->info), BTF_INFO_VLEN(t->info), k, &off);
		     k++) {
			uint32_t ref;

			memcpy(&ref, rec + off, sizeof(ref));
			ref = ref ? map[ref] : 0;
			memcpy(rec + off, &ref, sizeof(ref));
		}
		at += rec_len(&h, id);
	}
	hdr.hdr_len = sizeof(hdr);
	hdr.type_off = 0;
	hdr.type_len = len;
	hdr.str_off = len;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr) + len, strs, hdr.str_len);
	*out = buf;
	*out_len = sizeof(hdr) + (size_t)len + hdr.str_len;
	err = 0;
out:
	close(h.fd);
	free(h.types);
	free(h.at);
	free(h.keep);
	free(map);
	free(strs);
	return err;
}
