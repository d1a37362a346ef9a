/*
 * test_jit_x86_64_run.c - the x86_64 JIT against the fast interpreter:
 * programs from the assembler run in both engines on the same stack and
 * context buffers (so both see the same addresses) must leave the same r0,
 * the same stop and the same bytes in memory.  Covers every op family with
 * every register the encoding treats specially (rax/rdx for division, rcx
 * for shifts, r13/rbp as memory bases), the edge values of each (division
 * by 0, INT_MIN / -1, shift counts past the width, 32-bit wrap-around, sign
 * extension), long and short jumps, local calls up to the depth limit,
 * helpers, CALLX, tail calls and bpf_loop callbacks, and the conformance
 * suite.
 *
 * Only meaningful on x86_64 (the only host that can run this backend's
 * code); elsewhere the file compiles to nothing.
 */
#if defined(__x86_64__)

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../vm/vm_internal.h"
#include "conformance_data.h"
#include "jit_internal.h"
#include "rkbpf.h"
#include "test_support.h"

#define CTX_MAX 4096
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What one engine left behind. */
struct outcome {
	int rc;
	struct rk_run_result result;
	uint8_t ctx[CTX_MAX];
	uint8_t stack[RK_RUN_STACK_BYTES];
};

/* Both engines run on these, so pointers into them are equal in both runs. */
static _Alignas(16) uint8_t shared_stack[RK_RUN_STACK_BYTES];
static _Alignas(16) uint8_t shared_ctx[CTX_MAX];
static struct outcome interp_out, jit_out;

static void run_engine(const struct rk_prog *prog, enum rk_exec_mode mode, const uint8_t *ctx,
                       size_t ctx_len, struct outcome *out)
{
	memset(shared_stack, 0, sizeof(shared_stack));
	memset(shared_ctx, 0, sizeof(shared_ctx));
	if (ctx_len)
		memcpy(shared_ctx, ctx, ctx_len);
	struct rk_run_opts opts = {.mode = mode, .stack = shared_stack, .ctx_writable = true};
	memset(&out->result, 0, sizeof(out->result));
	out->rc = rk_prog_run(prog, shared_ctx, ctx_len, &opts, &out->result);
	memcpy(out->ctx, shared_ctx, sizeof(out->ctx));
	memcpy(out->stack, shared_stack, sizeof(out->stack));
}

static struct rk_prog *jit_prog(const char *source, const struct rk_helpers *helpers)
{
	char err[RK_ERR_LEN] = "";
	struct rk_prog *prog = test_prog_from_asm(source, helpers);
	cr_assert_eq(rk_prog_jit(prog, err, sizeof(err)), 0, "rk_prog_jit: %s\n%s", err, source);
	return prog;
}

/*
 * Run prog in both engines; fail naming what differs.  Returns the JIT's
 * outcome.  Plain comparisons first: Criterion reports every assertion,
 * passed ones included, to its runner, which is slow over 10^5 runs.
 */
static const struct outcome *compare_engines(const struct rk_prog *prog, const uint8_t *ctx,
                                             size_t ctx_len, const char *what)
{
	run_engine(prog, RK_EXEC_FAST, ctx, ctx_len, &interp_out);
	run_engine(prog, RK_EXEC_JIT, ctx, ctx_len, &jit_out);
	const struct rk_run_result *jit = &jit_out.result, *interp = &interp_out.result;
	if (jit_out.rc != interp_out.rc || jit->stop != interp->stop)
		cr_assert_fail("%s: rc jit %d (%s: %s) interp %d (%s: %s)", what, jit_out.rc,
		               rk_stop_name(jit->stop), jit->message, interp_out.rc,
		               rk_stop_name(interp->stop), interp->message);
	if (jit->retval != interp->retval)
		cr_assert_fail("%s: r0 jit 0x%llx interp 0x%llx", what,
		               (unsigned long long)jit->retval, (unsigned long long)interp->retval);
	if (interp->stop != RK_STOP_EXIT && jit->insn_index != interp->insn_index)
		cr_assert_fail("%s: stopped at insn %zu, interp at %zu", what, jit->insn_index,
		               interp->insn_index);
	for (size_t i = 0; i < sizeof(jit_out.stack); i++)
		if (jit_out.stack[i] != interp_out.stack[i])
			cr_assert_fail("%s: stack byte top-%zu: jit 0x%02x interp 0x%02x", what,
			               sizeof(jit_out.stack) - i, jit_out.stack[i],
			               interp_out.stack[i]);
	if (memcmp(jit_out.ctx, interp_out.ctx, sizeof(jit_out.ctx)) != 0)
		cr_assert_fail("%s: context memory differs", what);
	return &jit_out;
}

