/*
 * fuzz_jit_diff.c - libFuzzer target: the JIT against the fast
 * interpreter (jit_diff.c) on programs the input bytes describe.
 *
 * Input: a mode byte, then bytes that drive progen's generator (each small
 * decision takes one byte, so libFuzzer's mutations change one choice of
 * the program's shape or constants):
 *   - (mode & 1) == 0: pg_generate_jit(), kept only when rk_verify()
 *     accepts it;
 *   - (mode & 1) == 1: pg_generate_alu(), a valid unverified ALU/jump
 *     program.
 * The inputs of the runs come from a hash of all the bytes.
 *
 * Invariant (abort() on violation): every run ends the same in both
 * engines - r0, stop, context, stack, maps, helper calls - and
 * rk_prog_jit() compiles every valid program.  The divergence is printed
 * (program, inputs, both results) before abort().
 *
 * The one thing to know: without a JIT on this machine (rk_jit_arch() is
 * NULL) the target compares the fast interpreter with the checked one,
 * and says so once, so that `make fuzz` still exercises the harness.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jit_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jd_env *env;
	static struct pg_prog prog;
	char err[RK_ERR_LEN];
	if (!env) {
		enum jd_engine engine = JD_ENGINE_JIT;
		if (!rk_jit_arch()) {
			engine = JD_ENGINE_CHECKED;
			fprintf(stderr, "fuzz_jit_diff: no JIT on this machine: comparing the fast "
			                "interpreter with the checked one\n");
		}
		if (jd_env_new(&env, engine, err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_jit_diff: environment: %s\n", err);
			abort();
		}
	}
	if (size < 1)
		return 0;
	uint64_t input_seed = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < size; i++)
		input_seed = (input_seed ^ data[i]) * UINT64_C(0x100000001b3);
	bool unverified = data[0] & 1;
	struct pg_rand rand;
	pg_rand_bytes(&rand, data + 1, size - 1);
	if (unverified)
		pg_generate_alu(&rand, &prog);
	else
		pg_generate_jit(&rand, &prog);
	enum jd_verdict verdict = jd_check(env, prog.insns, prog.insn_count, !unverified, input_seed,
	                                   NULL, stderr);
	switch (verdict) {
	case JD_DIVERGED:
		fprintf(stderr, "fuzz_jit_diff: DIVERGENCE: the JIT and the interpreter disagree\n");
		abort();
	case JD_JIT_REFUSED:
	case JD_NO_JIT:
		fprintf(stderr, "fuzz_jit_diff: rk_prog_jit refused a valid program: %s\n",
		        jd_last_jit_error(env));
		abort();
	default:
		return 0;
	}
}
