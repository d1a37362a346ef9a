/*
 * arm64_run.c - the arm64 JIT against the fast interpreter, on an arm64
 * machine or under qemu-aarch64 (Criterion is not there, so this is a plain
 * program): every case runs both engines on the same context and stack
 * buffers and compares rc, stop reason, r0, the stopping instruction and
 * every byte of memory the program could touch.
 *
 * The one thing to know: the interpreter is the oracle.  A case passes when
 * the JIT does exactly what the interpreter does; a few cases also pin the
 * expected value, so that both engines agreeing on a wrong answer fails too.
 * Cases: each op family with its edge values, local calls to the depth
 * limit and past it, helpers (5 arguments, abort, CALLX good and bad), tail
 * calls, bpf_loop callbacks, branches beyond +-1 MiB, and randomly generated
 * straight-line programs (RANDOM_PROGRAMS, fixed seed).
 *
 *   aarch64-linux-gnu-gcc -std=c11 -D_DEFAULT_SOURCE -Ivm -Ijit -O2 \
 *       tests/jit/arm64_run.c build/arm64/librkbpf.a -o build/arm64/arm64-run
 *   qemu-aarch64 -L /usr/aarch64-linux-gnu build/arm64/arm64-run [-v]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"
#include "vm_internal.h"

#define RANDOM_PROGRAMS 3000
#define RANDOM_BODY_INSNS 48
#define CTX_BYTES 64

/* Helper ids of this file's registry. */
#define H_SUM5 1       /* r1 + 2 r2 + 3 r3 + 4 r4 + 5 r5: argument order */
#define H_USER 2       /* rk_run_user(run): the sixth argument is the run */
#define H_ABORT 3      /* rk_run_abort(run, r1) */
#define H_MEMSET 4     /* memset(r1, r2, r3), returns r3 */
#define H_CLOBBER 6    /* returns r1 ^ 0x5a5a; the caller checks r6..r9 survive */
#define H_TAIL 100     /* bpf_tail_call stand-in: run->tail_call_target */
#define H_LOOP 101     /* bpf_loop(nr, callback, ctx, flags) */

static int passed, failed;
static int verbose;
static const struct rk_prog *tail_target;

/* ---- Helpers ---------------------------------------------------------- */

static uint64_t helper_sum5(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct rk_run *run)
{
	(void)run;
	return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5;
}

static uint64_t helper_user(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct rk_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	return (uint64_t)(uintptr_t)rk_run_user(run);
}

static uint64_t helper_abort(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	rk_run_abort(run, r1);
	return 12345;
}

static uint64_t helper_memset(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct rk_run *run)
{
	(void)r4, (void)r5, (void)run;
	memset((void *)(uintptr_t)r1, (int)r2, (size_t)r3);
	return r3;
}

static uint64_t helper_clobber(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	/* Use callee-saved registers hard enough that a broken save would show. */
	volatile uint64_t spill[16];
	for (int i = 0; i < 16; i++)
		spill[i] = r1 * (uint64_t)(i + 3);
	for (int i = 1; i < 16; i++)
		spill[0] += spill[i];
	return r1 ^ 0x5a5a;
}

static uint64_t helper_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!tail_target)
		return (uint64_t)-ENOENT;
	run->tail_call_target = tail_target;
	run->tail_call_pending = true;
	run->tail_call_ctx = r1;
	return 0;
}

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
		if (run->aborted)
			return i;
		if (ret == 1) {
			i++;
			break;
		}
	}
	return i;
}

static struct rk_helpers *make_helpers(void)
{
	static const struct {
		uint32_t id;
		rk_helper_fn fn;
		struct rk_helper_proto proto;
	} table[] = {
		{H_SUM5, helper_sum5, {.name = "sum5"}},
		{H_USER, helper_user, {.name = "user"}},
		{H_ABORT, helper_abort, {.name = "abort"}},
		{H_MEMSET, helper_memset, {.name = "memset"}},
		{H_CLOBBER, helper_clobber, {.name = "clobber"}},
		{H_TAIL, helper_tail, {.name = "tail_call"}},
		{H_LOOP, helper_loop, {.name = "loop"}},
	};
	struct rk_helpers *helpers = rk_helpers_new();
	if (!helpers)
		abort();
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char err[RK_ERR_LEN];
		if (rk_helpers_register(helpers, table[i].id, table[i].fn, &table[i].proto, err,
		                        sizeof(err))) {
			fprintf(stderr, "register %u: %s\n", table[i].id, err);
			abort();
		}
	}
	return helpers;
}

/* ---- Running both engines -------------------------------------------- */

/* One engine's outcome and the memory it left. */
struct outcome {
	int rc;
	struct rk_run_result result;
	uint8_t ctx[CTX_BYTES];
	uint8_t stack[RK_RUN_STACK_BYTES];
};

_Alignas(16) static uint8_t run_stack[RK_RUN_STACK_BYTES];
_Alignas(16) static uint8_t run_ctx[CTX_BYTES];
static int user_token;

static void run_engine(struct rk_prog *prog, enum rk_exec_mode mode, const uint8_t *ctx_init,
                       size_t ctx_len, struct outcome *out)
{
	/* The same buffers for both engines: pointers stored to memory compare equal. */
	for (size_t i = 0; i < sizeof(run_stack); i++)
		run_stack[i] = (uint8_t)(i * 7 + 3);
	memset(run_ctx, 0, sizeof(run_ctx));
	if (ctx_init)
		memcpy(run_ctx, ctx_init, ctx_len);
	struct rk_run_opts opts = {.mode = mode, .user = &user_token, .stack = run_stack};
	memset(&out->result, 0, sizeof(out->result));
	out->rc = rk_prog_run(prog, ctx_init ? run_ctx : NULL, ctx_len, &opts, &out->result);
	memcpy(out->ctx, run_ctx, sizeof(out->ctx));
	memcpy(out->stack, run_stack, sizeof(out->stack));
}

static struct outcome interp_out, jit_out;

/*
 * Run prog on both engines and compare.  expect_retval: also required of
 * both (UINT64_MAX + check_retval = false: only agreement).
 */
