/*
 * test_asm.c - the assembler and disassembler (vm/asm*.c, vm/disasm.c).
 *
 * The guarantee: every program of the bpf_conformance suite assembles to
 * exactly the bytes of the official assembler (bytecode/NAME.hex), and
 * bytes -> rk_disasm() -> rk_asm() gives back the same bytes.  The rest
 * pins the syntax rules and the error messages people read.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance_data.h"
#include "rkbpf.h"

/* Mismatch reports are collected here and shown in one failure. */
#define REPORT_LEN 8192

struct report {
	char text[REPORT_LEN];
	size_t len;
	int failures;
};

__attribute__((format(printf, 2, 3))) static void report_add(struct report *report,
                                                             const char *fmt, ...)
{
	report->failures++;
	if (report->len + 1 >= sizeof(report->text))
		return;
	va_list args;
	va_start(args, fmt);
	int written = vsnprintf(report->text + report->len, sizeof(report->text) - report->len,
	                        fmt, args);
	va_end(args);
	if (written > 0)
		report->len += (size_t)written;
	if (report->len >= sizeof(report->text) - 1)
		report->len = sizeof(report->text) - 1;
	else
		report->text[report->len++] = '\n';
	report->text[report->len] = '\0';
}

/* The first slot at which two byte strings differ (or where one ends). */
static size_t first_difference(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	size_t len = a_len < b_len ? a_len : b_len;
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return i / RK_INSN_SIZE;
	return len / RK_INSN_SIZE;
}

static void load_case(const char *name, struct conformance_case *tc, uint8_t **hex,
                      size_t *hex_len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/%s.data", RK_CONFORMANCE_DIR, name);
	cr_assert_eq(conformance_case_load(path, tc), 0, "cannot read %s", path);
	snprintf(path, sizeof(path), "%s/bytecode/%s.hex", RK_CONFORMANCE_DIR, name);
	cr_assert_eq(conformance_hex_load(path, hex, hex_len), 0, "cannot read %s", path);
}

static int list_cases(char ***names)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/tests", RK_CONFORMANCE_DIR);
	int count = conformance_list(dir, names);
	cr_assert_gt(count, 0, "no conformance tests in %s", dir);
	return count;
}

/*
 * bytes -> rk_disasm() -> rk_asm() must give back bytes.  Returns 1, or 0
 * after adding what went wrong to report.
 */
static int bytes_round_trip(const char *name, const uint8_t *bytes, size_t len,
                            struct report *report)
{
	size_t insn_count = len / RK_INSN_SIZE;
	struct rk_insn *insns = calloc(insn_count + 1, sizeof(*insns));
	cr_assert_not_null(insns);
	memcpy(insns, bytes, insn_count * RK_INSN_SIZE);
	char err[RK_ERR_LEN] = "";
	char *text = NULL;
	int ok = 0;
	if (rk_disasm(insns, insn_count, &text, err, sizeof(err)) != 0) {
		report_add(report, "%s: rk_disasm: %s", name, err);
		goto out;
	}
	struct rk_insn *again = NULL;
	size_t again_count = 0;
	if (rk_asm(text, &again, &again_count, err, sizeof(err)) != 0) {
		report_add(report, "%s: rk_asm of the disassembly: %s", name, err);
		goto out;
	}
	if (again_count != insn_count || memcmp(again, insns, len) != 0)
		report_add(report, "%s: round trip differs at instruction %zu", name,
		           first_difference((const uint8_t *)again, again_count * RK_INSN_SIZE,
		                            bytes, len));
	else
		ok = 1;
	free(again);
out:
	free(text);
	free(insns);
	return ok;
}

