/*
 * test_conformance.c - the 313 programs of the bpf_conformance suite, run
 * from the official pre-assembled bytecode and from rkBPF's own assembler,
 * in the fast and the checked interpreter.  Every case must give the
 * expected r0 in all four combinations; the checked interpreter must find
 * no violation in any of them (they are all valid programs).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance_data.h"
#include "rkbpf.h"
#include "test_support.h"

enum source { FROM_BYTECODE, FROM_ASSEMBLER };

/* Run one case; returns 1 when it passed, 0 after reporting the failure. */
static int run_case(const char *name, enum source source, enum rk_exec_mode mode,
                    const struct rk_helpers *helpers)
{
	char path[512], err[RK_ERR_LEN] = "";
	struct conformance_case tc;
	snprintf(path, sizeof(path), "%s/tests/%s.data", RK_CONFORMANCE_DIR, name);
	cr_assert_eq(conformance_case_load(path, &tc), 0, "cannot read %s", path);

	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	int passed = 0;
	if (source == FROM_BYTECODE) {
		uint8_t *bytes;
		size_t len;
		snprintf(path, sizeof(path), "%s/bytecode/%s.hex", RK_CONFORMANCE_DIR, name);
		cr_assert_eq(conformance_hex_load(path, &bytes, &len), 0, "cannot read %s", path);
		insns = test_insns_from_bytes(bytes, len);
		insn_count = len / sizeof(struct rk_insn);
		free(bytes);
	} else if (rk_asm(tc.asm_text, &insns, &insn_count, err, sizeof(err)) != 0) {
		cr_expect_fail("%s: assembler: %s", name, err);
		goto out;
	}

	struct rk_prog *prog = NULL;
	if (rk_prog_new(insns, insn_count, helpers, &prog, err, sizeof(err)) != 0) {
		cr_expect_fail("%s: rejected: %s", name, err);
		goto out;
	}
	struct rk_run_opts opts = {.mode = mode, .ctx_writable = true, .insn_limit = 1000000};
	struct rk_run_result result;
	int rc = rk_prog_run(prog, tc.mem, tc.mem_len, &opts, &result);
	rk_prog_free(prog);
	if (rc != 0) {
		cr_expect_fail("%s: stopped (%s): %s", name, rk_stop_name(result.stop),
		               result.message);
		goto out;
	}
	if (!tc.has_result || result.retval != tc.result) {
		cr_expect_fail("%s: r0 = 0x%llx, expected 0x%llx", name,
		               (unsigned long long)result.retval, (unsigned long long)tc.result);
		goto out;
	}
	passed = 1;
out:
	free(insns);
	conformance_case_free(&tc);
	return passed;
}

static void run_suite(enum source source, enum rk_exec_mode mode)
{
	char **names;
	int count = conformance_list(RK_CONFORMANCE_DIR "/tests", &names);
	cr_assert_eq(count, 313, "expected the 313 tests of the suite, found %d", count);
	struct rk_helpers *helpers = test_helpers_new();
	int passed = 0;
	for (int i = 0; i < count; i++)
		passed += run_case(names[i], source, mode, helpers);
	rk_helpers_free(helpers);
	conformance_names_free(names, count);
	cr_assert_eq(passed, 313, "%d of 313 conformance tests passed", passed);
}

Test(conformance, bytecode_fast) { run_suite(FROM_BYTECODE, RK_EXEC_FAST); }
Test(conformance, bytecode_checked) { run_suite(FROM_BYTECODE, RK_EXEC_CHECKED); }
Test(conformance, assembler_fast) { run_suite(FROM_ASSEMBLER, RK_EXEC_FAST); }
Test(conformance, assembler_checked) { run_suite(FROM_ASSEMBLER, RK_EXEC_CHECKED); }

/* Every negative test (reserved field set) is refused, naming insn and field. */
Test(conformance, negative_unused_fields_rejected)
{
	char **names;
	int count = conformance_list(RK_CONFORMANCE_DIR "/negative", &names);
	cr_assert_gt(count, 40, "negative tests missing: %d", count);
	for (int i = 0; i < count; i++) {
		char path[512], err[RK_ERR_LEN] = "";
		struct conformance_case tc;
		snprintf(path, sizeof(path), "%s/negative/%s.data", RK_CONFORMANCE_DIR, names[i]);
		cr_assert_eq(conformance_case_load(path, &tc), 0, "cannot read %s", path);
		cr_assert(tc.raw_len > 0 && tc.expects_error, "%s: no raw section", names[i]);
		struct rk_insn *insns = test_insns_from_bytes(tc.raw, tc.raw_len);
		int rc = rk_validate(insns, tc.raw_len / sizeof(struct rk_insn), err, sizeof(err));
		cr_expect_eq(rc, -EINVAL, "%s: accepted", names[i]);
		cr_expect(strstr(err, "insn 0 ") && strstr(err, "field "),
		          "%s: message does not name the instruction and field: %s", names[i], err);
		/* The field the test's name blames must be the one reported. */
		const char *blamed = strrchr(names[i], '-') + 1;
		const char *field = strcmp(blamed, "offset") == 0 ? "field off "
		                    : strcmp(blamed, "src") == 0  ? "field src_reg "
		                    : strcmp(blamed, "dst") == 0  ? "field dst_reg "
		                                                  : "field imm ";
		cr_expect(strstr(err, field) != NULL, "%s: expected '%s' in: %s", names[i], field,
		          err);
		free(insns);
		conformance_case_free(&tc);
	}
	conformance_names_free(names, count);
}
