// SPDX-License-Identifier: GPL-2.0
/*
 * shimprobe: known values for a code generator with a fixed register
 * table (bpftrace 0.17) to read, on the kernel and in user space
 * (tests.d/shim.sh).
 *
 *   shimprobe [DELAY]  sleeps DELAY seconds (default 0), then
 *     1. mmap(SP_ADDR, SP_LEN, SP_PROT, SP_FLAGS, SP_FD, SP_OFF): the
 *        kernel calls ksys_mmap_pgoff(addr, len, prot, flags, fd, pgoff)
 *        with these six values (pgoff = SP_OFF / 4096; MAP_ANONYMOUS
 *        ignores fd and the offset, MAP_FIXED_NOREPLACE makes the return
 *        value SP_ADDR), then munmap();
 *     1b. lseek(FD, SP_SEEK, SEEK_SET) on its own executable: ksys_lseek()
 *        returns SP_SEEK (a kretprobe's retval);
 *     2. calls sp_seven(a0, ..., a5, s0): six register arguments and one
 *        on the stack (the first stack argument, 8 bytes above the
 *        return address);
 *     3. passes the USDT probe ptregs:two with two register operands;
 *   and prints each value it used as "NAME=VALUE" (decimal).
 * Exit status 0, 1 when a call failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sdt.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define SP_ADDR 0x5a5a5a000UL
#define SP_LEN 0x3000UL
#define SP_PROT (PROT_READ | PROT_WRITE)
#define SP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)
#define SP_FD 7
#define SP_OFF 0x9000UL
#define SP_SEEK 123456L

/* Six register arguments and a seventh on the stack. */
volatile unsigned long sp_in[7] = {
	1111111, 2222222, 3333333, 4444444, 5555555, 6666666, 7777777,
};
/* The USDT operands, loaded into registers at the probe. */
volatile unsigned long sp_usdt[2] = { 424242, 737373 };

__attribute__((noipa)) unsigned long sp_seven(unsigned long a0,
					      unsigned long a1,
					      unsigned long a2,
					      unsigned long a3,
					      unsigned long a4,
					      unsigned long a5,
					      unsigned long s0)
{
	return a0 + a1 + a2 + a3 + a4 + a5 + s0;
}

int main(int argc, char **argv)
{
	unsigned long u0, u1, r;
	off_t off;
	void *p;
	int fd;

	if (argc > 1)
		sleep(atoi(argv[1]));
	p = mmap((void *)SP_ADDR, SP_LEN, SP_PROT, SP_FLAGS, SP_FD, SP_OFF);
	printf("mmap arg0=%lu arg1=%lu arg2=%d arg3=%d arg4=%d arg5=%lu ret=%lu\n",
	       SP_ADDR, SP_LEN, SP_PROT, SP_FLAGS, SP_FD, SP_OFF / 4096,
	       (unsigned long)p);
	if (p == MAP_FAILED)
		return 1;
	munmap(p, SP_LEN);

	fd = open("/proc/self/exe", O_RDONLY);
	off = fd < 0 ? -1 : lseek(fd, SP_SEEK, SEEK_SET);
	printf("lseek retval=%ld\n", (long)off);
	if (off != SP_SEEK)
		return 1;
	close(fd);

	r = sp_seven(sp_in[0], sp_in[1], sp_in[2], sp_in[3], sp_in[4],
		     sp_in[5], sp_in[6]);
	printf("sp_seven arg0=%lu arg1=%lu arg2=%lu arg3=%lu arg4=%lu arg5=%lu sarg0=%lu sum=%lu\n",
	       sp_in[0], sp_in[1], sp_in[2], sp_in[3], sp_in[4], sp_in[5],
	       sp_in[6], r);

	u0 = sp_usdt[0];
	u1 = sp_usdt[1];
	DTRACE_PROBE2(ptregs, two, u0, u1);
	printf("usdt arg0=%lu arg1=%lu\n", u0, u1);
	fflush(stdout);
	return 0;
}
