/*
 * test_verify_scalar.c - the verifier's numeric domain (vm/verify_scalar.h):
 * the exact results the verifier's loop and bounds logic rely on, the
 * printed forms, and brute-force soundness of every ALU operation, every
 * branch refinement, join, intersection and containment against the
 * interpreter's own arithmetic (alu_ops.h, interp_loop.h).
 *
 * Soundness here means: for random abstract values and random concrete
 * members of them, the concrete result is a member of the abstract
 * result.  Membership is defined in this file, independently of the
 * domain: smin <= (int64)x <= smax, umin <= x <= umax, (x & ~tmask) == tval.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alu_ops.h"
#include "rk_isa.h"
#include "verify_scalar.h"

#define U32_MAX 0xffffffffull
#define U64_SIGN (1ull << 63)

/* ---- Helpers for the exact-result tests ---- */

static struct rk_vs alu(uint8_t op, bool alu64, const struct rk_vs *dst, const struct rk_vs *src)
{
	return rk_vs_alu(op, alu64, 0, 0, false, dst, src);
}

static struct rk_vs alu_k(uint8_t op, bool alu64, struct rk_vs dst, uint64_t k)
{
	struct rk_vs src = rk_vs_const(k);
	return alu(op, alu64, &dst, &src);
}

static void expect_u(const struct rk_vs *value, uint64_t umin, uint64_t umax)
{
	char text[128];
	rk_vs_format(value, text, sizeof(text));
	cr_assert(value->umin == umin && value->umax == umax,
	          "expected unsigned [%" PRIu64 ", %" PRIu64 "], got %s (u [%" PRIu64 ", %" PRIu64
	          "])",
	          umin, umax, text, value->umin, value->umax);
}

static void expect_s(const struct rk_vs *value, int64_t smin, int64_t smax)
{
	char text[128];
	rk_vs_format(value, text, sizeof(text));
	cr_assert(value->smin == smin && value->smax == smax,
	          "expected signed [%" PRId64 ", %" PRId64 "], got %s (s [%" PRId64 ", %" PRId64
	          "])",
	          smin, smax, text, value->smin, value->smax);
}

/* Non-negative ranges: both orders the same. */
static void expect_range(const struct rk_vs *value, uint64_t lo, uint64_t hi)
{
	expect_u(value, lo, hi);
	expect_s(value, (int64_t)lo, (int64_t)hi);
}

static void expect_text(const struct rk_vs *value, const char *text)
{
	char buf[192];
	int len = rk_vs_format(value, buf, sizeof(buf));
	cr_assert_str_eq(buf, text);
	cr_assert_eq(len, (int)strlen(text));
}

/* ---- Construction and the sharing of bounds between views ---- */

Test(verify_scalar, construction_shares_bounds)
{
	struct rk_vs v = rk_vs_srange(0, 100);
	expect_range(&v, 0, 100);
	cr_assert_eq(v.tval, 0);
	cr_assert_eq(v.tmask, 0x7f);

	v = rk_vs_urange(5, 10);
	expect_range(&v, 5, 10);

	v = rk_vs_urange(UINT64_MAX - 3, UINT64_MAX);
	expect_s(&v, -4, -1);

	v = rk_vs_srange(-8, -2);
	expect_u(&v, (uint64_t)-8, (uint64_t)-2);

	v = rk_vs_srange(-4, 4);
	expect_u(&v, 0, UINT64_MAX);

	v = rk_vs_sized(1);
	expect_range(&v, 0, 255);
	v = rk_vs_sized(4);
	expect_range(&v, 0, U32_MAX);
	v = rk_vs_sized(8);
	cr_assert(rk_vs_equal(&v, &(struct rk_vs){INT64_MIN, INT64_MAX, 0, UINT64_MAX, 0,
	                                          UINT64_MAX}));

	v = rk_vs_const(42);
	cr_assert(rk_vs_is_const(&v));
	expect_range(&v, 42, 42);
	cr_assert(!rk_vs_is_const(&(struct rk_vs){0, 1, 0, 1, 0, 1}));
}

Test(verify_scalar, sync_tightens_and_detects_empty)
{
	/* Known bits bound the range: bit 4 set, bits 0-4 free below 32. */
	struct rk_vs v = rk_vs_unknown();
	v.tval = 0x10;
	v.tmask = 0x0f;
	cr_assert(rk_vs_sync(&v));
	expect_range(&v, 16, 31);

	/* A signed range that must be negative, and an unsigned one that says so too. */
	v = rk_vs_unknown();
	v.smin = -5;
	v.smax = 5;
	v.umin = 10;
	cr_assert(rk_vs_sync(&v));
	expect_s(&v, -5, -1);

	v = rk_vs_urange(10, 20);
	v.tval = 0x40;
	v.tmask = 0;
	cr_assert(!rk_vs_sync(&v));
	v = rk_vs_urange(1, 3);
	v.tval = 0;
	v.tmask = 4;
	cr_assert(!rk_vs_sync(&v));
}

/* ---- Arithmetic the verifier needs exact ---- */

