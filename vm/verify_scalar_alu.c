/*
 * verify_scalar_alu.c - rk_vs_alu: the abstract counterpart of every ALU
 * instruction of RFC 9669, as vm/interp_loop.h computes it.
 *
 * Each 64-bit operation computes each view on its own (interval bounds
 * where no operand combination can wrap, the tnum always) and lets
 * rk_vs_sync combine them.  The 32-bit forms run the 64-bit operation on
 * the truncated operands (zero- or sign-extended so that the 64-bit
 * result has the right low 32 bits) and truncate the result.
 *
 * What must stay true: no C arithmetic here may overflow a signed type or
 * shift by 64 (the tests run under UBSan); wrapping sums are computed with
 * the overflow builtins or in uint64_t.
 */
#include "alu_ops.h"
#include "rk_isa.h"
#include "verify_scalar_internal.h"

#define SHIFT_MASK64 63
#define SHIFT_MASK32 31

/* The result of a range op: unknown in every view until set. */
static struct rk_vs with_tnum(struct rk_tnum bits)
{
	return vs_from_tnum(bits);
}

/*
 * Two signed sums (or differences) that overflowed the same way -- both
 * below INT64_MIN or both above INT64_MAX -- wrap by the same 2^64, so
 * their order, and the order of everything between them, survives.  A
 * sum that went below INT64_MIN wraps to a non-negative number.
 */
static bool same_wrap(bool lo_over, int64_t lo, bool hi_over, int64_t hi)
{
	if (lo_over != hi_over)
		return false;
	return !lo_over || ((lo >= 0) == (hi >= 0));
}

static struct rk_vs alu_add(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs sum = with_tnum(rk_tnum_add(vs_tnum(a), vs_tnum(b)));
	uint64_t ulo, uhi;
	int64_t slo, shi;

	bool lo_over = __builtin_add_overflow(a->umin, b->umin, &ulo);
	bool hi_over = __builtin_add_overflow(a->umax, b->umax, &uhi);
	if (lo_over == hi_over) {
		sum.umin = ulo;
		sum.umax = uhi;
	}
	lo_over = __builtin_add_overflow(a->smin, b->smin, &slo);
	hi_over = __builtin_add_overflow(a->smax, b->smax, &shi);
	if (same_wrap(lo_over, slo, hi_over, shi)) {
		sum.smin = slo;
		sum.smax = shi;
	}
	return vs_finish(sum, rk_vs_unknown());
}

static struct rk_vs alu_sub(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs diff = with_tnum(rk_tnum_sub(vs_tnum(a), vs_tnum(b)));
	int64_t slo, shi;

	/* Unsigned: no difference borrows, or all do (then all wrap by 2^64). */
	if ((a->umin < b->umax) == (a->umax < b->umin)) {
		diff.umin = a->umin - b->umax;
		diff.umax = a->umax - b->umin;
	}
	bool lo_over = __builtin_sub_overflow(a->smin, b->smax, &slo);
	bool hi_over = __builtin_sub_overflow(a->smax, b->smin, &shi);
	if (same_wrap(lo_over, slo, hi_over, shi)) {
		diff.smin = slo;
		diff.smax = shi;
	}
	return vs_finish(diff, rk_vs_unknown());
}

static struct rk_vs alu_mul(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs product = with_tnum(rk_tnum_mul(vs_tnum(a), vs_tnum(b)));
	uint64_t uhi;

	if (!__builtin_mul_overflow(a->umax, b->umax, &uhi)) {
		product.umin = a->umin * b->umin;
		product.umax = uhi;
	}
	/* Signed: the extremes are at the corners, if no corner overflows. */
	int64_t corners[4];
	if (!__builtin_mul_overflow(a->smin, b->smin, &corners[0]) &&
	    !__builtin_mul_overflow(a->smin, b->smax, &corners[1]) &&
	    !__builtin_mul_overflow(a->smax, b->smin, &corners[2]) &&
	    !__builtin_mul_overflow(a->smax, b->smax, &corners[3])) {
		product.smin = product.smax = corners[0];
		for (int i = 1; i < 4; i++) {
			product.smin = vs_smin(product.smin, corners[i]);
			product.smax = vs_smax(product.smax, corners[i]);
		}
	}
	return vs_finish(product, rk_vs_unknown());
}

/* The largest 2^k - 1 whose bits are all known to be 1 in value. */
static uint64_t known_low_ones(const struct rk_vs *value)
{
	uint64_t ones = value->tval & ~value->tmask;
	if (ones == UINT64_MAX)
		return UINT64_MAX;
	return (1ull << __builtin_ctzll(~ones)) - 1;
}

