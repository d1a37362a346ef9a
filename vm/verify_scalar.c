/*
 * verify_scalar.c - abstract values (verify_scalar.h): construction, the
 * tightening of the three views against each other, join, containment,
 * truncation and sign extension, printing.  The arithmetic is in
 * verify_scalar_alu.c, the branch refinement in verify_scalar_refine.c.
 *
 * What must stay true: rk_vs_sync only ever removes values that no view
 * allows; every operation of the domain ends in it, so the "mutually
 * tightened" invariant of verify_scalar.h rests on this one function.
 */
#include <inttypes.h>
#include <stdio.h>

#include "verify_scalar_internal.h"

/* Tightening passes before giving up on a fixed point (two are the rule). */
#define SYNC_PASSES 4
#define FORMAT_SCRATCH 192

struct rk_vs rk_vs_const(uint64_t value)
{
	return (struct rk_vs){.smin = (int64_t)value, .smax = (int64_t)value,
	                      .umin = value, .umax = value, .tval = value, .tmask = 0};
}

struct rk_vs rk_vs_unknown(void)
{
	return (struct rk_vs){.smin = INT64_MIN, .smax = INT64_MAX,
	                      .umin = 0, .umax = UINT64_MAX, .tval = 0, .tmask = UINT64_MAX};
}

struct rk_vs rk_vs_urange(uint64_t umin, uint64_t umax)
{
	if (umin > umax)
		return rk_vs_unknown();
	struct rk_vs value = rk_vs_unknown();
	value.umin = umin;
	value.umax = umax;
	return vs_finish(value, rk_vs_unknown());
}

struct rk_vs rk_vs_srange(int64_t smin, int64_t smax)
{
	if (smin > smax)
		return rk_vs_unknown();
	struct rk_vs value = rk_vs_unknown();
	value.smin = smin;
	value.smax = smax;
	return vs_finish(value, rk_vs_unknown());
}

struct rk_vs rk_vs_sized(unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return rk_vs_unknown();
	return rk_vs_urange(0, (1ull << (8 * size)) - 1);
}

/*
 * Signed and unsigned bounds describe the same set: where either range
 * stays within one half (sign bit fixed), the two orders agree there and
 * each range bounds the other.
 */
static bool share_bounds(struct rk_vs *value)
{
	bool signed_crosses = value->smin < 0 && value->smax >= 0;
	bool unsigned_crosses = (int64_t)value->umin >= 0 && (int64_t)value->umax < 0;

	if (!signed_crosses) {
		value->umin = vs_umax(value->umin, (uint64_t)value->smin);
		value->umax = vs_umin(value->umax, (uint64_t)value->smax);
		if (value->umin > value->umax)
			return false;
		value->smin = (int64_t)value->umin;
		value->smax = (int64_t)value->umax;
		return true;
	}
	if (!unsigned_crosses) {
		value->smin = vs_smax(value->smin, (int64_t)value->umin);
		value->smax = vs_smin(value->smax, (int64_t)value->umax);
		if (value->smin > value->smax)
			return false;
		value->umin = (uint64_t)value->smin;
		value->umax = (uint64_t)value->smax;
		return true;
	}
	/* Both cross: the values are [umin, smax] and [smin, (s64)umax]; one may be empty. */
	bool no_nonnegative = value->umin > (uint64_t)value->smax;
	bool no_negative = (int64_t)value->umax < value->smin;
	if (no_nonnegative && no_negative)
		return false;
	if (no_nonnegative) {
		value->umin = (uint64_t)value->smin;
		value->smax = (int64_t)value->umax;
	} else if (no_negative) {
		value->smin = (int64_t)value->umin;
		value->umax = (uint64_t)value->smax;
	}
	return true;
}

static bool sync_pass(struct rk_vs *value)
{
	/* The known bits bound both orders. */
	value->umin = vs_umax(value->umin, value->tval);
	value->umax = vs_umin(value->umax, value->tval | value->tmask);
	value->smin = vs_smax(value->smin, (int64_t)(value->tval | (value->tmask & VS_SIGN_BIT)));
	value->smax = vs_smin(value->smax, (int64_t)(value->tval | (value->tmask & ~VS_SIGN_BIT)));
	if (value->umin > value->umax || value->smin > value->smax)
		return false;
	if (!share_bounds(value))
		return false;
	/* And the bounds fix the high bits that all values in them share. */
	struct rk_tnum bits;
	if (!rk_tnum_intersect(vs_tnum(value), rk_tnum_range(value->umin, value->umax), &bits))
		return false;
	vs_set_tnum(value, bits);
	return true;
}

bool rk_vs_sync(struct rk_vs *value)
{
	value->tval &= ~value->tmask; /* a bit both known and unknown is unknown */
	for (int pass = 0; pass < SYNC_PASSES; pass++) {
		struct rk_vs before = *value;
		if (!sync_pass(value))
			return false;
		if (rk_vs_equal(&before, value))
			break;
	}
	return true;
}

bool rk_vs_is_const(const struct rk_vs *value)
{
	return value->umin == value->umax;
}

bool rk_vs_is_member(const struct rk_vs *value, uint64_t x)
{
	return value->umin <= x && x <= value->umax && value->smin <= (int64_t)x &&
	       (int64_t)x <= value->smax && rk_tnum_is_member(vs_tnum(value), x);
}

/* View by view: sufficient, and exact for synced values in practice. */
bool rk_vs_contains(const struct rk_vs *outer, const struct rk_vs *inner)
{
	return outer->umin <= inner->umin && inner->umax <= outer->umax &&
	       outer->smin <= inner->smin && inner->smax <= outer->smax &&
	       rk_tnum_contains(vs_tnum(outer), vs_tnum(inner));
}