Test(verify_scalar, add_sub_constants_shift_ranges)
{
	for (int wide = 0; wide < 2; wide++) {
		struct rk_vs v = alu_k(RK_ALU_ADD, wide, rk_vs_urange(0, 4094), 1);
		expect_range(&v, 1, 4095);
		v = alu_k(RK_ALU_SUB, wide, rk_vs_urange(1, 4095), 1);
		expect_range(&v, 0, 4094);
		v = alu_k(RK_ALU_ADD, wide, rk_vs_urange(100, 200), 0);
		expect_range(&v, 100, 200);
		struct rk_vs a = rk_vs_urange(10, 20), b = rk_vs_urange(1, 5);
		v = alu(RK_ALU_ADD, wide, &a, &b);
		expect_range(&v, 11, 25);
		v = alu(RK_ALU_SUB, wide, &a, &b);
		expect_range(&v, 5, 19);
	}
	struct rk_vs v = alu_k(RK_ALU_ADD, false, rk_vs_urange(0, U32_MAX - 1), 1);
	expect_range(&v, 1, U32_MAX);
	v = alu_k(RK_ALU_ADD, false, rk_vs_const(U32_MAX), 1);
	expect_range(&v, 0, 0);
	v = alu_k(RK_ALU_ADD, true, rk_vs_srange(-10, 10), 5);
	expect_s(&v, -5, 15);
	v = alu_k(RK_ALU_SUB, true, rk_vs_urange(0, 10), 1);
	expect_s(&v, -1, 9);
	v = alu_k(RK_ALU_ADD, true, rk_vs_urange(UINT64_MAX - 10, UINT64_MAX - 5), 20);
	expect_range(&v, 9, 14); /* every sum wraps: still exact */
	v = alu_k(RK_ALU_ADD, true, rk_vs_srange(INT64_MAX - 5, INT64_MAX), 1);
	expect_u(&v, (uint64_t)INT64_MAX - 4, U64_SIGN);
	v = alu_k(RK_ALU_NEG, true, rk_vs_urange(1, 5), 0);
	expect_s(&v, -5, -1);
	v = alu_k(RK_ALU_NEG, false, rk_vs_const(1), 0);
	expect_range(&v, U32_MAX, U32_MAX);
}

Test(verify_scalar, and_or_xor)
{
	struct rk_vs any = rk_vs_unknown();
	struct rk_vs v = alu_k(RK_ALU_AND, true, any, 0xff);
	expect_range(&v, 0, 255);
	v = alu_k(RK_ALU_AND, false, any, 0xfff);
	expect_range(&v, 0, 4095);
	v = alu_k(RK_ALU_AND, true, any, 0xf8);
	expect_text(&v, "[0, 248] (mask 0xf8)");
	v = alu_k(RK_ALU_AND, true, rk_vs_urange(3, 10), 63);
	expect_range(&v, 3, 10);
	v = alu_k(RK_ALU_AND, true, rk_vs_srange(-100, 100), 0x7f);
	expect_range(&v, 0, 127);
	v = alu_k(RK_ALU_OR, true, rk_vs_urange(0, 15), 0x10);
	expect_range(&v, 16, 31);
	v = alu_k(RK_ALU_XOR, true, rk_vs_const(0x5a), 0xff);
	expect_range(&v, 0xa5, 0xa5);
	v = alu_k(RK_ALU_XOR, false, rk_vs_urange(0, 7), 8);
	expect_range(&v, 8, 15);
}

Test(verify_scalar, shifts)
{
	struct rk_vs v = alu_k(RK_ALU_LSH, true, rk_vs_urange(0, 100), 2);
	expect_range(&v, 0, 400);
	v = alu_k(RK_ALU_RSH, true, rk_vs_urange(0, 4095), 4);
	expect_range(&v, 0, 255);
	v = alu_k(RK_ALU_RSH, false, rk_vs_unknown(), 24);
	expect_range(&v, 0, 255);
	v = alu_k(RK_ALU_LSH, false, rk_vs_urange(0, 0xffff), 16);
	expect_range(&v, 0, 0xffff0000);
	v = alu_k(RK_ALU_ARSH, true, rk_vs_srange(-64, 63), 3);
	expect_s(&v, -8, 7);
	v = alu_k(RK_ALU_ARSH, false, rk_vs_const(0x80000000), 31);
	expect_range(&v, U32_MAX, U32_MAX);
	/* The amount is masked: 64 is 0, 33 in alu32 is 1. */
	v = alu_k(RK_ALU_LSH, true, rk_vs_urange(1, 2), 64);
	expect_range(&v, 1, 2);
	v = alu_k(RK_ALU_LSH, false, rk_vs_urange(1, 2), 33);
	expect_range(&v, 2, 4);
	struct rk_vs one = rk_vs_const(1), amount = rk_vs_urange(0, 3);
	v = alu(RK_ALU_LSH, true, &one, &amount);
	expect_range(&v, 1, 8);
}