static struct rk_vs alu_and(const struct rk_vs *a, const struct rk_vs *b)
{
	/* x & mask where x fits under the mask's low ones is x. */
	if (a->umax <= known_low_ones(b))
		return *a;
	if (b->umax <= known_low_ones(a))
		return *b;
	struct rk_vs both = with_tnum(rk_tnum_and(vs_tnum(a), vs_tnum(b)));
	both.umax = vs_umin(a->umax, b->umax); /* x & y <= min(x, y) */
	if (a->smin >= 0 || b->smin >= 0) {
		/* A non-negative operand clears the sign and bounds the result. */
		both.smin = 0;
		both.smax = INT64_MAX;
		if (a->smin >= 0)
			both.smax = vs_smin(both.smax, a->smax);
		if (b->smin >= 0)
			both.smax = vs_smin(both.smax, b->smax);
	}
	return vs_finish(both, rk_vs_unknown());
}

static struct rk_vs alu_or(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs either = with_tnum(rk_tnum_or(vs_tnum(a), vs_tnum(b)));
	uint64_t sum;

	either.umin = vs_umax(a->umin, b->umin); /* x | y >= max(x, y) */
	if (!__builtin_add_overflow(a->umax, b->umax, &sum))
		either.umax = sum; /* x | y <= x + y */
	if (a->smin >= 0 && b->smin >= 0) {
		either.smin = vs_smax(a->smin, b->smin);
	} else if (a->smax < 0 || b->smax < 0) {
		/* A negative operand makes the result negative, and no smaller. */
		either.smax = -1;
		if (a->smax < 0)
			either.smin = vs_smax(either.smin, a->smin);
		if (b->smax < 0)
			either.smin = vs_smax(either.smin, b->smin);
	}
	return vs_finish(either, rk_vs_unknown());
}

static struct rk_vs alu_xor(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs differ = with_tnum(rk_tnum_xor(vs_tnum(a), vs_tnum(b)));
	uint64_t sum;

	if (!__builtin_add_overflow(a->umax, b->umax, &sum))
		differ.umax = sum; /* x ^ y <= x + y */
	bool a_nonneg = a->smin >= 0, a_neg = a->smax < 0;
	bool b_nonneg = b->smin >= 0, b_neg = b->smax < 0;
	if ((a_nonneg && b_nonneg) || (a_neg && b_neg))
		differ.smin = 0;
	else if ((a_nonneg && b_neg) || (a_neg && b_nonneg))
		differ.smax = -1;
	return vs_finish(differ, rk_vs_unknown());
}

static bool is_power_of_two(const struct rk_vs *value)
{
	return rk_vs_is_const(value) && value->umin && !(value->umin & (value->umin - 1));
}

static struct rk_vs shift_const(uint8_t op, const struct rk_vs *a, unsigned shift);

static struct rk_vs alu_udiv(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs quotient = rk_vs_unknown();

	if (b->umax == 0)
		return rk_vs_const(0); /* x / 0 = 0 */
	if (is_power_of_two(b))
		return shift_const(RK_ALU_RSH, a, (unsigned)__builtin_ctzll(b->umin));
	if (b->umin == 0) {
		quotient.umin = 0; /* x / 0 */
		quotient.umax = a->umax;
	} else {
		quotient.umin = a->umin / b->umax;
		quotient.umax = a->umax / b->umin;
	}
	return vs_finish(quotient, rk_vs_unknown());
}

static struct rk_vs alu_umod(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs rest = rk_vs_unknown();

	if (b->umax == 0 || a->umax < b->umin)
		return *a; /* x % 0 = x, and x % y = x for x < y */
	if (is_power_of_two(b)) {
		struct rk_vs low_mask = rk_vs_const(b->umin - 1);
		return alu_and(a, &low_mask);
	}
	rest.umin = 0;
	rest.umax = b->umin == 0 ? a->umax : vs_umin(a->umax, b->umax - 1);
	return vs_finish(rest, rk_vs_unknown());
}

/*
 * Signed division of a box [a] x [bmin, bmax] where b keeps one sign: the
 * quotient is monotonic in each operand, so its extremes are at corners.
 * The caller keeps INT64_MIN / -1 out.
 */
static void sdiv_corners(const struct rk_vs *a, int64_t bmin, int64_t bmax, int64_t *lo,
                         int64_t *hi)
{
	int64_t dividends[2] = {a->smin, a->smax}, divisors[2] = {bmin, bmax};

	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 2; j++) {
			int64_t q = (int64_t)rk_sdiv64((uint64_t)dividends[i], (uint64_t)divisors[j]);
			*lo = vs_smin(*lo, q);
			*hi = vs_smax(*hi, q);
		}
	}
}

