// SPDX-License-Identifier: GPL-2.0
/*
 * sysbench: the guest side of the kernel part of make bench
 * (scripts/bench-kernel.sh, tests.d/sysbench.sh): what a kernel entry and
 * exit, and a context switch, cost on the kernel booted.
 *
 *   sysbench getppid N ROUNDS  ROUNDS rounds of N getppid() system calls
 *                              (SYSCALL, no vDSO); prints the best round's
 *                              nanoseconds per call:
 *                              "getppid: BEST ns per call (N calls, best of
 *                              ROUNDS: R1 R2 ...)"
 *   sysbench switch N ROUNDS   ROUNDS rounds of N round trips of one byte
 *                              between two processes over two pipes, both
 *                              on CPU 0 (two context switches per trip);
 *                              prints "switch: BEST ns per round trip ..."
 * Exit status 0, 1 when a system call fails, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long parse(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 100000000) {
		fprintf(stderr, "sysbench: not a count: %s\n", s);
		exit(2);
	}
	return v;
}

static double round_getppid(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (now_ns() - t0) / n;
}

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Returns ns per round trip, or a negative value on an error. */
static double round_switch(long n)
{
	int ping[2], pong[2];
	char c = 'x';
	double t0, t;
	pid_t pid;
	int st;

	if (pipe(ping) || pipe(pong))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		pin_cpu0();
		for (long i = 0; i < n; i++)
			if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	pin_cpu0();
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
			kill(pid, SIGKILL);
			break;
		}
	t = (now_ns() - t0) / n;
	close(ping[0]);
	close(ping[1]);
	close(pong[0]);
	close(pong[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return t;
}

int main(int argc, char **argv)
{
	double best = 0, r;
	char rounds[512] = "";
	size_t used = 0;
	long n, k;
	int sw;

	if (argc != 4 || (strcmp(argv[1], "getppid") && strcmp(argv[1], "switch"))) {
		fprintf(stderr, "usage: sysbench getppid|switch N ROUNDS\n");
		return 2;
	}
	sw = !strcmp(argv[1], "switch");
	n = parse(argv[2]);
	k = parse(argv[3]);
	if (k > 20)
		k = 20;
	for (long i = 0; i < k; i++) {
		r = sw ? round_switch(n) : round_getppid(n);
		if (r < 0) {
			fprintf(stderr, "sysbench: %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		if (i == 0 || r < best)
			best = r;
		used += snprintf(rounds + used, sizeof(rounds) - used, " %.1f", r);
		if (used >= sizeof(rounds))
			used = sizeof(rounds) - 1;
	}
	printf("%s: %.1f ns per %s (%ld %s, best of %ld:%s)\n", argv[1], best,
	       sw ? "round trip" : "call", n, sw ? "round trips" : "calls", k,
	       rounds);
	return 0;
}