static bool compare_prog(const char *name, struct rk_prog *prog, const uint8_t *ctx,
                         size_t ctx_len, bool check_retval, uint64_t expect_retval,
                         int expect_stop)
{
	char err[RK_ERR_LEN];
	int rc = rk_prog_jit(prog, err, sizeof(err));
	if (rc) {
		printf("FAIL %s: rk_prog_jit: %s\n", name, err);
		failed++;
		return false;
	}
	run_engine(prog, RK_EXEC_FAST, ctx, ctx_len, &interp_out);
	run_engine(prog, RK_EXEC_JIT, ctx, ctx_len, &jit_out);
	const struct rk_run_result *a = &interp_out.result, *b = &jit_out.result;
	const char *why = NULL;
	if (interp_out.rc != jit_out.rc)
		why = "rc differs";
	else if (a->stop != b->stop)
		why = "stop reason differs";
	else if (a->retval != b->retval && (a->stop == RK_STOP_EXIT || a->stop == RK_STOP_ABORTED))
		why = "r0 differs";
	else if (a->stop != RK_STOP_EXIT && a->insn_index != b->insn_index)
		why = "stopping instruction differs";
	else if (memcmp(interp_out.ctx, jit_out.ctx, sizeof(interp_out.ctx)) != 0)
		why = "context memory differs";
	else if (memcmp(interp_out.stack, jit_out.stack, sizeof(interp_out.stack)) != 0)
		why = "stack memory differs";
	else if (check_retval && a->retval != expect_retval)
		why = "both engines return the wrong value";
	else if (expect_stop >= 0 && (int)a->stop != expect_stop)
		why = "both engines stop for the wrong reason";
	if (why) {
		printf("FAIL %s: %s\n  interp: rc %d stop %s r0 0x%" PRIx64 " insn %zu: %s\n"
		       "  jit:    rc %d stop %s r0 0x%" PRIx64 " insn %zu: %s\n",
		       name, why, interp_out.rc, rk_stop_name(a->stop), a->retval, a->insn_index,
		       a->message, jit_out.rc, rk_stop_name(b->stop), b->retval, b->insn_index,
		       b->message);
		if (check_retval)
			printf("  expected r0 0x%" PRIx64 "\n", expect_retval);
		for (size_t i = 0; i < sizeof(interp_out.stack); i += 8)
			if (memcmp(interp_out.stack + i, jit_out.stack + i, 8) != 0) {
				uint64_t x, y;
				memcpy(&x, interp_out.stack + i, 8);
				memcpy(&y, jit_out.stack + i, 8);
				printf("  stack[r10-%zu]: interp 0x%016" PRIx64 " jit 0x%016" PRIx64 "\n",
				       sizeof(interp_out.stack) - i, x, y);
			}
		failed++;
		return false;
	}
	if (verbose)
		printf("ok   %s: %s r0 0x%" PRIx64 "\n", name, rk_stop_name(a->stop), a->retval);
	passed++;
	return true;
}

static struct rk_prog *prog_from_asm(const char *name, const char *source,
                                     const struct rk_helpers *helpers)
{
	char err[RK_ERR_LEN];
	struct rk_insn *insns = NULL;
	size_t count = 0;
	if (rk_asm(source, &insns, &count, err, sizeof(err))) {
		printf("FAIL %s: assembler: %s\n", name, err);
		failed++;
		return NULL;
	}
	struct rk_prog *prog = NULL;
	int rc = rk_prog_new(insns, count, helpers, &prog, err, sizeof(err));
	free(insns);
	if (rc) {
		printf("FAIL %s: rk_prog_new: %s\n", name, err);
		failed++;
		return NULL;
	}
	return prog;
}

#define ANY_STOP (-1)

static void check_asm(const char *name, const char *source, const struct rk_helpers *helpers,
                      const uint8_t *ctx, size_t ctx_len, bool check_retval, uint64_t expect,
                      int expect_stop)
{
	struct rk_prog *prog = prog_from_asm(name, source, helpers);
	if (!prog)
		return;
	compare_prog(name, prog, ctx, ctx_len, check_retval, expect, expect_stop);
	rk_prog_free(prog);
}

/* Shorthands: expect a value, or only agreement. */
#define EXPECT(name, src, value) check_asm(name, src, helpers, NULL, 0, true, value, RK_STOP_EXIT)
#define AGREE(name, src) check_asm(name, src, helpers, NULL, 0, false, 0, ANY_STOP)

/* ---- Hand-written cases ----------------------------------------------- */

