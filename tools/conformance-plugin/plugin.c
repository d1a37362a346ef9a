/*
 * rk-conformance-plugin - runs one program for the bpf_conformance runner.
 *
 * Protocol (tests/conformance/README.md): the program's bytecode as hex on
 * stdin; the input memory as hex in the first non-option argument (only
 * when the test has some); print r0 as 0x... and exit 0, or print the
 * error on stderr and exit 1.  r1 points to the memory, r2 is its length.
 *
 *   --interp   the fast interpreter (default)
 *   --checked  the checked interpreter (every access and register read checked)
 *   --jit      the JIT of this machine (exit 2 when it has none)
 *
 * Helper 5 follows the reference runtimes: with r1 == 0 it aborts the
 * program with r0 = 0, otherwise it returns 0 and the program goes on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/conformance_helpers.h"
#include "../common/hex.h"
#include "rkbpf.h"

static char *read_stdin(void)
{
	size_t cap = 1 << 16, len = 0;
	char *text = malloc(cap);
	while (text) {
		size_t got = fread(text + len, 1, cap - len - 1, stdin);
		len += got;
		if (got == 0)
			break;
		if (len + 1 == cap) {
			char *bigger = realloc(text, cap * 2);
			if (!bigger)
				free(text);
			text = bigger;
			cap *= 2;
		}
	}
	if (text)
		text[len] = '\0';
	return text;
}

int main(int argc, char **argv)
{
	enum rk_exec_mode mode = RK_EXEC_FAST;
	const char *mem_hex = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--interp") == 0) {
			mode = RK_EXEC_FAST;
		} else if (strcmp(argv[i], "--checked") == 0) {
			mode = RK_EXEC_CHECKED;
		} else if (strcmp(argv[i], "--jit") == 0) {
			if (!rk_jit_arch()) {
				fprintf(stderr, "rk-conformance-plugin: --jit: this machine has no JIT\n");
				return 2;
			}
			mode = RK_EXEC_JIT;
		} else if (strncmp(argv[i], "--", 2) == 0) {
			fprintf(stderr, "rk-conformance-plugin: unknown option %s\n", argv[i]);
			return 2;
		} else if (!mem_hex) {
			mem_hex = argv[i];
		}
	}

	char err[RK_ERR_LEN];
	char *code_hex = read_stdin();
	uint8_t *code = NULL, *mem = NULL;
	size_t code_len = 0, mem_len = 0;
	int status = 1;
	struct rk_helpers *helpers = rk_helpers_new();
	struct rk_prog *prog = NULL;
	if (!code_hex || !helpers) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	if (rk_hex_parse(code_hex, &code, &code_len, err, sizeof(err))) {
		fprintf(stderr, "bytecode on stdin: %s\n", err);
		goto out;
	}
	if (code_len % RK_INSN_SIZE) {
		fprintf(stderr, "bytecode on stdin: %zu bytes is not a whole number of %d-byte "
		                "instructions\n",
		        code_len, RK_INSN_SIZE);
		goto out;
	}
	if (mem_hex && rk_hex_parse(mem_hex, &mem, &mem_len, err, sizeof(err))) {
		fprintf(stderr, "memory argument: %s\n", err);
		goto out;
	}
	if (rk_conformance_helpers_register(helpers, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	/* Copy into aligned storage: struct rk_insn must not be read from a byte buffer. */
	size_t insn_count = code_len / RK_INSN_SIZE;
	struct rk_insn *insns = calloc(insn_count ? insn_count : 1, sizeof(*insns));
	if (!insns) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	memcpy(insns, code, code_len);
	int rc = rk_prog_new(insns, insn_count, helpers, &prog, err, sizeof(err));
	free(insns);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	/* The JIT compiles without a verifier pass, as the fast interpreter runs:
	 * conformance programs are hand-written bytecode, not all verifiable. */
	if (mode == RK_EXEC_JIT && rk_prog_jit(prog, err, sizeof(err))) {
		fprintf(stderr, "jit: %s\n", err);
		goto out;
	}
	struct rk_run_opts opts = {.mode = mode, .ctx_writable = true, .insn_limit = 100000000};
	struct rk_run_result result;
	if (rk_prog_run(prog, mem, mem_len, &opts, &result)) {
		fprintf(stderr, "%s: %s\n", rk_stop_name(result.stop), result.message);
		goto out;
	}
	printf("0x%" PRIx64 "\n", result.retval);
	status = 0;
out:
	rk_prog_free(prog);
	rk_helpers_free(helpers);
	free(code_hex);
	free(code);
	free(mem);
	return status;
}
