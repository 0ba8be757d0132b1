// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs: find and fix the consumers of the x86_64 pt_regs layout. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <ptregs/ptregs.h>
#include "main.h"

bool json_output;
bool pretty_output;
const char *bin_name = "ptregs";
/* a command's JSON document reached stdout */
static bool json_doc_started;
/* the first error of the command, for {"error": ...} under -j */
static char first_err[1024];
/* libbpf's last message line: its reason for refusing an input */
static char libbpf_last[512];
static bool libbpf_debug;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	void (*help)(void);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "layout", do_layout, help_layout, "print the layout of pt_regs or any struct" },
	{ "diff", do_diff, help_diff, "compare layouts between two sources" },
	{ "scan", do_scan, help_scan, "find BPF programs that read pt_regs at fixed offsets" },
	{ "fix", do_fix, help_fix, "rewrite BPF objects to read the right registers" },
	{ "run", do_run, help_run, "run a command with its BPF offsets translated at bpf()" },
	{ "check", do_check, help_check, "check this machine against a new kernel: files, packages, running programs" },
};

void p_err(const char *fmt, ...)
{
	char buf[sizeof(first_err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", bin_name, buf);
	if (!first_err[0])
		memcpy(first_err, buf, sizeof(first_err));
}

void p_lib_err(const char *what)
{
	const char *m = ptregs_errmsg();
	const char *lb = libbpf_last;

	if (strncmp(lb, "libbpf: ", 8) == 0)
		lb += 8;
	if (!m || !*m)
		p_err("%s: %s", what, strerror(errno));
	else if (*lb && !strstr(m, lb))
		p_err("%s (libbpf: %s)", m, lb);
	else
		p_err("%s", m);
	libbpf_last[0] = '\0';
}

int p_opt_err(const char *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (opt == ':')
		p_err("%s: option '%s' needs an argument (see '%s help %s')", cmd, arg, bin_name,
		      cmd);
	else if (strncmp(arg, "--", 2) != 0 && optopt)
		p_err("%s: unknown option '-%c' (see '%s help %s')", cmd, optopt, bin_name, cmd);
	else if (optopt)
		p_err("%s: option '%.*s' takes no argument (see '%s help %s')", cmd,
		      (int)strcspn(arg, "="), arg, bin_name, cmd);
	else
		p_err("%s: unknown option '%s' (see '%s help %s')", cmd, arg, bin_name, cmd);
	return EXIT_USAGE;
}

struct json_writer *json_open(void)
{
	struct json_writer *w = jsonw_new(stdout, pretty_output);

	if (!w) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(EXIT_ERROR);
	}
	json_doc_started = true;
	return w;
}

bool common_opt(int opt)
{
	switch (opt) {
	case 'j':
		json_output = true;
		return true;
	case 'p':
		json_output = pretty_output = true;
		return true;
	}
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS...]\n"
		"       %s help [COMMAND]\n"
		"\n"
		"Find and fix the consumers of the x86_64 struct pt_regs layout.\n"
		"\n"
		"Commands:\n",
		bin_name, bin_name);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -j, --json      JSON output\n"
		"  -p, --pretty    pretty-printed JSON output (implies -j)\n"
		"  -h, --help      this help; '%s help COMMAND' for a command\n"
		"  -V, --version   print the version\n"
		"\n"
		"Layout sources: a BTF file (/sys/kernel/btf/vmlinux), an ELF file with\n"
		"  .BTF or DWARF, or builtin:NAME, one of:\n",
		bin_name);
	for (const char *const *n = ptregs_builtin_names(); *n; n++)
		fprintf(f, "    builtin:%-8s %s\n", *n, ptregs_builtin_description(*n));
	fprintf(f, "\nSee ptregs(1) for exit statuses and examples.\n");
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		p_err("unknown command '%s' (see '%s --help')", argv[1], bin_name);
		return EXIT_USAGE;
	}
	c->help();
	return EXIT_OK;
}

/*
 * The command owns libbpf's process-wide print callback: it keeps libbpf's
 * last line, which p_lib_err() adds to the library's error (libbpf says
 * why it refuses a BTF file only at debug level), and prints everything
 * with PTREGS_DEBUG set.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof(libbpf_last)];
	size_t n;
	va_list copy;

	(void)level;
	if (libbpf_debug) {
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n)
		memcpy(libbpf_last, line, sizeof(libbpf_last));
	return 0;
}

/* stdout is the command's result: a failed write is a failed command. */
static int finish(int ret)
{
	int err = 0;

	if (json_output && !json_doc_started && first_err[0]) {
		struct json_writer *w = jsonw_new(stdout, pretty_output);

		if (w) {
			jsonw_start_object(w);
			jsonw_string_field(w, "error", first_err);
			jsonw_end_object(w);
			jsonw_destroy(&w);
		}
	}
	if (fflush(stdout) != 0)
		err = errno;
	if (ferror(stdout) || fclose(stdout) != 0 || err) {
		fprintf(stderr, "%s: standard output: %s\n", bin_name,
			err ? strerror(err) : "write error");
		return EXIT_ERROR;
	}
	return ret;
}

static int run(int argc, char **argv)
{
	const struct cmd *c;
	int i;

	/* global options before the command */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json_output = pretty_output = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			if (json_output)
				printf("{\"version\":\"%s\"}\n", ptregs_version());
			else
				printf("%s %s\n", bin_name, ptregs_version());
			return EXIT_OK;
		} else {
			p_err("unknown option '%s' (see '%s --help')", a, bin_name);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		p_err("no command (see '%s --help')", bin_name);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return do_help(argc - i, argv + i);
	c = find_cmd(argv[i]);
	if (!c) {
		p_err("unknown command '%s' (see '%s --help')", argv[i], bin_name);
		return EXIT_USAGE;
	}
	return c->fn(argc - i, argv + i);
}

int main(int argc, char **argv)
{
	libbpf_debug = getenv("PTREGS_DEBUG") != NULL;
	libbpf_set_print(libbpf_print);
	/* getopt's own messages would name argv[0]: p_opt_err() speaks instead */
	opterr = 0;
	return finish(run(argc, argv));
}
