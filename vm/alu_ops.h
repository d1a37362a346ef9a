/*
 * alu_ops.h - the arithmetic of RFC 9669 that C does not give for free:
 * division and modulo by zero are defined (x / 0 = 0, x % 0 = x), the
 * signed forms wrap on INT_MIN / -1 instead of trapping, and movsx
 * sign-extends 8, 16 or 32 bits.  Shared by the interpreters and by the
 * JITs' slow paths, so that every engine computes the same numbers.
 */
#ifndef RK_ALU_OPS_H
#define RK_ALU_OPS_H

#include <stdint.h>

static inline uint64_t rk_udiv64(uint64_t a, uint64_t b)
{
	return b ? a / b : 0;
}

static inline uint64_t rk_umod64(uint64_t a, uint64_t b)
{
	return b ? a % b : a;
}

static inline uint64_t rk_udiv32(uint64_t a, uint64_t b)
{
	return (uint32_t)b ? (uint32_t)a / (uint32_t)b : 0;
}

static inline uint64_t rk_umod32(uint64_t a, uint64_t b)
{
	return (uint32_t)b ? (uint32_t)a % (uint32_t)b : (uint32_t)a;
}

static inline uint64_t rk_sdiv64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return 0;
	if ((int64_t)b == -1)
		return 0 - a; /* INT64_MIN / -1 wraps to INT64_MIN */
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t rk_smod64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if ((int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b); /* sign follows the dividend */
}

static inline uint64_t rk_sdiv32(uint64_t a, uint64_t b)
{
	int32_t dividend = (int32_t)(uint32_t)a, divisor = (int32_t)(uint32_t)b;
	if (divisor == 0)
		return 0;
	if (divisor == -1)
		return (uint32_t)(0u - (uint32_t)dividend);
	return (uint32_t)(dividend / divisor);
}

static inline uint64_t rk_smod32(uint64_t a, uint64_t b)
{
	int32_t dividend = (int32_t)(uint32_t)a, divisor = (int32_t)(uint32_t)b;
	if (divisor == 0)
		return (uint32_t)dividend;
	if (divisor == -1)
		return 0;
	return (uint32_t)(dividend % divisor);
}

/* Sign-extend the low bits (8, 16 or 32) of value to 64 bits. */
static inline uint64_t rk_sign_extend(uint64_t value, int bits)
{
	switch (bits) {
	case 8:
		return (uint64_t)(int64_t)(int8_t)value;
	case 16:
		return (uint64_t)(int64_t)(int16_t)value;
	default:
		return (uint64_t)(int64_t)(int32_t)value;
	}
}

#endif
