// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A strict reader of .BTF.ext line_info and core_relo records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "btf_ext.h"

#define BTF_EXT_MAGIC 0xeB9F

struct ext_hdr {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;	/* absent in short headers */
};

static struct ext_sec *sec_get(struct pt_ext_info *info, const char *name)
{
	struct ext_sec *s;

	for (size_t i = 0; i < info->sec_cnt; i++)
		if (strcmp(info->secs[i].name, name) == 0)
			return &info->secs[i];
	s = realloc(info->secs, (info->sec_cnt + 1) * sizeof(*s));
	if (!s)
		return NULL;
	info->secs = s;
	s = &info->secs[info->sec_cnt++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	return s;
}

/* One info subsection: u32 rec_size, then blocks {sec_name_off, num_info, recs}. */
static int parse_info(const uint8_t *p, size_t len, size_t min_rec, const struct btf *btf,
		      struct pt_ext_info *info, int which, char *err, size_t errlen)
{
	const char *what = which ? "core_relo" : "line_info";
	uint32_t rec_size;
	size_t pos = 4;

	if (len == 0)
		return 0;
	if (len < 4) {
		snprintf(err, errlen, "malformed .BTF.ext: %s shorter than its record size", what);
		return -EINVAL;
	}
	memcpy(&rec_size, p, 4);
	if (rec_size < min_rec || rec_size % 4 || rec_size > 1024) {
		snprintf(err, errlen, "malformed .BTF.ext: %s record size %u", what, rec_size);
		return -EINVAL;
	}
	while (pos < len) {
		uint32_t name_off, num;
		const char *name;
		struct ext_sec *s;

		if (len - pos < 8) {
			snprintf(err, errlen, "malformed .BTF.ext: truncated %s block header", what);
			return -EINVAL;
		}
		memcpy(&name_off, p + pos, 4);
		memcpy(&num, p + pos + 4, 4);
		pos += 8;
		if (num == 0 || (uint64_t)num * rec_size > len - pos) {
			snprintf(err, errlen, "malformed .BTF.ext: %s block claims %u records, "
				 "%zu bytes left", what, num, len - pos);
			return -EINVAL;
		}
		name = btf__name_by_offset(btf, name_off);
		if (!name || !*name) {
			snprintf(err, errlen, "malformed .BTF.ext: %s section name offset %u",
				 what, name_off);
			return -EINVAL;
		}
		s = sec_get(info, name);
		if (!s)
			return -ENOMEM;
		if (which == 0) {
			struct ext_line *l = realloc(s->lines, (s->line_cnt + num) * sizeof(*l));

			if (!l)
				return -ENOMEM;
			s->lines = l;
			for (uint32_t i = 0; i < num; i++)
				memcpy(&l[s->line_cnt + i], p + pos + (size_t)i * rec_size, sizeof(*l));
			s->line_cnt += num;
		} else {
			struct ext_core *c = realloc(s->cores, (s->core_cnt + num) * sizeof(*c));

			if (!c)
				return -ENOMEM;
			s->cores = c;
			for (uint32_t i = 0; i < num; i++)
				memcpy(&c[s->core_cnt + i], p + pos + (size_t)i * rec_size, sizeof(*c));
			s->core_cnt += num;
		}
		pos += (size_t)num * rec_size;
	}
	return 0;
}

static int sub_range(const struct ext_hdr *h, size_t size, uint32_t off, uint32_t len,
		     const char *what, char *err, size_t errlen)
{
	if ((uint64_t)h->hdr_len + off + len > size) {
		snprintf(err, errlen, "malformed .BTF.ext: %s (offset %u, length %u) beyond the "
			 "section's %zu bytes", what, off, len, size);
		return -EINVAL;
	}
	return 0;
}

int pt_ext_parse(const void *data, size_t size, const struct btf *btf,
		  struct pt_ext_info *out, char *err, size_t errlen)
{
	const uint8_t *p = data;
	struct ext_hdr h = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	if (size < 24) {
		snprintf(err, errlen, "malformed .BTF.ext: %zu bytes, shorter than its header", size);
		return -EINVAL;
	}
	memcpy(&h, p, 24);
	if (h.magic != BTF_EXT_MAGIC) {
		snprintf(err, errlen, "malformed .BTF.ext: bad magic 0x%04x%s", h.magic,
			 h.magic == 0x9FeB ? " (other endianness)" : "");
		return -EINVAL;
	}
	if (h.version != 1) {
		snprintf(err, errlen, "unsupported .BTF.ext version %u", h.version);
		return -ENOTSUP;
	}
	if (h.hdr_len < 24 || h.hdr_len > size || h.hdr_len % 4) {
		snprintf(err, errlen, "malformed .BTF.ext: header length %u", h.hdr_len);
		return -EINVAL;
	}
	if (h.hdr_len >= 32)
		memcpy(&h.core_relo_off, p + 24, 8);
	if ((r = sub_range(&h, size, h.func_info_off, h.func_info_len, "func_info", err, errlen)) ||
	    (r = sub_range(&h, size, h.line_info_off, h.line_info_len, "line_info", err, errlen)) ||
	    (r = sub_range(&h, size, h.core_relo_off, h.core_relo_len, "core_relo", err, errlen)))
		return r;
	r = parse_info(p + h.hdr_len + h.line_info_off, h.line_info_len, sizeof(struct ext_line),
		       btf, out, 0, err, errlen);
	if (!r)
		r = parse_info(p + h.hdr_len + h.core_relo_off, h.core_relo_len,
			       sizeof(struct ext_core), btf, out, 1, err, errlen);
	if (r) {
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		pt_ext_free(out);
	}
	return r;
}

void pt_ext_free(struct pt_ext_info *info)
{
	for (size_t i = 0; i < info->sec_cnt; i++) {
		free(info->secs[i].lines);
		free(info->secs[i].cores);
	}
	free(info->secs);
	memset(info, 0, sizeof(*info));
}

const struct ext_sec *pt_ext_find(const struct pt_ext_info *info, const char *sec)
{
	for (size_t i = 0; i < info->sec_cnt; i++)
		if (strcmp(info->secs[i].name, sec) == 0)
			return &info->secs[i];
	return NULL;
}