/* Assemble, JIT, compare on ctx; returns r0. */
static uint64_t check_source(const char *source, const struct rk_helpers *helpers,
                             const uint8_t *ctx, size_t ctx_len)
{
	struct rk_prog *prog = jit_prog(source, helpers);
	uint64_t r0 = compare_engines(prog, ctx, ctx_len, source)->result.retval;
	rk_prog_free(prog);
	return r0;
}

/* ------------------------------------------------------------------ */
/* The conformance suite                                              */
/* ------------------------------------------------------------------ */

Test(jit_x86_64_run, conformance_suite)
{
	char **names;
	int count = conformance_list(RK_CONFORMANCE_DIR "/tests", &names);
	cr_assert_eq(count, 313, "expected the 313 tests of the suite, found %d", count);
	struct rk_helpers *helpers = test_helpers_new();
	int passed = 0;
	for (int i = 0; i < count; i++) {
		char path[512], err[RK_ERR_LEN] = "";
		struct conformance_case tc;
		snprintf(path, sizeof(path), "%s/tests/%s.data", RK_CONFORMANCE_DIR, names[i]);
		cr_assert_eq(conformance_case_load(path, &tc), 0, "cannot read %s", path);
		uint8_t *bytes;
		size_t len;
		snprintf(path, sizeof(path), "%s/bytecode/%s.hex", RK_CONFORMANCE_DIR, names[i]);
		cr_assert_eq(conformance_hex_load(path, &bytes, &len), 0, "cannot read %s", path);
		struct rk_insn *insns = test_insns_from_bytes(bytes, len);
		struct rk_prog *prog = NULL;
		cr_assert_eq(rk_prog_new(insns, len / sizeof(*insns), helpers, &prog, err, sizeof(err)),
		             0, "%s: %s", names[i], err);
		cr_assert_eq(rk_prog_jit(prog, err, sizeof(err)), 0, "%s: %s", names[i], err);
		cr_assert_leq(tc.mem_len, CTX_MAX);
		const struct outcome *jit = compare_engines(prog, tc.mem, tc.mem_len, names[i]);
		cr_expect(tc.has_result && jit->result.retval == tc.result,
		          "%s: r0 = 0x%llx, expected 0x%llx", names[i],
		          (unsigned long long)jit->result.retval, (unsigned long long)tc.result);
		passed += tc.has_result && jit->result.retval == tc.result;
		rk_prog_free(prog);
		free(insns);
		free(bytes);
		conformance_case_free(&tc);
	}
	rk_helpers_free(helpers);
	conformance_names_free(names, count);
	cr_assert_eq(passed, 313, "%d of 313 conformance tests passed in the JIT", passed);
}

/* ------------------------------------------------------------------ */
/* Arithmetic: every op, width, source and register role              */
/* ------------------------------------------------------------------ */

/* Values that sit on the edges of the ops: signs, widths, shift counts, INT_MIN. */
static const uint64_t edge_values[] = {
	0, 1, 2, 3, 7, 31, 32, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
	0x123456789abcdef0, 0x8000000000000000, 0x7fffffffffffffff, (uint64_t)-1, (uint64_t)-2,
	(uint64_t)-7, (uint64_t)-0x80000000ll, 0xfffffffe00000001,
};
/* For pairs (every a with every b), the edges that matter most: fewer, or the test is slow. */
static const uint64_t pair_values[] = {
	0, 1, 31, 64, 0x7fffffff, 0x80000000, 0xffffffff, 0x123456789abcdef0,
	0x8000000000000000, (uint64_t)-1, (uint64_t)-7,
};
static const int32_t edge_imms[] = {0, 1, -1, 2, 3, 7, 8, 31, 32, 63, 64, 127, 128, -7,
                                    0x40000000, INT32_MAX, INT32_MIN, -128, -129};

/* Registers whose x86 homes get special treatment: rax, rdi, rdx, rcx, r8, rbx, r13, r15. */
static const int role_regs[] = {0, 1, 3, 4, 5, 6, 7, 9};

static const char *const binary_ops[] = {"add", "sub", "mul", "div", "sdiv", "mod", "smod",
                                         "or", "and", "lsh", "rsh", "arsh", "xor", "mov"};

/*
 * A program: every register r0..r9 gets a distinct value, then rD = ctx[0],
 * rS = ctx[8] (rD wins when they are the same), then "op", then every
 * register is stored to the stack -- so the comparison sees the result and
 * any register the translation clobbered by mistake.
 */