Test(verify_scalar, mul_div_mod)
{
	struct rk_vs v = alu_k(RK_ALU_MUL, true, rk_vs_urange(0, 10), 8);
	expect_range(&v, 0, 80);
	v = alu_k(RK_ALU_MUL, false, rk_vs_urange(2, 5), 3);
	expect_range(&v, 6, 15);
	v = alu_k(RK_ALU_MUL, false, rk_vs_urange(0, 1000), 1000);
	expect_range(&v, 0, 1000000);
	v = alu_k(RK_ALU_MUL, true, rk_vs_srange(-3, 4), (uint64_t)-2);
	expect_s(&v, -8, 6);
	v = alu_k(RK_ALU_DIV, true, rk_vs_urange(0, 100), 10);
	expect_range(&v, 0, 10);
	v = alu_k(RK_ALU_DIV, true, rk_vs_urange(0, 100), 0);
	expect_range(&v, 0, 0);
	v = alu_k(RK_ALU_MOD, true, rk_vs_unknown(), 16);
	expect_range(&v, 0, 15);
	v = alu_k(RK_ALU_MOD, false, rk_vs_unknown(), 10);
	expect_range(&v, 0, 9);
	v = alu_k(RK_ALU_MOD, true, rk_vs_urange(3, 9), 10);
	expect_range(&v, 3, 9);
	v = alu_k(RK_ALU_MOD, true, rk_vs_urange(3, 9), 0);
	expect_range(&v, 3, 9);

	struct rk_vs a = rk_vs_srange(-100, 100), ten = rk_vs_const(10), seven = rk_vs_const(7);
	v = rk_vs_alu(RK_ALU_DIV, true, 1, 0, false, &a, &ten);
	expect_s(&v, -10, 10);
	v = rk_vs_alu(RK_ALU_MOD, true, 1, 0, false, &a, &seven);
	expect_s(&v, -6, 6);
	struct rk_vs minus_one = rk_vs_const(UINT64_MAX), int_min = rk_vs_const(0x80000000);
	v = rk_vs_alu(RK_ALU_DIV, false, 1, 0, false, &int_min, &minus_one);
	expect_range(&v, 0x80000000, 0x80000000);
}

Test(verify_scalar, mov_sext_zext_end)
{
	struct rk_vs byte = rk_vs_sized(1), small = rk_vs_urange(0, 127), any = rk_vs_unknown();
	struct rk_vs v = rk_vs_alu(RK_ALU_MOV, true, 8, 0, false, &any, &byte);
	expect_s(&v, -128, 127);
	v = rk_vs_alu(RK_ALU_MOV, true, 8, 0, false, &any, &small);
	expect_range(&v, 0, 127);
	struct rk_vs high_byte = rk_vs_urange(0x80, 0xff);
	v = rk_vs_alu(RK_ALU_MOV, false, 8, 0, false, &any, &high_byte);
	expect_range(&v, 0xffffff80, U32_MAX);
	struct rk_vs minus_one = rk_vs_const(UINT64_MAX);
	v = alu(RK_ALU_MOV, false, &any, &minus_one);
	expect_range(&v, U32_MAX, U32_MAX);

	v = rk_vs_sext(&high_byte, 1);
	expect_s(&v, -128, -1);
	struct rk_vs wide = rk_vs_urange(0x100000005, 0x100000009);
	v = rk_vs_zext32(&wide);
	expect_range(&v, 5, 9);
	struct rk_vs negative = rk_vs_srange(-3, -1);
	v = rk_vs_zext32(&negative);
	expect_range(&v, U32_MAX - 2, U32_MAX);

	struct rk_vs k = rk_vs_const(0x1234);
	v = rk_vs_alu(RK_ALU_END, false, 0, 16, true, &k, NULL);
	expect_range(&v, 0x3412, 0x3412);
	v = rk_vs_alu(RK_ALU_END, false, 0, 16, false, &any, NULL);
	expect_range(&v, 0, 0xffff);
	v = rk_vs_alu(RK_ALU_END, true, 0, 32, true, &byte, NULL);
	cr_assert_eq(v.tval, 0);
	cr_assert_eq(v.tmask, 0xff000000);
	v = rk_vs_alu(RK_ALU_END, true, 0, 64, true, &byte, NULL);
	cr_assert_eq(v.tmask, 0xff00000000000000ull);
}

/* ---- Branches ---- */

static bool refine_k(uint8_t op, bool jmp32, bool taken, struct rk_vs *a, uint64_t k)
{
	struct rk_vs b = rk_vs_const(k);
	return rk_vs_refine(op, jmp32, taken, a, &b);
}

