/*
 * run.c - rk_prog_run(): pick the engine for the requested mode: one of
 * the two interpreters, or the native code of jit/jit.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vm_internal.h"

int rk_prog_run(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                const struct rk_run_opts *opts, struct rk_run_result *result)
{
	result->retval = 0;
	result->stop = RK_STOP_EXIT;
	result->insn_index = 0;
	result->insns_executed = 0;
	result->addr = 0;
	result->access_size = 0;
	result->reg = -1;
	result->message[0] = '\0';
	/* Helpers may rely on run->opts: never NULL inside a run. */
	static const struct rk_run_opts default_opts = {.mode = RK_EXEC_FAST};
	if (!opts)
		opts = &default_opts;
	if (opts->mode == RK_EXEC_CHECKED)
		return rk_interp_checked(prog, ctx, ctx_len, opts, result, NULL, NULL, NULL);
	if (opts->mode == RK_EXEC_JIT)
		return rk_jit_run(prog, ctx, ctx_len, opts, result);
	return rk_interp_fast(prog, ctx, ctx_len, opts, result, NULL, NULL, NULL);
}

int rk_run_callback_check(struct rk_run *run, struct rk_run_result *report, uint32_t insn_index,
                          bool frame_free)
{
	const struct rk_interp_nest *nest = run->interp_state;
	if (!rk_prog_is_func_start(nest->prog, insn_index)) {
		report->stop = RK_STOP_BAD_CALLBACK;
		snprintf(report->message, sizeof(report->message),
		         "callback %u is not the start of a function of this program", insn_index);
		run->failed = true;
		return -EINVAL;
	}
	if (!frame_free) {
		report->stop = RK_STOP_CALL_DEPTH;
		snprintf(report->message, sizeof(report->message),
		         "callback %u: calls nested deeper than %d frames", insn_index,
		         RK_MAX_CALL_FRAMES);
		run->failed = true;
		return -E2BIG;
	}
	return 0;
}

const char *rk_stop_name(enum rk_stop stop)
{
	switch (stop) {
	case RK_STOP_EXIT: return "exit";
	case RK_STOP_ABORTED: return "aborted";
	case RK_STOP_BAD_ACCESS: return "bad-access";
	case RK_STOP_READ_ONLY: return "read-only";
	case RK_STOP_UNINIT_REG: return "uninit-reg";
	case RK_STOP_UNINIT_STACK: return "uninit-stack";
	case RK_STOP_INSN_LIMIT: return "insn-limit";
	case RK_STOP_CALL_DEPTH: return "call-depth";
	case RK_STOP_BAD_HELPER: return "bad-helper";
	case RK_STOP_INVALID_INSN: return "invalid-insn";
	case RK_STOP_TAIL_CALL: return "tail-call";
	case RK_STOP_BAD_CALLBACK: return "bad-callback";
	case RK_STOP_CORE_POISON: return "core-poison";
	}
	return "unknown";
}