static void build_alu_program(char *out, size_t out_len, const char *op_line, int dst, int src)
{
	size_t n = 0;
	n += (size_t)snprintf(out + n, out_len - n,
	                      "ldxdw %%r2, [%%r1]\nstxdw [%%r10-16], %%r2\n"
	                      "ldxdw %%r2, [%%r1+8]\nstxdw [%%r10-24], %%r2\n");
	for (int r = 0; r <= 9; r++)
		n += (size_t)snprintf(out + n, out_len - n, "lddw %%r%d, 0x%llx\n", r,
		                      0x1111111111111111ull * (unsigned)(r + 1) + 0x0f0f0f0full);
	if (src >= 0)
		n += (size_t)snprintf(out + n, out_len - n, "ldxdw %%r%d, [%%r10-24]\n", src);
	n += (size_t)snprintf(out + n, out_len - n, "ldxdw %%r%d, [%%r10-16]\n%s\n", dst, op_line);
	for (int r = 0; r <= 9; r++)
		n += (size_t)snprintf(out + n, out_len - n, "stxdw [%%r10-%d], %%r%d\n", 32 + 8 * r, r);
	snprintf(out + n, out_len - n, "exit\n");
}

/* Compile once, run over every edge value in ctx[0] (and every pair value in ctx[8]). */
static void check_alu_program(const char *source, const char *what, bool pairs)
{
	struct rk_prog *prog = jit_prog(source, NULL);
	const uint64_t *values = pairs ? pair_values : edge_values;
	const size_t value_count = pairs ? ARRAY_LEN(pair_values) : ARRAY_LEN(edge_values);
	for (size_t a = 0; a < value_count; a++) {
		for (size_t b = 0; b < (pairs ? value_count : 1); b++) {
			uint64_t ctx[2] = {values[a], values[b]};
			char label[512];
			snprintf(label, sizeof(label), "%s with 0x%llx, 0x%llx", what,
			         (unsigned long long)ctx[0], (unsigned long long)ctx[1]);
			compare_engines(prog, (const uint8_t *)ctx, sizeof(ctx), label);
		}
	}
	rk_prog_free(prog);
}

Test(jit_x86_64_run, alu_register_forms)
{
	static char source[4096];
	for (size_t op = 0; op < ARRAY_LEN(binary_ops); op++) {
		for (int width = 0; width < 2; width++) {
			for (size_t d = 0; d < ARRAY_LEN(role_regs); d++) {
				for (size_t s = 0; s < ARRAY_LEN(role_regs); s++) {
					char line[64];
					snprintf(line, sizeof(line), "%s%s %%r%d, %%r%d", binary_ops[op],
					         width ? "32" : "", role_regs[d], role_regs[s]);
					build_alu_program(source, sizeof(source), line, role_regs[d],
					                  role_regs[s]);
					check_alu_program(source, line, true);
				}
			}
		}
	}
}

Test(jit_x86_64_run, alu_immediate_forms)
{
	static char source[4096];
	for (size_t op = 0; op < ARRAY_LEN(binary_ops); op++) {
		for (int width = 0; width < 2; width++) {
			for (size_t d = 0; d < ARRAY_LEN(role_regs); d++) {
				for (size_t k = 0; k < ARRAY_LEN(edge_imms); k++) {
					char line[64];
					snprintf(line, sizeof(line), "%s%s %%r%d, %d", binary_ops[op],
					         width ? "32" : "", role_regs[d], edge_imms[k]);
					build_alu_program(source, sizeof(source), line, role_regs[d], -1);
					check_alu_program(source, line, false);
				}
			}
		}
	}
}

Test(jit_x86_64_run, alu_unary_forms)
{
	static const char *const unary_ops[] = {"neg", "neg32", "be16", "be32", "be64", "le16",
	                                        "le32", "le64", "bswap16", "bswap32", "bswap64"};
	static char source[4096];
	for (size_t op = 0; op < ARRAY_LEN(unary_ops); op++) {
		for (size_t d = 0; d < ARRAY_LEN(role_regs); d++) {
			char line[64];
			snprintf(line, sizeof(line), "%s %%r%d", unary_ops[op], role_regs[d]);
			build_alu_program(source, sizeof(source), line, role_regs[d], -1);
			check_alu_program(source, line, false);
		}
	}
}

