/*
 * elf_symbols.h - where a function lives in an ELF file, as the uprobe PMU
 * wants it: the file offset of its first instruction (libbpf's
 * elf_find_func_offset), and which file a library name means (as the
 * dynamic linker finds it).
 *
 * The one thing to know: the file is read, never trusted: every offset and
 * size in it is checked against the file before use, and the file is
 * unmapped before returning (nothing is kept open while attached).
 */
#ifndef RK_HOOKS_ELF_SYMBOLS_H
#define RK_HOOKS_ELF_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct rk_elf_func {
	uint64_t offset;   /* file offset of the function's first byte */
	uint64_t vaddr;    /* its st_value */
	uint64_t size;     /* st_size (0: unknown) */
};

/*
 * The file path_or_name means, into out: an absolute path as is (it must
 * exist); a name without '/' containing ".so" is a library looked up in
 * LD_LIBRARY_PATH, /etc/ld.so.cache, then the standard directories (only
 * files of this machine's architecture); any other name is looked up in
 * PATH.  0, or -ENOENT/-EINVAL with err saying where it was looked for.
 */
int rk_elf_find_file(const char *path_or_name, char *out, size_t out_len, char *err,
                     size_t err_len);

/*
 * The function symbol in the ELF file at path: .dynsym first, then
 * .symtab (as libbpf).  symbol may carry a version: "malloc@@GLIBC_2.2.5"
 * (the default one) or "memcpy@GLIBC_2.2.5" (an older one); without one,
 * the default or unversioned definition matches.  Several definitions at
 * different addresses: the global one wins over weak ones, two globals are
 * an error.  0, or -ENOENT (no such function), -EINVAL (not an ELF file,
 * an ambiguous or unusable symbol), -errno from opening the file.
 */
int rk_elf_find_func(const char *path, const char *symbol, struct rk_elf_func *out, char *err,
                     size_t err_len);

/* The same on an image in memory; what names it in messages. */
int rk_elf_find_func_mem(const uint8_t *image, size_t size, const char *what,
                         const char *symbol, struct rk_elf_func *out, char *err,
                         size_t err_len);

#endif
