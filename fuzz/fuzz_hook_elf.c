/*
 * fuzz_hook_elf.c - libFuzzer target for the uprobe symbol resolver
 * (hooks/elf_symbols.c, compiled in: hooks/ is not in librkbpf): an
 * arbitrary ELF image in, a few symbol names looked up in it.
 *
 * Invariants (abort() when broken):
 *   - the result is 0, -ENOENT or -EINVAL, with a non-empty one-line err
 *     on failure;
 *   - a function found lies inside the image (offset < size).
 * ASan and UBSan add: every offset and size in the image is checked.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../hooks/elf_symbols.c"
#include "../hooks/hook_err.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IMAGE_LEN (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"main", "malloc", "malloc@@GLIBC_2.2.5",
	                                    "memcpy@GLIBC_2.2.5", "f", "rk_target_work"};
	if (size > MAX_IMAGE_LEN)
		return 0;
	/* An exact-size copy: ASan sees any read past the end. */
	uint8_t *image = malloc(size ? size : 1);
	if (!image)
		return 0;
	memcpy(image, data, size);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct rk_elf_func func;
		char err[512] = "";
		int rc = rk_elf_find_func_mem(image, size, "input", names[i], &func, err, sizeof(err));
		if (rc == 0 && func.offset >= size)
			abort();
		if (rc != 0 && ((rc != -ENOENT && rc != -EINVAL) || !err[0] || strchr(err, '\n')))
			abort();
	}
	free(image);
	return 0;
}
