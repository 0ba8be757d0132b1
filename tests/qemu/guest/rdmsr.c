// SPDX-License-Identifier: GPL-2.0
/*
 * rdmsr: read a model-specific register on every online CPU through
 * /dev/cpu/N/msr (CONFIG_X86_MSR).  The msr driver reads it in kernel
 * context (in the read() system call on the current CPU, in an IPI on the
 * others), so for a register the kernel switches per context, such as
 * IA32_PKRS, this is the value kernel code runs with.
 *
 * Usage: rdmsr MSR       prints "cpuN 0xVALUE" per CPU
 * Exit status 0, 1 if a read failed, 77 if there is no msr device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long msr;
	int ncpu, rc = 0, seen = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: rdmsr MSR\n");
		return 2;
	}
	msr = strtoul(argv[1], NULL, 0);
	ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	for (int cpu = 0; cpu < ncpu; cpu++) {
		char path[64];
		uint64_t v;
		int fd;

		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENXIO)
				continue;
			printf("cpu%d error: open %s: %s\n", cpu, path,
			       strerror(errno));
			rc = 1;
			continue;
		}
		seen++;
		if (pread(fd, &v, sizeof(v), (off_t)msr) != sizeof(v)) {
			printf("cpu%d error: rdmsr %#lx: %s\n", cpu, msr,
			       strerror(errno));
			rc = 1;
		} else {
			printf("cpu%d %#llx\n", cpu, (unsigned long long)v);
		}
		close(fd);
	}
	if (!seen) {
		fprintf(stderr, "rdmsr: no /dev/cpu/*/msr\n");
		return 77;
	}
	return rc;
}
