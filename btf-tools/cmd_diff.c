// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptregs diff: what changed in a layout between two sources. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ptregs/ptregs.h>
#include "format.h"
#include "main.h"

void help_diff(void)
{
	printf("Usage: %s diff [--struct NAME | --all] [--dwarf] [--base FILE] [-q] [-j|-p] OLD NEW\n"
	       "\n"
	       "Compare a struct between two layout sources: fields added, removed, moved\n"
	       "(old and new offset) and resized, and the size change. A change is\n"
	       "incompatible when a field moved, or shrank or vanished without another\n"
	       "field keeping its old bytes at the same offset (as FRED's csx keeps the\n"
	       "8-byte cs slot), or when the struct shrank.\n"
	       "\n"
	       "  -s, --struct NAME   type to compare (default pt_regs)\n"
	       "  -a, --all           compare every named struct and union, by name\n"
	       "  -d, --dwarf         read DWARF even when an ELF file has .BTF\n"
	       "  -b, --base FILE     base BTF for split BTF sources (both)\n"
	       "      --old-base FILE, --new-base FILE   base BTF for one side\n"
	       "  -q, --quiet         print nothing; only the exit status\n"
	       "  -j, --json / -p, --pretty   JSON output\n"
	       "\n"
	       "Exit status: 0 no change, 2 error (input or output), 3 usage error,\n"
	       "4 changed compatibly, 12 changed incompatibly (4|8, as abidiff).\n"
	       "Nothing is printed on standard output when the comparison fails.\n",
	       bin_name);
}

struct diff_stats {
	size_t compared, same, compatible, incompatible, added, removed;
};

static void print_change_text(FILE *out, const struct ptregs_change *c, int width)
{
	char op[32], np[32], os[32], ns[32];

	fmt_field_pos(op, sizeof(op), c->old_offset, c->old_bit_offset, c->old_bit_size);
	fmt_field_pos(np, sizeof(np), c->new_offset, c->new_bit_offset, c->new_bit_size);
	fmt_field_size(os, sizeof(os), c->old_size, c->old_bit_size);
	fmt_field_size(ns, sizeof(ns), c->new_size, c->new_bit_size);
	fprintf(out, "  %-8s %-*s  ", ptregs_change_kind_str(c->kind), width, c->name);
	switch (c->kind) {
	case PTREGS_CHANGE_ADDED:
		fprintf(out, "offset %s, size %s", np, ns);
		break;
	case PTREGS_CHANGE_REMOVED:
		fprintf(out, "was offset %s, size %s", op, os);
		break;
	case PTREGS_CHANGE_MOVED:
		fprintf(out, "offset %s -> %s", op, np);
		if (strcmp(os, ns) != 0)
			fprintf(out, ", size %s -> %s", os, ns);
		else
			fprintf(out, ", size %s", ns);
		break;
	case PTREGS_CHANGE_RESIZED:
		fprintf(out, "offset %s, size %s -> %s", np, os, ns);
		break;
	}
	if (c->now_at_old)
		fprintf(out, "; a read at %s now gets %s", op, c->now_at_old);
	if (c->kept_by)
		fprintf(out, " (old slot kept by %s)", c->kept_by);
	else if (c->incompatible && c->kind != PTREGS_CHANGE_MOVED)
		fprintf(out, " (old slot lost)");
	fputc('\n', out);
}

