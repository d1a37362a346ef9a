/*
 * verify_tnum.h - tristate numbers, the bit-level view of verify_scalar.h:
 * each bit of a 64-bit value is known 0, known 1 or unknown.  The
 * arithmetic is the Linux kernel's (kernel/bpf/tnum.c), whose soundness
 * proofs carry over unchanged.
 *
 * Invariant of every tnum these functions return: (value & mask) == 0.
 * The members of a tnum are the x with (x & ~mask) == value.
 */
#ifndef RK_VERIFY_TNUM_H
#define RK_VERIFY_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct rk_tnum {
	uint64_t value; /* bits known to be 1 */
	uint64_t mask;  /* bits not known */
};

struct rk_tnum rk_tnum_const(uint64_t value);
struct rk_tnum rk_tnum_unknown(void);
/* The smallest tnum holding every x with min <= x <= max (unsigned). */
struct rk_tnum rk_tnum_range(uint64_t min, uint64_t max);

struct rk_tnum rk_tnum_add(struct rk_tnum a, struct rk_tnum b);
struct rk_tnum rk_tnum_sub(struct rk_tnum a, struct rk_tnum b);
struct rk_tnum rk_tnum_mul(struct rk_tnum a, struct rk_tnum b);
struct rk_tnum rk_tnum_and(struct rk_tnum a, struct rk_tnum b);
struct rk_tnum rk_tnum_or(struct rk_tnum a, struct rk_tnum b);
struct rk_tnum rk_tnum_xor(struct rk_tnum a, struct rk_tnum b);
/* Shifts by a known amount; shift must be below 64. */
struct rk_tnum rk_tnum_lshift(struct rk_tnum a, unsigned shift);
struct rk_tnum rk_tnum_rshift(struct rk_tnum a, unsigned shift);
struct rk_tnum rk_tnum_arshift(struct rk_tnum a, unsigned shift);

/* Values in both a and b; returns false when a known bit disagrees (no value). */
bool rk_tnum_intersect(struct rk_tnum a, struct rk_tnum b, struct rk_tnum *out);
/* The smallest tnum holding the members of both. */
struct rk_tnum rk_tnum_union(struct rk_tnum a, struct rk_tnum b);
/* The low bits (8, 16, 32) of a, zero-extended / sign-extended. */
struct rk_tnum rk_tnum_trunc(struct rk_tnum a, unsigned bits);
struct rk_tnum rk_tnum_sext(struct rk_tnum a, unsigned bits);
/* Byte swap of the low bits (16, 32, 64); the bits above are zero. */
struct rk_tnum rk_tnum_bswap(struct rk_tnum a, unsigned bits);

bool rk_tnum_is_member(struct rk_tnum a, uint64_t x);
/* Every member of inner is a member of outer. */
bool rk_tnum_contains(struct rk_tnum outer, struct rk_tnum inner);

#endif
