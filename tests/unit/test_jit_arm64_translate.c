/*
 * test_jit_arm64_translate.c - the arm64 JIT's translator
 * (jit/arm64/translate.c) on any host: what it emits for small programs
 * (word for word, against llvm-mc encodings), how it fails, its offset
 * table, far branches, and its speed.  Running the code is
 * tests/jit/arm64_run.c's job (on arm64 or under qemu-aarch64).
 *
 * The one thing to know: the expected words come from the layout in
 * translate.c's header comment (trampoline, slots, stubs); a change of
 * register mapping or trampoline changes them on purpose, so update them
 * from `llvm-mc -triple=aarch64 -show-encoding` of the new assembly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arm64/emit.h"
#include "jit_internal.h"
#include "rkbpf.h"

static int translate(const struct rk_insn *insns, size_t count, const struct rk_helpers *helpers,
                     struct rk_jit_output *out, char *err, size_t err_len)
{
	const struct rk_jit_input in = {.insns = insns, .insn_count = count, .helpers = helpers};
	return rk_jit_arm64_translate(&in, out, err, err_len);
}

static uint32_t word_at(const struct rk_jit_output *out, size_t offset)
{
	const uint8_t *p = out->code.data + offset;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct rk_insn *assemble(const char *source, size_t *count)
{
	char err[RK_ERR_LEN];
	struct rk_insn *insns = NULL;
	cr_assert_eq(rk_asm(source, &insns, count, err, sizeof(err)), 0, "%s", err);
	return insns;
}

/* The words of slots [first, last) of a translated program. */
static void expect_words(const struct rk_jit_output *out, size_t first, size_t last,
                         const uint32_t *words, size_t word_count, const char *what)
{
	size_t start = out->insn_offsets[first], end = out->insn_offsets[last];
	cr_assert_eq(end - start, word_count * 4, "%s: %zu bytes, expected %zu words", what,
	             end - start, word_count);
	for (size_t i = 0; i < word_count; i++)
		cr_expect_eq(word_at(out, start + 4 * i), words[i], "%s: word %zu is 0x%08x, not 0x%08x",
		             what, i, word_at(out, start + 4 * i), words[i]);
}

Test(jit_arm64_translate, small_program_word_for_word)
{
	size_t count;
	struct rk_insn *insns = assemble("mov %r0, 1\n"           /* movz x7, #1 */
	                                 "add %r0, -5\n"          /* sub x7, x7, #5 */
	                                 "ldxw %r2, [%r1+8]\n"    /* ldr w1, [x0, #8] */
	                                 "stxdw [%r10-8], %r6\n"  /* stur x19, [x25, #-8] */
	                                 "jeq %r2, 0, +1\n"       /* cbz x1, #8 */
	                                 "lsh32 %r0, 3\n"         /* lsl w7, w7, #3 */
	                                 "exit\n",                /* ret */
	                                 &count);
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN];
	cr_assert_eq(translate(insns, count, NULL, &out, err, sizeof(err)), 0, "%s", err);
	static const uint32_t words[] = {0xd2800027, 0xd10014e7, 0xb9400801, 0xf81f8333,
	                                 0xb4000041, 0x531d70e7, 0xd65f03c0};
	expect_words(&out, 0, count, words, sizeof(words) / sizeof(words[0]), "body");
	/* The trampoline starts at 0 with stp x29, x30, [sp, #-96]!. */
	cr_expect_eq(word_at(&out, 0), 0xa9ba7bfd);
	cr_expect_eq(out.insn_offsets[count], out.code.len, "no stop stubs: the body ends the code");
	rk_jit_output_free(&out);
	free(insns);
}

