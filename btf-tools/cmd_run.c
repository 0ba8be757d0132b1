// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs run: run a command with libptregs-preload.so, which translates
 * the pt_regs offsets of its BPF programs and libbpf USDT specs at the
 * bpf() system call. The settings travel in PTREGS_RUN_* variables.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <ptregs/ptregs.h>
#include <ptregs/runtime.h>
#include "main.h"

#ifndef PTREGS_LIBDIR
#define PTREGS_LIBDIR "/usr/local/lib"
#endif
#define PRELOAD_NAME "libptregs-preload.so"

void help_run(void)
{
	printf("Usage: %s run [--from SOURCE] [--to SOURCE] [--policy auto|all|none]\n"
	       "           [--programs NAME,...] [--on-unanalysed refuse|pass] [--log FILE]\n"
	       "           -- CMD [ARGS...]\n"
	       "\n"
	       "Run CMD with %s preloaded: the BPF programs it loads for the\n"
	       "source layout of struct pt_regs read the same registers on the target\n"
	       "layout. At the bpf() system call (through glibc's syscall()), kprobe,\n"
	       "uprobe and USDT programs have their context offsets rewritten, and\n"
	       "libbpf's USDT spec map updates have their register offsets translated.\n"
	       "\n"
	       "  -f, --from SOURCE      layout the programs were built for\n"
	       "                         (default builtin:legacy)\n"
	       "  -t, --to SOURCE        layout to translate to (default: the running\n"
	       "                         kernel's, %s, or builtin:%s)\n"
	       "  -P, --policy POLICY    auto: translate programs whose BTF shows UAPI\n"
	       "                         register names, no struct pt_regs, or that have no\n"
	       "                         BTF; leave those with kernel names (CO-RE). all:\n"
	       "                         every kprobe-type program. none: only --programs\n"
	       "  -n, --programs LIST    names of programs to translate whatever their BTF\n"
	       "                         (comma-separated; the kernel keeps 15 characters)\n"
	       "  -u, --on-unanalysed A  refuse (default): a program with an access the\n"
	       "                         analysis cannot follow fails to load (EINVAL) with a\n"
	       "                         message; pass: it is loaded untranslated\n"
	       "  -l, --log FILE         append one line per translated program, rewritten\n"
	       "                         access and USDT argument\n"
	       "  -j, --json             errors as JSON on stdout\n"
	       "\n"
	       "Messages from inside CMD start with 'ptregs-run:'. Exit status: CMD's;\n"
	       "2 when CMD cannot run with the preload (not found, statically linked,\n"
	       "setuid or setgid, a layout or the log unusable), 3 usage error.\n",
	       bin_name, PRELOAD_NAME, PTREGS_KERNEL_BTF, PTREGS_KERNEL_FALLBACK);
}

/* CMD as execv() will run it: a path, or found in PATH. */
static char *find_cmd_path(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return access(cmd, F_OK) == 0 ? strdup(cmd) : NULL;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		int len = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)n, n ? path : ".",
				   "/", cmd);

		if (len > 0 && (size_t)len < sizeof(buf) && access(buf, X_OK) == 0)
			return strdup(buf);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* 1 when the ELF executable PATH has a PT_INTERP, 0 when not, -1 when not ELF. */
static int has_interp(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	ret = 0;
	for (unsigned int i = 0; i < eh.e_phnum && i < 4096; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP) {
			ret = 1;
			break;
		}
	}
out:
	close(fd);
	return ret;
}

/* Next to this executable, in ../lib/ptregs from it, or where make install put it. */
static char *find_preload(void)
{
	char exe[PATH_MAX], buf[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, sizeof(buf), "%s/%s", exe, PRELOAD_NAME);
			if (access(buf, R_OK) == 0)
				return strdup(buf);
			snprintf(buf, sizeof(buf), "%s/../lib/ptregs/%s", exe, PRELOAD_NAME);
			if (access(buf, R_OK) == 0)
				return realpath(buf, NULL);
		}
	}
	snprintf(buf, sizeof(buf), "%s/ptregs/%s", PTREGS_LIBDIR, PRELOAD_NAME);
	return access(buf, R_OK) == 0 ? strdup(buf) : NULL;
}

static bool layout_usable(const char *what, const char *spec)
{
	struct ptregs_layout *l;

	if (!spec) {
		if (ptregs_kernel_layout())
			return true;
		p_lib_err(what);
		return false;
	}
	l = ptregs_layout_load(spec, "pt_regs", NULL);
	if (!l) {
		p_lib_err(what);
		return false;
	}
	ptregs_layout_free(l);
	return true;
}

/*
 * The built-in layout the running kernel's is, field by field, or NULL: the
 * preload then takes that instead of parsing the kernel's BTF again in every
 * process it starts in (a few MB: about a second under emulation).
 */
