// SPDX-License-Identifier: GPL-2.0
/*
 * debug-exit: end the QEMU run with a status through the isa-debug-exit
 * device (-device isa-debug-exit,iobase=0xf4,iosize=0x04).  QEMU exits with
 * status (value << 1) | 1, so value 0 gives 1 (the guest's "pass") and value
 * 1 gives 3 ("fail").  If the device is absent the write does nothing and the
 * program returns 1, so the caller can fall back to a reboot (QEMU runs with
 * -no-reboot).  Port access needs ioperm() (CONFIG_X86_IOPL_IOPERM) or,
 * failing that, /dev/port (CONFIG_DEVPORT).
 *
 * Usage: debug-exit VALUE
 */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/io.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned long value;

	if (argc != 2) {
		fprintf(stderr, "usage: debug-exit VALUE\n");
		return 2;
	}
	value = strtoul(argv[1], NULL, 0);
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0) {
		outl((unsigned int)value, DEBUG_EXIT_PORT);
	} else {
		unsigned int v = (unsigned int)value;
		int fd = open("/dev/port", O_WRONLY);

		if (fd < 0) {
			fprintf(stderr,
				"debug-exit: no port access (ioperm: not available, /dev/port: %m)\n");
			return 1;
		}
		if (pwrite(fd, &v, sizeof(v), DEBUG_EXIT_PORT) != sizeof(v))
			perror("debug-exit: /dev/port");
		close(fd);
	}
	/* Still here: no isa-debug-exit device. */
	fprintf(stderr, "debug-exit: no isa-debug-exit device at 0x%x\n",
		DEBUG_EXIT_PORT);
	return 1;
}