Test(verify_scalar, refine_against_constants)
{
	for (int narrow = 0; narrow < 2; narrow++) {
		struct rk_vs v = rk_vs_urange(0, 16);
		cr_assert(refine_k(RK_JMP_JNE, narrow, true, &v, 16));
		expect_range(&v, 0, 15);
		v = rk_vs_urange(0, 16);
		cr_assert(refine_k(RK_JMP_JEQ, narrow, false, &v, 0));
		expect_range(&v, 1, 16);
		v = rk_vs_urange(0, 16);
		cr_assert(refine_k(RK_JMP_JEQ, narrow, true, &v, 7));
		cr_assert(rk_vs_is_const(&v));
		expect_range(&v, 7, 7);
		v = rk_vs_urange(0, 100);
		cr_assert(refine_k(RK_JMP_JLT, narrow, true, &v, 10));
		expect_range(&v, 0, 9);
		v = rk_vs_urange(0, 100);
		cr_assert(refine_k(RK_JMP_JLT, narrow, false, &v, 10));
		expect_range(&v, 10, 100);
		v = rk_vs_urange(0, 100);
		cr_assert(refine_k(RK_JMP_JLE, narrow, true, &v, 15));
		expect_range(&v, 0, 15);
		v = rk_vs_urange(0, 20);
		cr_assert(refine_k(RK_JMP_JGT, narrow, true, &v, 10));
		expect_range(&v, 11, 20);
		v = rk_vs_urange(0, 20);
		cr_assert(refine_k(RK_JMP_JGT, narrow, false, &v, 10));
		expect_range(&v, 0, 10);
		v = rk_vs_urange(0, 20);
		cr_assert(refine_k(RK_JMP_JGE, narrow, true, &v, 10));
		expect_range(&v, 10, 20);
		v = rk_vs_srange(-100, 100);
		cr_assert(refine_k(RK_JMP_JSLT, narrow, false, &v, 0));
		expect_range(&v, 0, 100);
		v = rk_vs_srange(-100, 100);
		cr_assert(refine_k(RK_JMP_JSGT, narrow, true, &v, 50));
		expect_range(&v, 51, 100);
		v = rk_vs_srange(-100, 100);
		cr_assert(refine_k(RK_JMP_JSLE, narrow, true, &v, (uint64_t)-1));
		expect_s(&v, -100, -1);
		v = rk_vs_urange(0, 7);
		cr_assert(refine_k(RK_JMP_JSET, narrow, true, &v, 4));
		expect_range(&v, 4, 7);
		v = rk_vs_urange(0, 7);
		cr_assert(refine_k(RK_JMP_JSET, narrow, false, &v, 4));
		expect_range(&v, 0, 3);

		/* Edges that cannot be taken. */
		v = rk_vs_urange(0, 10);
		cr_assert(!refine_k(RK_JMP_JGT, narrow, true, &v, 20));
		v = rk_vs_const(5);
		cr_assert(!refine_k(RK_JMP_JEQ, narrow, true, &v, 6));
		v = rk_vs_const(5);
		cr_assert(!refine_k(RK_JMP_JNE, narrow, true, &v, 5));
		v = rk_vs_unknown();
		cr_assert(!refine_k(RK_JMP_JSET, narrow, true, &v, 0));
		v = rk_vs_urange(0, 10);
		cr_assert(!refine_k(RK_JMP_JLT, narrow, false, &v, 11));
	}
	/* The unknown gets bounds from both sides. */
	struct rk_vs v = rk_vs_unknown();
	cr_assert(refine_k(RK_JMP_JLT, false, true, &v, 16));
	expect_range(&v, 0, 15);
	v = rk_vs_unknown();
	cr_assert(refine_k(RK_JMP_JGE, false, true, &v, 16));
	expect_u(&v, 16, UINT64_MAX);
	/* jmp32 on 32-bit values: the other extension carries the result back. */
	v = rk_vs_sized(4);
	cr_assert(refine_k(RK_JMP_JSGE, true, true, &v, 10));
	expect_range(&v, 10, INT32_MAX);
	v = rk_vs_srange(-5, 5);
	cr_assert(refine_k(RK_JMP_JLT, true, true, &v, 10));
	expect_range(&v, 0, 5);
	/* jmp32 on a value wider than 32 bits: the low bits learn, the edge stays. */
	v = rk_vs_unknown();
	cr_assert(refine_k(RK_JMP_JLT, true, true, &v, 16));
	cr_assert_eq(v.tmask, 0xffffffff0000000full);
	v = rk_vs_urange(0x100000000, 0x100000010);
	cr_assert(refine_k(RK_JMP_JEQ, true, true, &v, 3));
	cr_assert(rk_vs_is_member(&v, 0x100000003));
}

Test(verify_scalar, refine_two_ranges)
{
	struct rk_vs a = rk_vs_urange(0, 100), b = rk_vs_urange(50, 60);
	cr_assert(rk_vs_refine(RK_JMP_JLT, false, true, &a, &b));
	expect_range(&a, 0, 59);
	expect_range(&b, 50, 60);
	a = rk_vs_urange(0, 100);
	b = rk_vs_urange(50, 60);
	cr_assert(rk_vs_refine(RK_JMP_JEQ, false, true, &a, &b));
	expect_range(&a, 50, 60);
	expect_range(&b, 50, 60);
	a = rk_vs_urange(0, 10);
	b = rk_vs_urange(20, 30);
	cr_assert(!rk_vs_refine(RK_JMP_JEQ, false, true, &a, &b));

	/* One register on both sides: still sound. */
	a = rk_vs_urange(0, 10);
	cr_assert(rk_vs_refine(RK_JMP_JEQ, false, true, &a, &a));
	expect_range(&a, 0, 10);
	cr_assert(rk_vs_refine(RK_JMP_JLE, false, true, &a, &a));
	cr_assert(rk_vs_is_member(&a, 0) && rk_vs_is_member(&a, 10));
}

/* ---- Join, containment, printing ---- */

Test(verify_scalar, join_and_contains)
{
	struct rk_vs a = rk_vs_urange(0, 5), b = rk_vs_urange(10, 12);
	struct rk_vs j = rk_vs_join(&a, &b);
	expect_range(&j, 0, 12);
	cr_assert(rk_vs_contains(&j, &a));
	cr_assert(rk_vs_contains(&j, &b));
	cr_assert(!rk_vs_contains(&a, &j));
	struct rk_vs any = rk_vs_unknown(), k = rk_vs_const(3);
	cr_assert(rk_vs_contains(&any, &j));
	cr_assert(rk_vs_contains(&a, &k));
	cr_assert(!rk_vs_contains(&b, &k));
	j = rk_vs_join(&k, &k);
	cr_assert(rk_vs_equal(&j, &k));
}

