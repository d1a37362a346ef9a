/*
 * verify_tnum.c - tristate number arithmetic, after the Linux kernel's
 * kernel/bpf/tnum.c.  Every operation keeps (value & mask) == 0; callers
 * rely on it to read value as "the bits known to be 1".
 */
#include "verify_tnum.h"

#define TNUM_BITS 64

static struct rk_tnum tnum(uint64_t value, uint64_t mask)
{
	return (struct rk_tnum){.value = value & ~mask, .mask = mask};
}

static uint64_t low_bits(unsigned bits)
{
	return bits >= TNUM_BITS ? UINT64_MAX : (1ull << bits) - 1;
}

struct rk_tnum rk_tnum_const(uint64_t value)
{
	return tnum(value, 0);
}

struct rk_tnum rk_tnum_unknown(void)
{
	return tnum(0, UINT64_MAX);
}

struct rk_tnum rk_tnum_range(uint64_t min, uint64_t max)
{
	uint64_t differ = min ^ max;

	if (differ == 0)
		return rk_tnum_const(min);
	/* Every bit from the highest one that differs down is unknown. */
	unsigned bits = TNUM_BITS - (unsigned)__builtin_clzll(differ);
	uint64_t delta = low_bits(bits);
	return tnum(min, delta);
}

/*
 * a + b: the carries can reach any bit at or above an unknown bit of
 * either operand, and any bit where the minimum and maximum sums differ.
 */
struct rk_tnum rk_tnum_add(struct rk_tnum a, struct rk_tnum b)
{
	uint64_t mask_sum = a.mask + b.mask;
	uint64_t value_sum = a.value + b.value;
	uint64_t carries = (mask_sum + value_sum) ^ value_sum;
	return tnum(value_sum, carries | a.mask | b.mask);
}

struct rk_tnum rk_tnum_sub(struct rk_tnum a, struct rk_tnum b)
{
	uint64_t diff = a.value - b.value;
	uint64_t alpha = diff + a.mask, beta = diff - b.mask;
	return tnum(diff, (alpha ^ beta) | a.mask | b.mask);
}

/* Long multiplication: known products summed exactly, uncertain ones as masks. */
struct rk_tnum rk_tnum_mul(struct rk_tnum a, struct rk_tnum b)
{
	uint64_t known = a.value * b.value;
	struct rk_tnum uncertain = rk_tnum_const(0);

	while (a.value || a.mask) {
		if (a.value & 1)
			uncertain = rk_tnum_add(uncertain, tnum(0, b.mask));
		else if (a.mask & 1)
			uncertain = rk_tnum_add(uncertain, tnum(0, b.value | b.mask));
		a = rk_tnum_rshift(a, 1);
		b = rk_tnum_lshift(b, 1);
	}
	return rk_tnum_add(rk_tnum_const(known), uncertain);
}

struct rk_tnum rk_tnum_and(struct rk_tnum a, struct rk_tnum b)
{
	uint64_t may_a = a.value | a.mask, may_b = b.value | b.mask;
	uint64_t both = a.value & b.value;
	return tnum(both, may_a & may_b & ~both);
}

struct rk_tnum rk_tnum_or(struct rk_tnum a, struct rk_tnum b)
{
	uint64_t either = a.value | b.value;
	return tnum(either, (a.mask | b.mask) & ~either);
}

struct rk_tnum rk_tnum_xor(struct rk_tnum a, struct rk_tnum b)
{
	return tnum(a.value ^ b.value, a.mask | b.mask);
}

struct rk_tnum rk_tnum_lshift(struct rk_tnum a, unsigned shift)
{
	return tnum(a.value << shift, a.mask << shift);
}

struct rk_tnum rk_tnum_rshift(struct rk_tnum a, unsigned shift)
{
	return tnum(a.value >> shift, a.mask >> shift);
}

/* An unknown sign bit makes every bit shifted in unknown. */
struct rk_tnum rk_tnum_arshift(struct rk_tnum a, unsigned shift)
{
	return tnum((uint64_t)((int64_t)a.value >> shift), (uint64_t)((int64_t)a.mask >> shift));
}

bool rk_tnum_intersect(struct rk_tnum a, struct rk_tnum b, struct rk_tnum *out)
{
	uint64_t known_both = ~a.mask & ~b.mask;

	if ((a.value ^ b.value) & known_both)
		return false;
	*out = tnum(a.value | b.value, a.mask & b.mask);
	return true;
}

struct rk_tnum rk_tnum_union(struct rk_tnum a, struct rk_tnum b)
{
	return tnum(a.value & b.value, a.mask | b.mask | (a.value ^ b.value));
}

struct rk_tnum rk_tnum_trunc(struct rk_tnum a, unsigned bits)
{
	uint64_t keep = low_bits(bits);
	return tnum(a.value & keep, a.mask & keep);
}

struct rk_tnum rk_tnum_sext(struct rk_tnum a, unsigned bits)
{
	if (bits >= TNUM_BITS)
		return a;
	uint64_t keep = low_bits(bits), sign = 1ull << (bits - 1);
	struct rk_tnum low = rk_tnum_trunc(a, bits);
	if (low.mask & sign)
		return tnum(low.value, low.mask | ~keep);
	if (low.value & sign)
		return tnum(low.value | ~keep, low.mask);
	return low;
}

static uint64_t bswap_bits(uint64_t x, unsigned bits)
{
	if (bits == 16)
		return __builtin_bswap16((uint16_t)x);
	if (bits == 32)
		return __builtin_bswap32((uint32_t)x);
	return __builtin_bswap64(x);
}

/* A byte swap permutes bits, so it moves known bits exactly. */
struct rk_tnum rk_tnum_bswap(struct rk_tnum a, unsigned bits)
{
	return tnum(bswap_bits(a.value, bits), bswap_bits(a.mask, bits));
}

bool rk_tnum_is_member(struct rk_tnum a, uint64_t x)
{
	return (x & ~a.mask) == a.value;
}

bool rk_tnum_contains(struct rk_tnum outer, struct rk_tnum inner)
{
	if (inner.mask & ~outer.mask)
		return false;
	return ((inner.value ^ outer.value) & ~outer.mask) == 0;
}
