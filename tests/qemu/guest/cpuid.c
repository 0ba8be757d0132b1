// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid: what the (virtual) CPU enumerates, read with CPUID from user mode,
 * as shell assignments for the guest's /init:
 *   vendor=GenuineIntel family=6 model=85 pks=1 pku=1 ospke=1 sep=1 syscall=1
 * pks is CPUID.(EAX=7,ECX=0):ECX[31], pku ECX[3], ospke ECX[4] (CR4.PKE as
 * the kernel set it), sep CPUID.1:EDX[11], syscall CPUID.80000001:EDX[11].
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	unsigned int a, b, c, d, max;
	char vendor[13];
	unsigned int family = 0, model = 0, sep = 0, syscall_insn = 0;
	unsigned int pks = 0, pku = 0, ospke = 0;

	__cpuid(0, max, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	if (max >= 1) {
		__cpuid(1, a, b, c, d);
		family = (a >> 8) & 0xf;
		model = (a >> 4) & 0xf;
		if (family == 0xf)
			family += (a >> 20) & 0xff;
		if (family >= 6)
			model |= ((a >> 16) & 0xf) << 4;
		sep = (d >> 11) & 1;
	}
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		pku = (c >> 3) & 1;
		ospke = (c >> 4) & 1;
		pks = (c >> 31) & 1;
	}
	__cpuid(0x80000000, max, b, c, d);
	if (max >= 0x80000001) {
		__cpuid(0x80000001, a, b, c, d);
		syscall_insn = (d >> 11) & 1;
	}
	printf("vendor=%s family=%u model=%u pks=%u pku=%u ospke=%u sep=%u syscall=%u\n",
	       vendor, family, model, pks, pku, ospke, sep, syscall_insn);
	return 0;
}
