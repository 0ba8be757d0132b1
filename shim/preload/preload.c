// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libptregs-preload.so: `ptregs run` preloads it into a program built for
 * an older struct pt_regs. It interposes glibc's syscall(), through which
 * bpftrace, libbcc, libbpf (shared or static) and perf issue bpf(), and
 * translates at that call:
 *
 * - BPF_PROG_LOAD of a kprobe-type program that evidence says was built
 *   with fixed offsets for the source layout: every context access is
 *   rewritten to the target layout in a copy of the instructions;
 * - BPF_MAP_UPDATE_ELEM / _BATCH on libbpf's USDT spec map: the reg_off of
 *   register arguments, in a copy of the value.
 *
 * Every other system call costs one comparison. The caller's memory is
 * never written; on any internal failure the call goes ahead unchanged,
 * unless loading it would read the wrong registers, in which case it
 * fails with EINVAL and a message on stderr. Settings come from the
 * environment (PTREGS_RUN_*), read once, on the first bpf() call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <ptregs/analysis.h>
#include <ptregs/runtime.h>
#include "../internal.h"

#define TAG "ptregs-run: "
#define MAX_INSNS (1u << 20)
#define USDT_SPEC_SIZE 208	/* libbpf's struct __bpf_usdt_spec */
#define USDT_ARG_CNT 12
#define USDT_ARG_REG 1
#define USDT_ARG_REG_DEREF 2
#define MAX_PATCHES 4096

/*
 * syscall(nr, a1..a6): anything but bpf() goes straight to the kernel, as
 * glibc's own syscall() does (no stack frame, so vfork through it behaves
 * the same); bpf() jumps to preload_bpf() with the arguments untouched.
 */
__asm__(".pushsection .text.hot.ptregs, \"ax\", @progbits\n"
	".globl syscall\n"
	".type syscall, @function\n"
	"syscall:\n"
	"	cmpq $" "321" ", %rdi\n"	/* __NR_bpf on x86_64 */
	"	je preload_bpf\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	movq %rdx, %rsi\n"
	"	movq %rcx, %rdx\n"
	"	movq %r8, %r10\n"
	"	movq %r9, %r8\n"
	"	movq 8(%rsp), %r9\n"
	"	syscall\n"
	"	cmpq $-4095, %rax\n"
	"	jae 1f\n"
	"	ret\n"
	"1:	movq %rax, %rdi\n"
	"	jmp preload_set_errno\n"
	".size syscall, .-syscall\n"
	".popsection\n");

_Static_assert(SYS_bpf == 321, "the entry above compares with __NR_bpf");

/* Called from the entry above only. */
long preload_set_errno(long ret) __attribute__((used, visibility("hidden")));
long preload_bpf(long nr, long cmd, long attr, long size, long a4, long a5, long a6)
	__attribute__((used, visibility("hidden")));

PT_HOT long preload_set_errno(long ret)
{
	errno = (int)-ret;
	return -1;
}

/*
 * The kernel's answer: a value, or -errno. Issued here rather than through
 * the C library's wrappers, on the path of every load: under QEMU's TCG,
 * where each load flushes the guest's TLB, a call into another library
 * costs a lookup of its PLT slot and a fill of its code page.
 */
static PT_HOT long raw_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static PT_HOT long raw_syscall(long nr, long a1, long a2, long a3)
{
	return raw_syscall6(nr, a1, a2, a3, 0, 0, 0);
}

/* process_vm_readv()/writev() of COUNT buffers: bytes moved, or -errno */
static PT_HOT long vm_rwv(bool write, pid_t pid, const struct iovec *local,
			  const struct iovec *remote, unsigned long count)
{
	return raw_syscall6(write ? SYS_process_vm_writev : SYS_process_vm_readv, pid,
			    (long)local, (long)count, (long)remote, (long)count, 0);
}

/* ...of one buffer */
static PT_HOT long vm_rw(bool write, pid_t pid, void *local, uint64_t remote, size_t len)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)remote, .iov_len = len };

	return vm_rwv(write, pid, &l, &r, 1);
}

static PT_HOT long sys_bpf(int cmd, void *attr, unsigned int size)
{
	return raw_syscall(SYS_bpf, cmd, (long)attr, size);
}

static PT_HOT long result(long ret)
{
	return ret < 0 && ret > -4096 ? preload_set_errno(ret) : ret;
}

/* ---- settings ---------------------------------------------------------- */

enum policy { POLICY_AUTO, POLICY_ALL, POLICY_NONE };

static struct {
	bool ok;		/* layouts loaded and different */
	bool same;		/* every register where it was: nothing to do */
	struct ptregs_layout *from;
	const struct ptregs_layout *to;
	struct ptregs_layout *to_owned;
	char from_name[256], to_name[256];
	enum policy policy;
	bool pass_unanalysed;
	char *programs;		/* ",a,b," */
	int log_fd;
	int *to_off;		/* per field of FROM: the same register's offset in TO, or -1 */
} cfg = { .log_fd = -1 };

