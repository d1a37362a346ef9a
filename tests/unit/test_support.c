/*
 * test_support.c - shared unit-test helpers (see test_support.h).
 */
#include "test_support.h"
#include "../../tools/common/conformance_helpers.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

struct rk_helpers *test_helpers_new(void)
{
	char err[RK_ERR_LEN];
	struct rk_helpers *helpers = rk_helpers_new();
	cr_assert_not_null(helpers);
	cr_assert_eq(rk_conformance_helpers_register(helpers, err, sizeof(err)), 0, "%s", err);
	return helpers;
}

int test_prog_try(const char *source, const struct rk_helpers *helpers, char *err,
                  size_t err_len)
{
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	int rc = rk_asm(source, &insns, &insn_count, err, err_len);
	cr_assert_eq(rc, 0, "assembler: %s", err);
	struct rk_prog *prog = NULL;
	rc = rk_prog_new(insns, insn_count, helpers, &prog, err, err_len);
	rk_prog_free(prog);
	free(insns);
	return rc;
}

struct rk_prog *test_prog_from_asm(const char *source, const struct rk_helpers *helpers)
{
	char err[RK_ERR_LEN] = "";
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	cr_assert_eq(rk_asm(source, &insns, &insn_count, err, sizeof(err)), 0, "assembler: %s",
	             err);
	struct rk_prog *prog = NULL;
	int rc = rk_prog_new(insns, insn_count, helpers, &prog, err, sizeof(err));
	free(insns);
	cr_assert_eq(rc, 0, "rk_prog_new: %s", err);
	return prog;
}

struct rk_insn *test_insns_from_bytes(const uint8_t *bytes, size_t len)
{
	struct rk_insn *insns = calloc(len / sizeof(struct rk_insn) + 1, sizeof(struct rk_insn));
	cr_assert_not_null(insns);
	memcpy(insns, bytes, len);
	return insns;
}
