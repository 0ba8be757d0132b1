// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "format.h"

void fmt_field_pos(char *buf, size_t len, uint32_t offset, uint32_t bit_offset,
		   uint32_t bit_size)
{
	if (bit_size)
		snprintf(buf, len, "%u.%u", bit_offset / 8, bit_offset % 8);
	else
		snprintf(buf, len, "%u", offset);
}

void fmt_field_size(char *buf, size_t len, uint32_t size, uint32_t bit_size)
{
	if (bit_size)
		snprintf(buf, len, "%u:%u", size, bit_size);
	else
		snprintf(buf, len, "%u", size);
}

const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}