Test(jit_x86_64_run, movsx_forms)
{
	static const char *const forms[] = {"movsx864", "movsx1664", "movsx3264", "movsx832",
	                                    "movsx1632", "mov32", "mov"};
	static char source[4096];
	for (size_t f = 0; f < ARRAY_LEN(forms); f++) {
		for (size_t d = 0; d < ARRAY_LEN(role_regs); d++) {
			for (size_t s = 0; s < ARRAY_LEN(role_regs); s++) {
				char line[64];
				snprintf(line, sizeof(line), "%s %%r%d, %%r%d", forms[f], role_regs[d],
				         role_regs[s]);
				build_alu_program(source, sizeof(source), line, role_regs[d],
				                  role_regs[s]);
				check_alu_program(source, line, true);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Jumps                                                              */
/* ------------------------------------------------------------------ */

static const char *const cond_jumps[] = {"jeq", "jne", "jgt", "jge", "jlt", "jle",
                                         "jset", "jsgt", "jsge", "jslt", "jsle"};

/* r8 = 77 only when the jump is not taken; the stores record it. */
Test(jit_x86_64_run, conditional_jumps)
{
	static char source[4096];
	for (size_t op = 0; op < ARRAY_LEN(cond_jumps); op++) {
		for (int width = 0; width < 2; width++) {
			const char *suffix = width ? "32" : "";
			char line[128];
			snprintf(line, sizeof(line), "%s%s %%r3, %%r4, +1\nmov %%r8, 77", cond_jumps[op],
			         suffix);
			build_alu_program(source, sizeof(source), line, 3, 4);
			check_alu_program(source, line, true);
			snprintf(line, sizeof(line), "%s%s %%r0, %%r0, +1\nmov %%r8, 77", cond_jumps[op],
			         suffix);
			build_alu_program(source, sizeof(source), line, 0, -1);
			check_alu_program(source, line, false);
			for (size_t k = 0; k < ARRAY_LEN(edge_imms); k++) {
				snprintf(line, sizeof(line), "%s%s %%r1, %d, +1\nmov %%r8, 77",
				         cond_jumps[op], suffix, edge_imms[k]);
				build_alu_program(source, sizeof(source), line, 1, -1);
				check_alu_program(source, line, false);
			}
		}
	}
}

/* Jumps past 127 bytes take the rel32 form; a loop runs backwards over a long body. */
Test(jit_x86_64_run, long_and_short_jumps)
{
	static char source[64 * 1024];
	for (int body = 1; body <= 80; body += 79) {
		size_t n = 0;
		n += (size_t)snprintf(source + n, sizeof(source) - n,
		                      "mov %%r0, 0\nmov %%r2, 10\nloop:\n");
		for (int i = 0; i < body; i++)
			n += (size_t)snprintf(source + n, sizeof(source) - n, "add %%r0, %d\n", i + 1);
		n += (size_t)snprintf(source + n, sizeof(source) - n,
		                      "sub %%r2, 1\njne %%r2, 0, loop\n"
		                      "jeq %%r0, 0, skip\nja32 over\nskip:\n");
		for (int i = 0; i < body; i++)
			n += (size_t)snprintf(source + n, sizeof(source) - n, "mul %%r0, 3\n");
		snprintf(source + n, sizeof(source) - n, "over:\nja end\nmov %%r0, 1\nend:\nexit\n");
		uint64_t expected = 10ull * (uint64_t)body * (uint64_t)(body + 1) / 2;
		cr_assert_eq(check_source(source, NULL, NULL, 0), expected, "body %d", body);
	}
}

/* ------------------------------------------------------------------ */
/* Memory                                                             */
/* ------------------------------------------------------------------ */

/* Registers used as bases and values: rdi, rsi (sil), r13, rbp (bpl), rax. */
static const int mem_regs[] = {0, 1, 2, 7, 10};

Test(jit_x86_64_run, loads_and_stores)
{
	static const char *const loads[] = {"ldxb", "ldxh", "ldxw", "ldxdw", "ldxsb", "ldxsh",
	                                    "ldxsw"};
	static const char *const stores[] = {"stxb", "stxh", "stxw", "stxdw"};
	static const char *const imm_stores[] = {"stb", "sth", "stw", "stdw"};
	static const int offsets[] = {-200, -129, -11}; /* 8 bytes at off + 1 stay in the frame */
	static char source[4096];
	for (size_t b = 0; b < ARRAY_LEN(mem_regs); b++) {
		for (size_t v = 0; v < ARRAY_LEN(mem_regs); v++) {
			for (size_t o = 0; o < ARRAY_LEN(offsets); o++) {
				int base = mem_regs[b], value = mem_regs[v], off = offsets[o];
				char line[256], base_setup[32] = "";
				if (base != 10)
					snprintf(base_setup, sizeof(base_setup), "mov %%r%d, %%r10\n", base);
				/* Memory at r10+off holds ctx[0]; base = r10. */
				for (size_t l = 0; l < ARRAY_LEN(loads); l++) {
					if (value == 10)
						continue;
					snprintf(line, sizeof(line), "stxdw [%%r10%d], %%r%d\n%s%s %%r%d, [%%r%d%d]",
					         off, base == 10 ? 9 : base, base_setup, loads[l], value, base, off);
					/* base == 10: store r9's constant; the load then reads it back. */
					build_alu_program(source, sizeof(source), line, base == 10 ? 9 : base, -1);
					check_alu_program(source, line, false);
				}
				if (base == value)
					continue;
				for (size_t st = 0; st < ARRAY_LEN(stores); st++) {
					snprintf(line, sizeof(line), "%s%s [%%r%d%+d], %%r%d", base_setup,
					         stores[st], base, off + 1, value);
					/* value == 10: r10 itself is stored; ctx[0] goes to r9 instead. */
					build_alu_program(source, sizeof(source), line, value == 10 ? 9 : value, -1);
					check_alu_program(source, line, false);
					snprintf(line, sizeof(line), "%s%s [%%r%d%+d], %d", base_setup,
					         imm_stores[st], base, off, -0x12345679 * (int)(st + 1));
					build_alu_program(source, sizeof(source), line, value == 10 ? 9 : value, -1);
					check_alu_program(source, line, false);
				}
			}
		}
	}
}

Test(jit_x86_64_run, atomics)
{
	static const char *const ops[] = {"add", "or", "and", "xor", "fetch add", "fetch or",
	                                  "fetch and", "fetch xor", "xchg", "cmpxchg"};
	static const int bases[] = {0, 1, 7, 10};
	static const int srcs[] = {0, 1, 2, 3, 4};
	static char source[4096];
	for (size_t op = 0; op < ARRAY_LEN(ops); op++) {
		for (int width = 0; width < 2; width++) {
			for (size_t b = 0; b < ARRAY_LEN(bases); b++) {
				for (size_t s = 0; s < ARRAY_LEN(srcs); s++) {
					int base = bases[b], src = srcs[s];
					char line[320], base_setup[32] = "";
					if (base != 10)
						snprintf(base_setup, sizeof(base_setup), "mov %%r%d, %%r10\n", base);
					/* [r10-200] = ctx[0]; r0 = ctx[0] too (cmpxchg succeeds) unless it is src. */
					snprintf(line, sizeof(line),
					         "stxdw [%%r10-200], %%r%d\nldxdw %%r0, [%%r10-16]\n"
					         "ldxdw %%r%d, [%%r10-24]\n%slock %s%s [%%r%d-200], %%r%d",
					         src, src, base_setup, ops[op], width ? "32" : "", base, src);
					build_alu_program(source, sizeof(source), line, src, -1);
					check_alu_program(source, line, true);
					/* And with r0 not matching: cmpxchg fails. */
					snprintf(line, sizeof(line),
					         "stxdw [%%r10-200], %%r%d\nldxdw %%r%d, [%%r10-24]\n"
					         "%slock %s%s [%%r%d-200], %%r%d",
					         src, src, base_setup, ops[op], width ? "32" : "", base, src);
					build_alu_program(source, sizeof(source), line, src, -1);
					check_alu_program(source, line, true);
				}
			}
		}
	}
}

Test(jit_x86_64_run, lddw_values)
{
	static const char *const values[] = {"0", "1", "0xffffffff", "0x80000000",
	                                     "0x100000000", "-1", "-2147483648", "-2147483649",
	                                     "0x123456789abcdef0"};
	for (size_t v = 0; v < ARRAY_LEN(values); v++) {
		for (int r = 0; r <= 9; r++) {
			char source[256];
			snprintf(source, sizeof(source),
			         "lddw %%r%d, %s\nstxdw [%%r10-8], %%r%d\nldxdw %%r0, [%%r10-8]\nexit\n", r,
			         values[v], r);
			check_source(source, NULL, NULL, 0);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Calls                                                              */
/* ------------------------------------------------------------------ */

#define ARGS_HELPER 200
#define ABORT_HELPER 201
#define TAIL_CALL_HELPER 202
#define LOOP_HELPER 203
#define CLOBBER_HELPER 204

static const struct rk_prog *tail_target;
static int args_helper_calls;

/* Every argument distinct, the run passed, and the native stack aligned as the ABI says. */
static uint64_t helper_args(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct rk_run *run)
{
	args_helper_calls++;
	cr_assert_not_null(run);
	cr_assert_not_null(run->prog);
	/* With a frame pointer, rbp = the caller's rsp - 16: 16-aligned iff the call was. */
	cr_assert_eq((uintptr_t)__builtin_frame_address(0) % 16, 0, "misaligned native stack");
	return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5;
}

static uint64_t helper_abort(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	rk_run_abort(run, r1);
	return 0;
}

static uint64_t helper_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!tail_target)
		return (uint64_t)-ENOENT;
	run->tail_call_target = tail_target;
	run->tail_call_pending = true;
	run->tail_call_ctx = r1; /* as bpf_tail_call does: the JIT does not keep r1 */
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
		if (run->aborted)
			break;
		if (ret == 1) {
			i++;
			break;
		}
	}
	return i;
}

/* Scribbles over every caller-saved native register, as any C function may. */
static uint64_t helper_clobber(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	__asm__ volatile("mov $-1, %%rdi\n\tmov $-1, %%rsi\n\tmov $-1, %%rdx\n\tmov $-1, %%rcx\n\t"
	                 "mov $-1, %%r8\n\tmov $-1, %%r9\n\tmov $-1, %%r10\n\tmov $-1, %%r11"
	                 ::: "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11");
	return r1 * 2;
}

static struct rk_helpers *call_helpers(void)
{
	static const struct rk_helper_proto proto = {.name = "test"};
	struct rk_helpers *helpers = test_helpers_new();
	cr_assert_eq(rk_helpers_register(helpers, ARGS_HELPER, helper_args, &proto, NULL, 0), 0);
	cr_assert_eq(rk_helpers_register(helpers, ABORT_HELPER, helper_abort, &proto, NULL, 0), 0);
	cr_assert_eq(rk_helpers_register(helpers, TAIL_CALL_HELPER, helper_tail_call, &proto, NULL, 0), 0);
	cr_assert_eq(rk_helpers_register(helpers, LOOP_HELPER, helper_loop, &proto, NULL, 0), 0);
	cr_assert_eq(rk_helpers_register(helpers, CLOBBER_HELPER, helper_clobber, &proto, NULL, 0), 0);
	return helpers;
}

Test(jit_x86_64_run, helper_with_five_arguments)
{
	struct rk_helpers *helpers = call_helpers();
	args_helper_calls = 0;
	uint64_t r0 = check_source("mov %r6, 66\nmov %r7, 77\nmov %r8, 88\nmov %r9, 99\n"
	                           "mov %r1, 1\nmov %r2, 10\nmov %r3, 100\nmov %r4, 1000\n"
	                           "mov %r5, 10000\ncall 200\n"
	                           "add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\n"
	                           "stxdw [%r10-8], %r0\nexit\n",
	                           helpers, NULL, 0);
	cr_assert_eq(r0, 1 + 20 + 300 + 4000 + 50000 + 66 + 77 + 88 + 99);
	cr_assert_eq(args_helper_calls, 2); /* the interpreter's call, then the JIT's */
	/* Callee-saved BPF registers survive a helper that clobbers every caller-saved one. */
	r0 = check_source("mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\nmov %r1, 21\ncall 204\n"
	                  "mul %r6, %r7\nmul %r6, %r8\nmul %r6, %r9\nadd %r0, %r6\nexit\n",
	                  helpers, NULL, 0);
	cr_assert_eq(r0, 42 + 6 * 7 * 8 * 9);
	rk_helpers_free(helpers);
}

Test(jit_x86_64_run, helper_abort_stops_the_run)
{
	struct rk_helpers *helpers = call_helpers();
	struct rk_prog *prog = jit_prog("mov %r0, 1\nmov %r1, 1234\ncall local f\nmov %r0, 2\nexit\n"
	                                "f:\nstdw [%r10-8], 5\ncall 201\nmov %r0, 3\nexit\n",
	                                helpers);
	const struct outcome *jit = compare_engines(prog, NULL, 0, "abort");
	cr_assert_eq(jit->rc, 0);
	cr_assert_eq(jit->result.stop, RK_STOP_ABORTED);
	cr_assert_eq(jit->result.retval, 1234);
	cr_assert_eq(jit->result.insn_index, 6);
	rk_prog_free(prog);
	/* The conformance suite's helper 5 aborts on r1 == 0. */
	cr_assert_eq(check_source("mov %r1, 0\ncall 5\nmov %r0, 2\nexit\n", helpers, NULL, 0), 0);
	rk_helpers_free(helpers);
}

Test(jit_x86_64_run, callx)
{
	struct rk_helpers *helpers = call_helpers();
	/* A registered id, held in each of several registers. */
	static const int id_regs[] = {0, 1, 4, 5, 6, 9};
	for (size_t r = 0; r < ARRAY_LEN(id_regs); r++) {
		char source[512];
		snprintf(source, sizeof(source),
		         "mov %%r%d, 200\nmov %%r1, 1\nmov %%r2, 2\nmov %%r3, 3\nmov %%r4, 4\n"
		         "mov %%r5, 5\nmov %%r%d, 200\ncall %%r%d\nexit\n",
		         id_regs[r], id_regs[r], id_regs[r]);
		if (id_regs[r] >= 1 && id_regs[r] <= 5)
			continue; /* the id would be overwritten by the arguments */
		cr_assert_eq(check_source(source, helpers, NULL, 0), 1 + 4 + 9 + 16 + 25);
	}
	/* An id nobody registered, and one past RK_HELPER_ID_MAX. */
	static const char *const bad[] = {"mov %r2, 999\ncall %r2\nexit\n",
	                                  "lddw %r2, 0x10000\ncall %r2\nexit\n",
	                                  "lddw %r2, 0x100000000\ncall %r2\nexit\n",
	                                  "mov %r2, -1\ncall %r2\nexit\n"};
	for (size_t b = 0; b < ARRAY_LEN(bad); b++) {
		struct rk_prog *prog = jit_prog(bad[b], helpers);
		const struct outcome *jit = compare_engines(prog, NULL, 0, bad[b]);
		cr_assert_eq(jit->rc, -EFAULT);
		cr_assert_eq(jit->result.stop, RK_STOP_BAD_HELPER);
		rk_prog_free(prog);
	}
	rk_helpers_free(helpers);
}

/* Each level adds its depth to r0 and keeps r6..r9 and its own frame. */
static void build_call_chain(char *out, size_t out_len, int depth)
{
	size_t n = (size_t)snprintf(out, out_len, "mov %%r6, 1\nmov %%r7, 2\nmov %%r8, 3\n"
	                                          "mov %%r9, 4\nmov %%r0, 0\ncall local f1\n"
	                                          "add %%r0, %%r6\nadd %%r0, %%r9\nexit\n");
	for (int level = 1; level <= depth; level++) {
		n += (size_t)snprintf(out + n, out_len - n,
		                      "f%d:\nstdw [%%r10-8], %d\nmov %%r6, %d\nmov %%r9, %d\n", level,
		                      level, level * 100, level * 1000);
		if (level < depth)
			n += (size_t)snprintf(out + n, out_len - n, "call local f%d\n", level + 1);
		n += (size_t)snprintf(out + n, out_len - n,
		                      "ldxdw %%r1, [%%r10-8]\nadd %%r0, %%r1\nadd %%r0, %%r6\nexit\n");
	}
}

Test(jit_x86_64_run, local_calls_to_the_depth_limit)
{
	static char source[8192];
	/* Depth 7 below the entry function: 8 frames, the most there may be. */
	build_call_chain(source, sizeof(source), RK_MAX_CALL_FRAMES - 1);
	uint64_t r0 = check_source(source, NULL, NULL, 0);
	uint64_t expected = 1 + 4;
	for (int level = 1; level < RK_MAX_CALL_FRAMES; level++)
		expected += (uint64_t)level + (uint64_t)level * 100;
	cr_assert_eq(r0, expected);
	/* One more: stopped at the call that would make the ninth frame. */
	build_call_chain(source, sizeof(source), RK_MAX_CALL_FRAMES);
	struct rk_prog *prog = jit_prog(source, NULL);
	const struct outcome *jit = compare_engines(prog, NULL, 0, "nine frames");
	cr_assert_eq(jit->rc, -EFAULT);
	cr_assert_eq(jit->result.stop, RK_STOP_CALL_DEPTH);
	rk_prog_free(prog);
	/* Recursion without end stops the same way. */
	cr_assert_eq(check_source("mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\ncall local f\n"
	                          "exit\n", NULL, NULL, 0), 0);
}

Test(jit_x86_64_run, helper_calls_inside_local_calls)
{
	struct rk_helpers *helpers = call_helpers();
	uint64_t r0 = check_source("mov %r6, 5\ncall local f\nadd %r0, %r6\nexit\n"
	                           "f:\nmov %r6, 7\ncall local g\nadd %r0, %r6\nexit\n"
	                           "g:\nmov %r1, 1\nmov %r2, 1\nmov %r3, 1\nmov %r4, 1\nmov %r5, 1\n"
	                           "call 200\nexit\n",
	                           helpers, NULL, 0);
	cr_assert_eq(r0, 15 + 7 + 5);
	rk_helpers_free(helpers);
}

Test(jit_x86_64_run, tail_call_replaces_the_program)
{
	char err[RK_ERR_LEN];
	struct rk_helpers *helpers = call_helpers();
	struct rk_prog *target = jit_prog("ldxb %r0, [%r1]\nadd %r0, 100\nexit\n", helpers);
	struct rk_prog *caller = jit_prog("stdw [%r10-8], 1\ncall 202\nmov %r0, 1\nexit\n", helpers);
	uint8_t ctx[1] = {5};
	tail_target = target;
	cr_assert_eq(compare_engines(caller, ctx, 1, "tail call")->result.retval, 105);
	tail_target = NULL; /* no program at that index: execution continues */
	cr_assert_eq(compare_engines(caller, ctx, 1, "no tail call")->result.retval, 1);
	/* From a subprogram: refused, as by the interpreter. */
	struct rk_prog *sub = jit_prog("call local f\nexit\nf:\ncall 202\nmov %r0, 1\nexit\n",
	                               helpers);
	tail_target = target;
	const struct outcome *jit = compare_engines(sub, ctx, 1, "tail call from subprogram");
	cr_assert_eq(jit->result.stop, RK_STOP_TAIL_CALL);
	tail_target = NULL;
	(void)err;
	rk_prog_free(sub);
	rk_prog_free(caller);
	rk_prog_free(target);
	rk_helpers_free(helpers);
}

Test(jit_x86_64_run, bpf_loop_callbacks)
{
	struct rk_helpers *helpers = call_helpers();
	/* Sum i over the iterations through the caller's stack (the callback's r2). */
	uint64_t r0 = check_source("stdw [%r10-8], 0\nmov %r1, 10\nmov %r2, 13\n"
	                           "mov %r3, %r10\nadd %r3, -8\nmov %r4, 0\nmov %r6, 66\ncall 203\n"
	                           "ldxdw %r1, [%r10-8]\nlsh %r1, 8\nadd %r0, %r1\nadd %r0, %r6\n"
	                           "exit\n"
	                           "cb:\n" /* 13 */ "mov %r6, 1\nldxdw %r3, [%r2]\nadd %r3, %r1\n"
	                           "stxdw [%r2], %r3\nstdw [%r10-8], 9\nmov %r0, 0\nexit\n",
	                           helpers, NULL, 0);
	cr_assert_eq(r0, 10 + (45 << 8) + 66);
	/* A callback that stops early, and one that makes local calls and helper calls. */
	r0 = check_source("mov %r1, 100\nmov %r2, 6\nmov %r3, 0\nmov %r4, 0\n"
	                  "call 203\nexit\n"
	                  "cb:\ncall local f\njeq %r1, 4, stop\nmov %r0, 0\nexit\n"
	                  "stop:\nmov %r0, 1\nexit\n"
	                  "f:\nmov %r6, %r1\nmov %r1, 1\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\n"
	                  "mov %r5, 0\ncall 200\nmov %r1, %r6\nexit\n",
	                  helpers, NULL, 0);
	cr_assert_eq(r0, 5);
	/* A callback that aborts the run. */
	struct rk_prog *prog = jit_prog("mov %r1, 3\nmov %r2, 7\nmov %r3, 0\n"
	                                "mov %r4, 0\ncall 203\nmov %r0, 7\nexit\n"
	                                "cb:\nmov %r1, 99\ncall 201\nmov %r0, 0\nexit\n",
	                                helpers);
	const struct outcome *jit = compare_engines(prog, NULL, 0, "abort in callback");
	cr_assert_eq(jit->result.stop, RK_STOP_ABORTED);
	cr_assert_eq(jit->result.retval, 99);
	rk_prog_free(prog);
	/* Callbacks nested until the frames run out. */
	prog = jit_prog("mov %r1, 1\nmov %r2, 6\nmov %r3, 0\nmov %r4, 0\n"
	                "call 203\nexit\n"
	                "cb:\nmov %r1, 1\nmov %r2, 6\nmov %r3, 0\nmov %r4, 0\n"
	                "call 203\nexit\n",
	                helpers);
	jit = compare_engines(prog, NULL, 0, "nested callbacks");
	cr_assert_eq(jit->result.stop, RK_STOP_CALL_DEPTH);
	rk_prog_free(prog);
	rk_helpers_free(helpers);
}

Test(jit_x86_64_run, unknown_helper_is_refused)
{
	/* rk_prog_new refuses it first; the backend must too, naming the instruction. */
	struct rk_insn insns[] = {{.code = RK_OP_CALL, .imm = 4321}, {.code = RK_OP_EXIT}};
	struct rk_jit_input in = {.insns = insns, .insn_count = 2, .helpers = NULL};
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN] = "";
	cr_assert_eq(rk_jit_x86_64_translate(&in, &out, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "insn 0") && strstr(err, "4321"), "%s", err);
	cr_assert_null(out.code.data);
	cr_assert_null(out.insn_offsets);
}

/* What rk_prog_new would refuse still gets a clean error from the backend itself. */
Test(jit_x86_64_run, unsupported_opcode_is_refused)
{
	struct rk_insn insns[] = {{.code = RK_CLS_LD | RK_MODE_ABS | RK_SIZE_W},
	                          {.code = RK_OP_EXIT}};
	struct rk_jit_input in = {.insns = insns, .insn_count = 2};
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN] = "";
	cr_assert_eq(rk_jit_x86_64_translate(&in, &out, err, sizeof(err)), -ENOTSUP);
	cr_assert(strstr(err, "insn 0") && strstr(err, "0x20"), "%s", err);
	cr_assert_null(out.code.data);
}

/* insn_offsets: one per slot and the end, in order, inside the code, the entry after 0. */
Test(jit_x86_64_run, insn_offsets_cover_the_code)
{
	struct rk_insn *insns = NULL;
	size_t count = 0;
	char err[RK_ERR_LEN] = "";
	cr_assert_eq(rk_asm("mov %r0, 0\nlddw %r1, 0x123456789\njeq %r1, 0, +1\n"
	                    "call local f\nexit\nf:\nmov %r0, 1\nexit\n",
	                    &insns, &count, err, sizeof(err)), 0, "%s", err);
	struct rk_jit_input in = {.insns = insns, .insn_count = count};
	struct rk_jit_output out = {0};
	cr_assert_eq(rk_jit_x86_64_translate(&in, &out, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(out.insn_offsets[0], 0, "the trampoline comes first");
	for (size_t i = 0; i < count; i++)
		cr_assert_leq(out.insn_offsets[i], out.insn_offsets[i + 1], "slot %zu", i);
	cr_assert_leq(out.insn_offsets[count], out.code.len);
	rk_jit_output_free(&out);
	free(insns);
}

#else
/* ISO C wants a declaration in every translation unit. */
typedef int rk_jit_x86_64_run_test_unused;
#endif /* __x86_64__ */