static pthread_once_t cfg_once = PTHREAD_ONCE_INIT;
/* Set once the settings say nothing is to be translated (an unpatched
 * kernel, an unusable layout): every bpf() goes straight through. */
static int cfg_idle;
/* Set once they are loaded: no pthread_once(), a call into the C library,
 * on the way of each load. */
static int cfg_done;

/* One "ptregs-run: ..." line to FD, in one write(), cut to fit. */
static void vline(int fd, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	memcpy(buf, TAG, sizeof(TAG) - 1);
	n = vsnprintf(buf + sizeof(TAG) - 1, sizeof(buf) - sizeof(TAG), fmt, ap);
	if (n < 0)
		return;
	n += (int)sizeof(TAG) - 1;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, (size_t)n) < 0)
		return;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(STDERR_FILENO, fmt, ap);
	va_end(ap);
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static PT_HOT void logf_(const char *fmt, ...)
{
	va_list ap;

	if (cfg.log_fd < 0)
		return;
	va_start(ap, fmt);
	vline(cfg.log_fd, fmt, ap);
	va_end(ap);
}

static const char *env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static void ident_init(void);

static void cfg_init(void)
{
	const char *from = env("PTREGS_RUN_FROM", "builtin:legacy");
	const char *to = env("PTREGS_RUN_TO", "kernel");
	const char *policy = env("PTREGS_RUN_POLICY", "auto");
	const char *progs = env("PTREGS_RUN_PROGRAMS", "");
	const char *log = env("PTREGS_RUN_LOG", NULL);
	const char *as, *to_name = NULL;
	size_t n;

	if (!strcmp(policy, "all"))
		cfg.policy = POLICY_ALL;
	else if (!strcmp(policy, "none"))
		cfg.policy = POLICY_NONE;
	else if (strcmp(policy, "auto") != 0)
		say("unknown PTREGS_RUN_POLICY '%s', using auto", policy);
	cfg.pass_unanalysed = !strcmp(env("PTREGS_RUN_ON_UNANALYSED", "refuse"), "pass");
	n = strlen(progs);
	cfg.programs = n ? malloc(n + 3) : NULL;	/* none listed: no lookup per load */
	if (cfg.programs)
		snprintf(cfg.programs, n + 3, ",%s,", progs);
	if (log) {
		cfg.log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (cfg.log_fd < 0)
			say("log %s: %s", log, strerror(errno));
	}

	cfg.from = ptregs_layout_load(from, "pt_regs", NULL);
	if (!cfg.from) {
		say("source layout %s: %s; bpf() goes through untranslated", from,
		    ptregs_errmsg());
		return;
	}
	as = env("PTREGS_RUN_KERNEL_AS", "");
	if (!strcmp(to, "kernel") && strncmp(as, "builtin:", 8) == 0) {
		/* ptregs run found the kernel's layout to be this one */
		cfg.to_owned = ptregs_layout_load(as, "pt_regs", NULL);
		cfg.to = cfg.to_owned ? cfg.to_owned : ptregs_kernel_layout();
		to_name = PTREGS_KERNEL_BTF;
	} else if (!strcmp(to, "kernel")) {
		cfg.to = ptregs_kernel_layout();
	} else {
		cfg.to_owned = ptregs_layout_load(to, "pt_regs", NULL);
		cfg.to = cfg.to_owned;
	}
	if (!cfg.to) {
		say("target layout %s: %s; bpf() goes through untranslated", to,
		    ptregs_errmsg());
		return;
	}
	snprintf(cfg.from_name, sizeof(cfg.from_name), "%s", ptregs_layout_origin(cfg.from));
	snprintf(cfg.to_name, sizeof(cfg.to_name), "%s",
		 to_name ? to_name : ptregs_layout_origin(cfg.to));
	/* nothing to do when every register of the source is where it was */
	cfg.same = true;
	cfg.to_off = calloc(ptregs_layout_field_cnt(cfg.from) + 1, sizeof(*cfg.to_off));
	if (!cfg.to_off) {
		say("out of memory; nothing is translated");
		return;
	}
	for (size_t i = 0; i < ptregs_layout_field_cnt(cfg.from); i++) {
		const struct ptregs_field *f = ptregs_layout_field(cfg.from, i);

		cfg.to_off[i] = ptregs_reg_offset(cfg.to, f->name);
		if (cfg.to_off[i] != (int)f->offset)
			cfg.same = false;
	}
	ident_init();
	cfg.ok = true;
}

/* Settings, loaded on the first bpf() call; NULL: translate nothing. */
static PT_HOT bool cfg_ready(void)
{
	bool ready;

	if (!__atomic_load_n(&cfg_done, __ATOMIC_ACQUIRE)) {
		if (pthread_once(&cfg_once, cfg_init) != 0)
			return false;
		__atomic_store_n(&cfg_done, 1, __ATOMIC_RELEASE);
	}
	ready = cfg.ok && !cfg.same;
	if (!ready)
		__atomic_store_n(&cfg_idle, 1, __ATOMIC_RELAXED);
	return ready;
}

