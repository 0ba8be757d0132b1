// SPDX-License-Identifier: GPL-2.0
/*
 * pkscmd: run PKS test facility commands (/sys/kernel/debug/x86/pks_test)
 * one after another from one process, each with its own write() and the
 * result read back: "pkscmd context entry" leaves the context command's
 * test PKRS value loaded at the exit of its write() and shows, in the
 * entry command's result, what the next system calls entered with. Built
 * 64-bit and IA32 (/bin/pkscmd32): the compat system calls return through
 * SYSRETL on the fast path (entered by SYSENTER on Intel, SYSCALL on AMD).
 * Prints "CMD RESULT" per command; exit status 0, 1 when a command cannot
 * be run, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PKS_TEST "/sys/kernel/debug/x86/pks_test"

int main(int argc, char **argv)
{
	char buf[1024];
	int i, fd;
	ssize_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: pkscmd COMMAND...\n");
		return 2;
	}
	fd = open(PKS_TEST, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "pkscmd: %s: %s\n", PKS_TEST, strerror(errno));
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (pwrite(fd, argv[i], strlen(argv[i]), 0) < 0) {
			fprintf(stderr, "pkscmd: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			fprintf(stderr, "pkscmd: reading the result of %s: %s\n",
				argv[i], strerror(errno));
			return 1;
		}
		buf[n] = '\0';
		fputs(buf, stdout);
		if (n == 0 || buf[n - 1] != '\n')
			putchar('\n');
		fflush(stdout);
	}
	close(fd);
	return 0;
}
