// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A host program for the ptregs run tests: it issues bpf() through glibc's
 * syscall(), as bpftrace and libbpf do, and prints what the kernel kept
 * (the xlated instructions, a map value) for tests/run/run.sh to compare.
 *
 *   loader probe        exit 0 when bpf() loads a kprobe program, 77 if not
 *   loader which        the object syscall() resolves to
 *   loader nobtf        UAPI offsets, no BTF: ldx offsets and the add imm
 *   loader btf uapi|kernel   the same program with BTF naming its context
 *   loader hold         nobtf, btf kernel and btf uapi kept loaded until killed
 *   loader varoff       a probe read of ctx + an unknown offset
 *   loader perf         a perf_event program reading regs at 112
 *   loader usdt         libbpf's USDT spec map updated, then read back
 *   loader passthrough  non-bpf system calls: values and errno
 *   loader memory       the attr and instructions where callers keep them
 *                       (heap, a thread's stack, a signal stack, a forked
 *                       child) and where nothing is mapped: what the
 *                       kernel made of each, or the errno
 *   loader bench N      N getppid() through syscall(): ns per call
 *   loader loadbench N [ELF]  N loads of a bpftrace-like program, or of
 *                       each program of ELF (bpftrace --emit-elf): us per load
 *   loader pairbench N PRELOAD [ELF]  the same loads, each both through
 *                       glibc's syscall() and through PRELOAD's (dlopen()ed,
 *                       settings from PTREGS_RUN_*), load by load in turn:
 *                       the median us per load of each, and how many of the
 *                       programs the kernel holds differently the two ways
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ADD64_REG(d, s) INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define AND64_IMM(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define LDX64(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* glibc's syscall(), or (pairbench) the preload's, reached by dlsym() */
static long (*bpf_via)(long nr, ...) = syscall;

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return bpf_via(SYS_bpf, cmd, a, sizeof(*a));
}

/* di and si by direct loads, dx by a probe read of ctx + 96 */
static const struct bpf_insn uapi_prog[] = {
	MOV64_REG(9, 1),
	LDX64(6, 9, 112),
	LDX64(7, 9, 104),
	MOV64_REG(3, 9),
	ADD64_IMM(3, 96),
	MOV64_REG(1, 10),
	ADD64_IMM(1, -8),
	MOV64_IMM(2, 8),
	CALL(BPF_FUNC_probe_read_kernel),
	MOV64_IMM(0, 0),
	EXIT(),
};

/* ctx + (a random number & 0x38): no offset the analysis can know */
static const struct bpf_insn varoff_prog[] = {
	MOV64_REG(9, 1),
	CALL(BPF_FUNC_get_prandom_u32),
	AND64_IMM(0, 0x38),
	MOV64_REG(3, 9),
	ADD64_REG(3, 0),
	MOV64_REG(1, 10),
	ADD64_IMM(1, -8),
	MOV64_IMM(2, 8),
	CALL(BPF_FUNC_probe_read_kernel),
	MOV64_IMM(0, 0),
	EXIT(),
};

static const struct bpf_insn perf_prog[] = {
	LDX64(0, 1, 112),
	MOV64_IMM(0, 0),
	EXIT(),
};

/*
 * What bpftrace 0.17 emits for arg0..arg5, retval and func: ctx + index * 8
 * from its register table, each value kept on the stack, then helpers.
 */
static struct bpf_insn bt_prog[64];
static size_t bt_cnt;

static void build_bt_prog(void)
{
	static const int16_t offs[] = { 112, 104, 96, 88, 72, 64, 80, 128 };
	size_t n = 0;

	bt_prog[n++] = MOV64_REG(6, 1);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		bt_prog[n++] = LDX64(0, 6, offs[i]);
		bt_prog[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 0, (int16_t)(-8 * (int)(i + 1)), 0);
	}
	bt_prog[n++] = CALL(BPF_FUNC_get_current_pid_tgid);
	bt_prog[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -72, 0);
	bt_prog[n++] = CALL(BPF_FUNC_ktime_get_ns);
	bt_prog[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -80, 0);
	bt_prog[n++] = MOV64_IMM(0, 0);
	bt_prog[n++] = EXIT();
	bt_cnt = n;
}

static char vlog[65536];
static uint32_t log_true_size;
static int quiet;	/* no verifier log: the load as bpftrace does it */
#define LOG_TRUE_SIZE_OFF (offsetof(union bpf_attr, core_relo_rec_size) + sizeof(uint32_t))

