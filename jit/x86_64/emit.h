/*
 * emit.h - the x86_64 instruction encoder of the JIT: one small named
 * function per instruction form, each appending exactly one machine
 * instruction to a struct rk_jit_buf.  translate.c reads like assembly
 * through these; tests/unit/test_jit_x86_64_encode.c checks every form
 * against llvm-mc's encodings.
 *
 * The one thing to know: "is64" picks the operand width (REX.W); a 32-bit
 * form writing a register zero-extends it to 64 bits, which is exactly the
 * BPF ALU32 rule, so translate.c relies on it instead of clearing the upper
 * half itself.  Registers are enum x86_reg (0..15, the hardware numbers);
 * memory operands are always [base + disp32] (no index), any base works
 * (rsp/r12 get their SIB byte, rbp/r13 their disp8 automatically).
 */
#ifndef RK_JIT_X86_64_EMIT_H
#define RK_JIT_X86_64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../jit_internal.h"

/* Hardware register numbers (the low 3 bits go in ModRM, bit 3 in REX). */
enum x86_reg {
	X86_RAX = 0, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* The group-1 arithmetic operations: the /digit of 0x81/0x83 and op*8 of the r/m forms. */
enum x86_alu {
	X86_ALU_ADD = 0, X86_ALU_OR = 1, X86_ALU_AND = 4, X86_ALU_SUB = 5,
	X86_ALU_XOR = 6, X86_ALU_CMP = 7,
};

/* The group-2 shifts and rotates: the /digit of 0xC1/0xD3. */
enum x86_shift {
	X86_ROL = 0, X86_ROR = 1, X86_SHL = 4, X86_SHR = 5, X86_SAR = 7,
};

/* The group-3 unary operations: the /digit of 0xF7. */
enum x86_unary {
	X86_NOT = 2, X86_NEG = 3, X86_MUL = 4, X86_IMUL1 = 5, X86_DIV = 6, X86_IDIV = 7,
};

/* Condition codes: the low nibble of Jcc (0x70+cc, 0x0F 0x80+cc). */
enum x86_cond {
	X86_CC_O = 0x0, X86_CC_NO = 0x1, X86_CC_B = 0x2, X86_CC_AE = 0x3,
	X86_CC_E = 0x4, X86_CC_NE = 0x5, X86_CC_BE = 0x6, X86_CC_A = 0x7,
	X86_CC_S = 0x8, X86_CC_NS = 0x9, X86_CC_L = 0xc, X86_CC_GE = 0xd,
	X86_CC_LE = 0xe, X86_CC_G = 0xf,
};

/* Sizes of the fixed-length jump and call forms, for displacement arithmetic. */
#define X86_JMP_REL8_LEN 2
#define X86_JMP_REL32_LEN 5
#define X86_JCC_REL8_LEN 2
#define X86_JCC_REL32_LEN 6
#define X86_CALL_REL32_LEN 5

/* ---- register to register ---- */
void rk_x86_mov_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src);
void rk_x86_alu_rr(struct rk_jit_buf *buf, bool is64, enum x86_alu op, enum x86_reg dst,
                 enum x86_reg src);
void rk_x86_test_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg a, enum x86_reg b);
void rk_x86_imul_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src);
/* dst = dst (or src) with bits sign-extended from 8, 16 or (is64 only) 32 bits. */
void rk_x86_movsx_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src,
                   int bits);
/* dst32 = zero-extended low 16 bits of src. */
void rk_x86_movzx16_rr(struct rk_jit_buf *buf, enum x86_reg dst, enum x86_reg src);

/* ---- immediates ---- */
/* dst op= imm: the imm8 form when imm fits a sign-extended byte. */
void rk_x86_alu_ri(struct rk_jit_buf *buf, bool is64, enum x86_alu op, enum x86_reg dst,
                 int32_t imm);
void rk_x86_test_ri(struct rk_jit_buf *buf, bool is64, enum x86_reg reg, int32_t imm);
void rk_x86_imul_rri(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src,
                   int32_t imm);
