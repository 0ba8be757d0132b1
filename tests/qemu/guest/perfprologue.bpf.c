// SPDX-License-Identifier: GPL-2.0
/*
 * perf's BPF prologue (perf record -e perfprologue.bpf.o): each section
 * name is a perf probe definition, "NAME=FUNCTION ARG...". perf adds the
 * kprobe and generates a prologue that loads each raw register argument
 * from the context at the offset regs_query_register_offset() gives, and
 * passes (ctx, err, arg...) to the program (three arguments at most).
 * For /tmp/shimprobe's mmap() (tests.d/shim.sh), ksys_mmap_pgoff's six
 * arguments are printed to the trace buffer as
 *   ptregs-prologue err=E arg0=A arg1=B / ptregs-prologue arg2=C
 *   ptregs-prologue err=E arg3=D arg4=F / ptregs-prologue arg5=G
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

SEC("lo=ksys_mmap_pgoff %di %si %dx")
int lo(void *ctx, int err, unsigned long a0, unsigned long a1, unsigned long a2)
{
	char fmt[] = "ptregs-prologue err=%d arg0=%lu arg1=%lu\n";
	char fmt2[] = "ptregs-prologue arg2=%lu\n";

	if (!is_shimprobe())
		return 0;
	trace_printk(fmt, sizeof(fmt), err, a0, a1);
	trace_printk(fmt2, sizeof(fmt2), a2);
	return 1;
}

SEC("hi=ksys_mmap_pgoff %cx %r8 %r9")
int hi(void *ctx, int err, unsigned long a3, unsigned long a4, unsigned long a5)
{
	char fmt[] = "ptregs-prologue err=%d arg3=%lu arg4=%lu\n";
	char fmt2[] = "ptregs-prologue arg5=%lu\n";

	if (!is_shimprobe())
		return 0;
	trace_printk(fmt, sizeof(fmt), err, a3, a4);
	trace_printk(fmt2, sizeof(fmt2), a5);
	return 1;
}

char _license[] SEC("license") = "GPL";
int _version SEC("version") = 0x60100;
