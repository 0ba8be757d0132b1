/*
 * task_pt_regs() computed by hand: the top of the task's stack minus
 * sizeof(struct pt_regs), a size the PKRS change makes wrong.
 */
#include "common.h"

#define THREAD_SIZE 16384

OUT(out_ip);

SEC("kprobe/vfs_read")
int stack_top(void *ctx)
{
	void *stack = (void *)bpf_get_current_task();	/* any kernel pointer */
	struct pt_regs *regs = (struct pt_regs *)((char *)stack + THREAD_SIZE) - 1;
	__u64 ip = 0;

	bpf_probe_read_kernel(&ip, sizeof(ip), &regs->REG(ip, rip));
	out_ip = ip;
	return 0;
}