/* ---- the caller's memory ----------------------------------------------- */

/*
 * What the caller points to (the attr, the instructions, map keys and
 * values) is read without trusting the pointer: a bad one fails the call
 * with EFAULT, as the kernel would, and never crashes the host. Two ways,
 * the cheap one first:
 * - A range of the caller's frames on this thread's stack is copied
 *   directly: all between the caller's stack pointer and the stack's top
 *   is mapped. libbpf, and through it bcc and bpftrace, keep their attr
 *   there.
 * - Anything else goes through process_vm_readv() on our own pid, which
 *   says EFAULT where nothing is mapped.
 * Each saves the host a system call per bpf() call: getpid() and reading
 * the attr cost more than the analysis of a bpftrace program.
 */

/* This thread's stack, asked once per thread, and the caller's frames. */
struct tstack {
	uintptr_t lo, hi;
	uintptr_t floor;	/* the caller's stack pointer in this bpf() call, or 0 */
	int state;		/* 0: not asked yet, 1: known, 2: not to be had */
	int *errp;		/* this thread's errno, once asked */
};
static __thread struct tstack tstack __attribute__((tls_model("initial-exec")));

/*
 * The mapping of /proc/self/maps that holds ADDR, narrowed to [*LO, *HI);
 * false if there is none.
 */
static bool mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	char buf[4096];
	size_t have = 0;
	bool found = false;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n'))) {
			char *end;
			unsigned long long s = strtoull(line, &end, 16), e;

			e = *end == '-' ? strtoull(end + 1, NULL, 16) : 0;
			if (s <= addr && addr < e) {
				*lo = *lo > s ? *lo : (uintptr_t)s;
				*hi = *hi < e ? *hi : (uintptr_t)e;
				found = true;
				goto out;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)	/* no line is that long */
			break;
	}
out:
	close(fd);
	return found;
}

static __attribute__((noinline)) bool stack_ask(void)
{
	pthread_attr_t at;
	void *lo;
	size_t size;

	tstack.state = 2;
	if (pthread_getattr_np(pthread_self(), &at) != 0)
		return false;
	if (pthread_attr_getstack(&at, &lo, &size) == 0 && size) {
		tstack.lo = (uintptr_t)lo;
		tstack.hi = (uintptr_t)lo + size;
		tstack.state = 1;
	}
	pthread_attr_destroy(&at);
	/*
	 * For the main thread the C library gives what the stack may grow to
	 * (with an unlimited size: everything from the heap's end up), not
	 * what is mapped: narrowed to the mapping we are on, whose start only
	 * moves down.
	 */
	if (tstack.state == 1 && getpid() == gettid() &&
	    !mapping_of((uintptr_t)__builtin_frame_address(0), &tstack.lo, &tstack.hi))
		tstack.state = 2;
	return tstack.state == 1;
}

static PT_HOT bool stack_known(void)
{
	return tstack.state ? tstack.state == 1 : stack_ask();
}

/*
 * Is [SRC, SRC + LEN) between the caller's stack pointer and the top of
 * this thread's stack? Not when the call came on a stack of its own (a
 * signal stack, a coroutine's): then we do not know where that one ends.
 */
static PT_HOT bool on_stack(uint64_t src, size_t len)
{
	uintptr_t floor = tstack.floor;

	return floor && stack_known() && floor >= tstack.lo && floor < tstack.hi &&
	       src >= floor && src < tstack.hi && len <= tstack.hi - src;
}

/*
 * getpid(), asked once per process: kept in a page the kernel clears in a
 * child of fork() or clone() without CLONE_VM (MADV_WIPEONFORK), so a
 * child never reads through its parent's pid. Tasks that share our memory
 * without being our threads (CLONE_VM, vfork()) share the page too, and a
 * pid kept there may be gone and reused, or in another pid namespace; so
 * each read also reads back a random token from the page, and a pid that
 * does not give it back is asked again. Without such a page (a kernel
 * before 4.14), asked every time.
 */
struct ident {
	pid_t pid;
	uint64_t token;
};
static struct ident *ident;

static void ident_init(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return;
	if (madvise(p, (size_t)page, MADV_WIPEONFORK) != 0) {
		munmap(p, (size_t)page);
		return;
	}
	__atomic_store_n(&ident, (struct ident *)p, __ATOMIC_RELEASE);
}