Test(verify_scalar, format)
{
	expect_text(&(struct rk_vs){42, 42, 42, 42, 42, 0}, "42");
	struct rk_vs v = rk_vs_const(42);
	expect_text(&v, "42");
	v = rk_vs_const(UINT64_MAX);
	expect_text(&v, "-1");
	v = rk_vs_urange(0, 15);
	expect_text(&v, "[0, 15]");
	v = rk_vs_srange(-4, 4);
	expect_text(&v, "[-4, 4]");
	v = rk_vs_unknown();
	expect_text(&v, "scalar");
	v = alu_k(RK_ALU_AND, true, rk_vs_unknown(), 0xf8);
	expect_text(&v, "[0, 248] (mask 0xf8)");
	v = alu_k(RK_ALU_OR, true, rk_vs_urange(0, 0xf0), 1);
	expect_text(&v, "[1, 241] (value 0x1, mask 0xfe)");
	v = rk_vs_urange(U64_SIGN, UINT64_MAX);
	expect_text(&v, "[-9223372036854775808, -1]");
	v = rk_vs_urange(5, UINT64_MAX - 5);
	expect_text(&v, "[5, 18446744073709551610]");
	/* snprintf semantics: the full length, however small the buffer. */
	char tiny[4];
	v = rk_vs_urange(0, 15);
	cr_assert_eq(rk_vs_format(&v, tiny, sizeof(tiny)), 7);
	cr_assert_str_eq(tiny, "[0,");
}

/* ---- Brute force ---- */

static uint64_t rng_state;

/* splitmix64: fast, and every run sees the same values. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* Numbers near the edges where arithmetic changes behaviour. */
static uint64_t interesting(void)
{
	uint64_t small = rnd_below(17) - 8; /* -8 .. 8 */
	switch (rnd_below(11)) {
	case 0:
		return rnd_below(20);
	case 1:
		return (1ull << 31) + small;
	case 2:
		return (1ull << 32) + small;
	case 3:
		return U64_SIGN + small;
	case 4:
		return small; /* near 0 and near 2^64 */
	case 5:
		return rnd();
	case 6:
		return (1ull << rnd_below(64)) + small;
	case 7:
		return rnd_below(0x10000);
	case 8:
		return (uint64_t)(int64_t)INT32_MIN + small;
	case 9:
		return (1ull << rnd_below(64)) - 1;
	default:
		return rnd() >> rnd_below(64);
	}
}

static uint64_t random_span(void)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd_below(4);
	case 1:
		return rnd_below(300);
	case 2:
		return rnd() >> rnd_below(64);
	default:
		return (1ull << rnd_below(64)) - 1;
	}
}

static uint64_t random_mask(void)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd() & rnd() & rnd();
	case 1:
		return (1ull << rnd_below(64)) - 1;
	case 2:
		return ((1ull << rnd_below(16)) - 1) << rnd_below(48);
	default:
		return rnd();
	}
}

static bool member(const struct rk_vs *v, uint64_t x)
{
	return v->smin <= (int64_t)x && (int64_t)x <= v->smax && v->umin <= x && x <= v->umax &&
	       (x & ~v->tmask) == v->tval;
}

static bool well_formed(const struct rk_vs *v)
{
	return v->smin <= v->smax && v->umin <= v->umax && (v->tval & v->tmask) == 0;
}

#define MEMBERS 3
#define MEMBER_TRIES 48

/* Up to MEMBERS distinct-ish concrete members, edges first; returns how many. */
static int pick_members(const struct rk_vs *v, uint64_t *out)
{
	int found = 0;
	for (int attempt = 0; attempt < MEMBER_TRIES && found < MEMBERS; attempt++) {
		uint64_t x, width = v->umax - v->umin;
		switch (attempt < 6 ? attempt : 6 + (int)rnd_below(4)) {
		case 0:
			x = v->umin;
			break;
		case 1:
			x = v->umax;
			break;
		case 2:
			x = (uint64_t)v->smin;
			break;
		case 3:
			x = (uint64_t)v->smax;
			break;
		case 4:
			x = v->tval;
			break;
		case 5:
			x = v->tval | v->tmask;
			break;
		case 6:
			x = v->tval | (rnd() & v->tmask);
			break;
		case 7:
			x = v->umin + (width == UINT64_MAX ? rnd() : rnd_below(width + 1));
			x = (x & v->tmask) | v->tval;
			break;
		case 8:
			x = (uint64_t)v->smin + rnd_below((uint64_t)v->smax - (uint64_t)v->smin + 1);
			break;
		default:
			x = v->umin + rnd_below(width < 64 ? width + 1 : 64);
			break;
		}
		if (!member(v, x))
			continue;
		bool seen = false;
		for (int i = 0; i < found; i++)
			seen |= out[i] == x;
		/* Keep a duplicate only when nothing else turns up. */
		if (!seen || attempt >= MEMBER_TRIES - MEMBERS)
			out[found++] = x;
	}
	return found;
}

static struct rk_vs random_vs(int depth);

static struct rk_vs random_shape(int depth)
{
	uint64_t lo = interesting(), span = random_span(), hi;
	struct rk_vs v;