static const char *kernel_as_builtin(char *buf, size_t len)
{
	const struct ptregs_layout *k = ptregs_kernel_layout();
	const char *const *names = ptregs_builtin_names();

	for (size_t i = 0; k && names && names[i]; i++) {
		struct ptregs_layout *b;
		struct ptregs_diff *d = NULL;
		bool same;

		snprintf(buf, len, "builtin:%s", names[i]);
		b = ptregs_layout_load(buf, "pt_regs", NULL);
		if (b)
			d = ptregs_layout_diff(k, b);
		same = d && ptregs_diff_compat(d) == PTREGS_COMPAT_SAME;
		ptregs_diff_free(d);
		ptregs_layout_free(b);
		if (same)
			return buf;
	}
	return NULL;
}

static int set_env(const char *name, const char *value)
{
	return setenv(name, value ? value : "", 1);
}

int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "policy", required_argument, NULL, 'P' },
		{ "programs", required_argument, NULL, 'n' },
		{ "on-unanalysed", required_argument, NULL, 'u' },
		{ "log", required_argument, NULL, 'l' },
		COMMON_LONGOPTS,
		{ 0 },
	};
	const char *from = "builtin:legacy", *to = NULL, *policy = "auto", *programs = "";
	const char *unanalysed = "refuse", *log = NULL;
	char *cmd = NULL, *preload = NULL, *ld = NULL, logabs[PATH_MAX * 2], kas[64];
	const char *old_ld;
	struct stat st;
	int opt, interp;

	while ((opt = getopt_long(argc, argv, "+:f:t:P:n:u:l:" COMMON_SHORTOPTS, opts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'P':
			policy = optarg;
			break;
		case 'n':
			programs = optarg;
			break;
		case 'u':
			unanalysed = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'h':
			help_run();
			return EXIT_OK;
		default:
			if (common_opt(opt))
				break;
			return p_opt_err("run", opt, argv);
		}
	}
	if (strcmp(policy, "auto") != 0 && strcmp(policy, "all") != 0 &&
	    strcmp(policy, "none") != 0) {
		p_err("run: --policy must be auto, all or none, not '%s'", policy);
		return EXIT_USAGE;
	}
	if (strcmp(unanalysed, "refuse") != 0 && strcmp(unanalysed, "pass") != 0) {
		p_err("run: --on-unanalysed must be refuse or pass, not '%s'", unanalysed);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		p_err("run: no command (see '%s help run')", bin_name);
		return EXIT_USAGE;
	}
	if (!layout_usable("run: --from", from) ||
	    !layout_usable(to ? "run: --to" : "run: the running kernel's layout", to))
		return EXIT_ERROR;

	cmd = find_cmd_path(argv[optind]);
	if (!cmd) {
		p_err("run: %s: command not found", argv[optind]);
		return EXIT_ERROR;
	}
	if (stat(cmd, &st) != 0) {
		p_err("run: %s: %s", cmd, strerror(errno));
		goto err;
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		p_err("run: %s is set%cid: the dynamic loader would ignore the preload, so its "
		      "programs could not be translated", cmd, st.st_mode & S_ISUID ? 'u' : 'g');
		goto err;
	}
	interp = has_interp(cmd);
	if (interp == 0) {
		p_err("run: %s is statically linked: nothing can be preloaded into it, so its "
		      "programs could not be translated", cmd);
		goto err;
	}
	preload = find_preload();
	if (!preload) {
		p_err("run: %s not found next to %s nor in %s/ptregs", PRELOAD_NAME, bin_name,
		      PTREGS_LIBDIR);
		goto err;
	}
	if (log) {
		int fd;

		if (log[0] != '/') {
			char cwd[PATH_MAX];

			if (!getcwd(cwd, sizeof(cwd))) {
				p_err("run: --log %s: %s", log, strerror(errno));
				goto err;
			}
			snprintf(logabs, sizeof(logabs), "%s/%s", cwd, log);
			log = logabs;
		}
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			p_err("run: --log %s: %s", log, strerror(errno));
			goto err;
		}
		close(fd);
	}
	old_ld = getenv("LD_PRELOAD");
	if (old_ld && *old_ld) {
		size_t n = strlen(old_ld) + strlen(preload) + 2;

		ld = malloc(n);
		if (!ld) {
			p_err("run: out of memory");
			goto err;
		}
		snprintf(ld, n, "%s:%s", old_ld, preload);
	}
	if (set_env("LD_PRELOAD", ld ? ld : preload) || set_env("PTREGS_RUN_FROM", from) ||
	    set_env("PTREGS_RUN_TO", to ? to : "kernel") ||
	    set_env("PTREGS_RUN_KERNEL_AS", to ? NULL : kernel_as_builtin(kas, sizeof(kas))) ||
	    set_env("PTREGS_RUN_POLICY", policy) ||
	    set_env("PTREGS_RUN_PROGRAMS", programs) ||
	    set_env("PTREGS_RUN_ON_UNANALYSED", unanalysed) ||
	    (log ? setenv("PTREGS_RUN_LOG", log, 1) : unsetenv("PTREGS_RUN_LOG"))) {
		p_err("run: setting the environment: %s", strerror(errno));
		goto err;
	}
	fflush(NULL);
	execv(cmd, argv + optind);
	p_err("run: %s: %s", cmd, strerror(errno));
err:
	free(ld);
	free(preload);
	free(cmd);
	return EXIT_ERROR;
}
