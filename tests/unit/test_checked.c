/*
 * test_checked.c - the checked interpreter stops each kind of violation
 * with a report (instruction index, address, region), and the fast and
 * checked interpreters agree on valid programs that exercise calls,
 * frames and helpers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rkbpf.h"
#include "test_support.h"

static struct rk_run_result run_checked(const char *source, void *ctx, size_t ctx_len,
                                        bool ctx_writable, int expected_rc)
{
	struct rk_helpers *helpers = test_helpers_new();
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	struct rk_run_opts opts = {
		.mode = RK_EXEC_CHECKED, .ctx_writable = ctx_writable, .insn_limit = 10000};
	struct rk_run_result result;
	int rc = rk_prog_run(prog, ctx, ctx_len, &opts, &result);
	cr_assert_eq(rc, expected_rc, "rc %d (%s: %s)", rc, rk_stop_name(result.stop),
	             result.message);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
	return result;
}

Test(checked, load_outside_stack)
{
	struct rk_run_result r = run_checked("ldxdw %r0, [%r10-520]\nexit\n", NULL, 0, false,
	                                     -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(r.insn_index, 0);
	cr_assert_eq(r.access_size, 8);
	cr_assert(strstr(r.message, "insn 0: load of 8 bytes at 0x") &&
	                  strstr(r.message, "is outside every region: stack["),
	          "%s", r.message);
}

Test(checked, store_above_stack_top)
{
	struct rk_run_result r = run_checked("mov %r0, 0\nstb [%r10], 1\nexit\n", NULL, 0, false,
	                                     -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(r.insn_index, 1);
	cr_assert(strstr(r.message, "insn 1: store of 1 bytes"), "%s", r.message);
}

Test(checked, access_straddling_ctx_end)
{
	uint8_t ctx[6] = {0};
	struct rk_run_result r = run_checked("ldxw %r0, [%r1+4]\nexit\n", ctx, sizeof(ctx), false,
	                                     -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(r.addr, (uintptr_t)ctx + 4);
	cr_assert(strstr(r.message, "ctx["), "%s", r.message);
}

Test(checked, store_into_read_only_ctx)
{
	uint8_t ctx[8] = {0};
	struct rk_run_result r = run_checked("mov %r0, 0\nstw [%r1+4], 7\nexit\n", ctx,
	                                     sizeof(ctx), false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_READ_ONLY);
	cr_assert_eq(r.insn_index, 1);
	cr_assert(strstr(r.message, "into read-only region ctx"), "%s", r.message);
	cr_assert_eq(ctx[4], 0, "the store must not happen");
}

Test(checked, misaligned_atomic)
{
	struct rk_run_result r = run_checked(
		"mov %r1, 1\nstdw [%r10-16], 0\nlock add [%r10-12], %r1\nmov %r0, 0\nexit\n", NULL, 0,
		false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(r.insn_index, 2);
	cr_assert(strstr(r.message, "not aligned"), "%s", r.message);
}

Test(checked, uninitialised_stack_byte)
{
	/* Bytes fp-8..fp-5 are written, fp-4..fp-1 are not. */
	struct rk_run_result r = run_checked("stw [%r10-8], 1\nldxdw %r0, [%r10-8]\nexit\n", NULL,
	                                     0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_STACK);
	cr_assert_eq(r.insn_index, 1);
	cr_assert_str_eq(r.message,
	                 "insn 1: load of 8 bytes at fp-8 reads stack bytes that were never written");
}

Test(checked, callee_frame_starts_uninitialised)
{
	/* The second call reuses the frame the first one wrote: it must not see that data. */
	const char *source = "call local writer\n"
	                     "call local reader\n"
	                     "exit\n"
	                     "writer:\n"
	                     "stdw [%r10-8], 42\n"
	                     "mov %r0, 0\n"
	                     "exit\n"
	                     "reader:\n"
	                     "ldxdw %r0, [%r10-8]\n"
	                     "exit\n";
	struct rk_run_result r = run_checked(source, NULL, 0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_STACK);
	cr_assert_eq(r.insn_index, 6);
}

Test(checked, atomic_reads_its_operand)
{
	struct rk_run_result r = run_checked("mov %r1, 1\nlock add [%r10-8], %r1\nmov %r0, 0\nexit\n",
	                                     NULL, 0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_STACK);
	cr_assert_eq(r.insn_index, 1);
}

Test(checked, uninitialised_register)
{
	struct rk_run_result r = run_checked("mov %r0, %r3\nexit\n", NULL, 0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_REG);
	cr_assert_eq(r.reg, 3);
	cr_assert_str_eq(r.message, "insn 0: r3 is read before it is written");
}

Test(checked, r0_unset_at_exit)
{
	struct rk_run_result r = run_checked("exit\n", NULL, 0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_REG);
	cr_assert_eq(r.reg, 0);
}

Test(checked, helper_clobbers_argument_registers)
{
	/* r1 held 1 before the call; after it, r1..r5 are undefined. */
	struct rk_run_result r = run_checked("mov %r1, 1\ncall 5\nmov %r0, %r1\nexit\n", NULL, 0,
	                                     false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_REG);
	cr_assert_eq(r.insn_index, 2);
	cr_assert_eq(r.reg, 1);
}

