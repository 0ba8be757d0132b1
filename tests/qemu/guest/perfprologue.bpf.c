// SPDX-License-Identifier: GPL-2.0
/*
 * perf's BPF prologue (perf record -e perfprologue.bpf.o): each section
 * name is a perf probe definition, "NAME=FUNCTION ARG...". perf adds the
 * kprobe and generates a prologue that loads each raw register argument
 * from the context at the offset regs_query_register_offset() gives, and
 * passes (ctx, err, arg...) to the program (three arguments at most).
 * For /tmp/shimprobe's mmap() (tests.d/shim.sh), ksys_mmap_pgoff's six
 * arguments are printed to the trace buffer, one per line, as
 *   ptregs-prologue err=E   (each program's prologue status)
 *   ptregs-prologue argN=V
 * and a sample is recorded.
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

static long (*trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)BPF_FUNC_trace_printk;
static long (*get_current_comm)(void *buf, __u32 size) = (void *)BPF_FUNC_get_current_comm;

static __always_inline int is_shimprobe(void)
{
	char comm[16];

	if (get_current_comm(comm, sizeof(comm)))
		return 0;
	return comm[0] == 's' && comm[1] == 'h' && comm[2] == 'i' && comm[3] == 'm' &&
	       comm[4] == 'p' && comm[5] == 'r' && comm[6] == 'o' && comm[7] == 'b' &&
	       comm[8] == 'e' && comm[9] == 0;
}

/* Arguments FIRST..FIRST+2 as the prologue passed them; 1: a sample. */
static __always_inline int report(int err, int first, unsigned long a, unsigned long b,
				  unsigned long c)
{
	char fmt_err[] = "ptregs-prologue err=%d\n";
	char fmt_arg[] = "ptregs-prologue arg%d=%lu\n";

	if (!is_shimprobe())
		return 0;
	trace_printk(fmt_err, sizeof(fmt_err), err);
	trace_printk(fmt_arg, sizeof(fmt_arg), first, a);
	trace_printk(fmt_arg, sizeof(fmt_arg), first + 1, b);
	trace_printk(fmt_arg, sizeof(fmt_arg), first + 2, c);
	return 1;
}

SEC("lo=ksys_mmap_pgoff %di %si %dx")
int lo(void *ctx, int err, unsigned long a0, unsigned long a1, unsigned long a2)
{
	return report(err, 0, a0, a1, a2);
}

SEC("hi=ksys_mmap_pgoff %cx %r8 %r9")
int hi(void *ctx, int err, unsigned long a3, unsigned long a4, unsigned long a5)
{
	return report(err, 3, a3, a4, a5);
}

char _license[] SEC("license") = "GPL";
int _version SEC("version") = 0x60100;
