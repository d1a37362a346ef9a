/*
 * fuzz_verify.c - libFuzzer target for the verifier's soundness.
 *
 * Input: a mode byte, then either
 *   - (mode & 7) != 0: bytes that drive the structured generator
 *     (progen.c), so that libFuzzer's mutations become changes to the
 *     program's shape, constants and mistakes; or
 *   - (mode & 7) == 0: raw instructions, validated first ("lddw
 *     map_by_fd 0..3" names the oracle's maps, helpers are the standard set).
 * Invariants (abort() on violation):
 *   - rk_verify() never crashes (ASan/UBSan) and a rejection carries a message;
 *   - a program it accepts never trips the oracle (verify_oracle.c): no
 *     checked-interpreter stop other than exit, no helper called against its
 *     prototype, no leaked ring-buffer record, no corrupted map, and the
 *     fast run on a dirty stack agrees with the checked one.
 * The escape is printed (program, verdict, run report, input) before abort().
 */
#include <stdlib.h>
#include <string.h>

#include "progen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pg_env *env;
	static struct pg_prog prog;
	static struct pg_outcome outcome;
	char err[RK_ERR_LEN];
	if (!env && pg_env_new(&env, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_verify: environment: %s\n", err);
		abort();
	}
	if (size < 1)
		return 0;
	uint64_t input_seed = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < size; i++)
		input_seed = (input_seed ^ data[i]) * UINT64_C(0x100000001b3);

	if ((data[0] & 7) == 0) {
		size_t count = (size - 1) / sizeof(struct rk_insn);
		if (count == 0 || count > PG_MAX_INSNS)
			return 0;
		memcpy(prog.insns, data + 1, count * sizeof(struct rk_insn));
		prog.insn_count = count;
		if (rk_validate(prog.insns, count, err, sizeof(err)) != 0)
			return 0;
	} else {
		struct pg_rand rand;
		pg_rand_bytes(&rand, data + 1, size - 1);
		pg_generate(&rand, &prog);
	}
	enum pg_verdict verdict = pg_check(env, prog.insns, prog.insn_count, input_seed, NULL,
	                                   &outcome);
	if (verdict == PG_REJECTED && outcome.verify_err[0] == '\0') {
		fprintf(stderr, "fuzz_verify: rejection without a message (rc %d)\n",
		        outcome.verify_rc);
		pg_report(stderr, prog.insns, prog.insn_count, &outcome);
		abort();
	}
	if (verdict == PG_ESCAPED) {
		fprintf(stderr, "fuzz_verify: ESCAPE: the verifier accepted an unsafe program\n");
		pg_report(stderr, prog.insns, prog.insn_count, &outcome);
		abort();
	}
	return 0;
}