/* The page's token, made by the first in this process, whoever that is. */
static __attribute__((noinline)) uint64_t ident_token(struct ident *id)
{
	uint64_t t, none = 0;

	if (getrandom(&t, sizeof(t), GRND_NONBLOCK) != sizeof(t))
		t = 0;
	t ^= (uint64_t)(uintptr_t)&t ^ ((uint64_t)getpid() << 32);
	t |= 1;
	if (!__atomic_compare_exchange_n(&id->token, &none, t, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		t = none;
	return t;
}

/* Our pid (FRESH: asked of the kernel) and the page's token (0: none). */
static PT_HOT pid_t self_pid(bool fresh, uint64_t *token)
{
	struct ident *id = __atomic_load_n(&ident, __ATOMIC_ACQUIRE);
	pid_t pid = id && !fresh ? __atomic_load_n(&id->pid, __ATOMIC_RELAXED) : 0;
	uint64_t t;

	*token = 0;
	if (!id)
		return getpid();
	t = __atomic_load_n(&id->token, __ATOMIC_ACQUIRE);
	if (!t)
		t = ident_token(id);
	if (!pid) {
		pid = getpid();
		__atomic_store_n(&id->pid, pid, __ATOMIC_RELAXED);
	}
	*token = t;
	return pid;
}

/* process_vm_readv() of our own memory: bytes read, or -errno. */
static PT_HOT long read_self(void *dst, uint64_t src, size_t len)
{
	for (int fresh = 0; fresh < 2; fresh++) {
		uint64_t token, back = 0;
		pid_t pid = self_pid(fresh, &token);
		struct iovec l[2] = { { &back, sizeof(back) }, { dst, len } };
		struct iovec r[2] = { { &ident->token, sizeof(back) },
				      { (void *)(uintptr_t)src, len } };
		long n;

		if (!token)
			return vm_rw(false, pid, dst, src, len);
		n = vm_rwv(false, pid, l, r, 2);
		if (n >= (long)sizeof(back) && back == token)
			return n - (long)sizeof(back);	/* our own memory */
		if (fresh)	/* not even through getpid(): nothing to trust */
			return n < 0 ? n : -EFAULT;
	}
	return -EFAULT;
}

/*
 * Copy LEN bytes between LOCAL and the caller's memory at REMOTE (WRITE:
 * into it); false (not a crash) for a bad pointer. Writes are rare: they
 * ask for our pid every time.
 */
static PT_HOT bool caller_mem(bool write, void *local, uint64_t remote, size_t len)
{
	void *p = (void *)(uintptr_t)remote;
	long n;

	if (!len)
		return true;
	if (!remote)
		return false;
	if (!on_stack(remote, len)) {
		n = write ? vm_rw(true, getpid(), local, remote, len) :
			    read_self(local, remote, len);
		if (n == (long)len)
			return true;
		if (n == -EFAULT || n >= 0)	/* a partial copy is a bad pointer */
			return false;
		/* process_vm_readv()/writev() filtered out (seccomp): trust the
		 * pointer, as the kernel would have to */
	}
	memcpy(write ? p : local, write ? local : p, len);
	return true;
}

static PT_HOT bool peek(void *dst, uint64_t src, size_t len)
{
	return caller_mem(false, dst, src, len);
}

static bool poke(uint64_t dst, const void *src, size_t len)
{
	return caller_mem(true, (void *)src, dst, len);
}

/* Buffers on the stack for what nearly every call needs: loading a small
 * program allocates nothing but the analysis. */
union attr_buf {
	union bpf_attr a;
	unsigned char raw[256];
};

/* BUF, when it holds LEN bytes, or else a new zeroed buffer (NULL). */
static PT_HOT void *buf_or_alloc(void *buf, size_t buf_len, size_t len)
{
	if (len <= buf_len) {
		memset(buf, 0, len);
		return buf;
	}
	return calloc(1, len);
}

static PT_HOT void buf_free(void *p, void *buf)
{
	if (p != buf)
		free(p);
}

/* The caller's attr, SIZE bytes of it, in a buffer at least as large as
 * ours: BUF, or an allocated one (buf_free() it). */
static PT_HOT union bpf_attr *attr_copy(long attr, long size, size_t *len,
					union attr_buf *buf)
{
	size_t n = size > 0 && (unsigned long)size < 65536 ? (size_t)size : 0;
	size_t alloc = n > sizeof(union bpf_attr) ? n : sizeof(union bpf_attr);
	union bpf_attr *a;

	if (!n)
		return NULL;
	a = buf_or_alloc(buf, sizeof(*buf), alloc);
	if (!a)
		return NULL;
	if (!peek(a, (uint64_t)attr, n)) {
		buf_free(a, buf);
		return NULL;
	}
	*len = n;
	return a;
}

static int obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uint64_t)(uintptr_t)info;
	return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
}

/* ---- USDT spec map ----------------------------------------------------- */

/*
 * libbpf's spec map, "__bpf_usdt_specs" in usdt.bpf.h: the kernel keeps
 * BPF_OBJ_NAME_LEN - 1 characters of it.
 */
