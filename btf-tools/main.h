/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PTREGS_MAIN_H
#define PTREGS_MAIN_H

#include <stdbool.h>
#include "json_writer.h"

/*
 * One exit-status scheme for every subcommand (see ptregs(1)): 2 and 3
 * mean the same everywhere, results use the other values.
 */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,	/* scan: something breaks on the target kernel */
	EXIT_ERROR = 2,		/* an input unreadable, an output not written */
	EXIT_USAGE = 3,		/* bad options or arguments, global or not */
	EXIT_CHANGED = 4,	/* diff: changed compatibly */
	EXIT_INCOMPATIBLE = 8,	/* diff: or'ed with EXIT_CHANGED */
};

extern bool json_output;
extern bool pretty_output;
extern const char *bin_name;

/*
 * One line on stderr. Under -j, the first error of a command that printed
 * no JSON document becomes its document, {"error": ...}, at exit.
 */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error from libptregs: its message (and libbpf's last line), or a fallback. */
void p_lib_err(const char *what);
/* The JSON document of a command, on stdout. */
struct json_writer *json_open(void);
/* A getopt_long() error (optstring starting with ':'): a usage error. */
int p_opt_err(const char *cmd, int opt, char **argv);

/* Options every subcommand accepts; returns true when handled. */
bool common_opt(int opt);
/* Each command's optstring starts with ":" (see p_opt_err()) and ends with these. */
#define COMMON_SHORTOPTS "jph"
#define COMMON_LONGOPTS                                          \
	{ "json", no_argument, NULL, 'j' },                      \
	{ "pretty", no_argument, NULL, 'p' },                    \
	{ "help", no_argument, NULL, 'h' }

int do_layout(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_scan(int argc, char **argv);
int do_run(int argc, char **argv);
int do_check(int argc, char **argv);
int do_fix(int argc, char **argv);
void help_layout(void);
void help_diff(void);
void help_scan(void);
void help_run(void);
void help_check(void);
void help_fix(void);

#endif