static int load(const char *name, enum bpf_prog_type type, const struct bpf_insn *insns,
		size_t n, int btf_fd, const struct bpf_func_info *fi)
{
	union bpf_attr a, before;
	struct bpf_insn *copy = malloc(n * sizeof(*insns));
	int fd;

	if (!copy)
		return -1;
	memcpy(copy, insns, n * sizeof(*insns));
	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (uint64_t)(uintptr_t)copy;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	if (!quiet) {
		a.log_buf = (uint64_t)(uintptr_t)vlog;
		a.log_size = sizeof(vlog);
		a.log_level = 1;
	}
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
	if (btf_fd >= 0) {
		a.prog_btf_fd = (uint32_t)btf_fd;
		a.func_info = (uint64_t)(uintptr_t)fi;
		a.func_info_cnt = 1;
		a.func_info_rec_size = sizeof(*fi);
	}
	before = a;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	/* the caller's attr and instructions are never written, but for the
	 * verifier log's size, which Linux 6.4+ hands back after the fields
	 * these headers know */
	if (memcmp(&a, &before, LOG_TRUE_SIZE_OFF) || memcmp(copy, insns, n * sizeof(*insns))) {
		printf("caller memory modified\n");
		exit(1);
	}
	memcpy(&log_true_size, (char *)&a + LOG_TRUE_SIZE_OFF, sizeof(log_true_size));
	free(copy);
	return fd;
}

static int print_xlated(int fd)
{
	struct bpf_insn x[64];
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = sizeof(x);
	info.xlated_prog_insns = (uint64_t)(uintptr_t)x;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0) {
		perror("BPF_OBJ_GET_INFO_BY_FD");
		return 1;
	}
	for (uint32_t i = 0; i < info.xlated_prog_len / sizeof(x[0]) && i < 64; i++) {
		if (BPF_CLASS(x[i].code) == BPF_LDX)
			printf("insn %u ldx %d\n", i, x[i].off);
		else if (x[i].code == (BPF_ALU64 | BPF_ADD | BPF_K))
			printf("insn %u add %d\n", i, x[i].imm);
	}
	return 0;
}

static int report_load(int fd)
{
	if (fd < 0) {
		printf("load failed: %s\n", strerror(errno));
		if (vlog[0])
			fprintf(stderr, "%s", vlog);
		return 1;
	}
	print_xlated(fd);
	printf("log_true_size %s\n", log_true_size ? "set" : "0");
	close(fd);
	return 0;
}

/* BTF with struct pt_regs (UAPI or kernel names) and int f(struct pt_regs *) */
/* The UAPI program with BTF naming its context UAPI- or kernel-style: its fd. */
static int load_btf(int uapi, struct btf **keep)
{
	static const char *const kern[] = { "r15", "r14", "r13", "r12", "bp", "bx", "r11",
					    "r10", "r9", "r8", "ax", "cx", "dx", "si", "di",
					    "orig_ax", "ip", "cs", "flags", "sp", "ss" };
	static const char *const user[] = { "r15", "r14", "r13", "r12", "rbp", "rbx", "r11",
					    "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
					    "orig_rax", "rip", "cs", "eflags", "rsp", "ss" };
	struct btf *btf = btf__new_empty();
	struct bpf_func_info fi = { 0 };
	int ul, st, ptr, proto, fn, i32;

	*keep = btf;
	if (!btf)
		return -1;
	ul = btf__add_int(btf, "long unsigned int", 8, 0);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	st = btf__add_struct(btf, "pt_regs", 168);
	for (int i = 0; i < 21; i++)
		btf__add_field(btf, uapi ? user[i] : kern[i], ul, i * 64, 0);
	ptr = btf__add_ptr(btf, st);
	proto = btf__add_func_proto(btf, i32);
	btf__add_func_param(btf, "ctx", ptr);
	fn = btf__add_func(btf, uapi ? "uapi_btf" : "kernel_btf", BTF_FUNC_STATIC, proto);
	if (fn < 0 || btf__load_into_kernel(btf)) {
		printf("BTF load failed: %s\n", strerror(errno));
		return -1;
	}
	fi.insn_off = 0;
	fi.type_id = (uint32_t)fn;
	return load(uapi ? "uapi_btf" : "kernel_btf", BPF_PROG_TYPE_KPROBE, uapi_prog,
		    sizeof(uapi_prog) / sizeof(uapi_prog[0]), btf__fd(btf), &fi);
}