bool rk_vs_equal(const struct rk_vs *a, const struct rk_vs *b)
{
	return a->smin == b->smin && a->smax == b->smax && a->umin == b->umin &&
	       a->umax == b->umax && a->tval == b->tval && a->tmask == b->tmask;
}

struct rk_vs rk_vs_join(const struct rk_vs *a, const struct rk_vs *b)
{
	struct rk_vs joined = {
		.smin = vs_smin(a->smin, b->smin), .smax = vs_smax(a->smax, b->smax),
		.umin = vs_umin(a->umin, b->umin), .umax = vs_umax(a->umax, b->umax)};
	vs_set_tnum(&joined, rk_tnum_union(vs_tnum(a), vs_tnum(b)));
	return vs_finish(joined, rk_vs_unknown());
}

bool rk_vs_intersect(struct rk_vs *value, const struct rk_vs *other)
{
	struct rk_tnum bits;

	if (!rk_tnum_intersect(vs_tnum(value), vs_tnum(other), &bits))
		return false;
	vs_set_tnum(value, bits);
	value->smin = vs_smax(value->smin, other->smin);
	value->smax = vs_smin(value->smax, other->smax);
	value->umin = vs_umax(value->umin, other->umin);
	value->umax = vs_umin(value->umax, other->umax);
	if (value->umin > value->umax || value->smin > value->smax)
		return false;
	return rk_vs_sync(value);
}

/*
 * Within one block of 2^bits consecutive integers, taking the low bits is
 * monotonic; so a range (in either order) that stays in one block keeps
 * its bounds, and any other becomes [0, 2^bits - 1].
 */
struct rk_vs rk_vs_trunc(const struct rk_vs *value, unsigned bits)
{
	if (bits >= VS_BITS)
		return *value;
	uint64_t keep = (1ull << bits) - 1;
	struct rk_vs low = vs_from_tnum(rk_tnum_trunc(vs_tnum(value), bits));
	low.umax = keep;
	if ((value->umin >> bits) == (value->umax >> bits)) {
		low.umin = value->umin & keep;
		low.umax = value->umax & keep;
	}
	/* >> of a negative int64_t floors (gcc, clang): the block number. */
	if ((value->smin >> bits) == (value->smax >> bits)) {
		low.umin = vs_umax(low.umin, (uint64_t)value->smin & keep);
		low.umax = vs_umin(low.umax, (uint64_t)value->smax & keep);
	}
	if (low.umin > low.umax)
		return rk_vs_urange(0, keep);
	return vs_finish(low, rk_vs_urange(0, keep));
}

struct rk_vs rk_vs_zext32(const struct rk_vs *value)
{
	return rk_vs_trunc(value, 32);
}

struct rk_vs rk_vs_sext(const struct rk_vs *value, unsigned size)
{
	if (size >= 8)
		return *value;
	/* As rk_sign_extend: anything but 1 and 2 bytes is 4. */
	unsigned bits = size == 1 ? 8 : size == 2 ? 16 : 32;
	uint64_t half = 1ull << (bits - 1), high = ~((half << 1) - 1);
	struct rk_vs low = rk_vs_trunc(value, bits);
	struct rk_vs any = rk_vs_srange(-(int64_t)half, (int64_t)(half - 1));

	if (low.umax < half)
		return low; /* sign bit clear: extension changes nothing */
	struct rk_vs wide = vs_from_tnum(rk_tnum_sext(vs_tnum(&low), bits));
	if (low.umin >= half) {
		/* All negative: setting the high bits keeps the order. */
		wide.umin = low.umin | high;
		wide.umax = low.umax | high;
	} else {
		wide.smin = any.smin;
		wide.smax = any.smax;
	}
	return vs_finish(wide, any);
}

/*
 * Signed bounds first when they say something (they read naturally), else
 * unsigned; then unsigned bounds too when the signed ones straddle zero
 * and the unsigned ones still exclude something; then the tnum when it
 * knows more than the bounds imply.
 */
int rk_vs_format(const struct rk_vs *value, char *buf, size_t buf_len)
{
	char text[FORMAT_SCRATCH];
	int used;
	bool signed_full = value->smin == INT64_MIN && value->smax == INT64_MAX;
	bool unsigned_full = value->umin == 0 && value->umax == UINT64_MAX;

	if (rk_vs_is_const(value))
		return snprintf(buf, buf_len, "%" PRId64, (int64_t)value->umin);
	if (signed_full && unsigned_full && value->tmask == UINT64_MAX)
		return snprintf(buf, buf_len, "scalar");
	if (!signed_full)
		used = snprintf(text, sizeof(text), "[%" PRId64 ", %" PRId64 "]", value->smin,
		                value->smax);
	else
		used = snprintf(text, sizeof(text), "[%" PRIu64 ", %" PRIu64 "]", value->umin,
		                value->umax);
	if (!signed_full && value->smin < 0 && value->smax >= 0 && !unsigned_full)
		used += snprintf(text + used, sizeof(text) - (size_t)used,
		                 " u[%" PRIu64 ", %" PRIu64 "]", value->umin, value->umax);
	struct rk_tnum implied = rk_tnum_range(value->umin, value->umax);
	if (implied.value != value->tval || implied.mask != value->tmask) {
		if (value->tval == 0)
			snprintf(text + used, sizeof(text) - (size_t)used, " (mask 0x%" PRIx64 ")",
			         value->tmask);
		else
			snprintf(text + used, sizeof(text) - (size_t)used,
			         " (value 0x%" PRIx64 ", mask 0x%" PRIx64 ")", value->tval,
			         value->tmask);
	}
	return snprintf(buf, buf_len, "%s", text);
}
