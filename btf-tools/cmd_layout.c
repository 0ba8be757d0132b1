// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs layout: print one struct layout from BTF, DWARF or a built-in table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <ptregs/ptregs.h>
#include "format.h"
#include "main.h"

void help_layout(void)
{
	printf("Usage: %s layout [--struct NAME] [--dwarf] [--base FILE] [-j|-p] SOURCE\n"
	       "\n"
	       "Print the layout of a struct or union: each field (anonymous unions and\n"
	       "structs flattened) with its offset and size in bytes.\n"
	       "\n"
	       "  -s, --struct NAME   type to print (default pt_regs); 'struct X' or\n"
	       "                      'union X' to choose, a typedef name also works\n"
	       "  -d, --dwarf         read DWARF even when the ELF file has .BTF\n"
	       "  -b, --base FILE     base BTF for a split BTF SOURCE (a module's BTF)\n"
	       "  -j, --json          JSON: {\"struct\", \"size\", \"source\", \"fields\": [...]}\n"
	       "  -p, --pretty        pretty JSON\n"
	       "\n"
	       "SOURCE: a BTF file, an ELF file with .BTF or DWARF, or builtin:NAME.\n"
	       "Exit status: 0 printed, 2 error (input or output), 3 usage error.\n",
	       bin_name);
}

void print_layout_json(struct json_writer *w, const struct ptregs_layout *l);
void print_layout_json(struct json_writer *w, const struct ptregs_layout *l)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "struct", ptregs_layout_name(l));
	jsonw_string_field(w, "kind", ptregs_layout_is_union(l) ? "union" : "struct");
	jsonw_uint_field(w, "size", ptregs_layout_size(l));
	jsonw_string_field(w, "source", ptregs_layout_origin(l));
	jsonw_name(w, "fields");
	jsonw_start_array(w);
	for (size_t i = 0; i < ptregs_layout_field_cnt(l); i++) {
		const struct ptregs_field *f = ptregs_layout_field(l, i);

		jsonw_start_object(w);
		jsonw_string_field(w, "name", f->name);
		jsonw_uint_field(w, "offset", f->offset);
		jsonw_uint_field(w, "size", f->size);
		if (f->bit_size) {
			jsonw_uint_field(w, "bit_offset", f->bit_offset);
			jsonw_uint_field(w, "bit_size", f->bit_size);
		}
		if (f->type)
			jsonw_string_field(w, "type", f->type);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

static void print_layout_text(const struct ptregs_layout *l)
{
	size_t n = ptregs_layout_field_cnt(l), width = 5;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(ptregs_layout_field(l, i)->name);

		if (len > width)
			width = len;
	}
	printf("%s %s: %u bytes, %zu fields (%s)\n", ptregs_layout_is_union(l) ? "union" : "struct",
	       ptregs_layout_name(l), ptregs_layout_size(l), n, ptregs_layout_origin(l));
	printf("  %6s %5s  %-*s  %s\n", "offset", "size", (int)width, "field", "type");
	for (size_t i = 0; i < n; i++) {
		const struct ptregs_field *f = ptregs_layout_field(l, i);
		char off[32], sz[32];

		fmt_field_pos(off, sizeof(off), f->offset, f->bit_offset, f->bit_size);
		fmt_field_size(sz, sizeof(sz), f->size, f->bit_size);
		printf("  %6s %5s  %-*s  %s\n", off, sz, (int)width, f->name,
		       f->type ? f->type : "");
	}
}

int do_layout(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "struct", required_argument, NULL, 's' },
		{ "dwarf", no_argument, NULL, 'd' },
		{ "base", required_argument, NULL, 'b' },
		COMMON_LONGOPTS,
		{ 0 }
	};
	struct ptregs_open_opts oo = { .sz = sizeof(oo) };
	const char *name = "pt_regs";
	struct ptregs_layout *l;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":s:db:" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (common_opt(opt))
			continue;
		switch (opt) {
		case 's':
			name = optarg;
			break;
		case 'd':
			oo.force_dwarf = true;
			break;
		case 'b':
			oo.base_btf = optarg;
			break;
		case 'h':
			help_layout();
			return EXIT_OK;
		default:
			return p_opt_err("layout", opt, argv);
		}
	}
	if (argc - optind != 1) {
		p_err("layout: expected one SOURCE, got %d (see '%s help layout')", argc - optind,
		      bin_name);
		return EXIT_USAGE;
	}
	l = ptregs_layout_load(argv[optind], name, &oo);
	if (!l) {
		p_lib_err(argv[optind]);
		return EXIT_ERROR;
	}
	if (json_output) {
		struct json_writer *w = json_open();

		print_layout_json(w, l);
		jsonw_destroy(&w);
	} else {
		print_layout_text(l);
	}
	ptregs_layout_free(l);
	return EXIT_OK;
}
