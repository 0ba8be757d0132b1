/*
 * The context pointer through register copies, stack spills and reloads,
 * and an atomic that overwrites the register that held it.
 */
#include "common.h"

OUT(out_a);
OUT(out_b);

SEC("kprobe/vfs_read")
int spill_reload(struct pt_regs *ctx)
{
	__u64 v;

	asm volatile("*(u64 *)(r10 - 16) = %[ctx];"
		     "r1 = 0;"
		     "r2 = *(u64 *)(r10 - 16);"
		     "r3 = r2;"
		     "r3 += 8;"
		     "%[v] = *(u64 *)(r3 + 104);"	/* ctx + 112 */
		     : [v] "=r"(v)
		     : [ctx] "r"(ctx)
		     : "r1", "r2", "r3");
	out_a = v;
	return 0;
}

SEC("kprobe/vfs_read")
int atomic_clobber(struct pt_regs *ctx)
{
	__u64 slot = 0;
	/* the fetch overwrites the register holding the copy of ctx */
	__u64 old = __sync_fetch_and_add(&slot, (__u64)ctx);

	out_a = *(volatile __u64 *)(old + 112);	/* a number, not the context */
	out_b = PT_REGS_IP(ctx);
	return 0;
}