static struct rk_vs alu_sdiv(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs quotient = rk_vs_unknown();
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	if (a->smin == INT64_MIN && b->smin <= -1 && b->smax >= -1)
		return quotient; /* INT64_MIN / -1 wraps: give up */
	if (b->smin <= 0 && b->smax >= 0)
		lo = hi = 0; /* x / 0 = 0 */
	if (b->smin <= -1)
		sdiv_corners(a, b->smin, vs_smin(b->smax, -1), &lo, &hi);
	if (b->smax >= 1)
		sdiv_corners(a, vs_smax(b->smin, 1), b->smax, &lo, &hi);
	quotient.smin = lo;
	quotient.smax = hi;
	return vs_finish(quotient, rk_vs_unknown());
}

/* |x| as unsigned, defined for INT64_MIN too. */
static uint64_t magnitude(int64_t x)
{
	return x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
}

/* x % y takes the sign of x, and |x % y| < |y|, |x % y| <= |x|. */
static struct rk_vs alu_smod(const struct rk_vs *a, const struct rk_vs *b)
{
	if (a->smin >= 0 && b->smin >= 0)
		return alu_umod(a, b); /* same numbers, unsigned bounds are signed ones */
	struct rk_vs rest = rk_vs_unknown();
	rest.smin = vs_smin(a->smin, 0);
	rest.smax = vs_smax(a->smax, 0);
	if (b->smin > 0 || b->smax < 0) {
		/* b is never 0: the rest stays below the largest |b|, at most 2^63. */
		uint64_t below = vs_umax(magnitude(b->smin), magnitude(b->smax)) - 1;
		rest.smin = vs_smax(rest.smin, -(int64_t)below);
		rest.smax = vs_smin(rest.smax, (int64_t)below);
	}
	return vs_finish(rest, rk_vs_unknown());
}

/* RK_ALU_LSH, RSH or ARSH by a known amount below 64. */
static struct rk_vs shift_const(uint8_t op, const struct rk_vs *a, unsigned shift)
{
	struct rk_vs shifted;

	if (shift == 0)
		return *a;
	if (op == RK_ALU_LSH) {
		shifted = with_tnum(rk_tnum_lshift(vs_tnum(a), shift));
		if ((a->umax >> (VS_BITS - shift)) == 0) {
			shifted.umin = a->umin << shift;
			shifted.umax = a->umax << shift;
		}
		/* Signed: exact while no value loses its sign bit. */
		int64_t limit = (int64_t)1 << (VS_BITS - 1 - shift);
		if (a->smin >= -limit && a->smax < limit) {
			shifted.smin = (int64_t)((uint64_t)a->smin << shift);
			shifted.smax = (int64_t)((uint64_t)a->smax << shift);
		}
	} else if (op == RK_ALU_RSH) {
		shifted = with_tnum(rk_tnum_rshift(vs_tnum(a), shift));
		shifted.umin = a->umin >> shift;
		shifted.umax = a->umax >> shift;
	} else {
		shifted = with_tnum(rk_tnum_arshift(vs_tnum(a), shift));
		shifted.smin = a->smin >> shift; /* arithmetic in gcc and clang */
		shifted.smax = a->smax >> shift;
	}
	return vs_finish(shifted, rk_vs_unknown());
}

/*
 * A shift by an amount in a range is the join of the shifts by each
 * possible amount: at most 64 of them, and exact per amount.
 */
static struct rk_vs alu_shift(uint8_t op, const struct rk_vs *a, const struct rk_vs *amount)
{
	struct rk_vs joined = rk_vs_unknown();
	bool any = false;

	if (rk_vs_is_const(amount))
		return shift_const(op, a, (unsigned)(amount->umin & SHIFT_MASK64));
	for (uint64_t shift = amount->umin; shift <= vs_umin(amount->umax, SHIFT_MASK64); shift++) {
		if (!rk_vs_is_member(amount, shift))
			continue;
		struct rk_vs one = shift_const(op, a, (unsigned)shift);
		joined = any ? rk_vs_join(&joined, &one) : one;
		any = true;
	}
	return joined;
}

