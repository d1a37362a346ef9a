/*
 * test_interp_calls.c - what the interpreters do for the helpers that
 * reach back into them: a tail call replaces the running program, and a
 * bpf_loop callback runs as a nested call that shares the run (its stack
 * reaches the caller's, its violations stop the whole run).  The helpers
 * here are minimal stand-ins for bpf_tail_call and bpf_loop, using the
 * same hooks (struct rk_run in vm_internal.h) as the real ones.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../vm/vm_internal.h"
#include "rkbpf.h"
#include "test_support.h"

#define TAIL_CALL_HELPER 100
#define LOOP_HELPER 101

static const struct rk_prog *tail_target;

static uint64_t helper_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct rk_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	if (!tail_target)
		return (uint64_t)-ENOENT;
	run->tail_call_target = tail_target;
	run->tail_call_pending = true;
	run->tail_call_ctx = r1;
	return 0;
}

/* bpf_loop(nr, callback, ctx, flags): stops when the callback returns 1. */
static uint64_t helper_loop(uint64_t nr, uint64_t callback, uint64_t ctx, uint64_t flags,
                            uint64_t r5, struct rk_run *run)
{
	(void)flags, (void)r5;
	uint64_t i;
	for (i = 0; i < nr; i++) {
		uint64_t args[5] = {i, ctx, 0, 0, 0}, ret = 0;
		int rc = run->call_subprog(run, (uint32_t)callback, args, &ret);
		if (rc)
			return (uint64_t)(int64_t)rc;
		if (ret == 1) {
			i++;
			break;
		}
	}
	return i;
}

static struct rk_helpers *call_helpers(void)
{
	static const struct rk_helper_proto tail = {.name = "tail_call"};
	static const struct rk_helper_proto loop = {.name = "loop"};
	struct rk_helpers *helpers = test_helpers_new();
	cr_assert_eq(rk_helpers_register(helpers, TAIL_CALL_HELPER, helper_tail_call, &tail, NULL, 0), 0);
	cr_assert_eq(rk_helpers_register(helpers, LOOP_HELPER, helper_loop, &loop, NULL, 0), 0);
	return helpers;
}

/* The engines every test runs on: both interpreters, and the JIT where there is one. */
static int last_mode(void)
{
	return rk_jit_arch() ? RK_EXEC_JIT : RK_EXEC_CHECKED;
}

static const char *mode_name(int mode)
{
	return mode == RK_EXEC_CHECKED ? "checked" : mode == RK_EXEC_JIT ? "jit" : "fast";
}

static struct rk_run_result run_mode_stack(struct rk_prog *prog, int mode, void *ctx,
                                           size_t ctx_len, int expected_rc, void *stack)
{
	struct rk_run_opts opts = {.mode = mode, .insn_limit = 100000, .stack = stack};
	struct rk_run_result result;
	char err[RK_ERR_LEN];
	if (mode == RK_EXEC_JIT)
		cr_assert_eq(rk_prog_jit(prog, err, sizeof(err)), 0, "jit: %s", err);
	int rc = rk_prog_run(prog, ctx, ctx_len, &opts, &result);
	cr_assert_eq(rc, expected_rc, "%s mode: rc %d (%s: %s)", mode_name(mode), rc,
	             rk_stop_name(result.stop), result.message);
	return result;
}

static struct rk_run_result run_mode(struct rk_prog *prog, int mode, void *ctx, size_t ctx_len,
                                     int expected_rc)
{
	return run_mode_stack(prog, mode, ctx, ctx_len, expected_rc, NULL);
}