static bool is_usdt_spec_map(int fd, char *name, size_t len)
{
	struct bpf_map_info info;

	memset(&info, 0, sizeof(info));
	if (obj_info(fd, &info, sizeof(info)) < 0)
		return false;
	snprintf(name, len, "%.*s", (int)sizeof(info.name), info.name);
	return info.type == BPF_MAP_TYPE_ARRAY && info.key_size == 4 &&
	       info.value_size == USDT_SPEC_SIZE && strncmp(info.name, "__bpf_usdt_spec", 15) == 0;
}

static bool prog_uses_usdt_specs(const struct bpf_insn *insns, size_t n)
{
	char name[BPF_OBJ_NAME_LEN + 1];

	for (size_t i = 0; i + 1 < n; i++) {
		if (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if ((insns[i].src_reg == BPF_PSEUDO_MAP_FD ||
		     insns[i].src_reg == BPF_PSEUDO_MAP_VALUE) &&
		    is_usdt_spec_map(insns[i].imm, name, sizeof(name)))
			return true;
		i++;
	}
	return false;
}

/* The same register's offset in the target layout, or -1. */
static int translate_off(int off, uint32_t size, const char **field)
{
	return pt_translate_off(cfg.from, cfg.to_off, off, size, field);
}

/* Translate one spec value in place (a copy): how many args changed. */
static int translate_spec(unsigned char *v, const char *map, uint32_t key)
{
	int16_t cnt;
	int changed = 0;

	memcpy(&cnt, v + 200, sizeof(cnt));
	if (cnt < 0 || cnt > USDT_ARG_CNT)
		return 0;
	for (int i = 0; i < cnt; i++) {
		unsigned char *arg = v + (size_t)i * 16;
		uint32_t type;
		int16_t off;
		const char *field;
		int to;

		memcpy(&type, arg + 8, sizeof(type));
		if (type != USDT_ARG_REG && type != USDT_ARG_REG_DEREF)
			continue;
		memcpy(&off, arg + 12, sizeof(off));
		to = translate_off(off, 8, &field);
		if (to < 0) {
			say("usdt spec map '%s': key %u arg %d: reg_off %d is no register of %s, "
			    "left as it is", map, key, i, off, cfg.from_name);
			continue;
		}
		if (to == off || to > INT16_MAX)
			continue;
		logf_("usdt spec map '%s': key %u arg %d reg_off %d -> %d (%s)", map, key, i, off,
		      to, field);
		off = (int16_t)to;
		memcpy(arg + 12, &off, sizeof(off));
		changed++;
	}
	return changed;
}

static long map_update(long cmd, long attr, long size)
{
	char name[BPF_OBJ_NAME_LEN + 1];
	union attr_buf abuf;
	union bpf_attr *a;
	size_t len, vlen, klen;
	unsigned char *vals = NULL;
	uint32_t *keys = NULL;
	long ret;
	bool batch = cmd == BPF_MAP_UPDATE_BATCH;
	uint32_t cnt, fd;

	a = attr_copy(attr, size, &len, &abuf);
	if (!a)
		goto forward;
	if (batch) {
		if (len < offsetof(union bpf_attr, batch.map_fd) + sizeof(a->batch.map_fd))
			goto forward;
		fd = a->batch.map_fd;
		cnt = a->batch.count;
	} else {
		if (len < offsetof(union bpf_attr, value) + sizeof(a->value))
			goto forward;
		fd = a->map_fd;
		cnt = 1;
	}
	if (!cnt || cnt > 65536 || !is_usdt_spec_map((int)fd, name, sizeof(name)))
		goto forward;
	vlen = (size_t)cnt * USDT_SPEC_SIZE;
	klen = (size_t)cnt * sizeof(uint32_t);
	vals = malloc(vlen);
	keys = malloc(klen);
	if (!vals || !keys || !peek(vals, batch ? a->batch.values : a->value, vlen) ||
	    !peek(keys, batch ? a->batch.keys : a->key, klen))
		goto forward;
	{
		int changed = 0;

		for (uint32_t i = 0; i < cnt; i++)
			changed += translate_spec(vals + (size_t)i * USDT_SPEC_SIZE, name, keys[i]);
		if (!changed)
			goto forward;
	}
	if (batch)
		a->batch.values = (uint64_t)(uintptr_t)vals;
	else
		a->value = (uint64_t)(uintptr_t)vals;
	ret = sys_bpf((int)cmd, a, (unsigned int)len);
	/* the batch count is in/out: tell the caller how far it went */
	if (batch && cnt != a->batch.count) {
		uint32_t done = a->batch.count;

		if (!poke((uint64_t)attr + offsetof(union bpf_attr, batch.count), &done,
			  sizeof(done)))
			say("usdt spec map '%s': batch count not returned", name);
	}
	free(vals);
	free(keys);
	buf_free(a, &abuf);
	return result(ret);
forward:
	free(vals);
	free(keys);
	buf_free(a, &abuf);
	return result(sys_bpf((int)cmd, (void *)(uintptr_t)attr, (unsigned int)size));
}

/* ---- programs ---------------------------------------------------------- */

/*
 * Linux 6.4 added log_true_size after core_relo_rec_size; the kernel
 * writes it back into the caller's attr, so a load from a copy hands it
 * on (older headers do not name it).
 */
#define LOG_TRUE_SIZE_OFF (offsetof(union bpf_attr, core_relo_rec_size) + sizeof(uint32_t))

static PT_HOT uint32_t log_size_of(const union bpf_attr *a, size_t len)
{
	uint32_t v = 0;

	if (len >= LOG_TRUE_SIZE_OFF + sizeof(v))
		memcpy(&v, (const char *)a + LOG_TRUE_SIZE_OFF, sizeof(v));
	return v;
}

/* ...when it differs from what the caller's attr holds (BEFORE) */
static PT_HOT void hand_back_log_size(long attr, const union bpf_attr *a, size_t len,
				      uint32_t before)
{
	uint32_t v = log_size_of(a, len);

	if (len < LOG_TRUE_SIZE_OFF + sizeof(v) || v == before)
		return;
	poke((uint64_t)attr + LOG_TRUE_SIZE_OFF, &v, sizeof(v));
}

/* The evidence of the program's own BTF, or that it could not be read. */
#define EV_UNREADABLE ((enum ptregs_ctx_evidence)-1)

static const char *ev_str(enum ptregs_ctx_evidence ev)
{
	return ev == EV_UNREADABLE ? "BTF unreadable" : ptregs_ctx_evidence_str(ev);
}

/*
 * What the program's own BTF says of its context: the main function's
 * first parameter when func_info names it, else any struct pt_regs.
 */
static __attribute__((noinline)) enum ptregs_ctx_evidence
btf_evidence(const union bpf_attr *a, size_t len)
{
	struct bpf_btf_info info;
	void *data = NULL;
	struct btf *btf = NULL;
	enum ptregs_ctx_evidence ev = EV_UNREADABLE;
	uint32_t n, main_func = 0;

	memset(&info, 0, sizeof(info));
	if (obj_info((int)a->prog_btf_fd, &info, sizeof(info)) < 0 || !info.btf_size ||
	    info.btf_size > (64u << 20))
		return EV_UNREADABLE;
	data = malloc(info.btf_size);
	if (!data)
		return EV_UNREADABLE;
	n = info.btf_size;
	memset(&info, 0, sizeof(info));
	info.btf = (uint64_t)(uintptr_t)data;
	info.btf_size = n;
	if (obj_info((int)a->prog_btf_fd, &info, sizeof(info)) < 0 || info.btf_size != n)
		goto out;
	btf = btf__new(data, n);
	if (!btf)
		goto out;
	if (len >= offsetof(union bpf_attr, func_info_cnt) + sizeof(a->func_info_cnt) &&
	    a->func_info_cnt && a->func_info_rec_size >= sizeof(struct bpf_func_info) &&
	    a->func_info_rec_size < 256) {
		struct bpf_func_info fi;

		if (peek(&fi, a->func_info, sizeof(fi)) && fi.insn_off == 0)
			main_func = fi.type_id;
	}
	ev = ptregs_btf_ctx_evidence(btf, main_func);
out:
	btf__free(btf);
	free(data);
	return ev;
}

/* ...and no BTF at all: what code generators send, decided here */
static PT_HOT enum ptregs_ctx_evidence prog_evidence(const union bpf_attr *a, size_t len)
{
	if (len < offsetof(union bpf_attr, prog_btf_fd) + sizeof(a->prog_btf_fd) ||
	    !a->prog_btf_fd)
		return PTREGS_CTX_EV_NONE;
	return btf_evidence(a, len);
}

static PT_HOT bool listed(const char *name)
{
	char key[BPF_OBJ_NAME_LEN + 3];
	const char *p;

	if (!cfg.programs || !name[0])
		return false;
	snprintf(key, sizeof(key), ",%s", name);
	/* names are cut to 15 characters by the kernel: match that prefix */
	for (p = strstr(cfg.programs, key); p; p = strstr(p + 1, key)) {
		const char *e = p + strlen(key);

		if (*e == ',' || strlen(name) == BPF_OBJ_NAME_LEN - 1)
			return true;
	}
	return false;
}

/* libbpf's USDT support reads ctx + reg_off from its spec map, which
 * map_update() translates: the variable offset of such a program is left
 * to that */
static bool reads_usdt_specs(void *prog)
{
	const struct ptregs_prog *p = prog;

	return prog_uses_usdt_specs(p->insns, p->insn_cnt);
}

static void log_accesses(const struct ptregs_access *acc, size_t cnt, const char *name,
			 const char *type, const char *ev)
{
	size_t n = cfg.log_fd < 0 ? 0 : cnt;

	for (size_t i = 0; i < n; i++) {
		const struct ptregs_access *a = &acc[i];
		const char *field, *base = a->origin == PTREGS_FROM_CTX ? "ctx" : "regs";
		int to;
		char via[48] = "";

		if (a->off_site == PTREGS_OFF_NONE || !a->old_field)
			continue;
		to = translate_off((int)a->offset, a->size, &field);
		if (to < 0 || to == (int)a->offset)
			continue;
		if (a->off_site == PTREGS_OFF_ALU_IMM)
			snprintf(via, sizeof(via), ", imm of insn %u", a->off_insn);
		logf_("prog '%s' (%s): insn %u: %s%s+%u -> %s+%d (%s)%s [evidence: %s]", name,
		      type, a->insn, a->kind == PTREGS_ACC_PROBE_READ ? "probe read " : "", base,
		      a->offset, base, to, field, via, ev);
	}
}

/* What a program of up to this many insns needs, on the stack (5 KB). */
#define STACK_INSNS 256
#define STACK_PATCHES 64
#define STACK_ACCESSES 16

/* RW has accesses that cannot be rewritten: 1 to load the program as it
 * is (--on-unanalysed pass), else -EINVAL; said either way. */
static __attribute__((noinline)) long untranslated(const struct pt_rewrite *rw,
						  const char *name, const char *type,
						  const char *reason)
{
	if (cfg.pass_unanalysed) {
		say("prog '%s': %u access%s cannot be translated (%s); loaded as it is "
		    "(--on-unanalysed pass)", name, rw->bad, rw->bad == 1 ? "" : "es", rw->why);
		logf_("prog '%s' (%s): loaded untranslated: %s [evidence: %s]", name, type,
		      rw->why, reason);
		return 1;
	}
	say("prog '%s': %u access%s cannot be translated, not loaded: %s", name, rw->bad,
	    rw->bad == 1 ? "" : "es", rw->why);
	logf_("prog '%s' (%s): refused: %s [evidence: %s]", name, type, rw->why, reason);
	return -EINVAL;
}

/*
 * The planned patches RW applied to INSNS: 0 to load them (as they were
 * when RW has none), 1 to load the program as it is, -EINVAL to refuse.
 */
static PT_HOT long rewrite(struct pt_rewrite *rw, struct bpf_insn *insns, size_t n,
			   const char *name, const char *type, const char *reason)
{
	if (!rw->bad && !pt_apply(rw, insns, n)) {
		rw->bad = 1;
		snprintf(rw->why, sizeof(rw->why), "a rewritten offset does not fit its field");
	}
	if (rw->bad)
		return untranslated(rw, name, type, reason);
	if (rw->cnt)
		logf_("prog '%s' (%s): %zu insn%s rewritten, %s -> %s [evidence: %s]", name, type,
		      rw->cnt, rw->cnt == 1 ? "" : "s", cfg.from_name, cfg.to_name, reason);
	return 0;
}

/*
 * The general path, for what pt_quick_patches() leaves and for the log:
 * every access of P recorded, planned into RW, rewritten in P's insns
 * and logged. As rewrite(). Out of the text of a translated load (not
 * PT_HOT).
 */
static __attribute__((noinline)) long rewrite_recorded(struct pt_rewrite *rw,
						      struct bpf_insn *insns, size_t n,
						      const char *name, const char *type,
						      const char *reason)
{
	struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
				 .ctx = PTREGS_CTX_PT_REGS };
	struct ptregs_access buf[STACK_ACCESSES], *acc = NULL;
	size_t acc_cnt = 0;
	int ar = rw ? pt_analyze_into(&p, cfg.from, cfg.to, buf, STACK_ACCESSES, &acc, &acc_cnt,
				      PT_ANALYZE_ANY) : 0;
	long ret;

	if (ar != 0 || !rw) {
		if (cfg.pass_unanalysed)
			return 1;
		say("prog '%s': analysis failed (%s), not loaded: it would read the registers of "
		    "%s on %s", name, ar == 0 ? "out of memory" : ptregs_errmsg(), cfg.from_name,
		    cfg.to_name);
		return -EINVAL;
	}
	pt_plan(rw, acc, acc_cnt, cfg.from, cfg.to_off, reads_usdt_specs, &p);
	ret = rewrite(rw, insns, n, name, type, reason);
	if (ret == 0 && rw->cnt)
		log_accesses(acc, acc_cnt, name, type, reason);
	buf_free(acc, buf);
	return ret;
}

