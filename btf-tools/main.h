/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PTREGS_MAIN_H
#define PTREGS_MAIN_H

#include <stdbool.h>
#include "json_writer.h"

/* Exit statuses shared by the subcommands (see ptregs(1)). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_CHANGED = 4,
	EXIT_INCOMPATIBLE = 8,	/* or'ed with EXIT_CHANGED */
};

extern bool json_output;
extern bool pretty_output;
extern const char *bin_name;
/* A JSON document is open on stdout: p_err() keeps the message for it. */
extern bool json_doc_open;
extern char last_err[1024];

/* One line on stderr (and {"error": ...} on stdout under -j). */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error from libptregs: its message, or a fallback. */
void p_lib_err(const char *what);
struct json_writer *json_open(void);

/* Options every subcommand accepts; returns true when handled. */
bool common_opt(int opt);
#define COMMON_SHORTOPTS "jph"
#define COMMON_LONGOPTS                                          \
	{ "json", no_argument, NULL, 'j' },                      \
	{ "pretty", no_argument, NULL, 'p' },                    \
	{ "help", no_argument, NULL, 'h' }

int do_layout(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_scan(int argc, char **argv);
void help_layout(void);
void help_diff(void);
void help_scan(void);

#endif
