/* SPDX-License-Identifier: GPL-2.0 */
/* Failure counting of the guest programs: FAILF("fmt", ...) prints a FAIL line. */
#ifndef PTREGS_GUEST_CHECK_H
#define PTREGS_GUEST_CHECK_H
#include <stdio.h>

static int failures __attribute__((unused));

#define FAILF(...)                                                          \
	do {                                                                \
		printf("FAIL: " __VA_ARGS__);                               \
		printf("\n");                                               \
		failures++;                                                 \
	} while (0)

#endif /* PTREGS_GUEST_CHECK_H */
