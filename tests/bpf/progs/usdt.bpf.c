/* libbpf's USDT support: argument offsets come from the host program's libbpf. */
#include "common.h"
#include <bpf/usdt.bpf.h>

OUT(out_a);

SEC("usdt")
int BPF_USDT(usdt_arg, long a)
{
	out_a = a;
	return 0;
}