Test(jit_arm64_translate, immediates_pick_the_short_forms)
{
	size_t count;
	struct rk_insn *insns = assemble("lddw %r0, 0xffffffffffff1234\n" /* movn x7, #0xedcb */
	                                 "lddw %r1, 0x5555555555555555\n" /* orr x0, xzr, #0x5555555555555555 */
	                                 "lddw %r2, 0x0001000000020003\n" /* movz x1, #3; movk x1, #2, lsl 16; movk x1, #1, lsl 48 */
	                                 "and %r3, 0xff\n"                /* and x2, x2, #0xff */
	                                 "and32 %r3, 0x1234\n"            /* mov w9, #0x1234; and w2, w2, w9 */
	                                 "jsgt %r4, -7, +0\n"             /* cmn x3, #7; b.gt */
	                                 "jset32 %r4, 0xf0, +0\n"         /* tst w3, #0xf0; b.ne */
	                                 "exit\n",
	                                 &count);
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN];
	cr_assert_eq(translate(insns, count, NULL, &out, err, sizeof(err)), 0, "%s", err);
	static const uint32_t lddw0[] = {0x929db967};
	static const uint32_t lddw1[] = {0xb200f3e0};
	static const uint32_t lddw2[] = {0xd2800061, 0xf2a00041, 0xf2e00021};
	static const uint32_t and64[] = {0x92401c42};
	static const uint32_t and32[] = {0x52824689, 0x0a090042};
	static const uint32_t jsgt[] = {0xb1001c7f, 0x5400002c};
	static const uint32_t jset32[] = {0x721c0c7f, 0x54000021};
	expect_words(&out, 0, 2, lddw0, 1, "lddw movn");
	expect_words(&out, 2, 4, lddw1, 1, "lddw bitmask");
	expect_words(&out, 4, 6, lddw2, 3, "lddw movz+movk");
	expect_words(&out, 6, 7, and64, 1, "and bitmask");
	expect_words(&out, 7, 8, and32, 2, "and32 via scratch");
	expect_words(&out, 8, 9, jsgt, 2, "jsgt negative imm");
	expect_words(&out, 9, 10, jset32, 2, "jset32 bitmask");
	rk_jit_output_free(&out);
	free(insns);
}

static uint64_t helper_nothing(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return r1;
}

Test(jit_arm64_translate, unknown_helper_names_the_instruction)
{
	size_t count;
	struct rk_insn *insns = assemble("mov %r0, 0\nmov %r1, 2\ncall 77\nexit\n", &count);
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN] = "";
	cr_assert_eq(translate(insns, count, NULL, &out, err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "insn 2"), "%s", err);
	cr_expect_null(out.code.data, "nothing is left allocated on failure");
	cr_expect_null(out.insn_offsets);
	free(insns);
}

Test(jit_arm64_translate, refuses_legacy_packet_access)
{
	const struct rk_insn insns[] = {
		{.code = RK_CLS_LD | RK_MODE_ABS | RK_SIZE_W, .imm = 0},
		{.code = RK_OP_EXIT},
	};
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN] = "";
	cr_assert_eq(translate(insns, 2, NULL, &out, err, sizeof(err)), -ENOTSUP);
	cr_expect(strstr(err, "insn 0 (opcode 0x20)"), "%s", err);
}

Test(jit_arm64_translate, offsets_cover_every_slot)
{
	struct rk_helpers *helpers = rk_helpers_new();
	static const struct rk_helper_proto proto = {.name = "nothing"};
	cr_assert_eq(rk_helpers_register(helpers, 1, helper_nothing, &proto, NULL, 0), 0);
	size_t count;
	struct rk_insn *insns = assemble("lddw %r1, 0x123456789\ncall 1\ncall local f\n"
	                                 "mov %r2, 1\ncall %r2\nlock cmpxchg [%r10-8], %r1\nexit\n"
	                                 "f:\nmov %r0, 0\nexit\n",
	                                 &count);
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN];
	cr_assert_eq(translate(insns, count, helpers, &out, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < count; i++) {
		cr_expect_leq(out.insn_offsets[i], out.insn_offsets[i + 1], "slot %zu", i);
		cr_expect_eq(out.insn_offsets[i] % 4, 0);
	}
	cr_expect_eq(out.insn_offsets[1], out.insn_offsets[2], "lddw's second slot is empty");
	cr_expect_gt(out.code.len, out.insn_offsets[count], "stop stubs follow the body");
	/* The local call's bl lands on f's first instruction. */
	size_t f = count - 2;
	bool found = false;
	for (size_t at = out.insn_offsets[3]; at < out.insn_offsets[4]; at += 4) {
		uint32_t word = word_at(&out, at);
		if ((word & 0xfc000000u) == 0x94000000u) {
			int32_t imm26 = (int32_t)(word << 6) >> 6;
			cr_expect_eq((int64_t)at + 4 * (int64_t)imm26, (int64_t)out.insn_offsets[f]);
			found = true;
		}
	}
	cr_expect(found, "no bl in the local call");
	rk_jit_output_free(&out);
	free(insns);
	rk_helpers_free(helpers);
}