static void print_diff_text(FILE *out, const struct ptregs_diff *d, const char *kind)
{
	int width = 5;
	size_t counts[5] = { 0 };

	for (size_t i = 0; i < ptregs_diff_change_cnt(d); i++) {
		int len = (int)strlen(ptregs_diff_change(d, i)->name);

		if (len > width)
			width = len;
		counts[ptregs_diff_change(d, i)->kind]++;
	}
	fprintf(out, "%s %s: ", kind, ptregs_diff_name(d));
	if (ptregs_diff_old_size(d) != ptregs_diff_new_size(d))
		fprintf(out, "size %u -> %u (%+lld)", ptregs_diff_old_size(d), ptregs_diff_new_size(d),
		       (long long)ptregs_diff_new_size(d) - ptregs_diff_old_size(d));
	else
		fprintf(out, "size %u", ptregs_diff_new_size(d));
	fprintf(out, ", %s\n", ptregs_diff_compat(d) == PTREGS_COMPAT_INCOMPATIBLE ? "changed incompatibly" :
	       ptregs_diff_compat(d) == PTREGS_COMPAT_COMPATIBLE ? "changed compatibly" : "unchanged");
	for (size_t i = 0; i < ptregs_diff_change_cnt(d); i++)
		print_change_text(out, ptregs_diff_change(d, i), width);
	if (ptregs_diff_change_cnt(d)) {
		const char *sep = "  (";

		for (int k = PTREGS_CHANGE_ADDED; k <= PTREGS_CHANGE_RESIZED; k++) {
			if (!counts[k])
				continue;
			fprintf(out, "%s%zu %s", sep, counts[k], ptregs_change_kind_str(k));
			sep = ", ";
		}
		fprintf(out, ")\n");
	}
}

static void json_change(struct json_writer *w, const struct ptregs_change *c)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "change", ptregs_change_kind_str(c->kind));
	jsonw_string_field(w, "name", c->name);
	if (c->kind != PTREGS_CHANGE_ADDED) {
		jsonw_uint_field(w, "old_offset", c->old_offset);
		jsonw_uint_field(w, "old_size", c->old_size);
		if (c->old_bit_size) {
			jsonw_uint_field(w, "old_bit_offset", c->old_bit_offset);
			jsonw_uint_field(w, "old_bit_size", c->old_bit_size);
		}
	}
	if (c->kind != PTREGS_CHANGE_REMOVED) {
		jsonw_uint_field(w, "new_offset", c->new_offset);
		jsonw_uint_field(w, "new_size", c->new_size);
		if (c->new_bit_size) {
			jsonw_uint_field(w, "new_bit_offset", c->new_bit_offset);
			jsonw_uint_field(w, "new_bit_size", c->new_bit_size);
		}
	}
	if (c->kept_by)
		jsonw_string_field(w, "kept_by", c->kept_by);
	if (c->now_at_old)
		jsonw_string_field(w, "now_at_old_offset", c->now_at_old);
	jsonw_bool_field(w, "incompatible", c->incompatible);
	jsonw_end_object(w);
}

static void json_diff(struct json_writer *w, const struct ptregs_diff *d, const char *kind)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "struct", ptregs_diff_name(d));
	jsonw_string_field(w, "kind", kind);
	jsonw_uint_field(w, "old_size", ptregs_diff_old_size(d));
	jsonw_uint_field(w, "new_size", ptregs_diff_new_size(d));
	jsonw_string_field(w, "verdict", ptregs_compat_str(ptregs_diff_compat(d)));
	jsonw_name(w, "changes");
	jsonw_start_array(w);
	for (size_t i = 0; i < ptregs_diff_change_cnt(d); i++)
		json_change(w, ptregs_diff_change(d, i));
	jsonw_end_array(w);
	jsonw_end_object(w);
}

struct diff_ctx {
	struct ptregs_source *old_src, *new_src;
	/* the output, held back until every comparison succeeded */
	FILE *out;
	char *out_buf;
	size_t out_len;
	struct json_writer *w;
	bool quiet;
	struct diff_stats st;
	enum ptregs_compat worst;
};

/* Compare one type present on both sides; NAME may carry "struct "/"union ". */
static int diff_one(struct diff_ctx *c, const char *name, bool print_same)
{
	struct ptregs_layout *o, *n;
	struct ptregs_diff *d;
	const char *kind;

	o = ptregs_source_layout(c->old_src, name);
	if (!o) {
		p_lib_err(name);
		return -1;
	}
	n = ptregs_source_layout(c->new_src, name);
	if (!n) {
		p_lib_err(name);
		ptregs_layout_free(o);
		return -1;
	}
	d = ptregs_layout_diff(o, n);
	if (!d) {
		p_lib_err(name);
		ptregs_layout_free(o);
		ptregs_layout_free(n);
		return -1;
	}
	kind = ptregs_layout_is_union(n) ? "union" : "struct";
	c->st.compared++;
	if (ptregs_diff_compat(d) == PTREGS_COMPAT_SAME)
		c->st.same++;
	else if (ptregs_diff_compat(d) == PTREGS_COMPAT_COMPATIBLE)
		c->st.compatible++;
	else
		c->st.incompatible++;
	if (ptregs_diff_compat(d) > c->worst)
		c->worst = ptregs_diff_compat(d);
	if (!c->quiet && (print_same || ptregs_diff_compat(d) != PTREGS_COMPAT_SAME)) {
		if (c->w)
			json_diff(c->w, d, kind);
		else
			print_diff_text(c->out, d, kind);
	}
	ptregs_diff_free(d);
	ptregs_layout_free(n);
	ptregs_layout_free(o);
	return 0;
}

