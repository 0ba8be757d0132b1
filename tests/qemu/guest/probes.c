// SPDX-License-Identifier: GPL-2.0
/*
 * probes: the user-space side of the probe and unwinding tests
 * (tests.d/probes.sh, tests.d/unwind.sh).
 *
 * 64-bit build (/bin/probes):
 *   probes write FD COUNT   write(FD, buf, COUNT) to /dev/null dup'ed to FD,
 *                           where buf holds "ptregs-kprobe"; prints
 *                           "fd=FD buf=0x... count=COUNT ret=RET" (the
 *                           values kprobes on ksys_write must fetch)
 *   probes badwrite FD      write() to FD, which is closed: -EBADF
 *   probes fault PAGES      touches PAGES fresh anonymous pages (user page
 *                           faults)
 *   probes uprobes TRACEFS  the uprobe and uretprobe test: defines uprobe
 *                           events on functions of this program (file
 *                           offsets from its own ELF headers), enables them
 *                           in a trace instance for this process, calls
 *                           the functions with known arguments, and checks
 *                           every fetched argument and return value
 *   probes usdt TRACEFS     the same for the USDT notes (sys/sdt.h): one
 *                           uprobe event per note at its address, fetching
 *                           the operands the note describes (registers,
 *                           memory, immediates)
 * 32-bit build (/bin/probes32, IA32):
 *   probes32 int80 FD COUNT  the same write through int $0x80
 *   probes32 vdso FD COUNT   the same write through libc, which enters
 *                            through the vDSO (SYSENTER or SYSCALL)
 *   probes32 pause           blocks in pause() entered through int $0x80
 * Exit status 0 pass, 1 fail, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char wbuf[65536] = "ptregs-kprobe";

static int devnull_at(int fd)
{
	int n = open("/dev/null", O_WRONLY);

	if (n < 0 || (n != fd && (dup2(n, fd) != fd || close(n))))
		return -1;
	return 0;
}

#ifdef __i386__

static long int80(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c)
		     : "memory");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 4 && (!strcmp(argv[1], "int80") || !strcmp(argv[1], "vdso"))) {
		int fd = atoi(argv[2]), count = atoi(argv[3]);
		long ret;

		if (count < 0 || count > (int)sizeof(wbuf) || devnull_at(fd))
			return 2;
		if (!strcmp(argv[1], "int80"))
			ret = int80(4 /* __NR_write */, fd, (long)wbuf, count);
		else
			ret = write(fd, wbuf, count);
		printf("fd=%d buf=%#lx count=%d ret=%ld\n", fd,
		       (unsigned long)wbuf, count, ret);
		return ret == count ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "pause")) {
		int80(29 /* __NR_pause */, 0, 0, 0);
		return 0;
	}
	fprintf(stderr, "usage: probes32 int80|vdso FD COUNT | pause\n");
	return 2;
}

#else /* x86_64 */

#include <elf.h>
#include <sys/sdt.h>

/*
 * The uprobe targets. noipa: no inlining, cloning or constant propagation,
 * so the arguments arrive in rdi, rsi, rdx, rcx, r8, r9 as the ABI says.
 */
#define A1 0x1111aaaa2222bbbbUL
#define A2 0x3333cccc4444ddddUL
#define A3 0x5555eeee6666ffffUL
#define A4 0x7777000088881111UL
#define A5 0x9999222233334444UL
#define A6 0xabcd5555eeee6666UL

unsigned long pr_retaddr, pr_sp;

__attribute__((noipa)) unsigned long pr_six(unsigned long a, unsigned long b,
					    unsigned long c, unsigned long d,
					    unsigned long e, unsigned long f)
{
	pr_retaddr = (unsigned long)__builtin_return_address(0);
	pr_sp = (unsigned long)__builtin_frame_address(0);
	return (a ^ b) + (c ^ d) * 3 + (e ^ f) * 5;
}

/*
 * One call site for pr_six: the uretprobe replaces the return address on
 * the stack with its trampoline while the probe is active, so the true
 * return address (what the uprobe must fetch at [rsp]) is the one
 * __builtin_return_address sees in a call made with the probes disabled.
 */