static int with_btf(int uapi)
{
	struct btf *btf;
	int ret = report_load(load_btf(uapi, &btf));

	btf__free(btf);
	return ret;
}

static uint32_t prog_id(int fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* Three programs kept loaded until killed, for ptregs check to find. */
static int hold(void)
{
	struct btf *b1, *b2;
	int nobtf = load("uapi_nobtf", BPF_PROG_TYPE_KPROBE, uapi_prog,
			 sizeof(uapi_prog) / sizeof(uapi_prog[0]), -1, NULL);
	int kern = load_btf(0, &b1), uapi = load_btf(1, &b2);

	if (nobtf < 0 || kern < 0 || uapi < 0) {
		printf("load failed: %s\n", strerror(errno));
		return 1;
	}
	printf("held uapi_nobtf=%u kernel_btf=%u uapi_btf=%u\n", prog_id(nobtf), prog_id(kern),
	       prog_id(uapi));
	fflush(stdout);
	for (;;)
		pause();
}

/* libbpf 1.1's struct __bpf_usdt_spec: 12 x 16-byte args, cookie, arg_cnt */
struct spec {
	struct {
		uint64_t val_off;
		uint32_t arg_type;
		int16_t reg_off;
		uint8_t arg_signed;
		int8_t arg_bitshift;
	} args[12];
	uint64_t usdt_cookie;
	int16_t arg_cnt;
};
_Static_assert(sizeof(struct spec) == 208, "libbpf's spec is 208 bytes");

static int map_create(const char *name, uint32_t value_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = value_size;
	a.max_entries = 4;
	snprintf(a.map_name, sizeof(a.map_name), "%s", name);
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static void fill(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->arg_cnt = 3;
	s->args[0].arg_type = 1;	/* register: di */
	s->args[0].reg_off = 112;
	s->args[1].arg_type = 2;	/* register dereference: si + 16 */
	s->args[1].reg_off = 104;
	s->args[1].val_off = 16;
	s->args[2].arg_type = 0;	/* constant */
	s->args[2].val_off = 112;
	s->args[3].arg_type = 1;	/* past arg_cnt: left alone */
	s->args[3].reg_off = 112;
	s->usdt_cookie = 0xabc;
}

static int show_spec(const char *what, int fd, uint32_t key)
{
	union bpf_attr a;
	struct spec s;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&s;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) < 0) {
		printf("lookup failed: %s\n", strerror(errno));
		return 1;
	}
	printf("%s key %u: arg0 reg_off %d, arg1 reg_off %d val_off %llu, arg2 val_off %llu, "
	       "arg3 reg_off %d, cookie %#llx, arg_cnt %d\n", what, key, s.args[0].reg_off,
	       s.args[1].reg_off, (unsigned long long)s.args[1].val_off,
	       (unsigned long long)s.args[2].val_off, s.args[3].reg_off,
	       (unsigned long long)s.usdt_cookie, s.arg_cnt);
	return 0;
}

static int usdt(void)
{
	int fd = map_create("__bpf_usdt_specs", sizeof(struct spec));
	int other = map_create("other_specs", sizeof(struct spec));
	struct spec s, orig, batch[2];
	uint32_t key = 0, keys[2] = { 1, 2 };
	union bpf_attr a;
	int ret = 0;

	if (fd < 0 || other < 0) {
		printf("map create failed: %s\n", strerror(errno));
		return 1;
	}
	fill(&s);
	orig = s;
	for (int m = 0; m < 2; m++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)(m ? other : fd);
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)&s;
		if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0) {
			printf("update failed: %s\n", strerror(errno));
			return 1;
		}
	}
	if (memcmp(&s, &orig, sizeof(s)))
		printf("caller memory modified\n");
	fill(&batch[0]);
	fill(&batch[1]);
	batch[1].args[0].reg_off = 128;	/* ip */
	memset(&a, 0, sizeof(a));
	a.batch.map_fd = (uint32_t)fd;
	a.batch.keys = (uint64_t)(uintptr_t)keys;
	a.batch.values = (uint64_t)(uintptr_t)batch;
	a.batch.count = 2;
	if (sys_bpf(BPF_MAP_UPDATE_BATCH, &a) < 0) {
		printf("batch update failed: %s\n", strerror(errno));
		return 1;
	}
	printf("batch count %u\n", a.batch.count);
	ret |= show_spec("spec", fd, 0);
	ret |= show_spec("spec", fd, 1);
	ret |= show_spec("spec", fd, 2);
	ret |= show_spec("other", other, 0);
	return ret;
}

