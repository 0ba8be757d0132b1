/*
 * What the analysis tests share: BPF instructions written as macros, and
 * the legacy and pkrs built-in layouts loaded once per group (setup(),
 * teardown()).
 */
#ifndef PTREGS_TEST_INSNS_H
#define PTREGS_TEST_INSNS_H

#include <linux/bpf.h>
#include <ptregs/ptregs.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ADD64_REG(d, s) INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define LDX64(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX64(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define LD_IMM64_LO(d, src, i) INSN(BPF_LD | BPF_IMM | BPF_DW, d, src, 0, i)
#define LD_IMM64_HI() INSN(0, 0, 0, 0, 0)
#define LD_MAP(d) LD_IMM64_LO(d, BPF_PSEUDO_MAP_FD, 3)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_PSEUDO(rel) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct ptregs_layout *legacy, *pkrs;

static int setup(void **state)
{
	(void)state;
	legacy = ptregs_layout_load("builtin:legacy", NULL, NULL);
	pkrs = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	return legacy && pkrs ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ptregs_layout_free(legacy);
	ptregs_layout_free(pkrs);
	return 0;
}

#endif
