/* A program built against an installed libptregs, through pkg-config. */
#include <stdio.h>
#include <ptregs/ptregs.h>

int main(void)
{
	struct ptregs_layout *l = ptregs_layout_load("builtin:pkrs", NULL, NULL);
	const struct ptregs_field *f;

	if (!l) {
		fprintf(stderr, "consumer: %s\n", ptregs_errmsg());
		return 1;
	}
	f = ptregs_layout_find(l, "di");
	printf("libptregs %s: pt_regs %u bytes, di at %u\n", ptregs_version(),
	       ptregs_layout_size(l), f ? f->offset : 0);
	ptregs_layout_free(l);
	return f && f->offset == 120 ? 0 : 1;
}