/*
 * ---- loader memory ----
 * uapi_prog (put at INSNS by the caller) loaded with its attr at A (NULL:
 * a local), filled here; what the kernel's copy reads (di from 112 as sent,
 * 120 translated to pkrs), or the errno. Memory that cannot be read is
 * PROT_NONE, so that nothing else is ever mapped there.
 */
static void mem_load(const char *what, union bpf_attr *a, struct bpf_insn *insns)
{
	union bpf_attr local;
	int fd;

	if (!a)
		a = &local;
	memset(a, 0, sizeof(*a));
	a->prog_type = BPF_PROG_TYPE_KPROBE;
	a->insns = (uint64_t)(uintptr_t)insns;
	a->insn_cnt = sizeof(uapi_prog) / sizeof(uapi_prog[0]);
	a->license = (uint64_t)(uintptr_t)"GPL";
	snprintf(a->prog_name, sizeof(a->prog_name), "uapi_memory");
	fd = (int)sys_bpf(BPF_PROG_LOAD, a);
	if (fd < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	printf("%s: ", what);
	print_xlated(fd);
	close(fd);
}

/* SIZE bytes at the end of a page whose successor cannot be read. */
static void *mem_edge(size_t size)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_NONE))
		return NULL;
	return p + 4096 - size;
}

static void *mem_thread(void *insns)
{
	mem_load("attr on another thread's own stack", NULL, insns);
	return NULL;
}

static struct bpf_insn *sig_insns;
static void *sig_gone, *sig_above;

/*
 * A signal stack lies outside the thread's stack, but may lie within what
 * the C library says the main thread's stack may grow to (with an
 * unlimited stack size, everything from the heap's end up); what cannot be
 * read above it is read with the kernel all the same.
 */
static void mem_signal(int sig)
{
	(void)sig;
	mem_load("attr on a signal stack", NULL, sig_insns);
	printf("attr not readable, from a signal stack: %s\n",
	       sys_bpf(BPF_PROG_LOAD, sig_gone) < 0 ? strerror(errno) : "loaded");
	printf("attr not readable above a signal stack: %s\n",
	       sys_bpf(BPF_PROG_LOAD, sig_above) < 0 ? strerror(errno) : "loaded");
}

static int memory(void)
{
	struct bpf_insn *insns = malloc(sizeof(uapi_prog));
	union bpf_attr *heap = malloc(sizeof(*heap)), a;
	char *gone = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stack_t ss = { .ss_size = 65536 };
	struct sigaction sa = { .sa_handler = mem_signal, .sa_flags = SA_ONSTACK };
	pthread_t t;
	pid_t child;
	int st;

	if (!insns || !heap || gone == MAP_FAILED)
		return 1;
	memcpy(insns, uapi_prog, sizeof(uapi_prog));
	mem_load("attr on the stack", NULL, insns);
	mem_load("attr on the heap", heap, insns);
	if (pthread_create(&t, NULL, mem_thread, insns) || pthread_join(t, NULL))
		return 1;
	/*
	 * The signal stack where the heap would grow (above its end when the
	 * preload first looked at this thread), a page that cannot be read
	 * just above it
	 */
	ss.ss_sp = mmap((void *)(((uintptr_t)sbrk(0) + (16 << 20)) & ~(uintptr_t)4095),
			ss.ss_size + 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED)
		return 1;
	sig_insns = insns;
	sig_gone = gone;
	sig_above = (char *)ss.ss_sp + ss.ss_size + 4096;
	if (mprotect(sig_above, 4096, PROT_NONE) || sigaltstack(&ss, NULL) ||
	    sigaction(SIGUSR1, &sa, NULL) || raise(SIGUSR1))
		return 1;
	ss.ss_flags = SS_DISABLE;
	if (sigaltstack(&ss, NULL))
		return 1;
	/*
	 * A child of fork() reads its own memory: the parent keeps other
	 * instructions at the same address (si's 104 where the child has di's
	 * 112), and would be read by a pid kept from before the fork.
	 */
	insns[1].off = 104;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		insns[1].off = 112;
		mem_load("attr and instructions in a forked child", NULL, insns);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	/* what cannot be read: the kernel's EFAULT, from the preload too */
	mem_load("instructions not readable", NULL, (struct bpf_insn *)gone);
	printf("attr NULL: %s\n", sys_bpf(BPF_PROG_LOAD, NULL) < 0 ? strerror(errno) : "loaded");
	printf("attr not readable: %s\n",
	       sys_bpf(BPF_PROG_LOAD, (union bpf_attr *)gone) < 0 ? strerror(errno) : "loaded");
	/* the attr's first 64 bytes mapped, the rest not */
	memset(&a, 0, sizeof(a));
	{
		void *edge = mem_edge(64);

		if (!edge)
			return 1;
		memcpy(edge, &a, 64);
		printf("attr cut short by a page edge: %s\n",
		       sys_bpf(BPF_PROG_LOAD, edge) < 0 ? strerror(errno) : "loaded");
	}
	/* the instructions' first one mapped, the rest not */
	{
		struct bpf_insn *edge = mem_edge(sizeof(struct bpf_insn));

		if (!edge)
			return 1;
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_KPROBE;
		a.insns = (uint64_t)(uintptr_t)edge;
		a.insn_cnt = sizeof(uapi_prog) / sizeof(uapi_prog[0]);
		a.license = (uint64_t)(uintptr_t)"GPL";
		memcpy(edge, uapi_prog, sizeof(*edge));
		printf("instructions cut short by a page edge: %s\n",
		       sys_bpf(BPF_PROG_LOAD, &a) < 0 ? strerror(errno) : "loaded");
	}
	free(insns);
	free(heap);
	return 0;
}