Test(asm, conformance_exact_bytes)
{
	char **names;
	int count = list_cases(&names);
	struct report report = { "", 0, 0 };
	int passed = 0;
	for (int i = 0; i < count; i++) {
		struct conformance_case tc;
		uint8_t *hex;
		size_t hex_len;
		load_case(names[i], &tc, &hex, &hex_len);
		struct rk_insn *insns = NULL;
		size_t insn_count = 0;
		char err[RK_ERR_LEN] = "";
		if (!tc.asm_text) {
			report_add(&report, "%s: no asm section", names[i]);
		} else if (rk_asm(tc.asm_text, &insns, &insn_count, err, sizeof(err)) != 0) {
			report_add(&report, "%s: %s", names[i], err);
		} else if (insn_count * RK_INSN_SIZE != hex_len || memcmp(insns, hex, hex_len) != 0) {
			report_add(&report, "%s: differs from the official bytes at instruction %zu",
			           names[i],
			           first_difference((const uint8_t *)insns, insn_count * RK_INSN_SIZE,
			                            hex, hex_len));
		} else {
			passed++;
		}
		free(insns);
		free(hex);
		conformance_case_free(&tc);
	}
	cr_log_info("asm exact bytes: %d/%d conformance programs", passed, count);
	conformance_names_free(names, count);
	cr_assert_eq(report.failures, 0, "%d of %d programs do not assemble to the official bytes:\n%s",
	             report.failures, count, report.text);
}

Test(asm, conformance_bytes_disasm_asm_round_trip)
{
	char **names;
	int count = list_cases(&names);
	struct report report = { "", 0, 0 };
	int passed = 0;
	for (int i = 0; i < count; i++) {
		struct conformance_case tc;
		uint8_t *hex;
		size_t hex_len;
		load_case(names[i], &tc, &hex, &hex_len);
		passed += bytes_round_trip(names[i], hex, hex_len, &report);
		free(hex);
		conformance_case_free(&tc);
	}
	cr_log_info("bytes -> disasm -> asm: %d/%d conformance programs", passed, count);
	conformance_names_free(names, count);
	cr_assert_eq(report.failures, 0, "%d round trips failed:\n%s", report.failures, report.text);
}

Test(asm, conformance_asm_disasm_asm_round_trip)
{
	char **names;
	int count = list_cases(&names);
	struct report report = { "", 0, 0 };
	int passed = 0;
	for (int i = 0; i < count; i++) {
		struct conformance_case tc;
		uint8_t *hex;
		size_t hex_len;
		load_case(names[i], &tc, &hex, &hex_len);
		struct rk_insn *insns = NULL;
		size_t insn_count = 0;
		char err[RK_ERR_LEN] = "";
		if (!tc.asm_text || rk_asm(tc.asm_text, &insns, &insn_count, err, sizeof(err)) != 0)
			report_add(&report, "%s: does not assemble: %s", names[i], err);
		else
			passed += bytes_round_trip(names[i], (const uint8_t *)insns,
			                           insn_count * RK_INSN_SIZE, &report);
		free(insns);
		free(hex);
		conformance_case_free(&tc);
	}
	cr_log_info("asm -> disasm -> asm: %d/%d conformance programs", passed, count);
	conformance_names_free(names, count);
	cr_assert_eq(report.failures, 0, "%d round trips failed:\n%s", report.failures, report.text);
}

/* ---- helpers for the small cases ------------------------------------- */

/* Assemble source, which must succeed, into a one-use array. */
static struct rk_insn *assemble_ok(const char *source, size_t *insn_count)
{
	char err[RK_ERR_LEN] = "";
	struct rk_insn *insns = NULL;
	cr_assert_eq(rk_asm(source, &insns, insn_count, err, sizeof(err)), 0,
	             "rk_asm(\"%s\"): %s", source, err);
	cr_assert_not_null(insns);
	return insns;
}

/* Assemble source, which must fail with -EINVAL; the message is in err. */
static void assemble_fails(const char *source, char *err, size_t err_len)
{
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	int rc = rk_asm(source, &insns, &insn_count, err, err_len);
	cr_assert_eq(rc, -EINVAL, "rk_asm(\"%s\") returned %d, expected -EINVAL", source, rc);
	cr_assert_null(insns);
}