static void test_alu_edges(const struct rk_helpers *helpers)
{
	EXPECT("udiv64 by zero reg", "mov %r0, 77\nmov %r1, 0\ndiv %r0, %r1\nexit\n", 0);
	EXPECT("udiv32 by zero imm", "lddw %r0, 0xffffffff00000077\ndiv32 %r0, 0\nexit\n", 0);
	EXPECT("umod64 by zero keeps dst", "mov %r0, 77\nmov %r1, 0\nmod %r0, %r1\nexit\n", 77);
	EXPECT("umod32 by zero zero-extends",
	       "lddw %r0, 0xffffffff00000077\nmov %r1, 0\nmod32 %r0, %r1\nexit\n", 0x77);
	EXPECT("sdiv64 INT_MIN / -1",
	       "lddw %r0, 0x8000000000000000\nmov %r1, -1\nsdiv %r0, %r1\nexit\n",
	       0x8000000000000000ull);
	EXPECT("smod64 INT_MIN % -1",
	       "lddw %r0, 0x8000000000000000\nmov %r1, -1\nsmod %r0, %r1\nexit\n", 0);
	EXPECT("sdiv32 INT_MIN / -1 imm", "mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit\n",
	       0x80000000ull);
	EXPECT("smod32 INT_MIN % -1 imm", "mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit\n", 0);
	EXPECT("smod32 by zero", "mov32 %r0, -7\nsmod32 %r0, 0\nexit\n", 0xfffffff9ull);
	EXPECT("smod64 by zero", "mov %r0, -7\nsmod %r0, 0\nexit\n", (uint64_t)-7);
	EXPECT("sdiv64 neg imm", "mov %r0, -13\nsdiv %r0, 3\nexit\n", (uint64_t)-4);
	EXPECT("udiv64 by -1 imm (sign-extended)", "mov %r0, -1\ndiv %r0, -1\nexit\n", 1);
	EXPECT("umod same register", "mov %r0, 9\nmod %r0, %r0\nexit\n", 0);
	EXPECT("lsh64 by 63", "mov %r0, 3\nlsh %r0, 63\nexit\n", 0x8000000000000000ull);
	EXPECT("lsh64 reg by 64+1 masks", "mov %r0, 3\nmov %r1, 65\nlsh %r0, %r1\nexit\n", 6);
	EXPECT("rsh32 reg by 33 masks", "mov32 %r0, 8\nmov %r1, 33\nrsh32 %r0, %r1\nexit\n", 4);
	EXPECT("arsh64 by 63", "mov %r0, -2\narsh %r0, 63\nexit\n", UINT64_MAX);
	EXPECT("arsh32 zero-extends", "mov32 %r0, 0x80000000\narsh32 %r0, 4\nexit\n", 0xf8000000ull);
	EXPECT("add32 wraps", "mov32 %r0, 0xffffffff\nadd32 %r0, 2\nexit\n", 1);
	EXPECT("add32 imm 0 zero-extends", "lddw %r0, 0x1234567800000005\nadd32 %r0, 0\nexit\n", 5);
	EXPECT("sub64 INT32_MIN imm", "mov %r0, 0\nsub %r0, -2147483648\nexit\n", 0x80000000ull);
	EXPECT("sub32 INT32_MIN imm", "mov32 %r0, 1\nsub32 %r0, -2147483648\nexit\n", 0x80000001ull);
	EXPECT("mov32 reg onto itself zero-extends",
	       "lddw %r0, 0xdeadbeef12345678\nmov32 %r0, %r0\nexit\n", 0x12345678);
	EXPECT("mov64 imm sign-extends", "mov %r0, -2\nexit\n", (uint64_t)-2);
	EXPECT("mov32 imm zero-extends", "mov32 %r0, -2\nexit\n", 0xfffffffeull);
	EXPECT("movsx864", "mov %r1, 0x80\nmovsx864 %r0, %r1\nexit\n", (uint64_t)-128);
	EXPECT("movsx1664", "mov %r1, 0x8001\nmovsx1664 %r0, %r1\nexit\n", 0xffffffffffff8001ull);
	EXPECT("movsx3264", "mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit\n",
	       0xffffffff80000000ull);
	EXPECT("movsx832", "mov %r1, 0x80\nmovsx832 %r0, %r1\nexit\n", 0xffffff80ull);
	EXPECT("movsx1632", "mov %r1, 0x8000\nmovsx1632 %r0, %r1\nexit\n", 0xffff8000ull);
	EXPECT("neg32 INT_MIN", "mov32 %r0, 0x80000000\nneg32 %r0\nexit\n", 0x80000000ull);
	EXPECT("neg64", "mov %r0, 5\nneg %r0\nexit\n", (uint64_t)-5);
	EXPECT("mul32 wraps", "mov32 %r0, 0x10000\nmul32 %r0, 0x10001\nexit\n", 0x10000);
	EXPECT("and64 bitmask imm", "mov %r0, -1\nand %r0, 0xff0\nexit\n", 0xff0);
	EXPECT("and64 non-bitmask imm", "mov %r0, -1\nand %r0, 0x1234\nexit\n", 0x1234);
	EXPECT("or32 imm", "lddw %r0, 0xff00000000000000\nor32 %r0, 0x5\nexit\n", 5);
	EXPECT("xor64 neg imm", "mov %r0, 0\nxor %r0, -1\nexit\n", UINT64_MAX);
	EXPECT("and32 with -1 zero-extends", "mov %r0, -1\nand32 %r0, -1\nexit\n", 0xffffffffull);
	EXPECT("be16", "lddw %r0, 0x1122334455667788\nbe16 %r0\nexit\n", 0x8877);
	EXPECT("be32", "lddw %r0, 0x1122334455667788\nbe32 %r0\nexit\n", 0x88776655);
	EXPECT("be64", "lddw %r0, 0x1122334455667788\nbe64 %r0\nexit\n", 0x8877665544332211ull);
	EXPECT("le16", "lddw %r0, 0x1122334455667788\nle16 %r0\nexit\n", 0x7788);
	EXPECT("le32", "lddw %r0, 0x1122334455667788\nle32 %r0\nexit\n", 0x55667788);
	EXPECT("le64", "lddw %r0, 0x1122334455667788\nle64 %r0\nexit\n", 0x1122334455667788ull);
	EXPECT("bswap16", "lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit\n", 0x8877);
	EXPECT("bswap32", "lddw %r0, 0x1122334455667788\nbswap32 %r0\nexit\n", 0x88776655);
	EXPECT("bswap64", "lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit\n",
	       0x8877665544332211ull);
	EXPECT("lddw movn pattern", "lddw %r0, 0xffffffff0000ffff\nexit\n", 0xffffffff0000ffffull);
	EXPECT("lddw all ones", "lddw %r0, 0xffffffffffffffff\nexit\n", UINT64_MAX);
	EXPECT("lddw zero", "lddw %r0, 0\nexit\n", 0);
	EXPECT("lddw bitmask", "lddw %r0, 0x5555555555555555\nexit\n", 0x5555555555555555ull);
	EXPECT("add64 big imm", "mov %r0, 1\nadd %r0, 0x12345\nexit\n", 0x12346);
	EXPECT("add64 shifted imm12", "mov %r0, 1\nadd %r0, 0x5000\nexit\n", 0x5001);
}

