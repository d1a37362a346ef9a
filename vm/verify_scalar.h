/*
 * verify_scalar.h - the verifier's numeric domain: what it knows about a
 * 64-bit value without knowing the value.
 *
 * A value is described at once by signed bounds, unsigned bounds and a
 * tnum (tristate number: bits known 0, known 1, unknown), as the Linux
 * verifier does; each view catches what the others miss (x & 0xf0 is a
 * tnum fact, x < 10 an interval fact).  Every operation is *sound*: for
 * every concrete input inside the abstract inputs, the concrete result is
 * inside the abstract result.  Precision is best effort; soundness is not
 * negotiable, and tests/unit/test_verify_scalar.c checks it by brute force.
 *
 * Invariant of every value these functions return (rk_vs_sync keeps it):
 * smin <= smax, umin <= umax, (tval & tmask) == 0, and the three views
 * are consistent and mutually tightened.  A value is never "empty": a
 * branch that cannot be taken is reported by rk_vs_refine's return value.
 */
#ifndef RK_VERIFY_SCALAR_H
#define RK_VERIFY_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rk_vs {
	int64_t smin, smax;
	uint64_t umin, umax;
	uint64_t tval;   /* bits known to be 1 */
	uint64_t tmask;  /* bits not known (1 = unknown) */
};

/* Construction */
struct rk_vs rk_vs_const(uint64_t value);
struct rk_vs rk_vs_unknown(void);                       /* any 64-bit value */
struct rk_vs rk_vs_urange(uint64_t umin, uint64_t umax); /* unsigned range */
struct rk_vs rk_vs_srange(int64_t smin, int64_t smax);   /* signed range */
/* A value read from memory of size 1, 2, 4 or 8 bytes: [0, 2^(8*size) - 1]. */
struct rk_vs rk_vs_sized(unsigned size);

/* Tighten each view from the others; returns false if the value is empty. */
bool rk_vs_sync(struct rk_vs *value);

bool rk_vs_is_const(const struct rk_vs *value);
/* Does every concrete value of inner belong to outer? */
bool rk_vs_contains(const struct rk_vs *outer, const struct rk_vs *inner);
bool rk_vs_equal(const struct rk_vs *a, const struct rk_vs *b);
/* The smallest value containing both (where control flow meets). */
struct rk_vs rk_vs_join(const struct rk_vs *a, const struct rk_vs *b);
/* Narrow value to what is in both; returns false if nothing is. */
bool rk_vs_intersect(struct rk_vs *value, const struct rk_vs *other);
/* Is the concrete x one of value's values (all three views agree)? */
bool rk_vs_is_member(const struct rk_vs *value, uint64_t x);

/*
 * dst = dst OP src for an ALU opcode's operation (RK_ALU_ADD ... RK_ALU_END
 * from rk_isa.h, the high 4 bits of the opcode, i.e. code & 0xf0), in 64-bit
 * (alu64 true) or 32-bit arithmetic (alu64 false: operands truncated to 32
 * bits, the result zero-extended, as RFC 9669 says).  Division and modulo by
 * zero follow RFC 9669 (x / 0 = 0, x % 0 = x).  off is the instruction's
 * offset field: 1 selects signed division/modulo (sdiv/smod) and, for MOV,
 * 8/16/32 selects sign extension (movsx).  For RK_ALU_NEG and RK_ALU_END
 * src is ignored (it may be NULL).
 * For RK_ALU_END (byte swap), imm is the width (16, 32, 64) and to_be says
 * BPF_TO_BE (or the bswap of RK_CLASS_ALU64) versus BPF_TO_LE; a swap moves
 * the known bits exactly, and the bounds follow from them.
 */
struct rk_vs rk_vs_alu(uint8_t op, bool alu64, int16_t off, int32_t imm, bool to_be,
                       const struct rk_vs *dst, const struct rk_vs *src);

/* Truncate to the low 32 bits, zero-extended (what every alu32 result is). */
struct rk_vs rk_vs_zext32(const struct rk_vs *value);
/* The value sign-extended from its low size bytes (1, 2, 4): ldxs*, movsx. */
struct rk_vs rk_vs_sext(const struct rk_vs *value, unsigned size);

/*
 * Conditional jump "if (a OP b)": op is the jump opcode's operation
 * (RK_JMP_JEQ ... RK_JMP_JSLE, code & 0xf0); jmp32 compares the low 32 bits.
 * taken selects which edge is being refined: true for the edge where the
 * condition holds, false for the fall-through.  a and b are narrowed in
 * place to what must hold on that edge.  Returns false when that edge can
 * never be taken (then a and b are unspecified).
 */
bool rk_vs_refine(uint8_t op, bool jmp32, bool taken, struct rk_vs *a, struct rk_vs *b);

/*
 * Print value for humans: "42", "[0, 15]", "[-4, 4]", "scalar" (unknown),
 * with the tnum when it adds information: "[0, 248] (mask 0xf8)".  Returns
 * the length written (snprintf semantics).
 */
int rk_vs_format(const struct rk_vs *value, char *buf, size_t buf_len);

#endif