/* 30,000 helper calls (~48 bytes each) between a conditional jump and its target. */
Test(jit_arm64_translate, far_conditional_branches_become_inverted_plus_b)
{
	struct rk_helpers *helpers = rk_helpers_new();
	static const struct rk_helper_proto proto = {.name = "nothing"};
	cr_assert_eq(rk_helpers_register(helpers, 1, helper_nothing, &proto, NULL, 0), 0);
	enum { FILLER = 30000 };
	struct rk_insn *insns = calloc(FILLER + 8, sizeof(*insns));
	size_t n = 0;
	insns[n++] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .dst_reg = 0};
	insns[n++] = (struct rk_insn){.code = RK_CLS_JMP | RK_JMP_JGT | RK_SRC_K, .dst_reg = 0,
	                              .imm = 3, .off = FILLER};
	for (size_t i = 0; i < FILLER; i++)
		insns[n++] = (struct rk_insn){.code = RK_OP_CALL, .imm = 1};
	insns[n++] = (struct rk_insn){.code = RK_OP_EXIT};
	struct rk_jit_output out = {0};
	char err[RK_ERR_LEN];
	cr_assert_eq(translate(insns, n, helpers, &out, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(out.insn_offsets[n - 1] - out.insn_offsets[1], 1u << 20);
	/* cmp x7, #3; b.ls +8; b target */
	size_t at = out.insn_offsets[1];
	cr_expect_eq(word_at(&out, at), 0xf1000cff);
	cr_expect_eq(word_at(&out, at + 4), rk_a64_b_cond(A64_COND_LS, 8));
	uint32_t b = word_at(&out, at + 8);
	cr_assert_eq(b & 0xfc000000u, 0x14000000u);
	int32_t imm26 = (int32_t)(b << 6) >> 6;
	cr_expect_eq((int64_t)at + 8 + 4 * (int64_t)imm26, (int64_t)out.insn_offsets[n - 1]);
	rk_jit_output_free(&out);
	free(insns);
	rk_helpers_free(helpers);
}

/* ~1,000 slots of mixed code: the brief's target is 100 us (not asserted under sanitizers). */
Test(jit_arm64_translate, compile_time_for_1000_slots)
{
	struct rk_helpers *helpers = rk_helpers_new();
	static const struct rk_helper_proto proto = {.name = "nothing"};
	cr_assert_eq(rk_helpers_register(helpers, 1, helper_nothing, &proto, NULL, 0), 0);
	enum { SLOTS = 1000 };
	struct rk_insn insns[SLOTS];
	for (size_t i = 0; i < SLOTS - 1; i++) {
		switch (i % 8) {
		case 0: insns[i] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_ADD | RK_SRC_K, .dst_reg = 0, .imm = (int32_t)i}; break;
		case 1: insns[i] = (struct rk_insn){.code = RK_CLS_ALU | RK_ALU_MUL | RK_SRC_X, .dst_reg = 2, .src_reg = 3}; break;
		case 2: insns[i] = (struct rk_insn){.code = RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_W, .dst_reg = 4, .src_reg = 10, .off = -8}; break;
		case 3: insns[i] = (struct rk_insn){.code = RK_CLS_STX | RK_MODE_MEM | RK_SIZE_DW, .dst_reg = 10, .src_reg = 6, .off = -16}; break;
		case 4: insns[i] = (struct rk_insn){.code = RK_CLS_JMP | RK_JMP_JGT | RK_SRC_K, .dst_reg = 0, .imm = 100, .off = 3}; break;
		case 5: insns[i] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_DIV | RK_SRC_X, .dst_reg = 7, .src_reg = 8, .off = 1}; break;
		case 6: insns[i] = (struct rk_insn){.code = RK_CLS_ALU64 | RK_ALU_XOR | RK_SRC_K, .dst_reg = 9, .imm = 0x1234567}; break;
		default:
			if (i % 64 == 7)
				insns[i] = (struct rk_insn){.code = RK_OP_CALL, .imm = 1};
			else
				insns[i] = (struct rk_insn){.code = RK_CLS_JMP32 | RK_JMP_JNE | RK_SRC_X,
				                            .dst_reg = 1, .src_reg = 2, .off = -5};
			break;
		}
	}
	insns[SLOTS - 1] = (struct rk_insn){.code = RK_OP_EXIT};
	struct timespec t0, t1;
	double best = 1e9;
	for (int round = 0; round < 20; round++) {
		struct rk_jit_output out = {0};
		char err[RK_ERR_LEN];
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = translate(insns, SLOTS, helpers, &out, err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cr_assert_eq(rc, 0, "%s", err);
		rk_jit_output_free(&out);
		double us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
		if (us < best)
			best = us;
	}
	cr_log_info("arm64 translate, %d slots: %.1f us (best of 20)", SLOTS, best);
	cr_expect_lt(best, 10000.0, "translation of %d slots took %.1f us", SLOTS, best);
	rk_helpers_free(helpers);
}