	switch (rnd_below(depth > 0 ? 10 : 8)) {
	case 0:
		return rk_vs_const(interesting());
	case 1:
		hi = lo + span < lo ? UINT64_MAX : lo + span;
		return rk_vs_urange(lo, hi);
	case 2: {
		int64_t slo = (int64_t)lo, shi;
		if (__builtin_add_overflow(slo, (int64_t)(span >> 1), &shi))
			shi = INT64_MAX;
		return rk_vs_srange(slo, shi);
	}
	case 3:
		v = rk_vs_unknown();
		v.tmask = random_mask();
		v.tval = rnd() & ~v.tmask;
		return v;
	case 4:
		return rk_vs_unknown();
	case 5:
		return rk_vs_sized(1u << rnd_below(4));
	case 6:
		/* A range and known bits at once. */
		hi = lo + span < lo ? UINT64_MAX : lo + span;
		v = rk_vs_urange(lo, hi);
		v.tmask &= random_mask() | (rnd() & 0xff);
		v.tval = (v.tval | (rnd() & ~v.tmask)) & ~v.tmask;
		return v;
	case 7: {
		int64_t slo = (int64_t)rnd_below(600) - 300;
		return rk_vs_srange(slo, slo + (int64_t)rnd_below(600));
	}
	case 8: {
		/* What the domain itself produces. */
		static const uint8_t ops[] = {RK_ALU_ADD, RK_ALU_SUB, RK_ALU_MUL, RK_ALU_AND,
		                              RK_ALU_OR, RK_ALU_LSH, RK_ALU_RSH, RK_ALU_ARSH,
		                              RK_ALU_XOR, RK_ALU_DIV, RK_ALU_MOD};
		struct rk_vs a = random_vs(depth - 1), b = random_vs(depth - 1);
		return rk_vs_alu(ops[rnd_below(sizeof(ops))], rnd() & 1, 0, 0, false, &a, &b);
	}
	default: {
		struct rk_vs a = random_vs(depth - 1), b = random_vs(depth - 1);
		return rk_vs_join(&a, &b);
	}
	}
}

/* A random value with at least one member (sync alone cannot promise that). */
static struct rk_vs random_vs(int depth)
{
	for (;;) {
		uint64_t members[MEMBERS];
		struct rk_vs v = random_shape(depth);
		if (rk_vs_sync(&v) && pick_members(&v, members) > 0)
			return v;
	}
}

struct alu_case {
	uint8_t op;
	bool alu64;
	int16_t off;
	int32_t imm;
	bool to_be;
};

static size_t alu_cases(struct alu_case *cases)
{
	static const uint8_t plain[] = {RK_ALU_ADD, RK_ALU_SUB, RK_ALU_MUL, RK_ALU_OR,
	                                RK_ALU_AND, RK_ALU_LSH, RK_ALU_RSH, RK_ALU_NEG,
	                                RK_ALU_XOR, RK_ALU_ARSH};
	static const int16_t mov_offs[] = {0, 8, 16, 32};
	static const int32_t end_widths[] = {16, 32, 64};
	size_t count = 0;

	for (int wide = 0; wide < 2; wide++) {
		for (size_t i = 0; i < sizeof(plain); i++)
			cases[count++] = (struct alu_case){plain[i], wide, 0, 0, false};
		for (int16_t off = 0; off < 2; off++) {
			cases[count++] = (struct alu_case){RK_ALU_DIV, wide, off, 0, false};
			cases[count++] = (struct alu_case){RK_ALU_MOD, wide, off, 0, false};
		}
		for (size_t i = 0; i < 4; i++)
			cases[count++] = (struct alu_case){RK_ALU_MOV, wide, mov_offs[i], 0, false};
		/* END: alu32 to_le / to_be, alu64 bswap. */
		for (size_t i = 0; i < 3; i++) {
			if (wide)
				cases[count++] = (struct alu_case){RK_ALU_END, true, 0, end_widths[i], true};
			else
				for (int be = 0; be < 2; be++)
					cases[count++] = (struct alu_case){RK_ALU_END, false, 0,
					                                   end_widths[i], be};
		}
	}
	return count;
}

/* Exactly the interpreter's arithmetic (interp_loop.h), with src as the operand. */
static uint64_t concrete_alu(const struct alu_case *c, uint64_t dst, uint64_t src)
{
	uint32_t d32 = (uint32_t)dst, s32 = (uint32_t)src;

	if (c->op == RK_ALU_END) {
		if (!c->to_be)
			return c->imm == 16 ? (uint16_t)dst : c->imm == 32 ? (uint32_t)dst : dst;
		return c->imm == 16   ? __builtin_bswap16((uint16_t)dst)
		       : c->imm == 32 ? __builtin_bswap32((uint32_t)dst)
		                      : __builtin_bswap64(dst);
	}
	if (c->alu64) {
		switch (c->op) {
		case RK_ALU_ADD: return dst + src;
		case RK_ALU_SUB: return dst - src;
		case RK_ALU_MUL: return dst * src;
		case RK_ALU_DIV: return c->off ? rk_sdiv64(dst, src) : rk_udiv64(dst, src);
		case RK_ALU_OR: return dst | src;
		case RK_ALU_AND: return dst & src;
		case RK_ALU_LSH: return dst << (src & 63);
		case RK_ALU_RSH: return dst >> (src & 63);
		case RK_ALU_NEG: return 0 - dst;
		case RK_ALU_MOD: return c->off ? rk_smod64(dst, src) : rk_umod64(dst, src);
		case RK_ALU_XOR: return dst ^ src;
		case RK_ALU_MOV: return c->off == 0 ? src : rk_sign_extend(src, c->off);
		case RK_ALU_ARSH: return (uint64_t)((int64_t)dst >> (src & 63));
		}
	} else {
		switch (c->op) {
		case RK_ALU_ADD: return (uint32_t)(d32 + s32);
		case RK_ALU_SUB: return (uint32_t)(d32 - s32);
		case RK_ALU_MUL: return (uint32_t)(d32 * s32);
		case RK_ALU_DIV: return c->off ? rk_sdiv32(dst, src) : rk_udiv32(dst, src);
		case RK_ALU_OR: return d32 | s32;
		case RK_ALU_AND: return d32 & s32;
		case RK_ALU_LSH: return (uint32_t)(d32 << (src & 31));
		case RK_ALU_RSH: return d32 >> (src & 31);
		case RK_ALU_NEG: return (uint32_t)(0u - d32);
		case RK_ALU_MOD: return c->off ? rk_smod32(dst, src) : rk_umod32(dst, src);
		case RK_ALU_XOR: return d32 ^ s32;
		case RK_ALU_MOV: return (uint32_t)(c->off == 0 ? src : rk_sign_extend(src, c->off));
		case RK_ALU_ARSH: return (uint32_t)((int32_t)d32 >> (src & 31));
		}
	}
	cr_assert_fail("no concrete semantics for op 0x%02x", c->op);
	return 0;
}

