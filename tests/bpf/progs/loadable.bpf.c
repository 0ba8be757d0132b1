// SPDX-License-Identifier: GPL-2.0
/*
 * Programs libbpf opens that a section-name table can miss: a '?' section
 * (not auto-loaded, still loadable by name) and a static program in its own
 * section (libbpf refuses the object; other loaders take it). Each reads
 * one register at a compile-time offset in the UAPI build.
 */
#include "common.h"

OUT(out_opt);
OUT(out_static);

SEC("?kprobe/vfs_write")
int optional_prog(struct pt_regs *r)
{
	out_opt = r->REG(dx, rdx);
	return 0;
}

SEC("kprobe/vfs_fsync")
static __attribute__((used)) int static_prog(struct pt_regs *r)
{
	out_static = r->REG(cx, rcx);
	return 0;
}
