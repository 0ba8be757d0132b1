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
bool json_doc_open;
char last_err[1024];

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
};

void p_err(const char *fmt, ...)
{
	char *buf = last_err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(last_err), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", bin_name, buf);
	if (json_output && !json_doc_open) {
		struct json_writer *w = jsonw_new(stdout, pretty_output);

		if (w) {
			jsonw_start_object(w);
			jsonw_string_field(w, "error", buf);
			jsonw_end_object(w);
			jsonw_destroy(&w);
		}
	}
}

void p_lib_err(const char *what)
{
	const char *m = ptregs_errmsg();

	if (m && *m)
		p_err("%s", m);
	else
		p_err("%s: %s", what, strerror(errno));
}

struct json_writer *json_open(void)
{
	struct json_writer *w = jsonw_new(stdout, pretty_output);

	if (!w) {
		fprintf(stderr, "%s: out of memory\n", bin_name);
		exit(EXIT_ERROR);
	}
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

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int i;

	/* libbpf's own warnings about a bad input would duplicate ours */
	if (!getenv("PTREGS_DEBUG"))
		libbpf_set_print(libbpf_quiet);

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
		usage(stderr);
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