static bool concrete_jump(uint8_t op, bool jmp32, uint64_t a, uint64_t b)
{
	uint64_t ua = jmp32 ? (uint32_t)a : a, ub = jmp32 ? (uint32_t)b : b;
	int64_t sa = jmp32 ? (int32_t)(uint32_t)a : (int64_t)a;
	int64_t sb = jmp32 ? (int32_t)(uint32_t)b : (int64_t)b;

	switch (op) {
	case RK_JMP_JEQ: return ua == ub;
	case RK_JMP_JNE: return ua != ub;
	case RK_JMP_JGT: return ua > ub;
	case RK_JMP_JGE: return ua >= ub;
	case RK_JMP_JLT: return ua < ub;
	case RK_JMP_JLE: return ua <= ub;
	case RK_JMP_JSET: return (ua & ub) != 0;
	case RK_JMP_JSGT: return sa > sb;
	case RK_JMP_JSGE: return sa >= sb;
	case RK_JMP_JSLT: return sa < sb;
	case RK_JMP_JSLE: return sa <= sb;
	}
	cr_assert_fail("no concrete semantics for jump 0x%02x", op);
	return false;
}

static void describe(const struct rk_vs *v, char *buf, size_t len)
{
	snprintf(buf, len,
	         "{s [%" PRId64 ", %" PRId64 "] u [%" PRIu64 ", %" PRIu64 "] t 0x%" PRIx64
	         "/0x%" PRIx64 "}",
	         v->smin, v->smax, v->umin, v->umax, v->tval, v->tmask);
}

/* Override these by hand (-DVS_SEED=..., -DVS_SCALE=100) for a long hunt. */
#ifndef VS_SEED
#define VS_SEED 0x5eed2024ull
#endif
#ifndef VS_SCALE
#define VS_SCALE 1
#endif
#define SEED ((uint64_t)(VS_SEED))
#define ALU_ROUNDS (8000 * VS_SCALE)
#define REFINE_ROUNDS (8000 * VS_SCALE)
#define JOIN_ROUNDS (60000 * VS_SCALE)
#define MIN_CHECKS 1000000
#define SHAPE_DEPTH 2

struct pair {
	struct rk_vs a, b;
	uint64_t xa[MEMBERS], xb[MEMBERS];
	int na, nb;
};

static void random_pair(struct pair *p)
{
	do {
		p->a = random_vs(SHAPE_DEPTH);
		p->na = pick_members(&p->a, p->xa);
	} while (p->na == 0);
	do {
		p->b = rnd_below(4) == 0 ? rk_vs_const(interesting()) : random_vs(SHAPE_DEPTH);
		p->nb = pick_members(&p->b, p->xb);
	} while (p->nb == 0);
}

Test(verify_scalar, alu_soundness_brute_force)
{
	struct alu_case cases[64];
	size_t case_count = alu_cases(cases);
	uint64_t checks = 0;

	rng_state = SEED;
	for (int round = 0; round < ALU_ROUNDS; round++) {
		struct pair p;
		random_pair(&p);
		for (size_t c = 0; c < case_count; c++) {
			const struct alu_case *ac = &cases[c];
			struct rk_vs r = rk_vs_alu(ac->op, ac->alu64, ac->off, ac->imm, ac->to_be,
			                           &p.a, &p.b);
			/* Precision floor: constants in, a constant out. */
			if (rk_vs_is_const(&p.a) && rk_vs_is_const(&p.b) && !rk_vs_is_const(&r))
				cr_assert_fail("round %d: op 0x%02x alu64 %d off %d imm %d be %d: "
				               "0x%" PRIx64 " OP 0x%" PRIx64 " is not a constant",
				               round, ac->op, ac->alu64, ac->off, ac->imm, ac->to_be,
				               p.a.umin, p.b.umin);
			for (int i = 0; i < p.na; i++) {
				for (int j = 0; j < p.nb; j++) {
					uint64_t x = concrete_alu(ac, p.xa[i], p.xb[j]);
					checks++;
					if (member(&r, x) && well_formed(&r))
						continue;
					char da[160], db[160], dr[160];
					describe(&p.a, da, sizeof(da));
					describe(&p.b, db, sizeof(db));
					describe(&r, dr, sizeof(dr));
					cr_assert_fail("round %d: op 0x%02x alu64 %d off %d imm %d be %d: "
					               "%s OP %s = %s, but 0x%" PRIx64 " OP 0x%" PRIx64
					               " = 0x%" PRIx64,
					               round, ac->op, ac->alu64, ac->off, ac->imm, ac->to_be,
					               da, db, dr, p.xa[i], p.xb[j], x);
				}
			}
		}
	}
	cr_log_info("verify_scalar: %" PRIu64 " ALU checks", checks);
	cr_assert_geq(checks, MIN_CHECKS);
}