__attribute__((noipa)) unsigned long call_six(volatile unsigned long *v)
{
	unsigned long r = pr_six(v[0], v[1], v[2], v[3], v[4], v[5]);

	asm volatile("" : "+r"(r));	/* a call, not a tail jump */
	return r;
}

__attribute__((noipa)) int pr_neg(int x)
{
	return -x - 1;
}

/* USDT operands: a global in memory, stack locals and registers. */
long usdt_glob = 0x0123456789abcdefL;

static unsigned long elf_vaddr_to_offset(const Elf64_Phdr *ph, int n,
					 unsigned long vaddr)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
		    vaddr < ph[i].p_vaddr + ph[i].p_filesz)
			return vaddr - ph[i].p_vaddr + ph[i].p_offset;
	return 0;
}

struct image {
	unsigned char *p;
	size_t size;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf64_Shdr *sh;
	const char *shstr;
};

static int load_self(struct image *im)
{
	struct stat st;
	int fd = open("/proc/self/exe", O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	im->size = st.st_size;
	im->p = mmap(NULL, im->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (im->p == MAP_FAILED)
		return -1;
	im->eh = (Elf64_Ehdr *)im->p;
	im->ph = (Elf64_Phdr *)(im->p + im->eh->e_phoff);
	im->sh = (Elf64_Shdr *)(im->p + im->eh->e_shoff);
	im->shstr = (const char *)im->p + im->sh[im->eh->e_shstrndx].sh_offset;
	return 0;
}

static unsigned long self_offset(struct image *im, unsigned long vaddr)
{
	return elf_vaddr_to_offset(im->ph, im->eh->e_phnum, vaddr);
}

/*
 * The uprobe "@+OFFSET" form is relative to the probed file's mapping
 * base as seen from the probe's own segment: base = probe vaddr - probe
 * file offset. Express a data address in those terms.
 */
static unsigned long text_relative(struct image *im, unsigned long vaddr)
{
	unsigned long text = (unsigned long)pr_neg;

	return vaddr - (text - self_offset(im, text));
}

/* An sdt.h argument ("-8@%rax", "4@-20(%rbp)", "8@usdt_glob(%rip)",
 * "-4@$5") as a uprobe fetch argument; 0 if not understood. */
static const char *const regmap[][5] = {
	{ "ax", "rax", "eax", "ax", "al" }, { "bx", "rbx", "ebx", "bx", "bl" },
	{ "cx", "rcx", "ecx", "cx", "cl" }, { "dx", "rdx", "edx", "dx", "dl" },
	{ "si", "rsi", "esi", "si", "sil" }, { "di", "rdi", "edi", "di", "dil" },
	{ "bp", "rbp", "ebp", "bp", "bpl" }, { "sp", "rsp", "esp", "sp", "spl" },
};

static int reg_name(const char *r, size_t len, char *out, size_t outsz)
{
	for (size_t i = 0; i < sizeof(regmap) / sizeof(regmap[0]); i++)
		for (int j = 1; j < 5; j++)
			if (strlen(regmap[i][j]) == len &&
			    !strncmp(r, regmap[i][j], len)) {
				snprintf(out, outsz, "%%%s", regmap[i][0]);
				return 0;
			}
	/* r8..r15, r8d, r8w, r8b */
	if (len >= 2 && r[0] == 'r' && r[1] >= '0' && r[1] <= '9') {
		int n = atoi(r + 1);

		if (n >= 8 && n <= 15) {
			snprintf(out, outsz, "%%r%d", n);
			return 0;
		}
	}
	return -1;
}

static int sdt_arg(struct image *im, const char *arg, char *out, size_t outsz,
		   char *kind, size_t kindsz)
{
	int size = atoi(arg);

	if (size < -8 || size > 8)
		return -1;
	const char *at = strchr(arg, '@'), *op;
	char type[16], loc[96];

	if (!at)
		return -1;
	op = at + 1;
	snprintf(type, sizeof(type), "%c%d", size < 0 ? 's' : 'u',
		 8 * abs(size));
	if (*op == '%') {
		if (reg_name(op + 1, strlen(op + 1), loc, sizeof(loc)))
			return -1;
		snprintf(kind, kindsz, "register");
	} else if (*op == '$') {
		snprintf(loc, sizeof(loc), "\\%s", op + 1);
		snprintf(kind, kindsz, "immediate");
	} else {
		const char *lp = strchr(op, '('), *rp = strchr(op, ')');
		char base[16];

		if (!lp || !rp || rp < lp + 2)
			return -1;
		if (!strncmp(lp + 1, "%rip", 4)) {
			/* symbol(%rip): the symbol's address */
			char sym[64];
			unsigned long addr = 0;

			snprintf(sym, sizeof(sym), "%.*s", (int)(lp - op), op);
			if (!strcmp(sym, "usdt_glob"))
				addr = (unsigned long)&usdt_glob;
			if (!addr)
				return -1;
			snprintf(loc, sizeof(loc), "@+%#lx",
				 text_relative(im, addr));
			snprintf(kind, kindsz, "memory:rip");
		} else {
			if (reg_name(lp + 2, rp - lp - 2, base, sizeof(base)))
				return -1;
			snprintf(loc, sizeof(loc), "%s%.*s(%s)",
				 *op == '-' ? "" : "+", (int)(lp - op), op,
				 base);
			if (lp == op)
				snprintf(loc, sizeof(loc), "+0(%s)", base);
			snprintf(kind, kindsz, "memory:%s", base + 1);
		}
	}
	snprintf(out, outsz, "%s:%s", loc, type);
	return 0;
}

#define TRACE_INSTANCE "ptregs-uprobes"
static const char *tracefs;
static int failures;
static int do_usdt;	/* 0: uprobe/uretprobe on functions, 1: USDT */

static int tfs_write(const char *file, const char *text, int append)
{
	char path[256];
	int fd, n = strlen(text);

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (fd < 0 || write(fd, text, n) != n) {
		printf("FAIL: writing \"%s\" to %s: %s\n", text, path,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Is "name=value" (the value exactly) in the event line? */
static int has_field(const char *line, const char *name, const char *value)
{
	char want[160];
	const char *p;
	size_t n;

	n = snprintf(want, sizeof(want), " %s=%s", name, value);
	p = strstr(line, want);
	return p && (p[n] == ' ' || p[n] == '\n' || p[n] == 0);
}

static char trace_text[1 << 16];

static void read_trace(void)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/instances/" TRACE_INSTANCE "/trace",
		 tracefs);
	f = fopen(path, "r");
	n = f ? fread(trace_text, 1, sizeof(trace_text) - 1, f) : 0;
	trace_text[n] = 0;
	if (f)
		fclose(f);
}

/* The one line of EVENT in the trace (of this pid), or NULL. */
static const char *event_line(const char *event, char *line, size_t linesz)
{
	char tag[64];
	const char *p = trace_text, *hit = NULL;
	int count = 0;

	snprintf(tag, sizeof(tag), " %s: ", event);
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (*p != '#' && memmem(p, len, tag, strlen(tag))) {
			hit = p;
			count++;
			snprintf(line, linesz, "%.*s", (int)len, p);
		}
		p = e ? e + 1 : NULL;
	}
	if (count != 1) {
		printf("FAIL: %s: %d trace lines, expected 1\n", event, count);
		failures++;
		return NULL;
	}
	return hit ? line : NULL;
}

static void expect_field(const char *event, const char *line, const char *name,
			 const char *fmt, unsigned long value)
{
	char v[64];

	snprintf(v, sizeof(v), fmt, value);
	if (!line)
		return;
	if (has_field(line, name, v)) {
		printf("ok: %s %s=%s\n", event, name, v);
	} else {
		printf("FAIL: %s: %s is not %s\n", event, name, v);
		failures++;
	}
}

struct usdt {
	char name[32];
	unsigned long pc;
	int nargs;
	char fetch[8][128];
	char kind[8][32];
	char spec[8][64];
};

static int read_usdt(struct image *im, struct usdt *u, int max)
{
	int n = 0;

	for (int i = 0; i < im->eh->e_shnum; i++) {
		Elf64_Shdr *s = &im->sh[i];
		unsigned char *p, *end;

		if (strcmp(im->shstr + s->sh_name, ".note.stapsdt"))
			continue;
		p = im->p + s->sh_offset;
		end = p + s->sh_size;
		while (p + sizeof(Elf64_Nhdr) <= end && n < max) {
			Elf64_Nhdr *nh = (Elf64_Nhdr *)p;
			unsigned char *desc = p + sizeof(*nh) +
					      ((nh->n_namesz + 3) & ~3U);
			const char *prov, *name, *args;

			p = desc + ((nh->n_descsz + 3) & ~3U);
			if (nh->n_type != 3)
				continue;
			memcpy(&u[n].pc, desc, 8);
			prov = (const char *)desc + 24;
			name = prov + strlen(prov) + 1;
			args = name + strlen(name) + 1;
			if (strcmp(prov, "ptregs"))
				continue;
			snprintf(u[n].name, sizeof(u[n].name), "%s", name);
			u[n].nargs = 0;
			char copy[512];
			snprintf(copy, sizeof(copy), "%s", args);
			for (char *save, *t = strtok_r(copy, " ", &save);
			     t && u[n].nargs < 8;
			     t = strtok_r(NULL, " ", &save)) {
				int k = u[n].nargs++;

				snprintf(u[n].spec[k], sizeof(u[n].spec[k]),
					 "%s", t);
				if (sdt_arg(im, t, u[n].fetch[k],
					    sizeof(u[n].fetch[k]), u[n].kind[k],
					    sizeof(u[n].kind[k]))) {
					printf("FAIL: usdt %s: argument \"%s\" not understood\n",
					       name, t);
					failures++;
					u[n].fetch[k][0] = 0;
				}
			}
			n++;
		}
	}
	return n;
}

/*
 * The USDT sites, run once with the probes enabled. Their argument values:
 * usdt_regs: six registers (constraint "r"); usdt_mem: memory operands,
 * a global (rip-relative) and locals; usdt_mixed: sdt.h's default
 * constraint, which lets the compiler pick, including immediates.
 */
#define U1 0x1020304050607080L
#define U2 (-123456789)
#define U3 0x7edcba98L
#define U4 ((short)-4321)
#define U5 0x55aa55aa55aa55aaL
#define U6 ((signed char)-7)

static void usdt_sites(volatile long *vals)
{
	long a = vals[0], d = vals[3], e = vals[4];
	int b = (int)vals[1];
	unsigned int c = (unsigned int)vals[2];
	short s = (short)vals[5];
	volatile long m1 = vals[0];
	volatile int m2 = (int)vals[1];

#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT r
	STAP_PROBE6(ptregs, usdt_regs, a, b, c, d, e, s);
#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT m
	STAP_PROBE3(ptregs, usdt_mem, usdt_glob, m1, m2);
#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT nor
	STAP_PROBE4(ptregs, usdt_mixed, a, 42, U6, c);
}

static int uprobes(void)
{
	struct image im;
	struct usdt u[8];
	char exe[256], def[1024], line[1024];
	unsigned long off_six, off_neg;
	ssize_t n;
	int nu;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || load_self(&im)) {
		printf("detail: cannot read /proc/self/exe\n");
		return 1;
	}
	exe[n] = 0;
	if (im.eh->e_type != ET_EXEC) {
		printf("detail: %s is not a non-PIE executable\n", exe);
		return 1;
	}
	off_six = self_offset(&im, (unsigned long)pr_six);
	off_neg = self_offset(&im, (unsigned long)pr_neg);
	printf("%s: pr_six at %#lx (file offset %#lx), pr_neg at %#lx (%#lx)\n",
	       exe, (unsigned long)pr_six, off_six, (unsigned long)pr_neg,
	       off_neg);
	nu = do_usdt ? read_usdt(&im, u, 8) : 0;

	/* Event definitions. */
	if (tfs_write("uprobe_events", "", 0))
		return 1;
	if (!do_usdt) {
		snprintf(def, sizeof(def),
			 "p:ptregs_u/up_six %s:%#lx a1=%%di:x64 a2=%%si:x64 a3=%%dx:x64 a4=%%cx:x64 a5=%%r8:x64 a6=%%r9:x64 sp=%%sp:x64 ret=+0(%%sp):x64\n",
			 exe, off_six);
		if (tfs_write("uprobe_events", def, 1))
			return 1;
		snprintf(def, sizeof(def), "r:ptregs_u/ur_six %s:%#lx rv=$retval:x64\n",
			 exe, off_six);
		if (tfs_write("uprobe_events", def, 1))
			return 1;
		snprintf(def, sizeof(def),
			 "p:ptregs_u/up_neg %s:%#lx x=%%di:s32\n", exe, off_neg);
		if (tfs_write("uprobe_events", def, 1))
			return 1;
		snprintf(def, sizeof(def), "r:ptregs_u/ur_neg %s:%#lx rv=$retval:s32\n",
			 exe, off_neg);
		if (tfs_write("uprobe_events", def, 1))
			return 1;
	}
	for (int i = 0; i < nu; i++) {
		int len = snprintf(def, sizeof(def), "p:ptregs_u/%s %s:%#lx",
				   u[i].name, exe,
				   self_offset(&im, u[i].pc));

		for (int k = 0; k < u[i].nargs; k++)
			if (u[i].fetch[k][0])
				len += snprintf(def + len, sizeof(def) - len,
						" arg%d=%s", k + 1,
						u[i].fetch[k]);
		snprintf(def + len, sizeof(def) - len, "\n");
		printf("usdt %s at %#lx:", u[i].name, u[i].pc);
		for (int k = 0; k < u[i].nargs; k++)
			printf(" %s (%s)", u[i].spec[k], u[i].kind[k]);
		printf("\n  %s", def);
		if (tfs_write("uprobe_events", def, 1))
			return 1;
	}
	if (do_usdt && nu != 3) {
		printf("FAIL: %d ptregs USDT notes, expected 3\n", nu);
		failures++;
	}

	/* The true return address of pr_six's call in call_six. */
	volatile unsigned long args[6] = { A1, A2, A3, A4, A5, A6 };
	unsigned long true_ret;
	call_six(args);
	true_ret = pr_retaddr;

	/* A trace instance of our own, this process only. */
	char inst[128], pid[32];
	snprintf(inst, sizeof(inst), "%s/instances/" TRACE_INSTANCE, tracefs);
	rmdir(inst);
	if (mkdir(inst, 0755)) {
		printf("detail: mkdir %s: %s\n", inst, strerror(errno));
		return 1;
	}
	snprintf(pid, sizeof(pid), "common_pid == %d\n", getpid());
	if (tfs_write("instances/" TRACE_INSTANCE "/events/ptregs_u/filter", pid, 0) ||
	    tfs_write("instances/" TRACE_INSTANCE "/events/ptregs_u/enable", "1\n", 0))
		return 1;

	/* The calls. */
	volatile int negarg = 0x1234567;
	volatile long vals[6] = { U1, U2, U3, U4, U5, U6 };
	unsigned long r6 = do_usdt ? 0 : call_six(args);
	int rn = do_usdt ? 0 : pr_neg(negarg);
	if (do_usdt)
		usdt_sites(vals);

	tfs_write("instances/" TRACE_INSTANCE "/events/ptregs_u/enable", "0\n", 0);
	read_trace();
	printf("--- trace\n%s---\n", trace_text);

	/* Checks. */
	const char *l;
	if (do_usdt)
		goto usdt;
	unsigned long want6 = (A1 ^ A2) + (A3 ^ A4) * 3 + (A5 ^ A6) * 5;
	if (r6 != want6) {
		printf("FAIL: pr_six returned %#lx, expected %#lx\n", r6, want6);
		failures++;
	}
	l = event_line("up_six", line, sizeof(line));
	expect_field("up_six", l, "a1", "%#lx", A1);
	expect_field("up_six", l, "a2", "%#lx", A2);
	expect_field("up_six", l, "a3", "%#lx", A3);
	expect_field("up_six", l, "a4", "%#lx", A4);
	expect_field("up_six", l, "a5", "%#lx", A5);
	expect_field("up_six", l, "a6", "%#lx", A6);
	/* at the entry rsp points at the return address */
	expect_field("up_six", l, "ret", "%#lx", true_ret);
	/* pr_sp is rbp after "push %rbp": 8 below the entry rsp */
	expect_field("up_six", l, "sp", "%#lx", pr_sp + 8);
	l = event_line("ur_six", line, sizeof(line));
	expect_field("ur_six", l, "rv", "%#lx", want6);
	char from[64];
	snprintf(from, sizeof(from), "(%#lx <- %#lx)", true_ret,
		 (unsigned long)pr_six);
	if (l && strstr(l, from)) {
		printf("ok: ur_six returns to %#lx\n", true_ret);
	} else if (l) {
		printf("FAIL: ur_six: not %s\n", from);
		failures++;
	}
	l = event_line("up_neg", line, sizeof(line));
	expect_field("up_neg", l, "x", "%ld", 0x1234567);
	l = event_line("ur_neg", line, sizeof(line));
	expect_field("ur_neg", l, "rv", "%ld", (unsigned long)(long)rn);
	if (rn != -0x1234568) {
		printf("FAIL: pr_neg returned %d\n", rn);
		failures++;
	}

	goto done;
usdt:;
	static const struct {
		const char *probe;
		int nargs;
		const char *vals[6];
	} want[] = {
		{ "usdt_regs", 6, { "1161981756646125696", "-123456789",
				    "2128394904", "-4321",
				    "6172840429334713770", "-7" } },
		{ "usdt_mem", 3, { "81985529216486895",
				   "1161981756646125696", "-123456789" } },
		{ "usdt_mixed", 4, { "1161981756646125696", "42", "-7",
				     "2128394904" } },
	};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		l = event_line(want[w].probe, line, sizeof(line));
		for (int k = 0; k < want[w].nargs; k++) {
			char name[8], v[64];

			snprintf(name, sizeof(name), "arg%d", k + 1);
			snprintf(v, sizeof(v), "%s", want[w].vals[k]);
			if (!l)
				continue;
			if (has_field(l, name, v)) {
				printf("ok: %s %s=%s\n", want[w].probe, name, v);
			} else {
				printf("FAIL: %s: %s is not %s\n",
				       want[w].probe, name, v);
				failures++;
			}
		}
	}

done:
	rmdir(inst);
	tfs_write("uprobe_events", "", 0);
	char kinds[256] = "";
	for (int i = 0; i < nu; i++)
		for (int k = 0; k < u[i].nargs; k++)
			if (!strstr(kinds, u[i].kind[k]))
				snprintf(kinds + strlen(kinds),
					 sizeof(kinds) - strlen(kinds), "%s%s",
					 *kinds ? "," : "", u[i].kind[k]);
	if (do_usdt)
		printf("detail: %s: %d USDT probes, operands %s\n",
		       failures ? "FAILED" : "every argument exact", nu, kinds);
	else
		printf("detail: %s: uprobe rdi rsi rdx rcx r8 r9 rsp [rsp], uretprobe $retval (u64, s32)\n",
		       failures ? "FAILED" : "all values exact");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "write")) {
		int fd = atoi(argv[2]), count = atoi(argv[3]);
		ssize_t ret;

		if (count < 0 || count > (int)sizeof(wbuf) || devnull_at(fd))
			return 2;
		ret = write(fd, wbuf, count);
		printf("fd=%d buf=%#lx count=%d ret=%zd\n", fd,
		       (unsigned long)wbuf, count, ret);
		return ret == count ? 0 : 1;
	}
	if (argc == 3 && !strcmp(argv[1], "badwrite")) {
		int fd = atoi(argv[2]);
		ssize_t ret;

		close(fd);
		ret = write(fd, wbuf, 1);
		printf("fd=%d ret=%zd errno=%d\n", fd, ret, errno);
		return ret == -1 && errno == EBADF ? 0 : 1;
	}
	if (argc == 3 && !strcmp(argv[1], "fault")) {
		long pages = atol(argv[2]), psz = sysconf(_SC_PAGESIZE);
		volatile char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		for (long i = 0; i < pages; i++)
			p[i * psz] = 1;
		printf("touched %ld pages at %p\n", pages, (void *)p);
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "uprobes") || !strcmp(argv[1], "usdt"))) {
		tracefs = argv[2];
		do_usdt = !strcmp(argv[1], "usdt");
		return uprobes();
	}
	fprintf(stderr, "usage: probes write FD COUNT | badwrite FD | fault PAGES | uprobes|usdt TRACEFS\n");
	return 2;
}

#endif