Test(checked, callee_does_not_see_caller_saved_registers)
{
	struct rk_run_result r = run_checked("mov %r6, 1\ncall local f\nexit\nf:\nmov %r0, %r6\nexit\n",
	                                     NULL, 0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_UNINIT_REG);
	cr_assert_eq(r.reg, 6);
	cr_assert_eq(r.insn_index, 3);
}

Test(checked, instruction_limit)
{
	struct rk_run_result r = run_checked("mov %r0, 0\nloop:\nadd %r0, 1\nja loop\n", NULL, 0,
	                                     false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_INSN_LIMIT);
	cr_assert_eq(r.insns_executed, 10000);
}

Test(checked, call_depth_limit)
{
	struct rk_run_result r = run_checked("call local f\nexit\nf:\ncall local f\nexit\n", NULL, 0,
	                                     false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_CALL_DEPTH);
	cr_assert(strstr(r.message, "deeper than 8 frames"), "%s", r.message);
}

Test(checked, callx_to_unknown_helper)
{
	struct rk_run_result r = run_checked("mov %r2, 99\ncall %r2\nexit\n", NULL, 0, false,
	                                     -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_HELPER);
	cr_assert_str_eq(r.message, "insn 1: callx r2 = 99, which names no registered helper");
}

Test(checked, helper_abort_is_a_clean_stop)
{
	struct rk_run_result r = run_checked("mov %r1, 0\ncall 5\nmov %r0, 2\nexit\n", NULL, 0,
	                                     false, 0);
	cr_assert_eq(r.stop, RK_STOP_ABORTED);
	cr_assert_eq(r.retval, 0);
	cr_assert_eq(r.insn_index, 1);
}

/* A callee may use a pointer into its caller's frame, and its own frame. */
Test(checked, callee_reaches_caller_stack)
{
	const char *source = "stdw [%r10-8], 40\n"
	                     "mov %r1, %r10\n"
	                     "add %r1, -8\n"
	                     "call local f\n"
	                     "exit\n"
	                     "f:\n"
	                     "ldxdw %r0, [%r1]\n"
	                     "stdw [%r10-512], 2\n"
	                     "ldxdw %r2, [%r10-512]\n"
	                     "add %r0, %r2\n"
	                     "exit\n";
	struct rk_run_result r = run_checked(source, NULL, 0, false, 0);
	cr_assert_eq(r.retval, 42);
	cr_assert_eq(r.insns_executed, 10);
}

/* ...but not below its own frame, and the caller no longer sees a returned callee's frame. */
Test(checked, stack_below_current_frame)
{
	struct rk_run_result r = run_checked("call local f\nexit\nf:\nldxdw %r0, [%r10-520]\nexit\n",
	                                     NULL, 0, false, -EFAULT);
	cr_assert_eq(r.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(r.insn_index, 2);
	struct rk_run_result after = run_checked(
		"call local f\nldxdw %r0, [%r10-520]\nexit\nf:\nstdw [%r10-8], 1\nmov %r0, 0\nexit\n",
		NULL, 0, false, -EFAULT);
	cr_assert_eq(after.stop, RK_STOP_BAD_ACCESS);
	cr_assert_eq(after.insn_index, 1);
}

Test(checked, host_region_readable)
{
	static uint64_t table[4] = {5, 6, 7, 8};
	struct rk_region region = {.name = "table", .start = (uintptr_t)table,
	                           .len = sizeof(table), .writable = false};
	char source[128];
	snprintf(source, sizeof(source), "lddw %%r1, 0x%llx\nldxdw %%r0, [%%r1+24]\nexit\n",
	         (unsigned long long)(uintptr_t)table);
	struct rk_helpers *helpers = test_helpers_new();
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	struct rk_run_opts opts = {.mode = RK_EXEC_CHECKED, .regions = &region, .region_count = 1};
	struct rk_run_result result;
	cr_assert_eq(rk_prog_run(prog, NULL, 0, &opts, &result), 0, "%s", result.message);
	cr_assert_eq(result.retval, 8);
	snprintf(source, sizeof(source), "lddw %%r1, 0x%llx\nldxdw %%r0, [%%r1+32]\nexit\n",
	         (unsigned long long)(uintptr_t)table);
	rk_prog_free(prog);
	prog = test_prog_from_asm(source, helpers);
	cr_assert_eq(rk_prog_run(prog, NULL, 0, &opts, &result), -EFAULT);
	cr_assert(strstr(result.message, "table["), "%s", result.message);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}

/* The fast interpreter gives the same answers on a program with deep calls. */
Test(checked, fast_and_checked_agree_on_recursion_to_depth_limit)
{
	/* Seven nested calls (8 frames, the limit), each adding its argument. */
	const char *source = "mov %r1, 6\n"
	                     "call local f\n"
	                     "exit\n"
	                     "f:\n"
	                     "mov %r0, 0\n"
	                     "jeq %r1, 0, done\n"
	                     "mov %r6, %r1\n"
	                     "sub %r1, 1\n"
	                     "call local f\n"
	                     "add %r0, %r6\n"
	                     "done:\n"
	                     "exit\n";
	struct rk_run_result checked = run_checked(source, NULL, 0, false, 0);
	cr_assert_eq(checked.retval, 21);
	struct rk_helpers *helpers = test_helpers_new();
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	struct rk_run_result fast;
	cr_assert_eq(rk_prog_run(prog, NULL, 0, NULL, &fast), 0, "%s", fast.message);
	cr_assert_eq(fast.retval, 21);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}