Test(verify_scalar, refine_soundness_brute_force)
{
	static const uint8_t ops[] = {RK_JMP_JEQ, RK_JMP_JNE, RK_JMP_JGT, RK_JMP_JGE,
	                              RK_JMP_JLT, RK_JMP_JLE, RK_JMP_JSET, RK_JMP_JSGT,
	                              RK_JMP_JSGE, RK_JMP_JSLT, RK_JMP_JSLE};
	uint64_t checks = 0;

	rng_state = SEED + 1;
	for (int round = 0; round < REFINE_ROUNDS; round++) {
		struct pair p;
		random_pair(&p);
		for (size_t o = 0; o < sizeof(ops); o++) {
			for (int jmp32 = 0; jmp32 < 2; jmp32++) {
				for (int taken = 0; taken < 2; taken++) {
					struct rk_vs ra = p.a, rb = p.b;
					bool feasible = rk_vs_refine(ops[o], jmp32, taken, &ra, &rb);
					for (int i = 0; i < p.na; i++) {
						for (int j = 0; j < p.nb; j++) {
							uint64_t x = p.xa[i], y = p.xb[j];
							if (concrete_jump(ops[o], jmp32, x, y) != (bool)taken)
								continue;
							checks++;
							if (feasible && member(&ra, x) && member(&rb, y) &&
							    well_formed(&ra) && well_formed(&rb))
								continue;
							char da[160], db[160], dra[160], drb[160];
							describe(&p.a, da, sizeof(da));
							describe(&p.b, db, sizeof(db));
							describe(&ra, dra, sizeof(dra));
							describe(&rb, drb, sizeof(drb));
							cr_assert_fail("round %d: jump 0x%02x jmp32 %d taken %d: "
							               "%s, %s -> %d %s, %s; concrete 0x%" PRIx64
							               ", 0x%" PRIx64 " lost",
							               round, ops[o], jmp32, taken, da, db,
							               feasible, dra, drb, x, y);
						}
					}
				}
			}
		}
	}
	cr_log_info("verify_scalar: %" PRIu64 " refinement checks", checks);
	cr_assert_geq(checks, MIN_CHECKS);
}

static void expect_member(const struct rk_vs *v, uint64_t x, const char *what, int round)
{
	if (member(v, x) && well_formed(v))
		return;
	char dv[160];
	describe(v, dv, sizeof(dv));
	cr_assert_fail("round %d: %s %s lost 0x%" PRIx64, round, what, dv, x);
}

Test(verify_scalar, join_contains_soundness_brute_force)
{
	uint64_t checks = 0;

	rng_state = SEED + 2;
	for (int round = 0; round < JOIN_ROUNDS; round++) {
		struct pair p;
		random_pair(&p);
		/* rk_vs_sync only drops what no view allows. */
		uint64_t raw_members[MEMBERS];
		struct rk_vs raw = random_shape(SHAPE_DEPTH), synced = raw;
		int raw_count = pick_members(&raw, raw_members);
		bool nonempty = rk_vs_sync(&synced);
		for (int i = 0; i < raw_count; i++) {
			cr_assert(nonempty, "round %d: sync emptied a value holding 0x%" PRIx64,
			          round, raw_members[i]);
			expect_member(&synced, raw_members[i], "sync", round);
			checks++;
		}
		struct rk_vs j = rk_vs_join(&p.a, &p.b);
		cr_assert(rk_vs_contains(&j, &p.a) && rk_vs_contains(&j, &p.b), "round %d", round);
		cr_assert(rk_vs_contains(&p.a, &p.a), "round %d", round);
		bool b_in_a = rk_vs_contains(&p.a, &p.b);
		struct rk_vs both = p.a;
		bool overlap = rk_vs_intersect(&both, &p.b);
		for (int i = 0; i < p.na; i++) {
			uint64_t x = p.xa[i];
			expect_member(&j, x, "join", round);
			struct rk_vs z = rk_vs_zext32(&p.a);
			expect_member(&z, (uint32_t)x, "zext32", round);
			for (unsigned size = 1; size <= 4; size *= 2) {
				struct rk_vs s = rk_vs_sext(&p.a, size);
				expect_member(&s, rk_sign_extend(x, (int)size * 8), "sext", round);
			}
			cr_assert(rk_vs_is_member(&p.a, x), "round %d", round);
			checks += 5;
			if (member(&p.b, x)) {
				cr_assert(overlap, "round %d: intersection lost 0x%" PRIx64, round, x);
				expect_member(&both, x, "intersection", round);
				checks++;
			}
		}
		for (int i = 0; i < p.nb; i++) {
			expect_member(&j, p.xb[i], "join", round);
			checks++;
			if (b_in_a) {
				expect_member(&p.a, p.xb[i], "contains", round);
				checks++;
			}
		}
	}
	cr_log_info("verify_scalar: %" PRIu64 " join/contains checks", checks);
	cr_assert_geq(checks, MIN_CHECKS);
}
