// SPDX-License-Identifier: GPL-2.0
/*
 * coreregs: the registers in an ELF core dump (NT_PRSTATUS) are the exact
 * user registers at the fault, for a 64-bit process and for an IA32 one.
 *
 * The child loads a distinct value into every GPR and executes ud2; the
 * kernel writes a core file (core_pattern is set to DIR/core.%p by the
 * caller, see tests.sh).  The parent finds NT_PRSTATUS in it and checks
 * every register, the instruction pointer (the ud2), cs and ss.
 *
 * Usage: coreregs DIR [CHILD32]
 * Output: one line per check; the last line starts with "detail:".
 * Exit status 0 when everything matched, 1 otherwise.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace-values.h"

static int failures;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("FAIL: " __VA_ARGS__);                       \
			printf("\n");                                       \
			failures++;                                         \
		}                                                           \
	} while (0)

extern void child64_ud2(void);
extern char child64_ud2_at[];

asm(".text\n"
    ".globl child64_ud2\n"
    "child64_ud2:\n"
    LOAD_V64_GPRS
    ".globl child64_ud2_at\n"
    "child64_ud2_at:\n"
    "	ud2\n");

/* The first NT_PRSTATUS note of a core file (64- or 32-bit ELF). */
static const unsigned char *find_prstatus(const unsigned char *buf,
					  size_t len, int *is64,
					  size_t *desc_len)
{
	uint64_t phoff;
	unsigned phnum, phentsize;

	if (len < sizeof(Elf32_Ehdr) || memcmp(buf, ELFMAG, SELFMAG))
		return NULL;
	*is64 = buf[EI_CLASS] == ELFCLASS64;
	if (*is64) {
		const Elf64_Ehdr *eh = (const void *)buf;

		if (eh->e_type != ET_CORE)
			return NULL;
		phoff = eh->e_phoff;
		phnum = eh->e_phnum;
		phentsize = eh->e_phentsize;
	} else {
		const Elf32_Ehdr *eh = (const void *)buf;

		if (eh->e_type != ET_CORE)
			return NULL;
		phoff = eh->e_phoff;
		phnum = eh->e_phnum;
		phentsize = eh->e_phentsize;
	}
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t off, size;
		uint32_t type;
		const unsigned char *ph = buf + phoff + (uint64_t)i * phentsize;

		if (phoff + (uint64_t)(i + 1) * phentsize > len)
			return NULL;
		if (*is64) {
			const Elf64_Phdr *p = (const void *)ph;

			type = p->p_type, off = p->p_offset, size = p->p_filesz;
		} else {
			const Elf32_Phdr *p = (const void *)ph;

			type = p->p_type, off = p->p_offset, size = p->p_filesz;
		}
		if (type != PT_NOTE || off + size > len)
			continue;
		for (uint64_t n = off; n + 12 <= off + size;) {
			const uint32_t *nh = (const void *)(buf + n);
			uint32_t namesz = nh[0], descsz = nh[1], ntype = nh[2];
			uint64_t desc = n + 12 + ((namesz + 3) & ~3u);

			if (desc + descsz > off + size)
				break;
			if (ntype == NT_PRSTATUS && namesz == 5 &&
			    !memcmp(buf + n + 12, "CORE", 5)) {
				*desc_len = descsz;
				return buf + desc;
			}
			n = desc + ((descsz + 3) & ~3u);
		}
	}
	return NULL;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0)
		return NULL;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

/* Wait for the SIGILL death with a core; return the core's contents. */
static unsigned char *reap(const char *what, pid_t pid, const char *dir,
			   size_t *len)
{
	char path[256];
	unsigned char *core;
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		printf("FAIL: %s: waitpid: %m\n", what);
		failures++;
		return NULL;
	}
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGILL ||
	    !WCOREDUMP(status)) {
		printf("FAIL: %s: child status %#x, expected SIGILL with a core dump\n",
		       what, status);
		failures++;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/core.%d", dir, (int)pid);
	core = read_file(path, len);
	if (!core) {	/* core_pattern "core" without core_uses_pid */
		snprintf(path, sizeof(path), "%s/core", dir);
		core = read_file(path, len);
	}
	if (!core) {
		printf("FAIL: %s: cannot read %s: %m\n", what, path);
		failures++;
		return NULL;
	}
	unlink(path);
	return core;
}

