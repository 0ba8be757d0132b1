/* A host program built around a light skeleton (bpftool gen skeleton -L). */
#include <errno.h>
#include "lskel.skel.h"

int main(void)
{
	struct lskel *s = lskel__open_and_load();

	if (s)
		lskel__destroy(s);
	return 0;
}