static void test_jumps(const struct rk_helpers *helpers)
{
	/* Each returns 1 when the jump goes the way the comment says. */
	static const struct {
		const char *name, *src;
	} cases[] = {
		{"jeq64 imm 0 (cbz)", "mov %r1, 0\njeq %r1, 0, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jne32 imm 0 ignores high", "lddw %r1, 0x100000000\njne32 %r1, 0, +2\nmov %r0, 1\nexit\nexit\n"},
		{"jgt unsigned", "mov %r1, -1\njgt %r1, 5, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jsgt signed", "mov %r1, -1\njsgt %r1, 5, +2\nmov %r0, 1\nexit\nexit\n"},
		{"jslt neg imm (cmn)", "mov %r1, -10\njslt %r1, -5, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jsge neg imm equal", "mov %r1, -5\njsge %r1, -5, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jlt32 imm", "lddw %r1, 0xffffffff00000003\njlt32 %r1, 4, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jle32 neg imm", "mov32 %r1, 0xfffffffb\njle32 %r1, -5, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jsle32 neg imm", "mov32 %r1, 0xfffffff0\njsle32 %r1, -5, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jsgt32 INT_MIN imm", "mov32 %r1, 0\njsgt32 %r1, -2147483648, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jge big imm", "mov %r1, 0x7fffffff\njge %r1, 0x7fffffff, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jset imm bitmask", "mov %r1, 0x10\njset %r1, 0x30, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jset imm not bitmask", "mov %r1, 0x10\njset %r1, 0x1224, +2\nmov %r0, 1\nexit\nexit\n"},
		{"jset32 ignores high", "lddw %r1, 0x100000000\njset32 %r1, -1, +2\nmov %r0, 1\nexit\nexit\n"},
		{"jset reg", "mov %r1, 6\nmov %r2, 4\njset %r1, %r2, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jne reg", "mov %r1, 6\nmov %r2, 4\njne %r1, %r2, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jsle32 reg", "mov32 %r1, -1\nmov32 %r2, 0\njsle32 %r1, %r2, +1\nexit\nmov %r0, 1\nexit\n"},
		{"jeq shifted imm", "mov %r1, 0x3000\njeq %r1, 0x3000, +1\nexit\nmov %r0, 1\nexit\n"},
		{"ja back and forth", "mov %r0, 0\nja +2\nmov %r0, 1\nexit\nja -3\n"},
		{"ja32", "mov %r0, 1\nja32 +1\nmov %r0, 0\nexit\n"},
		{"loop", "mov %r0, 0\nmov %r1, 10\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, -3\n"
		         "jeq %r0, 55, +1\nexit\nmov %r0, 1\nexit\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[512];
		snprintf(src, sizeof(src), "mov %%r0, 0\n%s", cases[i].src);
		EXPECT(cases[i].name, src, 1);
	}
}

static void test_memory(const struct rk_helpers *helpers)
{
	uint8_t ctx[CTX_BYTES];
	for (size_t i = 0; i < sizeof(ctx); i++)
		ctx[i] = (uint8_t)(0x80 + i * 13);
	static const char *const loads =
		"ldxb %r2, [%r1+1]\nldxh %r3, [%r1+3]\nldxw %r4, [%r1+5]\nldxdw %r5, [%r1+9]\n"
		"ldxsb %r6, [%r1+17]\nldxsh %r7, [%r1+19]\nldxsw %r8, [%r1+21]\n"
		"mov %r0, %r2\nxor %r0, %r3\nlsh %r0, 3\nxor %r0, %r4\nlsh %r0, 5\nxor %r0, %r5\n"
		"xor %r0, %r6\nrsh %r0, 1\nxor %r0, %r7\nxor %r0, %r8\nexit\n";
	check_asm("loads unaligned and signed", loads, helpers, ctx, sizeof(ctx), false, 0, RK_STOP_EXIT);
	static const char *const stores =
		"mov %r2, -1\nstxb [%r1+1], %r2\nstxh [%r1+3], %r2\nstxw [%r1+7], %r2\nstxdw [%r1+13], %r2\n"
		"stb [%r1+30], 0x81\nsth [%r1+32], -2\nstw [%r1+35], 0x12345678\nstdw [%r1+40], -3\n"
		"stdw [%r10-512], 7\nstw [%r10-300], 0\nstxdw [%r10-264], %r2\nldxdw %r0, [%r10-264]\n"
		"ldxb %r3, [%r10-512]\nadd %r0, %r3\nexit\n";
	check_asm("stores, far offsets", stores, helpers, ctx, sizeof(ctx), true, 6, RK_STOP_EXIT);
	static const char *const big_offsets =
		"mov %r2, %r1\nadd %r2, -4000\nstxdw [%r2+4008], %r2\nldxdw %r3, [%r2+4008]\n"
		"sub %r3, %r2\nstb [%r2+4001], 9\nldxb %r0, [%r2+4001]\nadd %r0, %r3\n"
		"ldxsh %r4, [%r2+4003]\nadd %r0, %r4\nexit\n";
	check_asm("loads and stores beyond imm9/imm12", big_offsets, helpers, ctx, sizeof(ctx), false,
	          0, RK_STOP_EXIT);
}

static void test_atomics(const struct rk_helpers *helpers)
{
	static const char *const ops[] = {"add", "or", "and", "xor"};
	for (size_t i = 0; i < 4; i++)
		for (int fetch = 0; fetch < 2; fetch++)
			for (int wide = 0; wide < 2; wide++) {
				char name[64], src[512];
				snprintf(name, sizeof(name), "lock %s%s%s", fetch ? "fetch " : "", ops[i],
				         wide ? "" : "32");
				snprintf(src, sizeof(src),
				         "lddw %%r1, 0x0f0f0f0ff0f0f0f0\nstxdw [%%r10-16], %%r1\n"
				         "lddw %%r2, 0x123456789abcdef1\nmov %%r3, %%r10\n"
				         "lock %s%s%s [%%r3-16], %%r2\n"
				         "ldxdw %%r0, [%%r10-16]\nxor %%r0, %%r2\nexit\n",
				         fetch ? "fetch " : "", ops[i], wide ? "" : "32");
				AGREE(name, src);
			}
	AGREE("lock xchg", "lddw %r1, 0x1111111122222222\nstxdw [%r10-8], %r1\n"
	                   "lddw %r2, 0x3333333344444444\nlock xchg [%r10-8], %r2\n"
	                   "ldxdw %r0, [%r10-8]\nadd %r0, %r2\nexit\n");
	AGREE("lock xchg32", "lddw %r1, 0x1111111122222222\nstxdw [%r10-8], %r1\n"
	                     "lddw %r2, 0x3333333344444444\nlock xchg32 [%r10-8], %r2\n"
	                     "ldxdw %r0, [%r10-8]\nadd %r0, %r2\nexit\n");
	EXPECT("lock cmpxchg hit", "mov %r1, 5\nstxdw [%r10-8], %r1\nmov %r0, 5\nmov %r2, 9\n"
	                           "lock cmpxchg [%r10-8], %r2\nldxdw %r3, [%r10-8]\n"
	                           "lsh %r3, 8\nor %r0, %r3\nexit\n", 0x905);
	EXPECT("lock cmpxchg miss", "mov %r1, 5\nstxdw [%r10-8], %r1\nmov %r0, 6\nmov %r2, 9\n"
	                            "lock cmpxchg [%r10-8], %r2\nldxdw %r3, [%r10-8]\n"
	                            "lsh %r3, 8\nor %r0, %r3\nexit\n", 0x505);
	EXPECT("lock cmpxchg32 compares low half",
	       "lddw %r1, 0xaaaaaaaa00000005\nstxdw [%r10-8], %r1\nlddw %r0, 0xbbbbbbbb00000005\n"
	       "mov %r2, 9\nlock cmpxchg32 [%r10-8], %r2\nldxdw %r3, [%r10-8]\nxor %r0, %r3\nexit\n",
	       0xaaaaaaaa0000000cull);
	AGREE("lock cmpxchg src is r0", "mov %r1, 5\nstxdw [%r10-8], %r1\nmov %r0, 5\n"
	                                "lock cmpxchg [%r10-8], %r0\nldxdw %r3, [%r10-8]\n"
	                                "add %r0, %r3\nexit\n");
	AGREE("lock fetch add src is dst base",
	      "mov %r1, %r10\nadd %r1, -8\nstxdw [%r1], %r1\nlock fetch add [%r1], %r1\n"
	      "ldxdw %r0, [%r10-8]\nsub %r0, %r1\nexit\n");
}

static void test_calls(const struct rk_helpers *helpers)
{
	EXPECT("helper with 5 args", "mov %r1, 1\nmov %r2, 10\nmov %r3, 100\nmov %r4, 1000\n"
	                             "mov %r5, 10000\ncall 1\nexit\n",
	       1 + 20 + 300 + 4000 + 50000);
	EXPECT("helper sees the run", "call 2\nexit\n", (uint64_t)(uintptr_t)&user_token);
	EXPECT("r6..r10 survive a helper",
	       "mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\nmov %r1, 1\nstdw [%r10-8], 3\n"
	       "call 6\nmov %r1, %r10\nldxdw %r2, [%r1-8]\nadd %r0, %r2\n"
	       "add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\nexit\n",
	       (1 ^ 0x5a5a) + 3 + 30);
	check_asm("helper aborts", "mov %r1, 42\nmov %r0, 1\ncall 3\nmov %r0, 2\nexit\n", helpers, NULL,
	          0, true, 42, RK_STOP_ABORTED);
	check_asm("helper aborts in a subprogram",
	          "call local f\nexit\nf:\nmov %r1, 43\ncall 3\nmov %r0, 2\nexit\n", helpers, NULL, 0,
	          true, 43, RK_STOP_ABORTED);
	EXPECT("helper memset into stack",
	       "mov %r1, %r10\nadd %r1, -16\nmov %r2, 0xab\nmov %r3, 16\ncall 4\n"
	       "ldxdw %r0, [%r10-8]\nexit\n", 0xababababababababull);
	EXPECT("callx good", "mov %r1, 3\nmov %r2, 4\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\n"
	                     "mov %r6, 1\ncall %r6\nexit\n", 3 + 8);
	check_asm("callx unregistered id", "mov %r1, 3\nmov %r6, 77\ncall %r6\nexit\n", helpers, NULL,
	          0, false, 0, RK_STOP_BAD_HELPER);
	check_asm("callx huge id", "lddw %r6, 0x100000001\ncall %r6\nexit\n", helpers, NULL, 0, false,
	          0, RK_STOP_BAD_HELPER);
	check_asm("callx id at the bound", "mov %r6, 0x10000\ncall %r6\nexit\n", helpers, NULL, 0,
	          false, 0, RK_STOP_BAD_HELPER);
	EXPECT("callx keeps r1..r5",
	       "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\nmov %r0, 1\ncall %r0\nexit\n",
	       1 + 4 + 9 + 16 + 25);
	/* Local calls: arguments, callee-saved registers, separate frames. */
	EXPECT("local call passes r1..r5 and keeps r6..r9",
	       "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\n"
	       "mov %r6, 60\nmov %r7, 70\nmov %r8, 80\nmov %r9, 90\nstdw [%r10-8], 1000\n"
	       "call local f\nadd %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\n"
	       "ldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit\n"
	       "f:\nstdw [%r10-8], 5\nmov %r6, 0\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0\n"
	       "mov %r0, %r1\nadd %r0, %r2\nadd %r0, %r3\nadd %r0, %r4\nadd %r0, %r5\n"
	       "ldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit\n",
	       15 + 5 + 300 + 1000);
	/* f(n) = n == 0 ? 0 : f(n - 1) + 1, from main: n + 2 frames in use at the bottom. */
	for (int n = 0; n <= 8; n++) {
		char name[64], src[512];
		snprintf(name, sizeof(name), "recursion to %d frames", n + 2);
		snprintf(src, sizeof(src),
		         "mov %%r1, %d\nmov %%r6, 99\ncall local f\nadd %%r0, %%r6\nexit\n"
		         "f:\nmov %%r0, 0\njeq %%r1, 0, +4\nsub %%r1, 1\nmov %%r6, %%r1\ncall local f\n"
		         "add %%r0, 1\nstxdw [%%r10-8], %%r0\nexit\n",
		         n);
		if (n + 2 <= RK_MAX_CALL_FRAMES)
			check_asm(name, src, helpers, NULL, 0, true, (uint64_t)n + 99, RK_STOP_EXIT);
		else
			check_asm(name, src, helpers, NULL, 0, false, 0, RK_STOP_CALL_DEPTH);
	}
	EXPECT("helper inside a subprogram at depth",
	       "mov %r1, 2\ncall local f\nexit\nf:\nmov %r6, %r1\nmov %r1, 7\ncall 6\n"
	       "add %r0, %r6\nexit\n", (7 ^ 0x5a5a) + 2);
}

static void test_tail_and_loop(const struct rk_helpers *helpers)
{
	uint8_t ctx[1] = {5};
	struct rk_prog *target = prog_from_asm("tail target", "ldxb %r0, [%r1]\nadd %r0, 100\nexit\n",
	                                       helpers);
	struct rk_prog *caller = prog_from_asm("tail caller",
	                                       "stdw [%r10-8], 1\ncall 100\nmov %r0, 1\nexit\n", helpers);
	char err[RK_ERR_LEN];
	if (target && caller && rk_prog_jit(target, err, sizeof(err)) == 0) {
		tail_target = target;
		compare_prog("tail call taken", caller, ctx, 1, true, 105, RK_STOP_EXIT);
		tail_target = NULL;
		compare_prog("tail call missing", caller, ctx, 1, true, 1, RK_STOP_EXIT);
	} else {
		printf("FAIL tail call setup: %s\n", err);
		failed++;
	}
	struct rk_prog *sub = prog_from_asm("tail from subprogram",
	                                    "call local f\nexit\nf:\ncall 100\nmov %r0, 1\nexit\n",
	                                    helpers);
	if (sub && target) {
		tail_target = target;
		compare_prog("tail call from subprogram refused", sub, NULL, 0, false, 0,
		             RK_STOP_TAIL_CALL);
		tail_target = NULL;
	}
	rk_prog_free(sub);
	rk_prog_free(caller);
	rk_prog_free(target);

	static const char *const loop_source =
		"stdw [%r10-8], 0\nmov %r1, 5\nmov %r2, 11\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
		"call 101\nldxdw %r1, [%r10-8]\nmul %r1, 1000\nadd %r0, %r1\nexit\n"
		"cb:\nldxdw %r3, [%r2]\nadd %r3, %r1\nstxdw [%r2], %r3\nstxdw [%r10-8], %r3\n"
		"mov %r0, 0\nexit\n";
	check_asm("bpf_loop callback", loop_source, helpers, NULL, 0, true, 10 * 1000 + 5,
	          RK_STOP_EXIT);
	/* The callback stops the loop by returning 1 at i == 2. */
	check_asm("bpf_loop callback stops early",
	          "stdw [%r10-8], 0\nmov %r1, 5\nmov %r2, 11\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
	          "call 101\nldxdw %r1, [%r10-8]\nmul %r1, 1000\nadd %r0, %r1\nexit\n"
	          "cb:\nldxdw %r3, [%r2]\nadd %r3, %r1\nstxdw [%r2], %r3\nmov %r0, 0\n"
	          "jne %r1, 2, +1\nmov %r0, 1\nexit\n",
	          helpers, NULL, 0, true, 3 * 1000 + 3, RK_STOP_EXIT);
	check_asm("bpf_loop callback aborts",
	          "mov %r1, 5\nmov %r2, 6\nmov %r3, 0\nmov %r4, 0\ncall 101\nexit\n"
	          "cb:\nmov %r1, 77\ncall 3\nmov %r0, 0\nexit\n",
	          helpers, NULL, 0, true, 77, RK_STOP_ABORTED);
	/* A callback that recurses through local calls runs out of frames. */
	check_asm("bpf_loop callback too deep",
	          "mov %r1, 1\nmov %r2, 6\nmov %r3, 0\nmov %r4, 0\ncall 101\nexit\n"
	          "cb:\nmov %r1, 10\ncall local f\nexit\n"
	          "f:\nmov %r0, 0\njeq %r1, 0, +2\nsub %r1, 1\ncall local f\nexit\n",
	          helpers, NULL, 0, false, 0, RK_STOP_CALL_DEPTH);
	/* Whether index 3 counts as a function is the program's business: only agreement. */
	check_asm("bpf_loop callback index mid-function",
	          "mov %r1, 1\nmov %r2, 3\nmov %r3, 0\nmov %r4, 0\ncall 101\nexit\n",
	          helpers, NULL, 0, false, 0, ANY_STOP);
	/* Nested: the callback calls bpf_loop itself. */
	check_asm("bpf_loop nested",
	          "stdw [%r10-8], 0\nmov %r1, 3\nmov %r2, 11\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
	          "call 101\nldxdw %r1, [%r10-8]\nmul %r1, 1000\nadd %r0, %r1\nexit\n"
	          "cb:\nmov %r6, %r2\nmov %r1, 4\nmov %r2, 19\nmov %r3, %r6\nmov %r4, 0\ncall 101\n"
	          "mov %r0, 0\nexit\n"
	          "inner:\nldxdw %r3, [%r2]\nadd %r3, 1\nstxdw [%r2], %r3\nmov %r0, 0\nexit\n",
	          helpers, NULL, 0, true, 12 * 1000 + 3, RK_STOP_EXIT);
}

/* ---- Far branches (beyond the +-1 MiB of b.cond and cbz) --------------- */

static void test_far_branches(const struct rk_helpers *helpers)
{
	/*
	 * A BPF jump spans at most 32767 slots; a helper call is one slot but
	 * ~48 bytes of native code, so 30,000 of them put 1.4 MiB between a
	 * jump and its target.
	 */
	enum { FILLER = 30000 };
	const struct rk_insn call_sum5 = {.code = RK_OP_CALL, .imm = H_SUM5};
	struct rk_insn *insns = calloc(FILLER + 16, sizeof(*insns));
	if (!insns)
		abort();
	char err[RK_ERR_LEN];

	/* A: a conditional jump forward over the filler. */
	size_t n = 0;
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .dst_reg = 0};
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .dst_reg = 6, .imm = 3};
	insns[n++] = (struct rk_insn){.code = RK_CLS_JMP | RK_JMP_JEQ | RK_SRC_K, .dst_reg = 6, .imm = 3,
	                              .off = FILLER + 1};
	for (size_t i = 0; i < FILLER; i++)
		insns[n++] = call_sum5;
	insns[n++] = (struct rk_insn){.code = RK_OP_EXIT};
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .dst_reg = 0, .imm = 7};
	insns[n++] = (struct rk_insn){.code = RK_OP_EXIT};
	struct rk_prog *prog = NULL;
	if (rk_prog_new(insns, n, helpers, &prog, err, sizeof(err))) {
		printf("FAIL far jump forward: rk_prog_new: %s\n", err);
		failed++;
	} else if (compare_prog("far conditional jump forward", prog, NULL, 0, true, 7, RK_STOP_EXIT)) {
		size_t size = 0;
		rk_prog_jited_code(prog, &size);
		if (size < (1u << 20)) {
			printf("FAIL far jump forward: only %zu bytes of code, not beyond 1 MiB\n", size);
			failed++;
		}
	}
	rk_prog_free(prog);

	/* B: a loop whose conditional jump back spans the filler; a far stop stub aborts it. */
	n = 0;
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .dst_reg = 6};
	const size_t top = n;
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_ADD | RK_SRC_K, .dst_reg = 6, .imm = 1};
	insns[n++] = (struct rk_insn){.code = RK_CLS_JMP | RK_JMP_JNE | RK_SRC_K, .dst_reg = 6, .imm = 3,
	                              .off = 2};
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .dst_reg = 1, .imm = 42};
	insns[n++] = (struct rk_insn){.code = RK_OP_CALL, .imm = H_ABORT};
	for (size_t i = 0; i < FILLER; i++)
		insns[n++] = call_sum5;
	insns[n] = (struct rk_insn){.code = RK_CLS_JMP32 | RK_JMP_JLT | RK_SRC_K, .dst_reg = 6, .imm = 10,
	                            .off = (int16_t)((int64_t)top - (int64_t)n - 1)};
	n++;
	insns[n++] = (struct rk_insn){.code = RK_OP_EXIT};
	prog = NULL;
	if (rk_prog_new(insns, n, helpers, &prog, err, sizeof(err))) {
		printf("FAIL far jump backward: rk_prog_new: %s\n", err);
		failed++;
	} else {
		compare_prog("far conditional jump backward, far stop stub", prog, NULL, 0, true, 42,
		             RK_STOP_ABORTED);
	}
	rk_prog_free(prog);
	free(insns);
}