static int check(const char *what, long got, long want, int err, int want_err)
{
	if (got == want && err == want_err) {
		printf("ok %s\n", what);
		return 0;
	}
	printf("FAIL %s: %ld errno %d, expected %ld errno %d\n", what, got, err, want, want_err);
	return 1;
}

static int passthrough(void)
{
	int r = 0;
	long v;
	void *p;

	errno = 1234;
	v = syscall(SYS_getpid);
	r |= check("getpid", v, getpid(), errno, 1234);
	v = syscall(SYS_close, -1);
	r |= check("close(-1)", v, -1, errno, EBADF);
	errno = 0;
	v = syscall(SYS_write, 1, "", 0);
	r |= check("write 0 bytes", v, 0, errno, 0);
	p = (void *)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r |= check("mmap, six arguments", p != MAP_FAILED, 1, 0, 0);
	if (p != MAP_FAILED) {
		((char *)p)[0] = 1;
		r |= check("munmap", syscall(SYS_munmap, p, 4096), 0, 0, 0);
	}
	v = syscall(SYS_bpf, 9999, NULL, 0);
	r |= check("bpf(9999)", v, -1, errno, EINVAL);
	v = syscall(-1);
	r |= check("syscall(-1)", v, -1, errno, ENOSYS);
	return r;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * The programs of an ELF written by bpftrace --emit-elf, ready to load:
 * its map references (ld_imm64 of a map "fd" that only numbers the map)
 * become maps of this process: a perf event array where the next helper
 * call is perf_event_output, else a hash map with 8-byte values and a key
 * the verifier can always read (1 byte) -- what bpftrace's count(), sum()
 * and hist() use.
 */
struct elf_prog {
	char name[BPF_OBJ_NAME_LEN];
	struct bpf_insn *insns;
	size_t cnt;
};

static int bench_map(int32_t id, bool perf, int *fds, size_t nfds)
{
	union bpf_attr a;
	size_t slot = (size_t)id * 2 + perf;

	if (id < 0 || slot >= nfds)
		return -1;
	if (fds[slot] > 0)
		return fds[slot];
	memset(&a, 0, sizeof(a));
	a.map_type = perf ? BPF_MAP_TYPE_PERF_EVENT_ARRAY : BPF_MAP_TYPE_HASH;
	a.key_size = perf ? 4 : 1;
	a.value_size = perf ? 4 : 8;
	a.max_entries = perf ? 2 : 256;
	fds[slot] = (int)sys_bpf(BPF_MAP_CREATE, &a);
	return fds[slot];
}

static size_t elf_progs(const char *path, struct elf_prog *out, size_t max)
{
	static int fds[512];
	int fd = open(path, O_RDONLY);
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstr, n = 0;

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE ||
	    !(e = elf_begin(fd, ELF_C_READ, NULL)) || elf_getshdrstrndx(e, &shstr))
		return 0;
	while ((scn = elf_nextscn(e, scn)) && n < max) {
		GElf_Shdr sh;
		Elf_Data *d;
		struct bpf_insn *in;
		size_t cnt;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) || !sh.sh_size ||
		    !(d = elf_getdata(scn, NULL)) || d->d_size % sizeof(*in))
			continue;
		cnt = d->d_size / sizeof(*in);
		in = malloc(d->d_size);
		if (!in)
			break;
		memcpy(in, d->d_buf, d->d_size);
		for (size_t i = 0; i + 1 < cnt; i++) {
			bool perf = false;

			if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
				continue;
			if (in[i].src_reg == BPF_PSEUDO_MAP_FD) {
				for (size_t j = i + 2; j < cnt; j++)
					if (in[j].code == (BPF_JMP | BPF_CALL)) {
						perf = in[j].imm == BPF_FUNC_perf_event_output;
						break;
					}
				in[i].imm = bench_map(in[i].imm, perf, fds, 512);
			}
			i++;
		}
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 elf_strptr(e, shstr, sh.sh_name) + 2);
		for (char *c = out[n].name; *c; c++)
			if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9'))
				*c = '_';
		out[n].insns = in;
		out[n++].cnt = cnt;
	}
	elf_end(e);
	close(fd);
	return n;
}

