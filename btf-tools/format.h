/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Text forms shared by the layout and diff outputs. */
#ifndef PTREGS_FORMAT_H
#define PTREGS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A field's position and size as text: "OFFSET" and "SIZE", or for a
 * bitfield "BYTE.BIT" and "SIZE:BITS" (SIZE is the storage unit's).
 */
void fmt_field_pos(char *buf, size_t len, uint32_t offset, uint32_t bit_offset,
		   uint32_t bit_size);
void fmt_field_size(char *buf, size_t len, uint32_t size, uint32_t bit_size);
/* The last component of path P (P itself without a '/'). */
const char *basename_of(const char *p);

#endif