/* ---- Random straight-line programs ------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t edge_value(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, UINT64_MAX, UINT64_MAX - 1, 0xffffffff80000000ull,
		0x5555555555555555ull, 0x00ff00ff00ff00ffull};
	if (rng() % 3 == 0)
		return rng();
	uint64_t v = edges[rng() % (sizeof(edges) / sizeof(edges[0]))];
	return rng() % 4 == 0 ? 0 - v : v;
}

static int32_t edge_imm(void)
{
	static const int32_t imms[] = {0, 1, -1, 2, 3, 7, 31, 32, 63, 64, 4095, 4096, -4095, -4096,
	                               0x5000, 0xff, 0xff00, 0x7fffffff, INT32_MIN, -2, 0x12345,
	                               0x55555555, -256, 0x3000};
	if (rng() % 4 == 0)
		return (int32_t)rng();
	return imms[rng() % (sizeof(imms) / sizeof(imms[0]))];
}

static int size_bytes(uint8_t size)
{
	return size == RK_SIZE_B ? 1 : size == RK_SIZE_H ? 2 : size == RK_SIZE_W ? 4 : 8;
}

static size_t random_program(struct rk_insn *insns)
{
	static const uint8_t alu_ops[] = {RK_ALU_ADD, RK_ALU_SUB, RK_ALU_MUL, RK_ALU_DIV, RK_ALU_OR,
	                                  RK_ALU_AND, RK_ALU_LSH, RK_ALU_RSH, RK_ALU_NEG, RK_ALU_MOD,
	                                  RK_ALU_XOR, RK_ALU_MOV, RK_ALU_ARSH, RK_ALU_END};
	static const uint8_t jmp_ops[] = {RK_JMP_JEQ, RK_JMP_JGT, RK_JMP_JGE, RK_JMP_JSET,
	                                  RK_JMP_JNE, RK_JMP_JSGT, RK_JMP_JSGE, RK_JMP_JLT,
	                                  RK_JMP_JLE, RK_JMP_JSLT, RK_JMP_JSLE};
	static const uint8_t sizes[] = {RK_SIZE_B, RK_SIZE_H, RK_SIZE_W, RK_SIZE_DW};
	static const int32_t atomic_ops[] = {
		RK_ATOMIC_ADD, RK_ATOMIC_OR, RK_ATOMIC_AND, RK_ATOMIC_XOR,
		RK_ATOMIC_ADD | RK_ATOMIC_FETCH, RK_ATOMIC_OR | RK_ATOMIC_FETCH,
		RK_ATOMIC_AND | RK_ATOMIC_FETCH, RK_ATOMIC_XOR | RK_ATOMIC_FETCH,
		RK_ATOMIC_XCHG, RK_ATOMIC_CMPXCHG};
	size_t n = 0;
	for (uint8_t r = 0; r <= 9; r++) {
		uint64_t v = edge_value();
		insns[n++] = (struct rk_insn){.code = RK_OP_LDDW, .dst_reg = r, .imm = (int32_t)(uint32_t)v};
		insns[n++] = (struct rk_insn){.imm = (int32_t)(uint32_t)(v >> 32)};
	}
	const size_t body_end = n + RANDOM_BODY_INSNS;
	while (n < body_end) {
		uint8_t dst = (uint8_t)(rng() % 10), src = (uint8_t)(rng() % 10);
		unsigned kind = (unsigned)(rng() % 16);
		if (kind < 9) {
			uint8_t op = alu_ops[rng() % sizeof(alu_ops)];
			uint8_t cls = rng() % 2 ? RK_CLS_ALU64 : RK_CLS_ALU;
			bool k = rng() % 2;
			struct rk_insn insn = {.code = (uint8_t)(cls | op | (k ? RK_SRC_K : RK_SRC_X)),
			                       .dst_reg = dst, .src_reg = k ? 0 : src,
			                       .imm = k ? edge_imm() : 0};
			if (op == RK_ALU_NEG) {
				insn.code = (uint8_t)(cls | op);
				insn.src_reg = 0;
				insn.imm = 0;
			} else if (op == RK_ALU_END) {
				static const int32_t widths[] = {16, 32, 64};
				insn.src_reg = 0;
				insn.imm = widths[rng() % 3];
				insn.code = (uint8_t)(cls | op | (cls == RK_CLS_ALU64 ? 0 : (rng() % 2 ? RK_END_TO_BE : 0)));
			} else if ((op == RK_ALU_DIV || op == RK_ALU_MOD) && rng() % 2) {
				insn.off = 1;
			} else if (op == RK_ALU_MOV && !k && rng() % 2) {
				static const int16_t sx[] = {8, 16, 32};
				insn.off = sx[rng() % (cls == RK_CLS_ALU64 ? 3 : 2)];
			}
			insns[n++] = insn;
		} else if (kind < 11) {
			/* store to the stack, inside [-256, 0) */
			uint8_t size = sizes[rng() % 4];
			int16_t off = (int16_t)-(int16_t)(size_bytes(size) + rng() % 240);
			if (rng() % 2)
				insns[n++] = (struct rk_insn){.code = (uint8_t)(RK_CLS_STX | RK_MODE_MEM | size),
				                              .dst_reg = RK_REG_FP, .src_reg = src, .off = off};
			else
				insns[n++] = (struct rk_insn){.code = (uint8_t)(RK_CLS_ST | RK_MODE_MEM | size),
				                              .dst_reg = RK_REG_FP, .off = off, .imm = edge_imm()};
		} else if (kind < 13) {
			uint8_t size = sizes[rng() % 4];
			bool sx = size != RK_SIZE_DW && rng() % 2;
			int16_t off = (int16_t)-(int16_t)(size_bytes(size) + rng() % 240);
			insns[n++] = (struct rk_insn){
				.code = (uint8_t)(RK_CLS_LDX | (sx ? RK_MODE_MEMSX : RK_MODE_MEM) | size),
				.dst_reg = dst, .src_reg = RK_REG_FP, .off = off};
		} else if (kind < 14) {
			bool wide = rng() % 2;
			int16_t off = (int16_t)-(int16_t)(8 * (1 + rng() % 31));
			insns[n++] = (struct rk_insn){
				.code = (uint8_t)(RK_CLS_STX | RK_MODE_ATOMIC | (wide ? RK_SIZE_DW : RK_SIZE_W)),
				.dst_reg = RK_REG_FP, .src_reg = src, .off = off,
				.imm = atomic_ops[rng() % (sizeof(atomic_ops) / sizeof(atomic_ops[0]))]};
		} else {
			/* a forward conditional jump of 1..4 slots, inside the body */
			size_t room = body_end - n - 1;
			if (room == 0) {
				insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_ADD | RK_SRC_K,
				                              .dst_reg = dst, .imm = 1};
				continue;
			}
			int16_t off = (int16_t)(1 + rng() % (room < 4 ? room : 4));
			uint8_t cls = rng() % 2 ? RK_CLS_JMP : RK_CLS_JMP32;
			bool k = rng() % 2;
			insns[n++] = (struct rk_insn){
				.code = (uint8_t)(cls | jmp_ops[rng() % sizeof(jmp_ops)] | (k ? RK_SRC_K : RK_SRC_X)),
				.dst_reg = dst, .src_reg = k ? 0 : src, .off = off, .imm = k ? edge_imm() : 0};
		}
	}
	/* Every register into the bottom of the stack, where the comparison sees it. */
	for (uint8_t r = 0; r <= 9; r++)
		insns[n++] = (struct rk_insn){.code = RK_CLS_STX | RK_MODE_MEM | RK_SIZE_DW,
		                              .dst_reg = RK_REG_FP, .src_reg = r,
		                              .off = (int16_t)(-512 + 8 * r)};
	insns[n++] = (struct rk_insn){.code = RK_OP_EXIT};
	return n;
}