Test(interp_calls, tail_call_replaces_the_program)
{
	struct rk_helpers *helpers = call_helpers();
	/* The target reads the context the caller passed and adds 100. */
	struct rk_prog *target = test_prog_from_asm("ldxb %r0, [%r1]\nadd %r0, 100\nexit\n", helpers);
	struct rk_prog *caller = test_prog_from_asm("stdw [%r10-8], 1\n"
	                                            "call 100\n"
	                                            "mov %r0, 1\n" /* only if the tail call failed */
	                                            "exit\n",
	                                            helpers);
	uint8_t ctx[1] = {5};
	tail_target = target;
	char err[RK_ERR_LEN];
	if (rk_jit_arch()) {
		/* Native code tail-calls only native code: the target is not compiled yet. */
		struct rk_run_result r = run_mode(caller, RK_EXEC_JIT, ctx, 1, -EFAULT);
		cr_assert_eq(r.stop, RK_STOP_TAIL_CALL);
		cr_assert(strstr(r.message, "insn 1: bpf_tail_call into a program that was not compiled"),
		          "%s", r.message);
		cr_assert_eq(rk_prog_jit(target, err, sizeof(err)), 0, "%s", err);
	}
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++)
		cr_assert_eq(run_mode(caller, mode, ctx, 1, 0).retval, 105);
	tail_target = NULL; /* no program at that index: execution continues */
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++)
		cr_assert_eq(run_mode(caller, mode, ctx, 1, 0).retval, 1);
	rk_prog_free(caller);
	rk_prog_free(target);
	rk_helpers_free(helpers);
}

Test(interp_calls, tail_called_program_starts_with_a_fresh_frame)
{
	struct rk_helpers *helpers = call_helpers();
	/* Reading the caller's stack slot from the target is a checked-mode violation. */
	struct rk_prog *target = test_prog_from_asm("ldxdw %r0, [%r10-8]\nexit\n", helpers);
	struct rk_prog *caller = test_prog_from_asm("stdw [%r10-8], 1\ncall 100\nmov %r0, 1\nexit\n",
	                                            helpers);
	tail_target = target;
	struct rk_run_result r = run_mode(caller, RK_EXEC_CHECKED, NULL, 0, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_STACK, "%s", r.message);
	tail_target = NULL;
	rk_prog_free(caller);
	rk_prog_free(target);
	rk_helpers_free(helpers);
}

Test(interp_calls, tail_call_from_subprogram_is_refused)
{
	struct rk_helpers *helpers = call_helpers();
	struct rk_prog *target = test_prog_from_asm("mov %r0, 7\nexit\n", helpers);
	struct rk_prog *caller = test_prog_from_asm("call local f\nexit\nf:\ncall 100\nmov %r0, 1\nexit\n",
	                                            helpers);
	tail_target = target;
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++) {
		struct rk_run_result r = run_mode(caller, mode, NULL, 0, -EFAULT);
		cr_assert_eq(r.stop, RK_STOP_TAIL_CALL);
		cr_assert_str_eq(r.message,
		                 "insn 2: bpf_tail_call from a subprogram or callback is not supported");
	}
	tail_target = NULL;
	rk_prog_free(caller);
	rk_prog_free(target);
	rk_helpers_free(helpers);
}

/* sum = 0; bpf_loop(5, cb, &sum, 0); return sum * 1000 + iterations.  cb: *ctx += i. */
static const char *loop_source = "stdw [%r10-8], 0\n"  /* 0 */
                                 "mov %r1, 5\n"        /* 1 */
                                 "mov %r2, 11\n"       /* 2: the callback's index */
                                 "mov %r3, %r10\n"     /* 3 */
                                 "add %r3, -8\n"       /* 4 */
                                 "mov %r4, 0\n"        /* 5 */
                                 "call 101\n"          /* 6 */
                                 "ldxdw %r1, [%r10-8]\n" /* 7 */
                                 "mul %r1, 1000\n"     /* 8 */
                                 "add %r0, %r1\n"      /* 9 */
                                 "exit\n"              /* 10 */
                                 "cb:\n"
                                 "ldxdw %r3, [%r2]\n"  /* 11 */
                                 "add %r3, %r1\n"
                                 "stxdw [%r2], %r3\n"
                                 "mov %r0, 0\n"
                                 "exit\n";

