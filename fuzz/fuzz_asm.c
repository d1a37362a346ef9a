/*
 * fuzz_asm.c - libFuzzer target for rk_asm(): arbitrary text in.
 *
 * Invariants (abort() when broken, so that libFuzzer keeps the input):
 *   - a failure is -EINVAL (or -ENOMEM) with one line "line N: ..." in err
 *     and no output array;
 *   - whatever assembles also disassembles, and the disassembly assembles
 *     back to exactly the same bytes;
 *   - the disassembly is a fixed point: disassembling those bytes again
 *     prints the same text.
 * ASan and UBSan add: no overflow, no leak, no undefined behaviour.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"
#include "round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs beyond this add run time, not coverage. */
#define MAX_SOURCE_LEN (64 * 1024)

static void check_error_message(const char *err, int rc)
{
	size_t len = strnlen(err, RK_ERR_LEN);
	if (len == 0 || len >= RK_ERR_LEN || strchr(err, '\n') ||
	    (rc == -EINVAL && strncmp(err, "line ", 5) != 0)) {
		fprintf(stderr, "fuzz_asm: bad error message for rc %d: '%s'\n", rc, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_SOURCE_LEN)
		return 0;
	char *source = malloc(size + 1);
	if (!source)
		return 0;
	memcpy(source, data, size);
	source[size] = '\0';

	static struct rk_insn not_reset; /* rk_asm() must set *insns_out to NULL on failure */
	char err[RK_ERR_LEN] = "";
	struct rk_insn *insns = &not_reset;
	size_t insn_count = 0;
	int rc = rk_asm(source, &insns, &insn_count, err, sizeof(err));
	free(source);
	if (rc != 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || insns != NULL) {
			fprintf(stderr, "fuzz_asm: rk_asm returned %d, insns %p\n", rc, (void *)insns);
			abort();
		}
		check_error_message(err, rc);
		return 0;
	}

	char *text = NULL;
	rc = rk_disasm(insns, insn_count, &text, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "fuzz_asm: assembled bytes do not disassemble: %s\n", err);
		abort();
	}
	fuzz_check_reassembles("fuzz_asm", text, insns, insn_count);
	struct rk_insn *again = NULL;
	size_t again_count = 0;
	if (rk_asm(text, &again, &again_count, err, sizeof(err)) != 0)
		abort();
	char *text_again = NULL;
	rc = rk_disasm(again, again_count, &text_again, err, sizeof(err));
	if (rc != 0 || strcmp(text, text_again) != 0) {
		fprintf(stderr, "fuzz_asm: disassembly is not a fixed point\n%s---\n%s", text,
		        text_again ? text_again : err);
		abort();
	}
	free(text_again);
	free(again);
	free(text);
	free(insns);
	return 0;
}
