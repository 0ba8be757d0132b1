// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptregs scan: find BPF programs that read pt_regs at compile-time offsets,
 * in BPF objects, in executables that embed them (libbpf skeletons), and
 * in directories of either. Options and the exit status; the walk is in
 * scan_walk.c, the findings in scan_store.c, the output in scan_output.c.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ptregs/analysis.h>
#include "main.h"
#include "scan.h"

void help_scan(void)
{
	printf("Usage: %s scan [--from SOURCE] [--to SOURCE] [--all] [--strict]\n"
	       "                 [--sarif FILE] [-j|-p] PATH...\n"
	       "\n"
	       "Find BPF programs that read struct pt_regs at compile-time offsets, which\n"
	       "read another register once the layout changes. PATH is a BPF object, an\n"
	       "executable or library embedding BPF objects (libbpf skeletons), or a\n"
	       "directory searched recursively.\n"
	       "\n"
	       "  -f, --from SOURCE   layout the programs were built for (builtin:legacy)\n"
	       "  -t, --to SOURCE     layout of the kernel they will run on (builtin:pkrs)\n"
	       "  -a, --all           also list safe accesses (relocated, safe-abi, unchanged)\n"
	       "      --strict        suspect findings count as breaking for the exit status\n"
	       "      --sarif FILE    also write SARIF 2.1.0 to FILE\n"
	       "      --sarif-base DIR   SARIF file URIs relative to DIR (default: the\n"
	       "                      current directory), as uriBaseId SRCROOT\n"
	       "  -j, --json / -p, --pretty   JSON: {\"findings\": [...], \"summary\": {...}}\n"
	       "\n"
	       "Verdicts: breaks, suspect, fails-to-load, breaks-host-libbpf, unanalysed;\n"
	       "with --all also relocated, safe-abi, unchanged.\n"
	       "Exit status: 0 nothing breaks, 1 findings that break (or suspect ones\n"
	       "with --strict), 2 an input could not be read or analysed or an output not\n"
	       "written (it wins over 1), 3 usage error.\n",
	       bin_name);
}

int do_scan(int argc, char **argv)
{
	enum { OPT_STRICT = 256, OPT_SARIF, OPT_SARIF_BASE };
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "sarif", required_argument, NULL, OPT_SARIF },
		{ "sarif-base", required_argument, NULL, OPT_SARIF_BASE },
		COMMON_LONGOPTS,
		{ 0 }
	};
	const char *from = "builtin:legacy", *to = "builtin:pkrs", *sarif = NULL;
	const char *sarif_base = ".";
	struct scan s = { 0 };
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":f:t:a" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (common_opt(opt))
			continue;
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'a':
			s.all = true;
			break;
		case OPT_STRICT:
			s.strict = true;
			break;
		case OPT_SARIF:
			sarif = optarg;
			break;
		case OPT_SARIF_BASE:
			sarif_base = optarg;
			break;
		case 'h':
			help_scan();
			return EXIT_OK;
		default:
			return p_opt_err("scan", opt, argv);
		}
	}
	if (optind == argc) {
		p_err("scan: no PATH given (see '%s help scan')", bin_name);
		return EXIT_USAGE;
	}
	s.from = ptregs_layout_load(from, "pt_regs", NULL);
	if (!s.from) {
		p_lib_err(from);
		return EXIT_ERROR;
	}
	s.to = ptregs_layout_load(to, "pt_regs", NULL);
	if (!s.to) {
		p_lib_err(to);
		ptregs_layout_free(s.from);
		return EXIT_ERROR;
	}
	s.from_name = from;
	s.to_name = to;
	s.quiet_notices = json_output;
	for (int i = optind; i < argc; i++)
		scan_path(&s, argv[i]);
	if (!s.objects && !s.light_skeletons && !s.err_cnt)
		scan_error(&s, argv[optind], "no BPF object found in %s",
			   argc - optind == 1 ? "this path" : "any of the paths given");

	/* first, so that a failure is one of the errors the output reports */
	if (sarif)
		scan_write_sarif(&s, sarif, sarif_base);
	if (json_output)
		scan_print_json(&s);
	else
		scan_print_text(&s);

	if (s.err_cnt)
		ret = EXIT_ERROR;
	else if (s.verdicts[PTREGS_VERDICT_BREAKS] || s.verdicts[PTREGS_VERDICT_FAILS_TO_LOAD] ||
		 s.verdicts[PTREGS_VERDICT_BREAKS_HOST_LIBBPF] ||
		 (s.strict && s.verdicts[PTREGS_VERDICT_SUSPECT]))
		ret = EXIT_FINDINGS;
	else
		ret = EXIT_OK;
	scan_free(&s);
	ptregs_layout_free(s.from);
	ptregs_layout_free(s.to);
	return ret;
}
