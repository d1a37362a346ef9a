/*
 * verify_scalar_internal.h - what the three files of the numeric domain
 * (verify_scalar.c: values; verify_scalar_alu.c: arithmetic;
 * verify_scalar_refine.c: branches) share and nobody else needs.
 */
#ifndef RK_VERIFY_SCALAR_INTERNAL_H
#define RK_VERIFY_SCALAR_INTERNAL_H

#include "verify_scalar.h"
#include "verify_tnum.h"

#define VS_SIGN_BIT (1ull << 63)
#define VS_U32_MAX 0xffffffffull
#define VS_BITS 64

static inline uint64_t vs_umin(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t vs_umax(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline int64_t vs_smin(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline int64_t vs_smax(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline struct rk_tnum vs_tnum(const struct rk_vs *value)
{
	return (struct rk_tnum){.value = value->tval, .mask = value->tmask};
}

static inline void vs_set_tnum(struct rk_vs *value, struct rk_tnum tnum)
{
	value->tval = tnum.value;
	value->tmask = tnum.mask;
}

/* Any value with these known bits; rk_vs_sync derives the bounds. */
static inline struct rk_vs vs_from_tnum(struct rk_tnum tnum)
{
	struct rk_vs value = rk_vs_unknown();
	vs_set_tnum(&value, tnum);
	return value;
}

/*
 * A result, synced.  Only an empty input can make a sound result empty;
 * then any value is right, and fallback keeps the result's width.
 */
static inline struct rk_vs vs_finish(struct rk_vs value, struct rk_vs fallback)
{
	return rk_vs_sync(&value) ? value : fallback;
}

/* The low bits (8, 16, 32 or 64) of value, zero-extended. */
struct rk_vs rk_vs_trunc(const struct rk_vs *value, unsigned bits);

#endif
