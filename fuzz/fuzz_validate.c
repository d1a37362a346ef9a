/*
 * fuzz_validate.c - libFuzzer target for the decoder/validator and,
 * behind it, the checked interpreter.
 *
 * Input: raw bytecode.  Invariants (abort() on violation):
 *   - rk_validate() never crashes, and a rejection always carries a message
 *     naming the instruction ("insn N ...") or the whole program;
 *   - a program it accepts (with no map references) loads, and a checked run
 *     of it on a 64-byte context ends in an exit, a helper abort or a
 *     reported violation, never in a crash or an invalid-opcode stop: the
 *     interpreter has a handler for everything the validator lets through;
 *   - rk_disasm() can print every accepted program;
 *   - when the checked run ends cleanly, the fast interpreter, run on a fresh
 *     copy of the same context, returns the same r0 and leaves the same
 *     context bytes: a clean checked run read nothing it had not written and
 *     touched nothing outside its regions, so both must take the same path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"

#define CTX_SIZE 64
#define INSN_LIMIT 4096

static uint64_t helper_unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1 == 0)
		rk_run_abort(run, 0);
	return r1 + 1;
}

static struct rk_helpers *fuzz_helpers(void)
{
	static struct rk_helpers *helpers;
	static const struct rk_helper_proto proto = {.name = "unwind", .ret = RK_RET_SCALAR};
	if (!helpers) {
		helpers = rk_helpers_new();
		if (!helpers || rk_helpers_register(helpers, 5, helper_unwind, &proto, NULL, 0))
			abort();
	}
	return helpers;
}

static int has_map_reference(const struct rk_insn *insns, size_t count)
{
	for (size_t i = 0; i + 1 < count; i++)
		if (insns[i].code == RK_OP_LDDW && insns[i].src_reg != RK_PSEUDO_IMM64)
			return 1;
	return 0;
}

static int calls_unknown_helper(const struct rk_insn *insns, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (insns[i].code == RK_OP_CALL && insns[i].src_reg == RK_CALL_HELPER &&
		    insns[i].imm != 5)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t count = size / sizeof(struct rk_insn);
	if (count == 0 || count > 4096)
		return 0;
	struct rk_insn *insns = malloc(count * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data, count * sizeof(*insns));

	char err[RK_ERR_LEN] = "";
	int rc = rk_validate(insns, count, err, sizeof(err));
	if (rc != 0) {
		if (err[0] == '\0' || (strncmp(err, "insn ", 5) != 0 && strncmp(err, "program", 7) != 0))
			abort();
		free(insns);
		return 0;
	}

	char *text = NULL;
	if (rk_disasm(insns, count, &text, err, sizeof(err)) != 0) {
		fprintf(stderr, "validated program does not disassemble: %s\n", err);
		abort();
	}
	free(text);

	struct rk_prog *prog = NULL;
	rc = rk_prog_new(insns, count, fuzz_helpers(), &prog, err, sizeof(err));
	if (rc != 0) {
		if (!has_map_reference(insns, count) && !calls_unknown_helper(insns, count)) {
			fprintf(stderr, "validated program refused by rk_prog_new: %s\n", err);
			abort();
		}
		free(insns);
		return 0;
	}
	/* One context and one stack for both runs: pointer values must match too. */
	static _Alignas(16) uint8_t stack[RK_RUN_STACK_BYTES];
	uint8_t ctx[CTX_SIZE], checked_ctx[CTX_SIZE];
	memset(ctx, 0xa5, sizeof(ctx));
	struct rk_run_opts opts = {.mode = RK_EXEC_CHECKED, .ctx_writable = true,
	                           .insn_limit = INSN_LIMIT, .stack = stack};
	struct rk_run_result result;
	rc = rk_prog_run(prog, ctx, sizeof(ctx), &opts, &result);
	if (result.stop == RK_STOP_INVALID_INSN)
		abort();
	if (rc == 0 && result.stop != RK_STOP_EXIT && result.stop != RK_STOP_ABORTED)
		abort();
	if (rc != 0 && result.message[0] == '\0')
		abort();
	if (rc == 0) {
		memcpy(checked_ctx, ctx, sizeof(ctx));
		memset(ctx, 0xa5, sizeof(ctx));
		struct rk_run_opts fast_opts = {.mode = RK_EXEC_FAST, .stack = stack};
		struct rk_run_result fast;
		if (rk_prog_run(prog, ctx, sizeof(ctx), &fast_opts, &fast) != 0 ||
		    fast.retval != result.retval || fast.stop != result.stop ||
		    memcmp(checked_ctx, ctx, sizeof(ctx)) != 0) {
			fprintf(stderr, "fast and checked interpreters disagree: r0 0x%llx vs 0x%llx\n",
			        (unsigned long long)fast.retval, (unsigned long long)result.retval);
			abort();
		}
	}
	rk_prog_free(prog);
	free(insns);
	return 0;
}
