/*
 * verify_scalar_refine.c - rk_vs_refine: what a conditional jump teaches
 * about its operands on each edge.
 *
 * Every (opcode, edge) pair is first turned into one relation "a REL b"
 * that holds on that edge (the fall-through of JGT is a <= b, which is
 * b >= a), so each relation is narrowed in one place.  jmp32 compares the
 * low halves: the relation is applied to 32-bit proxies of the operands
 * (zero-extended for unsigned and bit tests, sign-extended for signed
 * compares, where the 64-bit compare of the proxies is the 32-bit compare)
 * and what it learns goes back to an operand only as far as the proxy
 * stands for it.
 */
#include "rk_isa.h"
#include "verify_scalar_internal.h"

enum relation {
	REL_NONE, /* not a conditional jump: nothing to learn */
	REL_EQ,
	REL_NE,
	REL_UGT,
	REL_UGE,
	REL_SGT,
	REL_SGE,
	REL_SET,   /* (a & b) != 0 */
	REL_CLEAR, /* (a & b) == 0 */
};

/* The relation that holds on the edge; *swap when it reads b REL a. */
static enum relation edge_relation(uint8_t op, bool taken, bool *swap)
{
	/* On the fall-through edge a jump's condition is false. */
	static const struct {
		uint8_t op;
		enum relation taken, not_taken;
		bool swap_taken, swap_not_taken;
	} table[] = {
		{RK_JMP_JEQ, REL_EQ, REL_NE, false, false},
		{RK_JMP_JNE, REL_NE, REL_EQ, false, false},
		{RK_JMP_JGT, REL_UGT, REL_UGE, false, true},   /* !(a > b): b >= a */
		{RK_JMP_JGE, REL_UGE, REL_UGT, false, true},   /* !(a >= b): b > a */
		{RK_JMP_JLT, REL_UGT, REL_UGE, true, false},   /* a < b: b > a */
		{RK_JMP_JLE, REL_UGE, REL_UGT, true, false},   /* a <= b: b >= a */
		{RK_JMP_JSGT, REL_SGT, REL_SGE, false, true},
		{RK_JMP_JSGE, REL_SGE, REL_SGT, false, true},
		{RK_JMP_JSLT, REL_SGT, REL_SGE, true, false},
		{RK_JMP_JSLE, REL_SGE, REL_SGT, true, false},
		{RK_JMP_JSET, REL_SET, REL_CLEAR, false, false},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].op != op)
			continue;
		*swap = taken ? table[i].swap_taken : table[i].swap_not_taken;
		return taken ? table[i].taken : table[i].not_taken;
	}
	*swap = false;
	return REL_NONE;
}

/* value != k: only a bound equal to k can move (intervals have no holes). */
static bool exclude(struct rk_vs *value, uint64_t k)
{
	if (value->umin == k) {
		if (k == UINT64_MAX)
			return false;
		value->umin = k + 1;
	}
	if (value->umax == k) {
		if (k == 0)
			return false;
		value->umax = k - 1;
	}
	if (value->smin == (int64_t)k) {
		if (value->smin == INT64_MAX)
			return false;
		value->smin++;
	}
	if (value->smax == (int64_t)k) {
		if (value->smax == INT64_MIN)
			return false;
		value->smax--;
	}
	return value->umin <= value->umax && value->smin <= value->smax;
}

/* Narrow value's known bits to those of bits; false on a contradiction. */
static bool learn_bits(struct rk_vs *value, struct rk_tnum bits)
{
	struct rk_tnum both;

	if (!rk_tnum_intersect(vs_tnum(value), bits, &both))
		return false;
	vs_set_tnum(value, both);
	return true;
}

