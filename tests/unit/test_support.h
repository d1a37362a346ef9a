/*
 * test_support.h - small helpers shared by the unit tests.
 */
#ifndef RK_TEST_SUPPORT_H
#define RK_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

/* Helper 5 of the conformance suite (tools/common/conformance_helpers.c). */
#define TEST_UNWIND_HELPER 5

/* A registry holding the suite's helper 5 (and nothing else). */
struct rk_helpers *test_helpers_new(void);

/*
 * Assemble source and create a program; on failure the test fails with the
 * assembler's or loader's message.  Free with rk_prog_free().
 */
struct rk_prog *test_prog_from_asm(const char *source, const struct rk_helpers *helpers);

/* Assemble; returns the rk_prog_new() error (0 on success) and its message. */
int test_prog_try(const char *source, const struct rk_helpers *helpers, char *err,
                  size_t err_len);

/* Copy bytes into aligned instruction storage (malloc'd). */
struct rk_insn *test_insns_from_bytes(const uint8_t *bytes, size_t len);

#endif