static int diff_all(struct diff_ctx *c, const char **added, const char **removed,
		    size_t *nadded, size_t *nremoved)
{
	const char *const *on, *const *nn;
	size_t oc, nc, i = 0, j = 0;

	if (ptregs_source_types(c->old_src, &on, &oc) ||
	    ptregs_source_types(c->new_src, &nn, &nc)) {
		p_lib_err("types");
		return -1;
	}
	*nadded = *nremoved = 0;
	while (i < oc || j < nc) {
		int r = i == oc ? 1 : j == nc ? -1 : strcmp(on[i], nn[j]);

		if (r < 0) {
			removed[(*nremoved)++] = on[i++];
		} else if (r > 0) {
			added[(*nadded)++] = nn[j++];
		} else {
			if (diff_one(c, on[i], false))
				return -1;
			i++;
			j++;
		}
	}
	return 0;
}

static void print_type_list(struct diff_ctx *c, const char *label, const char **v, size_t n)
{
	if (c->quiet)
		return;
	if (c->w) {
		jsonw_name(c->w, label);
		jsonw_start_array(c->w);
		for (size_t i = 0; i < n; i++)
			jsonw_string(c->w, v[i]);
		jsonw_end_array(c->w);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(c->out, "%s %s\n", strcmp(label, "added_types") ? "removed" : "added  ",
			v[i]);
}

int do_diff(int argc, char **argv)
{
	enum { OPT_OLD_BASE = 256, OPT_NEW_BASE };
	static const struct option opts[] = {
		{ "struct", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "dwarf", no_argument, NULL, 'd' },
		{ "base", required_argument, NULL, 'b' },
		{ "old-base", required_argument, NULL, OPT_OLD_BASE },
		{ "new-base", required_argument, NULL, OPT_NEW_BASE },
		{ "quiet", no_argument, NULL, 'q' },
		COMMON_LONGOPTS,
		{ 0 }
	};
	struct ptregs_open_opts oo = { .sz = sizeof(oo) }, no = { .sz = sizeof(no) };
	struct diff_ctx c = { 0 };
	const char *name = NULL, **added = NULL, **removed = NULL;
	size_t nadded = 0, nremoved = 0;
	bool all = false;
	int opt, ret = EXIT_ERROR;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":s:adb:q" COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (common_opt(opt))
			continue;
		switch (opt) {
		case 's':
			name = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'd':
			oo.force_dwarf = no.force_dwarf = true;
			break;
		case 'b':
			oo.base_btf = no.base_btf = optarg;
			break;
		case OPT_OLD_BASE:
			oo.base_btf = optarg;
			break;
		case OPT_NEW_BASE:
			no.base_btf = optarg;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'h':
			help_diff();
			return EXIT_OK;
		default:
			return p_opt_err("diff", opt, argv);
		}
	}
	if (all && name) {
		p_err("diff: --struct and --all exclude each other");
		return EXIT_USAGE;
	}
	if (argc - optind != 2) {
		p_err("diff: expected OLD and NEW sources, got %d argument(s) (see '%s help diff')",
		      argc - optind, bin_name);
		return EXIT_USAGE;
	}
	oo.no_types = no.no_types = true;
	c.old_src = ptregs_source_open(argv[optind], &oo);
	if (!c.old_src) {
		p_lib_err(argv[optind]);
		return EXIT_ERROR;
	}
	c.new_src = ptregs_source_open(argv[optind + 1], &no);
	if (!c.new_src) {
		p_lib_err(argv[optind + 1]);
		goto out;
	}
	c.out = open_memstream(&c.out_buf, &c.out_len);
	if (!c.out) {
		p_err("%s", strerror(errno));
		goto out;
	}
	if (json_output && !c.quiet) {
		c.w = jsonw_new(c.out, pretty_output);
		if (!c.w) {
			p_err("out of memory");
			goto out;
		}
		jsonw_start_object(c.w);
		jsonw_string_field(c.w, "old", ptregs_source_name(c.old_src));
		jsonw_string_field(c.w, "new", ptregs_source_name(c.new_src));
		jsonw_name(c.w, "types");
		jsonw_start_array(c.w);
	} else if (!c.quiet) {
		fprintf(c.out, "--- %s\n+++ %s\n", ptregs_source_name(c.old_src),
			ptregs_source_name(c.new_src));
	}

	if (all) {
		const char *const *tn;
		size_t ocnt, ncnt;

		if (ptregs_source_types(c.old_src, &tn, &ocnt) ||
		    ptregs_source_types(c.new_src, &tn, &ncnt)) {
			p_lib_err("types");
			goto out;
		}
		added = calloc(ncnt + 1, sizeof(*added));
		removed = calloc(ocnt + 1, sizeof(*removed));
		if (!added || !removed) {
			p_err("out of memory");
			goto out;
		}
		if (diff_all(&c, added, removed, &nadded, &nremoved))
			goto out;
	} else if (diff_one(&c, name ? name : "pt_regs", true)) {
		goto out;
	}

	c.st.added = nadded;
	c.st.removed = nremoved;
	if (c.worst == PTREGS_COMPAT_SAME && (nadded || nremoved))
		c.worst = PTREGS_COMPAT_COMPATIBLE;
	if (c.w) {
		jsonw_end_array(c.w);
		if (all) {
			print_type_list(&c, "added_types", added, nadded);
			print_type_list(&c, "removed_types", removed, nremoved);
		}
		jsonw_name(c.w, "summary");
		jsonw_start_object(c.w);
		jsonw_uint_field(c.w, "compared", c.st.compared);
		jsonw_uint_field(c.w, "unchanged", c.st.same);
		jsonw_uint_field(c.w, "compatible", c.st.compatible);
		jsonw_uint_field(c.w, "incompatible", c.st.incompatible);
		jsonw_uint_field(c.w, "added", c.st.added);
		jsonw_uint_field(c.w, "removed", c.st.removed);
		jsonw_end_object(c.w);
		jsonw_string_field(c.w, "verdict", ptregs_compat_str(c.worst));
		jsonw_end_object(c.w);
		jsonw_destroy(&c.w);
	} else if (!c.quiet) {
		if (all) {
			print_type_list(&c, "added_types", added, nadded);
			print_type_list(&c, "removed_types", removed, nremoved);
			fprintf(c.out, "%zu types compared: %zu unchanged, %zu changed compatibly, "
				"%zu changed incompatibly; %zu added, %zu removed\n",
				c.st.compared, c.st.same, c.st.compatible, c.st.incompatible,
				c.st.added, c.st.removed);
		}
		fprintf(c.out, "verdict: %s\n", c.worst == PTREGS_COMPAT_INCOMPATIBLE ?
			"changed incompatibly" : c.worst == PTREGS_COMPAT_COMPATIBLE ?
			"changed compatibly" : "no change");
	}
	if (fclose(c.out) != 0) {
		c.out = NULL;
		p_err("%s", strerror(errno));
		goto out;
	}
	c.out = NULL;
	if (c.out_len)
		fwrite(c.out_buf, 1, c.out_len, stdout);
	ret = c.worst == PTREGS_COMPAT_INCOMPATIBLE ? EXIT_CHANGED | EXIT_INCOMPATIBLE :
	      c.worst == PTREGS_COMPAT_COMPATIBLE ? EXIT_CHANGED : EXIT_OK;
out:
	/* after an error, the half-written output is dropped: main prints the error */
	jsonw_free(&c.w);
	if (c.out)
		fclose(c.out);
	free(c.out_buf);
	free(added);
	free(removed);
	ptregs_source_close(c.old_src);
	ptregs_source_close(c.new_src);
	return ret;
}