Test(interp_calls, loop_callback_reaches_caller_stack)
{
	struct rk_helpers *helpers = call_helpers();
	struct rk_prog *prog = test_prog_from_asm(loop_source, helpers);
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++)
		cr_assert_eq(run_mode(prog, mode, NULL, 0, 0).retval, 10 * 1000 + 5);
	struct rk_run_result r = run_mode(prog, RK_EXEC_CHECKED, NULL, 0, 0);
	/* 11 instructions of the caller + 5 iterations of 5 callback instructions. */
	cr_assert_eq(r.insns_executed, 11 + 5 * 5);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}

/*
 * Regression: a callback ran in a fresh stack that, when the host passed
 * rk_run_opts.stack, was the caller's own frame: the callback's writes to
 * its frame overwrote the caller's locals.  It runs one frame below now.
 */
Test(interp_calls, loop_callback_frame_is_below_the_caller_frame)
{
	struct rk_helpers *helpers = call_helpers();
	struct rk_prog *prog = test_prog_from_asm("stdw [%r10-16], 77\n"
	                                          "mov %r1, 3\n"
	                                          "mov %r2, 8\n"
	                                          "mov %r3, 0\n"
	                                          "mov %r4, 0\n"
	                                          "call 101\n"
	                                          "ldxdw %r0, [%r10-16]\n"
	                                          "exit\n"
	                                          "cb:\n"
	                                          "stdw [%r10-16], 0\n" /* 8: its own frame */
	                                          "mov %r0, 0\n"
	                                          "exit\n",
	                                          helpers);
	_Alignas(16) static uint8_t stack[RK_RUN_STACK_BYTES];
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++) {
		cr_assert_eq(run_mode_stack(prog, mode, NULL, 0, 0, stack).retval, 77, "%s",
		             mode_name(mode));
		uint64_t callback_slot;
		memcpy(&callback_slot, stack + RK_RUN_STACK_BYTES - RK_STACK_SIZE - 16, 8);
		cr_assert_eq(callback_slot, 0, "%s: the callback wrote the frame below", mode_name(mode));
	}
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}

Test(interp_calls, loop_callback_stops_on_one)
{
	struct rk_helpers *helpers = call_helpers();
	char source[1024];
	/* The callback returns 1 when i == 2: iterations 0, 1, 2 run. */
	snprintf(source, sizeof(source), "%s", loop_source);
	char *tail = strstr(strstr(source, "cb:"), "mov %r0, 0\n");
	strcpy(tail, "mov %r0, 0\njne %r1, 2, +1\nmov %r0, 1\nexit\n");
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++)
		cr_assert_eq(run_mode(prog, mode, NULL, 0, 0).retval, 3 * 1000 + 3);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}

Test(interp_calls, loop_callback_violation_stops_the_run)
{
	struct rk_helpers *helpers = call_helpers();
	char source[1024];
	snprintf(source, sizeof(source), "%s", loop_source);
	char *cb = strstr(source, "cb:\n") + 4;
	strcpy(cb, "ldxdw %r0, [%r10-600]\nexit\n");
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	struct rk_run_result r = run_mode(prog, RK_EXEC_CHECKED, NULL, 0, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(r.insn_index, 11, "the report names the callback's instruction");
	cr_assert(strstr(r.message, "insn 11: load of 8 bytes"), "%s", r.message);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}

Test(interp_calls, loop_callback_must_be_a_function)
{
	struct rk_helpers *helpers = call_helpers();
	char source[1024];
	snprintf(source, sizeof(source), "%s", loop_source);
	memcpy(strstr(source, "mov %r2, 11"), "mov %r2, 99", 11);
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	for (int mode = RK_EXEC_FAST; mode <= last_mode(); mode++) {
		struct rk_run_result r = run_mode(prog, mode, NULL, 0, -EFAULT);
		cr_assert_eq(r.stop, RK_STOP_BAD_CALLBACK);
		cr_assert_str_eq(r.message, "callback 99 is not the start of a function of this program");
	}
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}