static bool is_single_bit(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* (a & b) != 0: both non-zero; a lone possible bit of one is set in both. */
static bool refine_set(struct rk_vs *a, struct rk_vs *b)
{
	uint64_t may_a = a->tval | a->tmask, may_b = b->tval | b->tmask;

	if ((may_a & may_b) == 0)
		return false;
	if (!exclude(a, 0) || !exclude(b, 0))
		return false;
	if (is_single_bit(may_b) && !learn_bits(a, (struct rk_tnum){may_b, ~may_b}))
		return false;
	if (is_single_bit(may_a) && !learn_bits(b, (struct rk_tnum){may_a, ~may_a}))
		return false;
	return true;
}

/* (a & b) == 0: a bit known set in one is clear in the other. */
static bool refine_clear(struct rk_vs *a, struct rk_vs *b)
{
	uint64_t set_a = a->tval, set_b = b->tval;

	if (!learn_bits(a, (struct rk_tnum){0, ~set_b}))
		return false;
	return learn_bits(b, (struct rk_tnum){0, ~set_a});
}

/* a REL b on full 64-bit values; both narrowed in place. */
static bool refine64(enum relation rel, struct rk_vs *a, struct rk_vs *b)
{
	struct rk_vs both;

	switch (rel) {
	case REL_EQ:
		both = *a;
		if (!rk_vs_intersect(&both, b))
			return false;
		*a = *b = both;
		return true;
	case REL_NE:
		if (rk_vs_is_const(b) && !exclude(a, b->umin))
			return false;
		if (rk_vs_is_const(a) && !exclude(b, a->umin))
			return false;
		break;
	case REL_UGT:
		if (a->umax == 0 || b->umin == UINT64_MAX)
			return false;
		a->umin = vs_umax(a->umin, b->umin + 1);
		b->umax = vs_umin(b->umax, a->umax - 1);
		break;
	case REL_UGE:
		a->umin = vs_umax(a->umin, b->umin);
		b->umax = vs_umin(b->umax, a->umax);
		break;
	case REL_SGT:
		if (a->smax == INT64_MIN || b->smin == INT64_MAX)
			return false;
		a->smin = vs_smax(a->smin, b->smin + 1);
		b->smax = vs_smin(b->smax, a->smax - 1);
		break;
	case REL_SGE:
		a->smin = vs_smax(a->smin, b->smin);
		b->smax = vs_smin(b->smax, a->smax);
		break;
	case REL_SET:
		if (!refine_set(a, b))
			return false;
		break;
	case REL_CLEAR:
		if (!refine_clear(a, b))
			return false;
		break;
	case REL_NONE:
		break;
	}
	if (a->umin > a->umax || a->smin > a->smax || b->umin > b->umax || b->smin > b->smax)
		return false;
	return rk_vs_sync(a) && rk_vs_sync(b);
}

static bool is_signed_relation(enum relation rel)
{
	return rel == REL_SGT || rel == REL_SGE;
}

/*
 * Bring what the 32-bit proxy learnt back to value: its low 32 bits are
 * the proxy's.  A value that is the zero- or sign-extension of its low
 * half is then the zero- or sign-extension of the proxy; for any other
 * only the proxy's known low bits say something.
 */
static bool from_proxy(struct rk_vs *value, const struct rk_vs *proxy)
{
	struct rk_vs extended;

	if (value->umax <= VS_U32_MAX) {
		extended = rk_vs_zext32(proxy);
		return rk_vs_intersect(value, &extended);
	}
	if (value->smin >= INT32_MIN && value->smax <= INT32_MAX) {
		extended = rk_vs_sext(proxy, 4);
		return rk_vs_intersect(value, &extended);
	}
	struct rk_tnum low = {proxy->tval & VS_U32_MAX, proxy->tmask | ~VS_U32_MAX};
	return learn_bits(value, low) && rk_vs_sync(value);
}

static bool refine32(enum relation rel, struct rk_vs *a, struct rk_vs *b)
{
	bool sign_extended = is_signed_relation(rel);
	struct rk_vs proxy_a = sign_extended ? rk_vs_sext(a, 4) : rk_vs_zext32(a);
	struct rk_vs proxy_b = sign_extended ? rk_vs_sext(b, 4) : rk_vs_zext32(b);

	if (!refine64(rel, &proxy_a, &proxy_b))
		return false;
	return from_proxy(a, &proxy_a) && from_proxy(b, &proxy_b);
}

bool rk_vs_refine(uint8_t op, bool jmp32, bool taken, struct rk_vs *a, struct rk_vs *b)
{
	bool swap;
	enum relation rel = edge_relation(op, taken, &swap);
	/* Copies: a and b may be the same register ("if r1 > r1"). */
	struct rk_vs left = *a, right = *b;

	if (!rk_vs_sync(&left) || !rk_vs_sync(&right))
		return false; /* no value at all: no edge is taken */
	if (rel != REL_NONE) {
		struct rk_vs *first = swap ? &right : &left, *second = swap ? &left : &right;
		if (!(jmp32 ? refine32(rel, first, second) : refine64(rel, first, second)))
			return false;
	}
	*a = left;
	*b = right;
	return true;
}
