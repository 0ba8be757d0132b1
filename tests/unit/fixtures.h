/* Test fixtures: BTF built with libbpf's writer API, and files on disk. */
#ifndef PTREGS_TEST_FIXTURES_H
#define PTREGS_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

struct btf;

enum fx_regs { FX_LEGACY, FX_PKRS, FX_FRED };

/* A BTF holding "long unsigned int", "u16", "u64" and struct pt_regs. */
struct btf *fx_btf_pt_regs(enum fx_regs kind);
/* Write BTF's raw bytes to a new temporary file; the caller unlinks and frees. */
char *fx_write_btf(const struct btf *btf);
char *fx_write_bytes(const void *data, size_t len);
/* Read a whole file; *len set; caller frees. */
void *fx_read(const char *path, size_t *len);
/* Path of a fixture built by the Makefile (PTREGS_FIXTURES). */
const char *fx_path(const char *name);
void fx_unlink(char *path);

#endif
