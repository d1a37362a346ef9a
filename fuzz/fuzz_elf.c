/*
 * fuzz_elf.c - libFuzzer target for the object loader: rk_obj_load() on
 * arbitrary bytes, with the standard helpers and no CO-RE target.
 *
 * Invariants (abort() on violation):
 *   - rk_obj_load() never crashes, leaks or hangs (ASan, UBSan and
 *     libFuzzer's leak and timeout checks watch for those);
 *   - a failure returns a negative errno, leaves *obj_out NULL and writes
 *     one line (possibly truncated to RK_ERR_LEN) that starts with the file
 *     name ("fuzz.o: ...");
 *   - an object that loads gives back every byte it charged: after
 *     rk_obj_release() its budget's used is 0.
 * The loaded programs are not run: helpers trust the verifier (a map
 * argument is taken as a map pointer), so running unverified programs
 * would find bugs in the test, not in the loader.
 *
 * Seeds: fuzz/seeds/fuzz_elf/ holds small objects from tests/bpf/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"
#include "rkbpf.h"

#define FILE_NAME "fuzz.o"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int rc, const struct rk_obj *obj, const char *err)
{
	size_t len = strlen(err);
	if (rc >= 0 || obj != NULL || len == 0 || strchr(err, '\n') ||
	    strncmp(err, FILE_NAME ": ", strlen(FILE_NAME ": ")) != 0) {
		fprintf(stderr, "fuzz_elf: rc %d, obj %p, bad message '%s'\n", rc, (const void *)obj,
		        err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rk_obj not_reset; /* rk_obj_load() must set *obj_out to NULL on failure */
	struct rk_obj_opts opts = {.name = FILE_NAME};
	struct rk_obj *obj = &not_reset;
	char err[RK_ERR_LEN] = "";
	int rc = rk_obj_load(data, size, &opts, &obj, err, sizeof(err));
	if (rc) {
		check_error(rc, obj, err);
		return 0;
	}
	for (size_t i = 0; i < rk_obj_prog_count(obj); i++) {
		struct rk_prog *prog = rk_obj_prog(obj, i);
		struct rk_line_info info;
		/* Every instruction's line info, if any, points at real strings. */
		for (size_t insn = 0; insn < rk_prog_insn_count(prog); insn++)
			if (rk_prog_line_info(prog, insn, &info) == 0 &&
			    strlen(info.file) + strlen(info.source) > (size_t)1 << 30)
				abort();
		if (!rk_prog_name(prog)[0] || !rk_prog_section(prog)[0])
			abort();
	}
	rk_obj_release(obj);
	if (rk_obj_budget(obj)->used != 0) {
		fprintf(stderr, "fuzz_elf: %zu bytes still charged after release\n",
		        rk_obj_budget(obj)->used);
		abort();
	}
	rk_obj_free(obj);
	return 0;
}