/* One load of P, closed at once; -1 (a message printed) if refused. */
static int bench_load(const struct elf_prog *p)
{
	int fd = load(p->name, BPF_PROG_TYPE_KPROBE, p->insns, p->cnt, -1, NULL);

	if (fd < 0) {
		printf("load failed: %s\n", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The programs the load benchmarks load: those of ELF, or a bpftrace-like
 * one; each loaded once first (the preload reads its settings on its first
 * bpf() call; a program the kernel refuses fails here, not when timed).
 */
static size_t bench_progs(const char *elf, struct elf_prog *progs, size_t max)
{
	size_t np = 1;

	quiet = 1;
	if (elf) {
		np = elf_progs(elf, progs, max);
		if (!np) {
			fprintf(stderr, "loader: no BPF programs in %s\n", elf);
			return 0;
		}
	} else {
		build_bt_prog();
		snprintf(progs[0].name, sizeof(progs[0].name), "kprobe_vfs_read");
		progs[0].insns = bt_prog;
		progs[0].cnt = bt_cnt;
	}
	for (size_t k = 0; k < np; k++) {
		if (bench_load(&progs[k]) < 0) {
			printf("(program %s)\n", progs[k].name);
			return 0;
		}
	}
	return np;
}

/* The kernel's copy of the program FD: its length in bytes, 0 if unknown. */
static uint32_t xlated(int fd, struct bpf_insn *x, uint32_t max)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = max * (uint32_t)sizeof(*x);
	info.xlated_prog_insns = (uint64_t)(uintptr_t)x;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 || info.xlated_prog_len > max * sizeof(*x))
		return 0;
	return info.xlated_prog_len;
}

/* Does the kernel hold P otherwise when loaded through PRE (translated)? */
static bool loaded_otherwise(const struct elf_prog *p, long (*pre)(long, ...))
{
	static struct bpf_insn x1[4096], x2[4096];
	long (*was)(long, ...) = bpf_via;
	int f1, f2;
	uint32_t n1 = 0, n2 = 0;

	f1 = load(p->name, BPF_PROG_TYPE_KPROBE, p->insns, p->cnt, -1, NULL);
	bpf_via = pre;
	f2 = load(p->name, BPF_PROG_TYPE_KPROBE, p->insns, p->cnt, -1, NULL);
	bpf_via = was;
	if (f1 >= 0 && f2 >= 0) {
		n1 = xlated(f1, x1, 4096);
		n2 = xlated(f2, x2, 4096);
	}
	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
	return n1 && n2 && (n1 != n2 || memcmp(x1, x2, n1) != 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Each load both ways in turn, the order swapped every round, so that
 * whatever the machine does meanwhile (a neighbour's load on the host,
 * the kernel freeing the program before) falls on both alike.
 */
static int pairbench(long n, const char *preload, const char *elf)
{
	long (*plain)(long, ...) = syscall, (*pre)(long, ...);
	struct elf_prog progs[64];
	void *h = dlopen(preload, RTLD_NOW | RTLD_LOCAL);
	size_t np, m = 0, otherwise = 0;
	double *tp, *tq;

	if (!h || !(pre = (long (*)(long, ...))dlsym(h, "syscall")) || n <= 0) {
		fprintf(stderr, "loader: %s: %s\n", preload, h ? "no syscall, or N <= 0" : dlerror());
		return 2;
	}
	bpf_via = pre;
	np = bench_progs(elf, progs, 64);	/* the preload's first loads */
	bpf_via = plain;
	if (!np || !bench_progs(elf, progs, 64))
		return 1;
	for (size_t k = 0; k < np; k++)
		otherwise += loaded_otherwise(&progs[k], pre);
	tp = malloc(sizeof(*tp) * (size_t)n * np);
	tq = malloc(sizeof(*tq) * (size_t)n * np);
	if (!tp || !tq)
		return 1;
	for (long i = 0; i < n; i++) {
		for (size_t k = 0; k < np; k++, m++) {
			for (int w = 0; w < 2; w++) {
				bool via_pre = (w == 0) == (i % 2 == 1);
				double t;

				bpf_via = via_pre ? pre : plain;
				t = now();
				if (bench_load(&progs[k]) < 0)
					return 1;
				(via_pre ? tq : tp)[m] = (now() - t) / 1000.0;
			}
		}
	}
	printf("%.2f %.2f %zu\n", median(tp, m), median(tq, m), otherwise);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	size_t nuapi = sizeof(uapi_prog) / sizeof(uapi_prog[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "probe")) {
		int fd = load("probe", BPF_PROG_TYPE_KPROBE, perf_prog + 1, 2, -1, NULL);

		if (fd < 0) {
			printf("bpf(BPF_PROG_LOAD): %s\n", strerror(errno));
			return 77;
		}
		close(fd);
		return 0;
	}
	if (!strcmp(what, "which")) {
		Dl_info di;

		if (!dladdr(dlsym(RTLD_DEFAULT, "syscall"), &di) || !di.dli_fname)
			return 1;
		printf("syscall from %s\n", di.dli_fname);
		return 0;
	}
	if (!strcmp(what, "nobtf"))
		return report_load(load("uapi_nobtf", BPF_PROG_TYPE_KPROBE, uapi_prog, nuapi, -1,
					NULL));
	if (!strcmp(what, "btf") && argc > 2)
		return with_btf(!strcmp(argv[2], "uapi"));
	if (!strcmp(what, "hold"))
		return hold();
	if (!strcmp(what, "varoff"))
		return report_load(load("varoff", BPF_PROG_TYPE_KPROBE, varoff_prog,
					sizeof(varoff_prog) / sizeof(varoff_prog[0]), -1, NULL));
	if (!strcmp(what, "perf"))
		return report_load(load("perf_regs", BPF_PROG_TYPE_PERF_EVENT, perf_prog, 3, -1,
					NULL));
	if (!strcmp(what, "usdt"))
		return usdt();
	if (!strcmp(what, "passthrough"))
		return passthrough();
	if (!strcmp(what, "memory"))
		return memory();
	if (!strcmp(what, "bench") && argc > 2) {
		long n = atol(argv[2]);
		double t = now();

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		printf("%.2f\n", (now() - t) / (double)n);
		return 0;
	}
	if (!strcmp(what, "loadbench") && argc > 2) {
		long n = atol(argv[2]);
		struct elf_prog progs[64];
		size_t np = bench_progs(argc > 3 ? argv[3] : NULL, progs, 64);
		double t;

		if (!np)
			return 1;
		t = now();
		for (long i = 0; i < n; i++) {
			for (size_t k = 0; k < np; k++) {
				if (bench_load(&progs[k]) < 0)
					return 1;
			}
		}
		printf("%.2f\n", (now() - t) / (double)(n * (long)np) / 1000.0);
		return 0;
	}
	if (!strcmp(what, "pairbench") && argc > 3)
		return pairbench(atol(argv[2]), argv[3], argc > 4 ? argv[4] : NULL);
	fprintf(stderr, "usage: loader probe|which|nobtf|btf uapi|btf kernel|varoff|perf|usdt|"
		"passthrough|memory|bench N|loadbench N [ELF]|pairbench N PRELOAD [ELF]\n");
	return 2;
}