/* dst = imm, zero-extended (mov r32, imm32). */
void rk_x86_mov_ri32(struct rk_jit_buf *buf, enum x86_reg dst, uint32_t imm);
/* dst = imm, sign-extended to 64 bits (mov r/m64, imm32). */
void rk_x86_mov_ri_sx(struct rk_jit_buf *buf, enum x86_reg dst, int32_t imm);
/* dst = imm (movabs, always 10 bytes: for addresses). */
void rk_x86_movabs(struct rk_jit_buf *buf, enum x86_reg dst, uint64_t imm);
/* dst = value, in the shortest of xor / mov r32 / mov r/m64 sign-extended / movabs. */
void rk_x86_mov_imm64(struct rk_jit_buf *buf, enum x86_reg dst, uint64_t value);

/* ---- shifts, unary ---- */
void rk_x86_shift_ri(struct rk_jit_buf *buf, bool is64, enum x86_shift kind, enum x86_reg dst,
                   uint8_t count);
void rk_x86_shift_cl(struct rk_jit_buf *buf, bool is64, enum x86_shift kind, enum x86_reg dst);
/* A 16-bit rotate (ror r16, imm8): bswap of the low half-word. */
void rk_x86_ror16_ri(struct rk_jit_buf *buf, enum x86_reg dst, uint8_t count);
void rk_x86_unary(struct rk_jit_buf *buf, bool is64, enum x86_unary kind, enum x86_reg reg);
/* cqo (is64) or cdq: rdx:rax = sign extension of rax, for idiv. */
void rk_x86_cqo(struct rk_jit_buf *buf, bool is64);
void rk_x86_bswap(struct rk_jit_buf *buf, bool is64, enum x86_reg reg);

/* ---- memory ([base + disp]) ---- */
/* dst = zero-extended size bytes (1, 2, 4, 8) at base + disp. */
void rk_x86_load(struct rk_jit_buf *buf, int size, enum x86_reg dst, enum x86_reg base,
               int32_t disp);
/* dst = sign-extended size bytes (1, 2, 4) at base + disp, to 64 bits. */
void rk_x86_load_sx(struct rk_jit_buf *buf, int size, enum x86_reg dst, enum x86_reg base,
                  int32_t disp);
void rk_x86_store(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                enum x86_reg src);
/* size 8 stores imm sign-extended. */
void rk_x86_store_imm(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                    int32_t imm);
void rk_x86_lea(struct rk_jit_buf *buf, enum x86_reg dst, enum x86_reg base, int32_t disp);
/* dst op= [base + disp] (e.g. or r64, m64). */
void rk_x86_alu_rm(struct rk_jit_buf *buf, bool is64, enum x86_alu op, enum x86_reg dst,
                 enum x86_reg base, int32_t disp);

/* ---- atomics (size 4 or 8; all but xchg carry an explicit lock prefix) ---- */
/* lock op [base + disp], src for add, or, and, xor. */
void rk_x86_lock_alu(struct rk_jit_buf *buf, int size, enum x86_alu op, enum x86_reg base,
                   int32_t disp, enum x86_reg src);
void rk_x86_lock_xadd(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                    enum x86_reg src);
void rk_x86_xchg(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
               enum x86_reg src);
void rk_x86_lock_cmpxchg(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                       enum x86_reg src);

/* ---- stack, control flow ---- */
void rk_x86_push(struct rk_jit_buf *buf, enum x86_reg reg);
void rk_x86_pop(struct rk_jit_buf *buf, enum x86_reg reg);
void rk_x86_call_reg(struct rk_jit_buf *buf, enum x86_reg reg);
void rk_x86_call_mem(struct rk_jit_buf *buf, enum x86_reg base, int32_t disp);
void rk_x86_call_rel32(struct rk_jit_buf *buf, int32_t rel);
void rk_x86_jmp_rel8(struct rk_jit_buf *buf, int8_t rel);
void rk_x86_jmp_rel32(struct rk_jit_buf *buf, int32_t rel);
void rk_x86_jcc_rel8(struct rk_jit_buf *buf, enum x86_cond cc, int8_t rel);
void rk_x86_jcc_rel32(struct rk_jit_buf *buf, enum x86_cond cc, int32_t rel);
void rk_x86_ret(struct rk_jit_buf *buf);

#endif /* RK_JIT_X86_64_EMIT_H */