/* Assemble one line and check its single slot. */
static void expect_insn(const char *source, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                        int32_t imm)
{
	size_t insn_count;
	struct rk_insn *insns = assemble_ok(source, &insn_count);
	cr_assert_eq(insn_count, 1, "%s: %zu slots", source, insn_count);
	cr_expect_eq(insns[0].code, code, "%s: code 0x%02x, expected 0x%02x", source, insns[0].code,
	             code);
	cr_expect_eq(insns[0].dst_reg, dst, "%s: dst_reg", source);
	cr_expect_eq(insns[0].src_reg, src, "%s: src_reg", source);
	cr_expect_eq(insns[0].off, off, "%s: off %d, expected %d", source, insns[0].off, off);
	cr_expect_eq(insns[0].imm, imm, "%s: imm %d, expected %d", source, insns[0].imm, imm);
	free(insns);
}

static struct rk_insn make_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct rk_insn insn;
	memset(&insn, 0, sizeof(insn));
	insn.code = code;
	insn.dst_reg = dst & 0xf;
	insn.src_reg = src & 0xf;
	insn.off = off;
	insn.imm = imm;
	return insn;
}

/* rk_disasm_insn() of a single instruction must print expected. */
static void expect_disasm(struct rk_insn insn, const char *expected)
{
	char buf[128];
	int slots = rk_disasm_insn(&insn, 1, 0, buf, sizeof(buf));
	cr_expect_eq(slots, 1, "0x%02x: returned %d (%s)", insn.code, slots, buf);
	cr_expect_str_eq(buf, expected);
}

/* ---- encodings ------------------------------------------------------- */

Test(asm, encodes_the_isa_extensions)
{
	expect_insn("sdiv %r1, %r2", RK_CLS_ALU64 | RK_ALU_DIV | RK_SRC_X, 1, 2, 1, 0);
	expect_insn("smod32 %r1, 3", RK_CLS_ALU | RK_ALU_MOD | RK_SRC_K, 1, 0, 1, 3);
	expect_insn("movsx832 %r1, %r2", RK_CLS_ALU | RK_ALU_MOV | RK_SRC_X, 1, 2, 8, 0);
	expect_insn("movsx3264 %r1, %r2", RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_X, 1, 2, 32, 0);
	expect_insn("ldxsh %r0, [%r1+2]", RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_H, 0, 1, 2, 0);
	expect_insn("swap64 %r3", RK_CLS_ALU64 | RK_ALU_END | RK_END_TO_LE, 3, 0, 0, 64);
	expect_insn("bswap16 %r3", RK_CLS_ALU64 | RK_ALU_END | RK_END_TO_LE, 3, 0, 0, 16);
	expect_insn("be32 %r3", RK_CLS_ALU | RK_ALU_END | RK_END_TO_BE, 3, 0, 0, 32);
	expect_insn("neg %r4", RK_CLS_ALU64 | RK_ALU_NEG, 4, 0, 0, 0);
	expect_insn("ja32 +5", RK_OP_JA32, 0, 0, 0, 5);
	expect_insn("ja32 -5", RK_OP_JA32, 0, 0, 0, -5);
	expect_insn("call 5", RK_OP_CALL, 0, RK_CALL_HELPER, 0, 5);
	expect_insn("call helper 5", RK_OP_CALL, 0, RK_CALL_HELPER, 0, 5);
	expect_insn("call %r2", RK_OP_CALLX, 2, 0, 0, 0);
	expect_insn("call local -3", RK_OP_CALL, 0, RK_CALL_LOCAL, 0, -3);
	expect_insn("lock fetch add [%r10-8], %r1",
	            RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, 10, 1, -8,
	            RK_ATOMIC_ADD | RK_ATOMIC_FETCH);
	expect_insn("lock cmpxchg32 [%r1], %r2", RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_W, 1, 2, 0,
	            RK_ATOMIC_CMPXCHG);
	expect_insn("lock xchg [%r1+0x10], %r2", RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, 1, 2, 16,
	            RK_ATOMIC_XCHG);
	/* The fake registers of the suite's negative tests assemble; the validator rejects them. */
	expect_insn("mov %r11, %r15", RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_X, 11, 15, 0, 0);
}