static void test_random(const struct rk_helpers *helpers)
{
	struct rk_insn insns[20 + RANDOM_BODY_INSNS + 16];
	int rejected = 0, before = failed;
	for (int i = 0; i < RANDOM_PROGRAMS && failed - before < 5; i++) {
		size_t count = random_program(insns);
		struct rk_prog *prog = NULL;
		char err[RK_ERR_LEN], name[64];
		if (rk_prog_new(insns, count, helpers, &prog, err, sizeof(err))) {
			if (rejected++ < 3)
				printf("note: random program %d rejected: %s\n", i, err);
			continue;
		}
		snprintf(name, sizeof(name), "random program %d", i);
		if (!compare_prog(name, prog, NULL, 0, false, 0, RK_STOP_EXIT)) {
			char *text = NULL;
			if (rk_disasm(insns, count, &text, err, sizeof(err)) == 0)
				printf("%s", text);
			free(text);
		}
		rk_prog_free(prog);
	}
	if (rejected > RANDOM_PROGRAMS / 100) {
		printf("FAIL random programs: %d of %d rejected by rk_prog_new\n", rejected,
		       RANDOM_PROGRAMS);
		failed++;
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
	if (!rk_jit_arch()) {
		printf("arm64_run: this machine has no JIT\n");
		return 2;
	}
	struct rk_helpers *helpers = make_helpers();
	test_alu_edges(helpers);
	test_jumps(helpers);
	test_memory(helpers);
	test_atomics(helpers);
	test_calls(helpers);
	test_tail_and_loop(helpers);
	test_far_branches(helpers);
	test_random(helpers);
	rk_helpers_free(helpers);
	printf("arm64_run: %d passed, %d failed (jit: %s)\n", passed, failed, rk_jit_arch());
	return failed ? 1 : 0;
}