static void check64(const char *dir)
{
	const char *what = "core-64";
	size_t len, dlen;
	int is64;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_CORE, &rl);
		child64_ud2();
		_exit(3);
	}
	unsigned char *core = reap(what, pid, dir, &len);
	if (!core)
		return;
	const unsigned char *d = find_prstatus(core, len, &is64, &dlen);
	CHECK(d && is64 && dlen == sizeof(struct elf_prstatus),
	      "%s: no 64-bit NT_PRSTATUS of %zu bytes", what,
	      sizeof(struct elf_prstatus));
	if (d && is64 && dlen == sizeof(struct elf_prstatus)) {
		struct user_regs_struct r;

		memcpy(&r, d + offsetof(struct elf_prstatus, pr_reg), sizeof(r));
		const struct {
			const char *name;
			unsigned long long got, want;
		} exp[] = {
			{ "rax", r.rax, V64_RAX }, { "rbx", r.rbx, V64_RBX },
			{ "rcx", r.rcx, V64_RCX }, { "rdx", r.rdx, V64_RDX },
			{ "rsi", r.rsi, V64_RSI }, { "rdi", r.rdi, V64_RDI },
			{ "rbp", r.rbp, V64_RBP }, { "r8", r.r8, V64_R8 },
			{ "r9", r.r9, V64_R9 }, { "r10", r.r10, V64_R10 },
			{ "r11", r.r11, V64_R11 }, { "r12", r.r12, V64_R12 },
			{ "r13", r.r13, V64_R13 }, { "r14", r.r14, V64_R14 },
			{ "r15", r.r15, V64_R15 },
			{ "rip", r.rip, (unsigned long)child64_ud2_at },
			{ "orig_rax", r.orig_rax, ~0ULL },
			{ "cs", r.cs, 0x33 }, { "ss", r.ss, 0x2b },
		};
		for (size_t i = 0; i < sizeof(exp) / sizeof(exp[0]); i++)
			CHECK(exp[i].got == exp[i].want,
			      "%s: %s = %#llx, expected %#llx", what,
			      exp[i].name, exp[i].got, exp[i].want);
		CHECK(r.rsp != 0 && (r.eflags & 0x202) == 0x202,
		      "%s: implausible rsp %#llx or eflags %#llx", what, r.rsp,
		      r.eflags);
		printf("%s: %s (rip=%#llx rsp=%#llx)\n", what,
		       failures ? "MISMATCH" : "ok", r.rip, r.rsp);
	}
	free(core);
}

/* i386 struct elf_prstatus: pr_reg (17 x u32) at offset 72, size 144. */
#define PRSTATUS32_SIZE 144
#define PRSTATUS32_REG 72

static void check32(const char *dir, const char *child32)
{
	const char *what = "core-32";
	struct child32_info info;
	size_t len, dlen;
	int is64, fds[2], before = failures;

	if (pipe(fds) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_CORE, &rl);
		close(fds[0]);
		dup2(fds[1], 3);
		execl(child32, child32, "ud2", (char *)NULL);
		_exit(5);
	}
	close(fds[1]);
	unsigned char *core = reap(what, pid, dir, &len);
	int got_info = read(fds[0], &info, sizeof(info)) == sizeof(info);
	close(fds[0]);
	if (!core)
		return;
	CHECK(got_info, "%s: no information from the child", what);
	const unsigned char *d = find_prstatus(core, len, &is64, &dlen);
	CHECK(d && !is64 && dlen == PRSTATUS32_SIZE,
	      "%s: no 32-bit NT_PRSTATUS of %d bytes", what, PRSTATUS32_SIZE);
	if (got_info && d && !is64 && dlen == PRSTATUS32_SIZE) {
		uint32_t r[17];

		memcpy(r, d + PRSTATUS32_REG, sizeof(r));
		/* ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs
		 * eflags esp ss */
		const struct {
			const char *name;
			int idx;
			uint32_t want;
		} exp[] = {
			{ "ebx", 0, V32_EBX }, { "ecx", 1, V32_ECX },
			{ "edx", 2, V32_EDX }, { "esi", 3, V32_ESI },
			{ "edi", 4, V32_EDI }, { "ebp", 5, V32_EBP },
			{ "eax", 6, V32_EAX }, { "orig_eax", 11, 0xffffffff },
			{ "eip", 12, info.after }, { "cs", 13, 0x23 },
			{ "ss", 16, 0x2b },
		};
		for (size_t i = 0; i < sizeof(exp) / sizeof(exp[0]); i++)
			CHECK(r[exp[i].idx] == exp[i].want,
			      "%s: %s = %#x, expected %#x", what, exp[i].name,
			      r[exp[i].idx], exp[i].want);
		printf("%s: %s (eip=%#x esp=%#x)\n", what,
		       failures == before ? "ok" : "MISMATCH", r[12], r[15]);
	}
	free(core);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: coreregs DIR [CHILD32]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check64(argv[1]);
	if (argc > 2)
		check32(argv[1], argv[2]);
	printf("detail: %s: NT_PRSTATUS of a ud2 core dump%s\n",
	       failures ? "mismatches" : "all registers exact",
	       argc > 2 ? ", 64-bit and IA32" : ", 64-bit");
	return failures ? 1 : 0;
}