static PT_HOT long prog_load(long cmd, long attr, long size)
{
	union attr_buf abuf;
	struct bpf_insn ibuf[STACK_INSNS];
	union {
		struct pt_rewrite rw;
		unsigned char raw[sizeof(struct pt_rewrite) + STACK_PATCHES * sizeof(struct pt_patch)];
	} rwbuf;
	union bpf_attr *a;
	size_t len, n, cap;
	struct bpf_insn *insns = NULL;
	struct pt_rewrite *rw = NULL;
	char name[BPF_OBJ_NAME_LEN + 1];
	const char *type, *reason;
	enum ptregs_ctx_evidence ev;
	uint32_t log_size;
	long ret;

	a = attr_copy(attr, size, &len, &abuf);
	if (!a || len < offsetof(union bpf_attr, prog_name) + sizeof(a->prog_name) ||
	    a->prog_type != BPF_PROG_TYPE_KPROBE || !cfg_ready())
		goto forward;
	memcpy(name, a->prog_name, BPF_OBJ_NAME_LEN);
	name[BPF_OBJ_NAME_LEN] = '\0';
	type = len >= offsetof(union bpf_attr, expected_attach_type) + 4 &&
	       a->expected_attach_type == BPF_TRACE_KPROBE_MULTI ? "kprobe.multi" : "kprobe";

	ev = prog_evidence(a, len);
	if (listed(name))
		reason = "listed";
	else if (cfg.policy == POLICY_ALL)
		reason = "policy all";
	else if (cfg.policy == POLICY_AUTO && (ev == PTREGS_CTX_EV_NONE || ev == PTREGS_CTX_EV_UAPI ||
					       ev == PTREGS_CTX_EV_NO_PT_REGS))
		reason = ev_str(ev);
	else {
		logf_("prog '%s' (%s): left as it is [%s]", name, type,
		      cfg.policy == POLICY_NONE ? "policy none" : ev_str(ev));
		goto forward;
	}

	n = a->insn_cnt;
	if (!n || n > MAX_INSNS)
		goto forward;
	insns = n <= STACK_INSNS ? ibuf : malloc(n * sizeof(*insns));
	if (!insns || !peek(insns, a->insns, n * sizeof(*insns)))
		goto forward;
	cap = n < MAX_PATCHES ? n : MAX_PATCHES;
	rw = cap <= STACK_PATCHES ? &rwbuf.rw : malloc(sizeof(*rw) + cap * sizeof(rw->p[0]));
	if (rw) {	/* only the counts are cleared */
		rw->cap = cap;
		rw->cnt = 0;
		rw->bad = 0;
		rw->why[0] = '\0';
	}
	{
		struct ptregs_prog p = { .sz = sizeof(p), .insns = insns, .insn_cnt = n,
					 .ctx = PTREGS_CTX_PT_REGS };

		/* what code generators send: the patches straight from the
		 * quick path, with no record of each access (the log wants
		 * those); anything else is recorded and planned */
		if (rw && cfg.log_fd < 0 && pt_quick_patches(&p, cfg.from, cfg.to_off, rw) == 0)
			ret = rewrite(rw, insns, n, name, type, reason);
		else
			ret = rewrite_recorded(rw, insns, n, name, type, reason);
	}
	if (ret < 0)
		goto out;
	if (ret > 0 || !rw->cnt)
		goto forward;
	a->insns = (uint64_t)(uintptr_t)insns;
	log_size = log_size_of(a, len);
	ret = sys_bpf((int)cmd, a, (unsigned int)len);
	hand_back_log_size(attr, a, len, log_size);
out:
	buf_free(rw, &rwbuf.rw);
	buf_free(insns, ibuf);
	buf_free(a, &abuf);
	return result(ret);
forward:
	buf_free(rw, &rwbuf.rw);
	buf_free(insns, ibuf);
	buf_free(a, &abuf);
	return result(sys_bpf((int)cmd, (void *)(uintptr_t)attr, (unsigned int)size));
}