/* 64-bit operations; the 32-bit forms reuse them on prepared operands. */
static struct rk_vs alu_core(uint8_t op, bool is_signed, const struct rk_vs *a,
                             const struct rk_vs *b, uint64_t shift_mask)
{
	struct rk_vs zero = rk_vs_const(0), mask = rk_vs_const(shift_mask), amount;

	switch (op) {
	case RK_ALU_ADD:
		return alu_add(a, b);
	case RK_ALU_SUB:
		return alu_sub(a, b);
	case RK_ALU_MUL:
		return alu_mul(a, b);
	case RK_ALU_DIV:
		if (rk_vs_is_const(a) && rk_vs_is_const(b))
			return rk_vs_const(is_signed ? rk_sdiv64(a->umin, b->umin)
			                             : rk_udiv64(a->umin, b->umin));
		return is_signed ? alu_sdiv(a, b) : alu_udiv(a, b);
	case RK_ALU_MOD:
		/* The bounds below are loose for constants; constants fold. */
		if (rk_vs_is_const(a) && rk_vs_is_const(b))
			return rk_vs_const(is_signed ? rk_smod64(a->umin, b->umin)
			                             : rk_umod64(a->umin, b->umin));
		return is_signed ? alu_smod(a, b) : alu_umod(a, b);
	case RK_ALU_OR:
		return alu_or(a, b);
	case RK_ALU_AND:
		return alu_and(a, b);
	case RK_ALU_XOR:
		return alu_xor(a, b);
	case RK_ALU_LSH:
	case RK_ALU_RSH:
	case RK_ALU_ARSH:
		amount = alu_and(b, &mask); /* RFC 9669 masks the amount */
		return alu_shift(op, a, &amount);
	case RK_ALU_NEG:
		return alu_sub(&zero, a);
	default:
		return rk_vs_unknown();
	}
}

/* The MOVSX width: as rk_sign_extend, 8 and 16 bits, anything else 32. */
static unsigned movsx_size(int16_t off)
{
	return off == 8 ? 1 : off == 16 ? 2 : 4;
}

/* END: to_le only truncates (the host is little endian); to_be swaps the bytes. */
static struct rk_vs alu_end(const struct rk_vs *dst, int32_t imm, bool to_be)
{
	unsigned bits = imm == 16 ? 16 : imm == 32 ? 32 : 64;
	struct rk_vs low = rk_vs_trunc(dst, bits);
	struct rk_vs width = bits == 64 ? rk_vs_unknown() : rk_vs_urange(0, (1ull << bits) - 1);

	if (!to_be)
		return low;
	struct rk_vs swapped = with_tnum(rk_tnum_bswap(vs_tnum(&low), bits));
	return vs_finish(swapped, width);
}

static struct rk_vs alu64(uint8_t op, int16_t off, const struct rk_vs *dst,
                          const struct rk_vs *src)
{
	if (op == RK_ALU_MOV)
		return off == 0 ? *src : rk_vs_sext(src, movsx_size(off));
	if (op == RK_ALU_NEG)
		return alu_core(op, false, dst, dst, SHIFT_MASK64);
	return alu_core(op, off != 0, dst, src, SHIFT_MASK64);
}

static struct rk_vs alu32(uint8_t op, int16_t off, const struct rk_vs *dst,
                          const struct rk_vs *src)
{
	struct rk_vs result;

	if (op == RK_ALU_MOV) {
		result = off == 0 ? *src : rk_vs_sext(src, movsx_size(off));
		return rk_vs_zext32(&result);
	}
	struct rk_vs a = rk_vs_zext32(dst);
	if (op == RK_ALU_NEG) {
		result = alu_core(op, false, &a, &a, SHIFT_MASK32);
		return rk_vs_zext32(&result);
	}
	struct rk_vs b = rk_vs_zext32(src);
	/*
	 * Signed division and arithmetic shift read the operands as int32_t:
	 * sign-extended, the 64-bit operation has the same low 32 bits
	 * (INT32_MIN / -1 included: 2^31 truncates to INT32_MIN).
	 */
	bool is_signed = (op == RK_ALU_DIV || op == RK_ALU_MOD) && off != 0;
	if (is_signed || op == RK_ALU_ARSH)
		a = rk_vs_sext(dst, 4);
	if (is_signed)
		b = rk_vs_sext(src, 4);
	result = alu_core(op, is_signed, &a, &b, SHIFT_MASK32);
	return rk_vs_zext32(&result);
}

struct rk_vs rk_vs_alu(uint8_t op, bool alu64_op, int16_t off, int32_t imm, bool to_be,
                       const struct rk_vs *dst, const struct rk_vs *src)
{
	if (op == RK_ALU_END)
		return alu_end(dst, imm, to_be);
	return alu64_op ? alu64(op, off, dst, src) : alu32(op, off, dst, src);
}
