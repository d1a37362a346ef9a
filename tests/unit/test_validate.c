/*
 * test_validate.c - the decoder's rejections, one test per rule, each with
 * the message a program author will read.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "rkbpf.h"

#define INSN(c, d, s, o, i) {.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)}
#define EXIT INSN(RK_OP_EXIT, 0, 0, 0, 0)
#define MOV64_K(d, i) INSN(RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, d, 0, 0, i)
#define LDDW(d, lo, hi) INSN(RK_OP_LDDW, d, 0, 0, lo), INSN(0, 0, 0, 0, hi)

static void expect_rejected(const struct rk_insn *insns, size_t count, const char *message)
{
	char err[RK_ERR_LEN] = "";
	int rc = rk_validate(insns, count, err, sizeof(err));
	cr_assert_neq(rc, 0, "accepted; expected: %s", message);
	cr_assert_str_eq(err, message);
}

static void expect_accepted(const struct rk_insn *insns, size_t count)
{
	char err[RK_ERR_LEN] = "";
	cr_assert_eq(rk_validate(insns, count, err, sizeof(err)), 0, "rejected: %s", err);
}

Test(validate, empty_program)
{
	char err[RK_ERR_LEN];
	cr_assert_eq(rk_validate(NULL, 0, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "empty program: it needs at least an exit instruction");
}

Test(validate, unknown_opcode)
{
	struct rk_insn prog[] = {INSN(0xff, 0, 0, 0, 0), EXIT};
	expect_rejected(prog, 2, "insn 0 (opcode 0xff, alu64): unknown arithmetic operation 0xf0");
	struct rk_insn jmp[] = {INSN(RK_CLS_JMP | 0xe0, 0, 0, 0, 0), EXIT};
	expect_rejected(jmp, 2, "insn 0 (opcode 0xe5, jmp): unknown jump operation 0xe0");
	struct rk_insn ld[] = {INSN(RK_CLS_LD | RK_MODE_IMM | RK_SIZE_W, 0, 0, 0, 0), EXIT};
	expect_rejected(ld, 2,
	                "insn 0 (opcode 0x00, ld): the ld class holds only lddw (0x18) in this "
	                "runtime");
}

Test(validate, legacy_packet_access)
{
	struct rk_insn prog[] = {INSN(RK_CLS_LD | RK_MODE_ABS | RK_SIZE_W, 0, 0, 0, 0), EXIT};
	expect_rejected(prog, 2,
	                "insn 0 (opcode 0x20, ld): the ld class holds only lddw (0x18) in this "
	                "runtime");
	struct rk_insn ldx[] = {INSN(RK_CLS_LDX | RK_MODE_IND | RK_SIZE_W, 0, 1, 0, 0), EXIT};
	expect_rejected(ldx, 2,
	                "insn 0 (opcode 0x41, ldx): legacy packet access (ABS/IND modes) is not "
	                "supported");
}

Test(validate, register_out_of_range)
{
	struct rk_insn prog[] = {MOV64_K(11, 1), EXIT};
	expect_rejected(prog, 2,
	                "insn 0 (opcode 0xb7, alu64): field dst_reg names r11; registers are "
	                "r0..r10");
	struct rk_insn src[] = {INSN(RK_CLS_ALU64 | RK_ALU_ADD | RK_SRC_X, 0, 12, 0, 0), EXIT};
	expect_rejected(src, 2,
	                "insn 0 (opcode 0x0f, alu64): field src_reg names r12; registers are "
	                "r0..r10");
}

Test(validate, frame_pointer_is_read_only)
{
	struct rk_insn prog[] = {MOV64_K(RK_REG_FP, 0), EXIT};
	expect_rejected(prog, 2,
	                "insn 0 (opcode 0xb7, alu64): field dst_reg names r10, the read-only "
	                "frame pointer, as a destination");
	struct rk_insn load[] = {INSN(RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_DW, 10, 10, -8, 0), EXIT};
	expect_rejected(load, 2,
	                "insn 0 (opcode 0x79, ldx): field dst_reg names r10, the read-only frame "
	                "pointer, as a destination");
}

Test(validate, lddw_without_second_slot)
{
	struct rk_insn prog[] = {MOV64_K(0, 0), INSN(RK_OP_LDDW, 0, 0, 0, 1)};
	expect_rejected(prog, 2,
	                "insn 1 (opcode 0x18, ld): lddw needs a second slot, but the program ends "
	                "here");
}

Test(validate, lddw_second_slot_not_zero)
{
	struct rk_insn prog[] = {INSN(RK_OP_LDDW, 0, 0, 0, 1), INSN(RK_OP_EXIT, 0, 0, 0, 0), EXIT};
	expect_rejected(prog, 3,
	                "insn 1 (opcode 0x95, jmp): second slot of the lddw at insn 0 must have "
	                "opcode, registers and off 0");
}

Test(validate, jump_outside_program)
{
	struct rk_insn forward[] = {INSN(RK_OP_JA, 0, 0, 5, 0), EXIT};
	expect_rejected(forward, 2,
	                "insn 0 (opcode 0x05, jmp): jump target 6 is past the end of the program "
	                "(2 instructions)");
	struct rk_insn backward[] = {MOV64_K(0, 0), INSN(RK_OP_JA32, 0, 0, 0, -3), EXIT};
	expect_rejected(backward, 3,
	                "insn 1 (opcode 0x06, jmp32): jump target -1 is before the start of the "
	                "program");
	struct rk_insn cond[] = {INSN(RK_CLS_JMP | RK_JMP_JEQ | RK_SRC_K, 1, 0, 7, 0), EXIT};
	expect_rejected(cond, 2,
	                "insn 0 (opcode 0x15, jmp): jump target 8 is past the end of the program "
	                "(2 instructions)");
}

Test(validate, call_outside_program)
{
	struct rk_insn prog[] = {INSN(RK_OP_CALL, 0, RK_CALL_LOCAL, 0, 9), EXIT};
	expect_rejected(prog, 2,
	                "insn 0 (opcode 0x85, jmp): call target 10 is past the end of the program "
	                "(2 instructions)");
}

Test(validate, jump_into_lddw)
{
	struct rk_insn prog[] = {INSN(RK_OP_JA, 0, 0, 1, 0), LDDW(0, 1, 2), EXIT};
	expect_rejected(prog, 4,
	                "insn 0 (opcode 0x05, jmp): jump target 2 is the second slot of an lddw");
	struct rk_insn call[] = {INSN(RK_OP_CALL, 0, RK_CALL_LOCAL, 0, 1), LDDW(0, 1, 2), EXIT};
	expect_rejected(call, 4,
	                "insn 0 (opcode 0x85, jmp): call target 2 is the second slot of an lddw");
}

Test(validate, falls_off_the_end)
{
	struct rk_insn prog[] = {MOV64_K(0, 0)};
	expect_rejected(prog, 1,
	                "insn 0 (opcode 0xb7, alu64): the last instruction must be exit or ja: "
	                "execution would fall off the end");
	struct rk_insn cond[] = {MOV64_K(0, 0), INSN(RK_CLS_JMP | RK_JMP_JEQ | RK_SRC_K, 0, 0, -2, 0)};
	expect_rejected(cond, 2,
	                "insn 1 (opcode 0x15, jmp): the last instruction must be exit or ja: "
	                "execution would fall off the end");
	struct rk_insn lddw[] = {EXIT, LDDW(0, 1, 2)};
	expect_rejected(lddw, 3,
	                "insn 2 (opcode 0x00, ld): the program ends with an lddw: execution would "
	                "fall off the end");
	struct rk_insn call[] = {MOV64_K(0, 0), INSN(RK_OP_CALL, 0, RK_CALL_LOCAL, 0, -2)};
	expect_rejected(call, 2,
	                "insn 1 (opcode 0x85, jmp): the last instruction must be exit or ja: "
	                "execution would fall off the end");
}

Test(validate, ends_in_unconditional_jump_is_fine)
{
	struct rk_insn prog[] = {MOV64_K(0, 0), EXIT, INSN(RK_OP_JA, 0, 0, -3, 0)};
	expect_accepted(prog, 3);
}

Test(validate, operation_specific_rules)
{
	struct rk_insn neg_x[] = {INSN(RK_CLS_ALU64 | RK_ALU_NEG | RK_SRC_X, 0, 0, 0, 0), EXIT};
	expect_rejected(neg_x, 2,
	                "insn 0 (opcode 0x8f, alu64): neg has no register-source form (source bit "
	                "must be 0)");
	struct rk_insn sdiv[] = {INSN(RK_CLS_ALU64 | RK_ALU_DIV | RK_SRC_K, 0, 0, 2, 1), EXIT};
	expect_rejected(sdiv, 2,
	                "insn 0 (opcode 0x37, alu64): field off must be 0 (unsigned) or 1 "
	                "(signed) for div/mod, is 2");
	struct rk_insn swap[] = {INSN(RK_CLS_ALU | RK_ALU_END, 0, 0, 0, 24), EXIT};
	expect_rejected(swap, 2,
	                "insn 0 (opcode 0xd4, alu32): field imm must be 16, 32 or 64 for a byte "
	                "swap, is 24");
	struct rk_insn bswap_x[] = {INSN(RK_CLS_ALU64 | RK_ALU_END | RK_SRC_X, 0, 0, 0, 16), EXIT};
	expect_rejected(bswap_x, 2,
	                "insn 0 (opcode 0xdf, alu64): alu64 byte swap must have source bit 0 "
	                "(bswap)");
	struct rk_insn movsx32[] = {INSN(RK_CLS_ALU | RK_ALU_MOV | RK_SRC_X, 0, 1, 32, 0), EXIT};
	expect_rejected(movsx32, 2,
	                "insn 0 (opcode 0xbc, alu32): field off must be 0 (mov) or 8, 16 (movsx) "
	                "for a 32-bit mov, is 32");
	struct rk_insn ldsx_dw[] = {INSN(RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_DW, 0, 1, 0, 0), EXIT};
	expect_rejected(ldsx_dw, 2,
	                "insn 0 (opcode 0x99, ldx): a sign-extending load of 8 bytes does not "
	                "exist");
	struct rk_insn atomic_b[] = {INSN(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_B, 10, 1, -8, 0), EXIT};
	expect_rejected(atomic_b, 2,
	                "insn 0 (opcode 0xd3, stx): atomic operations exist for 4 and 8 bytes "
	                "only");
	struct rk_insn atomic_op[] = {INSN(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, 10, 1, -8, 0x20), EXIT};
	expect_rejected(atomic_op, 2,
	                "insn 0 (opcode 0xdb, stx): field imm 0x20 is not an atomic operation");
	struct rk_insn fetch_fp[] = {
		INSN(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, 1, 10, 0, RK_ATOMIC_XCHG), EXIT};
	expect_rejected(fetch_fp, 2,
	                "insn 0 (opcode 0xdb, stx): field src_reg names r10, the read-only frame "
	                "pointer, as a destination");
	struct rk_insn ja32_off[] = {INSN(RK_OP_JA32, 0, 0, 1, 0), EXIT};
	expect_rejected(ja32_off, 2,
	                "insn 0 (opcode 0x06, jmp32): field off must be 0 for ja32 (its offset is "
	                "in imm), is 1");
	struct rk_insn call32[] = {INSN(RK_CLS_JMP32 | RK_JMP_CALL, 0, 0, 0, 1), EXIT};
	expect_rejected(call32, 2, "insn 0 (opcode 0x86, jmp32): call exists only in the jmp class");
	struct rk_insn kfunc[] = {INSN(RK_OP_CALL, 0, RK_CALL_BTF_ID, 0, 1), EXIT};
	expect_rejected(kfunc, 2,
	                "insn 0 (opcode 0x85, jmp): calls to kernel functions by BTF id (src_reg "
	                "2) are not supported");
	struct rk_insn callx[] = {INSN(RK_OP_CALLX, 1, 0, 0, 3), EXIT};
	expect_rejected(callx, 2, "insn 0 (opcode 0x8d, jmp): field imm must be 0 for callx, is 3");
	struct rk_insn lddw_src[] = {INSN(RK_OP_LDDW, 0, 7, 0, 0), INSN(0, 0, 0, 0, 0), EXIT};
	expect_rejected(lddw_src, 3,
	                "insn 0 (opcode 0x18, ld): field src_reg must be 0..6 for lddw (RFC 9669 "
	                "5.4), is 7");
}

Test(validate, lddw_pseudo_sources)
{
	struct rk_insn map_fd[] = {INSN(RK_OP_LDDW, 1, RK_PSEUDO_MAP_FD, 0, 3), INSN(0, 0, 0, 0, 0),
	                           EXIT};
	expect_accepted(map_fd, 3);
	struct rk_insn map_val[] = {INSN(RK_OP_LDDW, 1, RK_PSEUDO_MAP_VAL, 0, 3),
	                            INSN(0, 0, 0, 0, 16), EXIT};
	expect_accepted(map_val, 3);
	struct rk_insn stray[] = {INSN(RK_OP_LDDW, 1, RK_PSEUDO_MAP_FD, 0, 3), INSN(0, 0, 0, 0, 16),
	                          EXIT};
	expect_rejected(stray, 3,
	                "insn 1 (opcode 0x00, ld): field imm of the second slot must be 0 for lddw "
	                "with src_reg 1, is 16");
}

Test(validate, error_buffer_may_be_null_or_short)
{
	struct rk_insn prog[] = {MOV64_K(11, 1), EXIT};
	cr_assert_eq(rk_validate(prog, 2, NULL, 0), -EINVAL);
	char tiny[8];
	cr_assert_eq(rk_validate(prog, 2, tiny, sizeof(tiny)), -EINVAL);
	cr_assert_str_eq(tiny, "insn 0 ");
}

Test(validate, unresolved_map_reference_refused_by_prog_new)
{
	struct rk_insn prog[] = {INSN(RK_OP_LDDW, 1, RK_PSEUDO_MAP_FD, 0, 3), INSN(0, 0, 0, 0, 0),
	                         MOV64_K(0, 0), EXIT};
	char err[RK_ERR_LEN];
	struct rk_prog *loaded = NULL;
	cr_assert_eq(rk_prog_new(prog, 4, NULL, &loaded, err, sizeof(err)), -EINVAL);
	cr_assert_null(loaded);
	cr_assert(strstr(err, "insn 0: lddw with src_reg 1 refers to a map"), "%s", err);
}

Test(validate, unknown_helper_refused_by_prog_new)
{
	struct rk_insn prog[] = {INSN(RK_OP_CALL, 0, RK_CALL_HELPER, 0, 77), EXIT};
	char err[RK_ERR_LEN];
	struct rk_prog *loaded = NULL;
	cr_assert_eq(rk_prog_new(prog, 2, NULL, &loaded, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "insn 0: call to helper 77, which is not registered");
}