Test(asm, immediates_fit_signed_or_unsigned)
{
	expect_insn("mov32 %r0, 0xffffffff", RK_CLS_ALU | RK_ALU_MOV, 0, 0, 0, -1);
	expect_insn("mov32 %r0, -1", RK_CLS_ALU | RK_ALU_MOV, 0, 0, 0, -1);
	expect_insn("mov %r0, -2147483648", RK_CLS_ALU64 | RK_ALU_MOV, 0, 0, 0, INT32_MIN);
	expect_insn("mov %r0, 4294967295", RK_CLS_ALU64 | RK_ALU_MOV, 0, 0, 0, -1);
	expect_insn("stw [%r1-32768], 0XFF", RK_CLS_ST | RK_MODE_MEM | RK_SIZE_W, 1, 0, INT16_MIN,
	            255);
	expect_insn("stb [ %r1 + 3 ], +7", RK_CLS_ST | RK_MODE_MEM | RK_SIZE_B, 1, 0, 3, 7);

	size_t insn_count;
	struct rk_insn *insns = assemble_ok("lddw %r1, -1", &insn_count);
	cr_assert_eq(insn_count, 2);
	cr_expect_eq(insns[0].imm, -1);
	cr_expect_eq(insns[1].imm, -1);
	free(insns);

	char err[RK_ERR_LEN];
	assemble_fails("mov %r0, 0x100000000", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: immediate 0x100000000 does not fit in 32 bits");
	assemble_fails("mov %r0, -2147483649", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: immediate -2147483649 does not fit in 32 bits");
	assemble_fails("lddw %r0, 0x10000000000000000", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: immediate 0x10000000000000000 does not fit in 64 bits");
	assemble_fails("ldxw %r0, [%r1+65536]", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: offset in '[%r1+65536]' does not fit in 16 bits");
	assemble_fails("mov %r0, 12abc", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: invalid immediate '12abc'");
}

Test(asm, exit_is_an_implicit_label)
{
	/* As in the suite's tests: "exit" means the first exit instruction... */
	size_t insn_count;
	struct rk_insn *insns = assemble_ok("jne %r0, %r1, exit\n"
	                                    "mov %r0, 1\n"
	                                    "exit\n"
	                                    "mov %r0, 2\n"
	                                    "exit\n",
	                                    &insn_count);
	cr_assert_eq(insn_count, 5);
	cr_expect_eq(insns[0].off, 1);
	free(insns);

	/* ...unless the program defines "exit:" itself (the official assembler ignores it). */
	insns = assemble_ok("ja exit\n"
	                    "exit\n"
	                    "exit:\n"
	                    "exit\n",
	                    &insn_count);
	cr_assert_eq(insn_count, 3);
	cr_expect_eq(insns[0].off, 1);
	free(insns);

	char err[RK_ERR_LEN];
	assemble_fails("ja exit\nmov %r0, 0\n", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: undefined label 'exit'");
}

Test(asm, labels_and_comments)
{
	size_t insn_count;
	struct rk_insn *insns = assemble_ok("# a comment line\n"
	                                    "  mov %r0, 0   # trailing comment\n"
	                                    "back: add %r0, 1\n"
	                                    "\tjlt %r0, 3, back\n"
	                                    "lddw %r1, 0x1122334455667788\n"
	                                    "ja end\n"
	                                    "call local fn\n"
	                                    "fn:\n"
	                                    "exit\n"
	                                    "end:\r\n",
	                                    &insn_count);
	cr_assert_eq(insn_count, 8);
	cr_expect_eq(insns[2].off, -2, "jlt back: %d", insns[2].off);
	cr_expect_eq(insns[5].off, 2, "ja end: %d", insns[5].off);
	cr_expect_eq(insns[6].imm, 0, "call local fn: %d", insns[6].imm);
	free(insns);

	insns = assemble_ok("", &insn_count);
	cr_expect_eq(insn_count, 0);
	free(insns);
}

/* ---- error messages -------------------------------------------------- */

Test(asm, error_messages_name_the_line_and_the_problem)
{
	char err[RK_ERR_LEN];
	assemble_fails("mov %r0, 1\nadd %r0, 2\nmovx %r0, 1\n", err, sizeof(err));
	cr_expect_str_eq(err, "line 3: unknown mnemonic 'movx'");

	assemble_fails("mov %r0, 1\n\n\n\n\n\nja L9\nexit\n", err, sizeof(err));
	cr_expect_str_eq(err, "line 7: undefined label 'L9'");

	assemble_fails("exit\nmov32 %r0, 0x1ffffffff\n", err, sizeof(err));
	cr_expect_str_eq(err, "line 2: immediate 0x1ffffffff does not fit in 32 bits");

	assemble_fails("a:\nexit\na:\n", err, sizeof(err));
	cr_expect_str_eq(err, "line 3: duplicate label 'a' (first defined on line 1)");

	assemble_fails("mov %r16, 1", err, sizeof(err));
	cr_expect(strstr(err, "line 1: invalid register '%r16'") == err, "%s", err);

	assemble_fails("mov %r0", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: 'mov' takes 2 operands, got 1");

	assemble_fails("exit %r0", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: 'exit' takes 0 operands, got 1");

	assemble_fails("lock nand [%r1], %r2", err, sizeof(err));
	cr_expect_str_eq(err, "line 1: unknown mnemonic 'lock nand'");

	assemble_fails("ldxw %r0, %r1", err, sizeof(err));
	cr_expect(strstr(err, "line 1: invalid memory operand '%r1'") == err, "%s", err);

	assemble_fails("stw [%r1+4, 1", err, sizeof(err));
	cr_expect(strstr(err, "line 1: missing ']'") == err, "%s", err);

	assemble_fails("ja 5", err, sizeof(err));
	cr_expect(strstr(err, "line 1: undefined label '5' (a relative target") == err, "%s", err);

	assemble_fails("ja %r1", err, sizeof(err));
	cr_expect(strstr(err, "line 1: invalid jump target '%r1'") == err, "%s", err);

	assemble_fails("movsx832 %r0, 5", err, sizeof(err));
	cr_expect(strstr(err, "line 1: invalid register '5'") == err, "%s", err);
}

/* "mov; JUMP far; exit x distance; far: exit", malloc'd. */
static char *far_jump_source(const char *jump, size_t distance)
{
	size_t line_len = strlen("exit\n");
	char *source = malloc(distance * line_len + 64);
	cr_assert_not_null(source);
	char *cursor = source + sprintf(source, "mov %%r0, 0\n%s far\n", jump);
	for (size_t i = 0; i < distance; i++)
		cursor += sprintf(cursor, "exit\n");
	sprintf(cursor, "far:\nexit\n");
	return source;
}

Test(asm, jump_offset_out_of_range)
{
	char err[RK_ERR_LEN];
	assemble_fails("mov %r0, 0\n\n\n\nja +32768\n", err, sizeof(err));
	cr_expect(strstr(err, "line 5: jump offset out of range") == err, "%s", err);

	/* A label 40000 slots away does not fit the 16-bit off of a jump... */
	char *source = far_jump_source("ja", 40000);
	assemble_fails(source, err, sizeof(err));
	cr_expect(strstr(err, "line 2: jump offset out of range") == err, "%s", err);
	free(source);

	/* ...but ja32 and local calls carry it in the 32-bit imm. */
	source = far_jump_source("ja32", 40000);
	size_t insn_count;
	struct rk_insn *insns = assemble_ok(source, &insn_count);
	cr_expect_eq(insns[1].imm, 40000);
	free(insns);
	free(source);
}

/* ---- the disassembler ------------------------------------------------ */

Test(disasm, prints_the_suite_mnemonics)
{
	expect_disasm(make_insn(RK_CLS_ALU | RK_ALU_MOV, 0, 0, 0, 1), "mov32 %r0, 1");
	expect_disasm(make_insn(RK_CLS_ALU64 | RK_ALU_ADD | RK_SRC_X, 1, 2, 0, 0), "add %r1, %r2");
	expect_disasm(make_insn(RK_CLS_ALU64 | RK_ALU_MOV, 1, 0, 0, -5), "mov %r1, -5");
	expect_disasm(make_insn(RK_CLS_ALU64 | RK_ALU_MOV, 1, 0, 0, 0x12345678),
	              "mov %r1, 0x12345678");
	expect_disasm(make_insn(RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_DW, 0, 1, 8, 0),
	              "ldxdw %r0, [%r1+8]");
	expect_disasm(make_insn(RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_B, 0, 10, -1, 0),
	              "ldxsb %r0, [%r10-1]");
	expect_disasm(make_insn(RK_CLS_ST | RK_MODE_MEM | RK_SIZE_H, 1, 0, 0, 7), "sth [%r1], 7");
	expect_disasm(make_insn(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_W, 10, 1, -8,
	                        RK_ATOMIC_ADD | RK_ATOMIC_FETCH),
	              "lock fetch add32 [%r10-8], %r1");
	expect_disasm(make_insn(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, 10, 1, -8,
	                        RK_ATOMIC_CMPXCHG),
	              "lock cmpxchg [%r10-8], %r1");
	expect_disasm(make_insn(RK_OP_JA, 0, 0, 3, 0), "ja +3");
	expect_disasm(make_insn(RK_OP_JA32, 0, 0, 0, -2), "ja32 -2");
	expect_disasm(make_insn(RK_CLS_JMP32 | RK_JMP_JSGT, 1, 0, -1, 5), "jsgt32 %r1, 5, -1");
	expect_disasm(make_insn(RK_OP_CALL, 0, RK_CALL_HELPER, 0, 5), "call 5");
	expect_disasm(make_insn(RK_OP_CALL, 0, RK_CALL_LOCAL, 0, 7), "call local +7");
	expect_disasm(make_insn(RK_OP_CALLX, 2, 0, 0, 0), "call %r2");
	expect_disasm(make_insn(RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_X, 1, 2, 16, 0),
	              "movsx1664 %r1, %r2");
	expect_disasm(make_insn(RK_CLS_ALU | RK_ALU_DIV, 1, 0, 1, 3), "sdiv32 %r1, 3");
	expect_disasm(make_insn(RK_CLS_ALU64 | RK_ALU_END | RK_END_TO_LE, 1, 0, 0, 32), "swap32 %r1");
	expect_disasm(make_insn(RK_OP_EXIT, 0, 0, 0, 0), "exit");

	struct rk_insn lddw[2] = { make_insn(RK_OP_LDDW, 3, 0, 0, (int32_t)0x9abcdef0),
	                           make_insn(0, 0, 0, 0, 0x12345678) };
	char buf[64];
	cr_expect_eq(rk_disasm_insn(lddw, 2, 0, buf, sizeof(buf)), 2);
	cr_expect_str_eq(buf, "lddw %r3, 0x123456789abcdef0");
}

Test(disasm, unknown_encodings_are_einval)
{
	char buf[128];
	struct rk_insn insn = make_insn(0xff, 0, 0, 0, 0);
	cr_expect_eq(rk_disasm_insn(&insn, 1, 0, buf, sizeof(buf)), -EINVAL);
	cr_expect(strncmp(buf, ".unknown 0xff", 13) == 0, "%s", buf);

	/* A known opcode with a reserved field set would not re-assemble to the same bytes. */
	insn = make_insn(RK_CLS_ALU64 | RK_ALU_MOV, 0, 3, 0, 1);
	cr_expect_eq(rk_disasm_insn(&insn, 1, 0, buf, sizeof(buf)), -EINVAL);
	cr_expect_str_eq(buf, ".unknown 0xb7: src_reg 3 is not valid for 'mov'");

	struct rk_insn half_lddw = make_insn(RK_OP_LDDW, 0, 0, 0, 1);
	cr_expect_eq(rk_disasm_insn(&half_lddw, 1, 0, buf, sizeof(buf)), -EINVAL);
	cr_expect_str_eq(buf, ".unknown 0x18: lddw has no second slot");

	cr_expect_eq(rk_disasm_insn(&insn, 1, 1, buf, sizeof(buf)), -EINVAL);

	/* rk_disasm() names the instruction index. */
	struct rk_insn program[3] = { make_insn(RK_CLS_ALU64 | RK_ALU_MOV, 0, 0, 0, 0),
	                              make_insn(RK_CLS_ALU64 | RK_ALU_ADD, 0, 0, 0, 1),
	                              make_insn(0xff, 0, 0, 0, 0) };
	char err[RK_ERR_LEN];
	char *text = (char *)"untouched";
	cr_expect_eq(rk_disasm(program, 3, &text, err, sizeof(err)), -EINVAL);
	cr_expect_null(text);
	cr_expect(strncmp(err, "instruction 2: .unknown 0xff", 28) == 0, "%s", err);
}

Test(disasm, labels_for_targets)
{
	size_t insn_count;
	struct rk_insn *insns = assemble_ok("mov %r0, 0\n"
	                                    "jeq %r1, 0, skip\n"
	                                    "call local fn\n"
	                                    "skip:\n"
	                                    "ja +2\n" /* the end of the program: a label too */
	                                    "exit\n"
	                                    "fn:\n"
	                                    "ja -2\n",
	                                    &insn_count);
	char err[RK_ERR_LEN] = "";
	char *text = NULL;
	cr_assert_eq(rk_disasm(insns, insn_count, &text, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(text, "mov %r0, 0\n"
	                       "jeq %r1, 0, L3\n"
	                       "call local L5\n"
	                       "L3:\n"
	                       "ja L6\n"
	                       "L4:\n"
	                       "exit\n"
	                       "L5:\n"
	                       "ja L4\n"
	                       "L6:\n");
	free(text);
	free(insns);
}

Test(disasm, targets_without_a_place_for_a_label_stay_relative)
{
	/* Into the second slot of an lddw, and before the program: no line to label. */
	struct rk_insn program[4] = { make_insn(RK_OP_JA, 0, 0, 1, 0),
	                              make_insn(RK_OP_LDDW, 0, 0, 0, 1), make_insn(0, 0, 0, 0, 2),
	                              make_insn(RK_OP_JA, 0, 0, -10, 0) };
	char err[RK_ERR_LEN] = "";
	char *text = NULL;
	cr_assert_eq(rk_disasm(program, 4, &text, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(text, "ja +1\nlddw %r0, 0x200000001\nja -10\n");
	free(text);

	struct report report = { "", 0, 0 };
	cr_expect(bytes_round_trip("relative", (const uint8_t *)program, sizeof(program), &report),
	          "%s", report.text);
}

Test(disasm, negative_suite_encodings_are_refused_with_their_index)
{
	/* tests/conformance/negative: reserved fields set; the disassembler must refuse each. */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/negative", RK_CONFORMANCE_DIR);
	char **names;
	int count = conformance_list(dir, &names);
	cr_assert_gt(count, 0, "no negative tests in %s", dir);
	struct report report = { "", 0, 0 };
	for (int i = 0; i < count; i++) {
		char path[768];
		snprintf(path, sizeof(path), "%s/%s.data", dir, names[i]);
		struct conformance_case tc;
		cr_assert_eq(conformance_case_load(path, &tc), 0, "cannot read %s", path);
		size_t insn_count = tc.raw_len / RK_INSN_SIZE;
		struct rk_insn *insns = calloc(insn_count + 1, sizeof(*insns));
		cr_assert_not_null(insns);
		memcpy(insns, tc.raw, insn_count * RK_INSN_SIZE);
		char err[RK_ERR_LEN] = "";
		char *text = NULL;
		int rc = rk_disasm(insns, insn_count, &text, err, sizeof(err));
		if (rc != -EINVAL || strncmp(err, "instruction ", 12) != 0)
			report_add(&report, "%s: rc %d, '%s'", names[i], rc, err);
		free(text);
		free(insns);
		conformance_case_free(&tc);
	}
	conformance_names_free(names, count);
	cr_assert_eq(report.failures, 0, "%s", report.text);
}

Test(asm, error_buffers_may_be_null_or_tiny)
{
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	cr_expect_eq(rk_asm("movx %r0, 1", &insns, &insn_count, NULL, 0), -EINVAL);
	char tiny[6];
	cr_expect_eq(rk_asm("movx %r0, 1", &insns, &insn_count, tiny, sizeof(tiny)), -EINVAL);
	cr_expect_str_eq(tiny, "line ");
	cr_expect_null(insns);

	struct rk_insn unknown = make_insn(0xff, 0, 0, 0, 0);
	char *text = NULL;
	cr_expect_eq(rk_disasm(&unknown, 1, &text, NULL, 0), -EINVAL);
	cr_expect_eq(rk_disasm(&unknown, 1, &text, tiny, sizeof(tiny)), -EINVAL);
	cr_expect_str_eq(tiny, "instr");
	cr_expect_eq(rk_disasm_insn(&unknown, 1, 0, NULL, 0), -EINVAL);

	/* An empty program disassembles to empty text. */
	cr_assert_eq(rk_disasm(NULL, 0, &text, NULL, 0), 0);
	cr_expect_str_eq(text, "");
	free(text);
}

/* Map and variable references survive assembly and disassembly (RFC 9669 5.4). */
Test(asm, lddw_pseudo_sources_round_trip)
{
	const char *source = "lddw %r1, map_by_fd 3\n"
	                     "lddw %r2, map_val_by_fd 3, 16\n"
	                     "lddw %r3, map_by_idx 0\n"
	                     "lddw %r4, map_val_by_idx 1, -8\n"
	                     "lddw %r5, var_addr 7\n"
	                     "lddw %r6, code_addr 2\n"
	                     "exit\n";
	char err[RK_ERR_LEN] = "";
	struct rk_insn *insns = NULL;
	size_t count = 0;
	cr_assert_eq(rk_asm(source, &insns, &count, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count, 13);
	cr_assert_eq(insns[0].src_reg, RK_PSEUDO_MAP_FD);
	cr_assert_eq(insns[0].imm, 3);
	cr_assert_eq(insns[2].src_reg, RK_PSEUDO_MAP_VAL);
	cr_assert_eq(insns[3].imm, 16);
	cr_assert_eq(insns[6].src_reg, RK_PSEUDO_MAP_IDX_VAL);
	cr_assert_eq(insns[7].imm, -8);
	cr_assert_eq(rk_validate(insns, count, err, sizeof(err)), 0, "%s", err);
	char *text = NULL;
	cr_assert_eq(rk_disasm(insns, count, &text, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(text, source);
	free(text);
	free(insns);

	cr_assert_neq(rk_asm("lddw %r1, map_by_fd 3, 4\nexit\n", &insns, &count, err, sizeof(err)),
	              0);
	cr_assert_str_eq(err, "line 1: 'lddw ... map_by_fd' takes 1 operand after the kind, got 2");
	cr_assert_neq(rk_asm("lddw %r1, maps 3\nexit\n", &insns, &count, err, sizeof(err)), 0);
	cr_assert(strstr(err, "line 1: 'maps' is not an lddw source"), "%s", err);
}