static PT_HOT long bpf_cmd(long cmd, long attr, long size)
{
	int *errp = tstack.errp ? tstack.errp : (tstack.errp = &errno);
	int saved = *errp;	/* glibc's syscall() leaves it alone on success */
	long ret;

	switch (cmd) {
	case BPF_PROG_LOAD:
		ret = prog_load(cmd, attr, size);
		break;
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_UPDATE_BATCH:
		ret = cfg_ready() ? map_update(cmd, attr, size) :
				    result(raw_syscall(SYS_bpf, cmd, attr, size));
		break;
	default:
		return result(raw_syscall(SYS_bpf, cmd, attr, size));
	}
	if (ret >= 0)
		*errp = saved;
	return ret;
}

PT_HOT long preload_bpf(long nr, long cmd, long attr, long size, long a4, long a5, long a6)
{
	uintptr_t floor = tstack.floor;
	long ret;

	(void)nr;
	(void)a4;
	(void)a5;
	(void)a6;
	if (__atomic_load_n(&cfg_idle, __ATOMIC_RELAXED))
		return result(raw_syscall(SYS_bpf, cmd, attr, size));
	/* reached by a jump from syscall(): above our frame's saved frame
	 * pointer and return address, the caller's frames (saved, for a bpf()
	 * call from a signal handler that interrupted one) */
	tstack.floor = (uintptr_t)__builtin_frame_address(0) + 2 * sizeof(void *);
	ret = bpf_cmd(cmd, attr, size);
	tstack.floor = floor;
	return ret;
}
