/*
 * fuzz_disasm.c - libFuzzer target for rk_disasm() and rk_disasm_insn():
 * arbitrary bytes in, read as 8-byte instruction slots.
 *
 * Invariants (abort() when broken):
 *   - rk_disasm_insn() returns 1, 2 (lddw) or -EINVAL, and always leaves a
 *     NUL-terminated description, even in a tiny buffer;
 *   - rk_disasm() succeeds exactly when walking the program with
 *     rk_disasm_insn() meets no -EINVAL, and a failure names the index;
 *   - whatever rk_disasm() prints, rk_asm() assembles back to exactly the
 *     same bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"
#include "round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INSNS 8192

/* Walk the program as rk_disasm() does; the index of the first unknown slot, or SIZE_MAX. */
static size_t walk(const struct rk_insn *insns, size_t insn_count, size_t small_buf_len)
{
	char buf[160], small[16];
	for (size_t index = 0; index < insn_count;) {
		int slots = rk_disasm_insn(insns, insn_count, index, buf, sizeof(buf));
		if (strnlen(buf, sizeof(buf)) == sizeof(buf) ||
		    (slots != 1 && slots != 2 && slots != -EINVAL)) {
			fprintf(stderr, "fuzz_disasm: rk_disasm_insn(%zu) returned %d\n", index, slots);
			abort();
		}
		/* The same call into a truncating buffer must agree and stay in bounds. */
		memset(small, 'x', sizeof(small));
		int small_slots = rk_disasm_insn(insns, insn_count, index, small, small_buf_len);
		bool terminated = small_buf_len ? strnlen(small, small_buf_len) < small_buf_len
		                                : small[0] == 'x';
		if (small_slots != slots || !terminated) {
			fprintf(stderr, "fuzz_disasm: truncated rk_disasm_insn(%zu) disagrees\n", index);
			abort();
		}
		if (slots < 0)
			return index;
		index += (size_t)slots;
	}
	return SIZE_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t insn_count = size / RK_INSN_SIZE;
	if (insn_count > MAX_INSNS)
		return 0;
	struct rk_insn *insns = calloc(insn_count + 1, sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data, insn_count * RK_INSN_SIZE);
	size_t small_buf_len = size % RK_INSN_SIZE * 2; /* 0..14: exercises truncation */
	size_t first_unknown = walk(insns, insn_count, small_buf_len);

	char err[RK_ERR_LEN] = "";
	char *text = NULL;
	int rc = rk_disasm(insns, insn_count, &text, err, sizeof(err));
	if (rc != 0) {
		char expected[48];
		snprintf(expected, sizeof(expected), "instruction %zu: ", first_unknown);
		if (rc != -EINVAL || text != NULL || strncmp(err, expected, strlen(expected)) != 0) {
			fprintf(stderr, "fuzz_disasm: rk_disasm returned %d: '%s' (expected '%s...')\n",
			        rc, err, expected);
			abort();
		}
		free(insns);
		return 0;
	}
	if (first_unknown != SIZE_MAX) {
		fprintf(stderr, "fuzz_disasm: rk_disasm accepted what rk_disasm_insn refused at %zu\n",
		        first_unknown);
		abort();
	}

	fuzz_check_reassembles("fuzz_disasm", text, insns, insn_count);
	free(text);
	free(insns);
	return 0;
}
