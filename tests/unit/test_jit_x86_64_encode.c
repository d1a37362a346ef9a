/*
 * test_jit_x86_64_encode.c - every emitter of jit/x86_64/emit.c against
 * the bytes llvm-mc gives for the same instruction.
 *
 * The expected bytes were produced once with
 *     echo 'ASM' | llvm-mc -triple=x86_64 -show-encoding
 * (the relative jumps and calls checked with llvm-mc -disassemble) and
 * pasted here, the assembly as the comment: llvm-mc is not needed to run
 * the tests.  The cases pick the registers the encoding treats specially:
 * r8-r15 (REX.R/B), rsp/r12 as a base (SIB byte), rbp/r13 as a base (disp8
 * of 0), sil/dil/bpl as byte registers (a bare REX), disp8 against disp32,
 * imm8 against imm32.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jit_internal.h"
#include "x86_64/emit.h"

struct encoding_case {
	const char *call;           /* the emitter call, for the failure message */
	void (*emit)(struct rk_jit_buf *buf);
	uint8_t bytes[16];
	size_t len;
};

/* C has no lambdas: one small function per case, and its text for the message. */
#define CASE_FN(n, call)                                                                 \
	static void enc_##n(struct rk_jit_buf *buf)                                      \
	{                                                                                \
		call;                                                                    \
	}                                                                                \
	static const char enc_##n##_text[] = #call;

CASE_FN(0, rk_x86_mov_rr(buf, true, X86_RAX, X86_RDI))
CASE_FN(1, rk_x86_mov_rr(buf, true, X86_R13, X86_RBP))
CASE_FN(2, rk_x86_mov_rr(buf, false, X86_R11, X86_R15))
CASE_FN(3, rk_x86_mov_rr(buf, false, X86_RCX, X86_RCX))
CASE_FN(4, rk_x86_alu_rr(buf, true, X86_ALU_ADD, X86_RBX, X86_R14))
CASE_FN(5, rk_x86_alu_rr(buf, false, X86_ALU_SUB, X86_R8, X86_RAX))
CASE_FN(6, rk_x86_alu_rr(buf, true, X86_ALU_OR, X86_RSI, X86_RDI))
CASE_FN(7, rk_x86_alu_rr(buf, false, X86_ALU_AND, X86_RDX, X86_R13))
CASE_FN(8, rk_x86_alu_rr(buf, true, X86_ALU_XOR, X86_R15, X86_R15))
CASE_FN(9, rk_x86_alu_rr(buf, true, X86_ALU_CMP, X86_RBP, X86_R12))
CASE_FN(10, rk_x86_test_rr(buf, true, X86_R11, X86_R11))
CASE_FN(11, rk_x86_test_rr(buf, false, X86_RDI, X86_R9))
CASE_FN(12, rk_x86_imul_rr(buf, true, X86_RAX, X86_R14))
CASE_FN(13, rk_x86_imul_rr(buf, false, X86_R13, X86_RCX))
CASE_FN(14, rk_x86_movsx_rr(buf, true, X86_RAX, X86_RSI, 8))
CASE_FN(15, rk_x86_movsx_rr(buf, false, X86_R8, X86_RDI, 8))
CASE_FN(16, rk_x86_movsx_rr(buf, false, X86_RDX, X86_RBX, 8))
CASE_FN(17, rk_x86_movsx_rr(buf, true, X86_R15, X86_RBP, 16))
CASE_FN(18, rk_x86_movsx_rr(buf, false, X86_RCX, X86_R13, 16))
CASE_FN(19, rk_x86_movsx_rr(buf, true, X86_RBX, X86_RDX, 32))
CASE_FN(20, rk_x86_movzx16_rr(buf, X86_RAX, X86_RAX))
CASE_FN(21, rk_x86_movzx16_rr(buf, X86_R14, X86_R14))
CASE_FN(22, rk_x86_alu_ri(buf, true, X86_ALU_ADD, X86_RAX, 1))
CASE_FN(23, rk_x86_alu_ri(buf, true, X86_ALU_ADD, X86_R9, -128))
CASE_FN(24, rk_x86_alu_ri(buf, false, X86_ALU_SUB, X86_RDI, 128))
CASE_FN(25, rk_x86_alu_ri(buf, true, X86_ALU_AND, X86_R13, INT32_MIN))
CASE_FN(26, rk_x86_alu_ri(buf, false, X86_ALU_OR, X86_RBP, 0x12345678))
CASE_FN(27, rk_x86_alu_ri(buf, true, X86_ALU_XOR, X86_RSI, -1))
CASE_FN(28, rk_x86_alu_ri(buf, true, X86_ALU_CMP, X86_R11, 0x10000))
CASE_FN(29, rk_x86_alu_ri(buf, false, X86_ALU_CMP, X86_R11, -1))
CASE_FN(30, rk_x86_test_ri(buf, true, X86_RDX, -2))
CASE_FN(31, rk_x86_test_ri(buf, false, X86_R15, 0x80))
CASE_FN(32, rk_x86_imul_rri(buf, true, X86_RAX, X86_RAX, 3))
CASE_FN(33, rk_x86_imul_rri(buf, false, X86_R14, X86_R14, 100000))
CASE_FN(34, rk_x86_mov_ri32(buf, X86_RAX, 0xffffffffu))
CASE_FN(35, rk_x86_mov_ri32(buf, X86_R11, 7))
CASE_FN(36, rk_x86_mov_ri_sx(buf, X86_RCX, -5))
CASE_FN(37, rk_x86_mov_ri_sx(buf, X86_R8, INT32_MIN))
CASE_FN(38, rk_x86_movabs(buf, X86_R11, 0x123456789abcdef0ull))
CASE_FN(39, rk_x86_movabs(buf, X86_RAX, 1))
CASE_FN(40, rk_x86_mov_imm64(buf, X86_RBX, 0))
CASE_FN(41, rk_x86_mov_imm64(buf, X86_R9, 0x80000000u))
CASE_FN(42, rk_x86_mov_imm64(buf, X86_RSI, (uint64_t)-2))
CASE_FN(43, rk_x86_mov_imm64(buf, X86_R15, 0x100000000ull))
CASE_FN(44, rk_x86_shift_ri(buf, true, X86_SHL, X86_RAX, 63))
CASE_FN(45, rk_x86_shift_ri(buf, false, X86_SHR, X86_R13, 1))
CASE_FN(46, rk_x86_shift_ri(buf, true, X86_SAR, X86_RDI, 7))
CASE_FN(47, rk_x86_shift_cl(buf, true, X86_SHL, X86_RBX))
CASE_FN(48, rk_x86_shift_cl(buf, false, X86_SHR, X86_R11))
CASE_FN(49, rk_x86_shift_cl(buf, false, X86_SAR, X86_RCX))
CASE_FN(50, rk_x86_ror16_ri(buf, X86_RDX, 8))
CASE_FN(51, rk_x86_ror16_ri(buf, X86_R14, 8))
CASE_FN(52, rk_x86_unary(buf, true, X86_NEG, X86_R15))
CASE_FN(53, rk_x86_unary(buf, false, X86_NEG, X86_RAX))
CASE_FN(54, rk_x86_unary(buf, true, X86_DIV, X86_R11))
CASE_FN(55, rk_x86_unary(buf, false, X86_IDIV, X86_R11))
CASE_FN(56, rk_x86_unary(buf, false, X86_NOT, X86_RSI))
CASE_FN(57, rk_x86_cqo(buf, true))
CASE_FN(58, rk_x86_cqo(buf, false))
CASE_FN(59, rk_x86_bswap(buf, true, X86_RAX))
CASE_FN(60, rk_x86_bswap(buf, false, X86_R13))
CASE_FN(61, rk_x86_load(buf, 1, X86_RAX, X86_RDI, 0))
CASE_FN(62, rk_x86_load(buf, 2, X86_R14, X86_RBP, -8))
CASE_FN(63, rk_x86_load(buf, 4, X86_RSI, X86_R13, 0))
CASE_FN(64, rk_x86_load(buf, 8, X86_RBX, X86_R12, 0x40))
CASE_FN(65, rk_x86_load(buf, 8, X86_RSP, X86_R12, 0x48))
CASE_FN(66, rk_x86_load(buf, 8, X86_R9, X86_RSP, -300))
CASE_FN(67, rk_x86_load(buf, 1, X86_R10, X86_R11, 32))
CASE_FN(68, rk_x86_load_sx(buf, 1, X86_RCX, X86_RSI, 127))
CASE_FN(69, rk_x86_load_sx(buf, 2, X86_R8, X86_RBP, -512))
CASE_FN(70, rk_x86_load_sx(buf, 4, X86_RAX, X86_R13, 0))
CASE_FN(71, rk_x86_store(buf, 1, X86_RBP, -1, X86_RSI))
CASE_FN(72, rk_x86_store(buf, 1, X86_RAX, 0, X86_RDI))
CASE_FN(73, rk_x86_store(buf, 1, X86_RDX, 4, X86_RBX))
CASE_FN(74, rk_x86_store(buf, 1, X86_R13, 0, X86_RBP))
CASE_FN(75, rk_x86_store(buf, 2, X86_R14, 2, X86_R8))
CASE_FN(76, rk_x86_store(buf, 4, X86_RDI, -200, X86_RAX))
CASE_FN(77, rk_x86_store(buf, 8, X86_R12, 0x40, X86_RSP))
CASE_FN(78, rk_x86_store(buf, 8, X86_R12, 0x38, X86_RBP))
CASE_FN(79, rk_x86_store_imm(buf, 1, X86_RBP, -8, -1))
CASE_FN(80, rk_x86_store_imm(buf, 2, X86_RDI, 6, 0x1234))
CASE_FN(81, rk_x86_store_imm(buf, 4, X86_R12, 0x4c, 3))
CASE_FN(82, rk_x86_store_imm(buf, 8, X86_R13, -16, -2))
CASE_FN(83, rk_x86_lea(buf, X86_R11, X86_RBP, -512))
CASE_FN(84, rk_x86_lea(buf, X86_R9, X86_RAX, 8))
CASE_FN(85, rk_x86_alu_rm(buf, true, X86_ALU_OR, X86_R10, X86_R11, 56))
CASE_FN(86, rk_x86_alu_rm(buf, true, X86_ALU_CMP, X86_R11, X86_R12, 0x30))
CASE_FN(87, rk_x86_lock_alu(buf, 8, X86_ALU_ADD, X86_RBP, -8, X86_RDI))
CASE_FN(88, rk_x86_lock_alu(buf, 4, X86_ALU_OR, X86_RAX, 0, X86_RSI))
CASE_FN(89, rk_x86_lock_alu(buf, 8, X86_ALU_AND, X86_R13, 16, X86_RCX))
CASE_FN(90, rk_x86_lock_alu(buf, 4, X86_ALU_XOR, X86_RDI, -4, X86_R8))
CASE_FN(91, rk_x86_lock_xadd(buf, 8, X86_RBP, -8, X86_RAX))
CASE_FN(92, rk_x86_lock_xadd(buf, 4, X86_R13, 0, X86_RDX))
CASE_FN(93, rk_x86_xchg(buf, 8, X86_RDI, 8, X86_RSI))
CASE_FN(94, rk_x86_xchg(buf, 4, X86_RBP, -200, X86_R8))
CASE_FN(95, rk_x86_lock_cmpxchg(buf, 8, X86_R9, 0, X86_R10))
CASE_FN(96, rk_x86_lock_cmpxchg(buf, 4, X86_RBP, -8, X86_RDI))
CASE_FN(97, rk_x86_push(buf, X86_RBX))
CASE_FN(98, rk_x86_push(buf, X86_R12))
CASE_FN(99, rk_x86_pop(buf, X86_RBP))
CASE_FN(100, rk_x86_pop(buf, X86_R15))
CASE_FN(101, rk_x86_call_reg(buf, X86_R11))
CASE_FN(102, rk_x86_call_reg(buf, X86_RAX))
CASE_FN(103, rk_x86_call_mem(buf, X86_R12, 0x40))
CASE_FN(104, rk_x86_call_rel32(buf, 0x1000))
CASE_FN(105, rk_x86_jmp_rel8(buf, -2))
CASE_FN(106, rk_x86_jmp_rel32(buf, -5))
CASE_FN(107, rk_x86_jcc_rel8(buf, X86_CC_E, 16))
CASE_FN(108, rk_x86_jcc_rel32(buf, X86_CC_G, 0x200))
CASE_FN(109, rk_x86_ret(buf))

/* The bytes llvm-mc gives, then the assembly it was given. */
static const struct encoding_case cases[] = {
	{enc_0_text, enc_0, {0x48, 0x89, 0xf8}, 3}, /* movq %rdi, %rax */
	{enc_1_text, enc_1, {0x49, 0x89, 0xed}, 3}, /* movq %rbp, %r13 */
	{enc_2_text, enc_2, {0x45, 0x89, 0xfb}, 3}, /* movl %r15d, %r11d */
	{enc_3_text, enc_3, {0x89, 0xc9}, 2}, /* movl %ecx, %ecx */
	{enc_4_text, enc_4, {0x4c, 0x01, 0xf3}, 3}, /* addq %r14, %rbx */
	{enc_5_text, enc_5, {0x41, 0x29, 0xc0}, 3}, /* subl %eax, %r8d */
	{enc_6_text, enc_6, {0x48, 0x09, 0xfe}, 3}, /* orq %rdi, %rsi */
	{enc_7_text, enc_7, {0x44, 0x21, 0xea}, 3}, /* andl %r13d, %edx */
	{enc_8_text, enc_8, {0x4d, 0x31, 0xff}, 3}, /* xorq %r15, %r15 */
	{enc_9_text, enc_9, {0x4c, 0x39, 0xe5}, 3}, /* cmpq %r12, %rbp */
	{enc_10_text, enc_10, {0x4d, 0x85, 0xdb}, 3}, /* testq %r11, %r11 */
	{enc_11_text, enc_11, {0x44, 0x85, 0xcf}, 3}, /* testl %r9d, %edi */
	{enc_12_text, enc_12, {0x49, 0x0f, 0xaf, 0xc6}, 4}, /* imulq %r14, %rax */
	{enc_13_text, enc_13, {0x44, 0x0f, 0xaf, 0xe9}, 4}, /* imull %ecx, %r13d */
	{enc_14_text, enc_14, {0x48, 0x0f, 0xbe, 0xc6}, 4}, /* movsbq %sil, %rax */
	{enc_15_text, enc_15, {0x44, 0x0f, 0xbe, 0xc7}, 4}, /* movsbl %dil, %r8d */
	{enc_16_text, enc_16, {0x0f, 0xbe, 0xd3}, 3}, /* movsbl %bl, %edx */
	{enc_17_text, enc_17, {0x4c, 0x0f, 0xbf, 0xfd}, 4}, /* movswq %bp, %r15 */
	{enc_18_text, enc_18, {0x41, 0x0f, 0xbf, 0xcd}, 4}, /* movswl %r13w, %ecx */
	{enc_19_text, enc_19, {0x48, 0x63, 0xda}, 3}, /* movslq %edx, %rbx */
	{enc_20_text, enc_20, {0x0f, 0xb7, 0xc0}, 3}, /* movzwl %ax, %eax */
	{enc_21_text, enc_21, {0x45, 0x0f, 0xb7, 0xf6}, 4}, /* movzwl %r14w, %r14d */
	{enc_22_text, enc_22, {0x48, 0x83, 0xc0, 0x01}, 4}, /* addq $1, %rax */
	{enc_23_text, enc_23, {0x49, 0x83, 0xc1, 0x80}, 4}, /* addq $-128, %r9 */
	{enc_24_text, enc_24, {0x81, 0xef, 0x80, 0x00, 0x00, 0x00}, 6}, /* subl $128, %edi */
	/* andq $-2147483648, %r13 */
	{enc_25_text, enc_25, {0x49, 0x81, 0xe5, 0x00, 0x00, 0x00, 0x80}, 7},
	{enc_26_text, enc_26, {0x81, 0xcd, 0x78, 0x56, 0x34, 0x12}, 6}, /* orl $0x12345678, %ebp */
	{enc_27_text, enc_27, {0x48, 0x83, 0xf6, 0xff}, 4}, /* xorq $-1, %rsi */
	/* cmpq $0x10000, %r11 */
	{enc_28_text, enc_28, {0x49, 0x81, 0xfb, 0x00, 0x00, 0x01, 0x00}, 7},
	{enc_29_text, enc_29, {0x41, 0x83, 0xfb, 0xff}, 4}, /* cmpl $-1, %r11d */
	{enc_30_text, enc_30, {0x48, 0xf7, 0xc2, 0xfe, 0xff, 0xff, 0xff}, 7}, /* testq $-2, %rdx */
	/* testl $0x80, %r15d */
	{enc_31_text, enc_31, {0x41, 0xf7, 0xc7, 0x80, 0x00, 0x00, 0x00}, 7},
	{enc_32_text, enc_32, {0x48, 0x6b, 0xc0, 0x03}, 4}, /* imulq $3, %rax, %rax */
	/* imull $100000, %r14d, %r14d */
	{enc_33_text, enc_33, {0x45, 0x69, 0xf6, 0xa0, 0x86, 0x01, 0x00}, 7},
	{enc_34_text, enc_34, {0xb8, 0xff, 0xff, 0xff, 0xff}, 5}, /* movl $0xffffffff, %eax */
	{enc_35_text, enc_35, {0x41, 0xbb, 0x07, 0x00, 0x00, 0x00}, 6}, /* movl $7, %r11d */
	{enc_36_text, enc_36, {0x48, 0xc7, 0xc1, 0xfb, 0xff, 0xff, 0xff}, 7}, /* movq $-5, %rcx */
	/* movq $-2147483648, %r8 */
	{enc_37_text, enc_37, {0x49, 0xc7, 0xc0, 0x00, 0x00, 0x00, 0x80}, 7},
	/* movabsq $0x123456789abcdef0, %r11 */
	{enc_38_text, enc_38, {0x49, 0xbb, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12}, 10},
	/* movabsq $1, %rax */
	{enc_39_text, enc_39, {0x48, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, 10},
	{enc_40_text, enc_40, {0x31, 0xdb}, 2}, /* xorl %ebx, %ebx */
	{enc_41_text, enc_41, {0x41, 0xb9, 0x00, 0x00, 0x00, 0x80}, 6}, /* movl $0x80000000, %r9d */
	{enc_42_text, enc_42, {0x48, 0xc7, 0xc6, 0xfe, 0xff, 0xff, 0xff}, 7}, /* movq $-2, %rsi */
	/* movabsq $0x100000000, %r15 */
	{enc_43_text, enc_43, {0x49, 0xbf, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, 10},
	{enc_44_text, enc_44, {0x48, 0xc1, 0xe0, 0x3f}, 4}, /* shlq $63, %rax */
	{enc_45_text, enc_45, {0x41, 0xd1, 0xed}, 3}, /* shrl $1, %r13d */
	{enc_46_text, enc_46, {0x48, 0xc1, 0xff, 0x07}, 4}, /* sarq $7, %rdi */
	{enc_47_text, enc_47, {0x48, 0xd3, 0xe3}, 3}, /* shlq %cl, %rbx */
	{enc_48_text, enc_48, {0x41, 0xd3, 0xeb}, 3}, /* shrl %cl, %r11d */
	{enc_49_text, enc_49, {0xd3, 0xf9}, 2}, /* sarl %cl, %ecx */
	{enc_50_text, enc_50, {0x66, 0xc1, 0xca, 0x08}, 4}, /* rorw $8, %dx */
	{enc_51_text, enc_51, {0x66, 0x41, 0xc1, 0xce, 0x08}, 5}, /* rorw $8, %r14w */
	{enc_52_text, enc_52, {0x49, 0xf7, 0xdf}, 3}, /* negq %r15 */
	{enc_53_text, enc_53, {0xf7, 0xd8}, 2}, /* negl %eax */
	{enc_54_text, enc_54, {0x49, 0xf7, 0xf3}, 3}, /* divq %r11 */
	{enc_55_text, enc_55, {0x41, 0xf7, 0xfb}, 3}, /* idivl %r11d */
	{enc_56_text, enc_56, {0xf7, 0xd6}, 2}, /* notl %esi */
	{enc_57_text, enc_57, {0x48, 0x99}, 2}, /* cqto */
	{enc_58_text, enc_58, {0x99}, 1}, /* cltd */
	{enc_59_text, enc_59, {0x48, 0x0f, 0xc8}, 3}, /* bswapq %rax */
	{enc_60_text, enc_60, {0x41, 0x0f, 0xcd}, 3}, /* bswapl %r13d */
	{enc_61_text, enc_61, {0x0f, 0xb6, 0x07}, 3}, /* movzbl (%rdi), %eax */
	{enc_62_text, enc_62, {0x44, 0x0f, 0xb7, 0x75, 0xf8}, 5}, /* movzwl -8(%rbp), %r14d */
	{enc_63_text, enc_63, {0x41, 0x8b, 0x75, 0x00}, 4}, /* movl (%r13), %esi */
	{enc_64_text, enc_64, {0x49, 0x8b, 0x5c, 0x24, 0x40}, 5}, /* movq 0x40(%r12), %rbx */
	{enc_65_text, enc_65, {0x49, 0x8b, 0x64, 0x24, 0x48}, 5}, /* movq 0x48(%r12), %rsp */
	/* movq -300(%rsp), %r9 */
	{enc_66_text, enc_66, {0x4c, 0x8b, 0x8c, 0x24, 0xd4, 0xfe, 0xff, 0xff}, 8},
	{enc_67_text, enc_67, {0x45, 0x0f, 0xb6, 0x53, 0x20}, 5}, /* movzbl 32(%r11), %r10d */
	{enc_68_text, enc_68, {0x48, 0x0f, 0xbe, 0x4e, 0x7f}, 5}, /* movsbq 127(%rsi), %rcx */
	/* movswq -512(%rbp), %r8 */
	{enc_69_text, enc_69, {0x4c, 0x0f, 0xbf, 0x85, 0x00, 0xfe, 0xff, 0xff}, 8},
	{enc_70_text, enc_70, {0x49, 0x63, 0x45, 0x00}, 4}, /* movslq (%r13), %rax */
	{enc_71_text, enc_71, {0x40, 0x88, 0x75, 0xff}, 4}, /* movb %sil, -1(%rbp) */
	{enc_72_text, enc_72, {0x40, 0x88, 0x38}, 3}, /* movb %dil, (%rax) */
	{enc_73_text, enc_73, {0x88, 0x5a, 0x04}, 3}, /* movb %bl, 4(%rdx) */
	{enc_74_text, enc_74, {0x41, 0x88, 0x6d, 0x00}, 4}, /* movb %bpl, (%r13) */
	{enc_75_text, enc_75, {0x66, 0x45, 0x89, 0x46, 0x02}, 5}, /* movw %r8w, 2(%r14) */
	{enc_76_text, enc_76, {0x89, 0x87, 0x38, 0xff, 0xff, 0xff}, 6}, /* movl %eax, -200(%rdi) */
	{enc_77_text, enc_77, {0x49, 0x89, 0x64, 0x24, 0x40}, 5}, /* movq %rsp, 0x40(%r12) */
	{enc_78_text, enc_78, {0x49, 0x89, 0x6c, 0x24, 0x38}, 5}, /* movq %rbp, 0x38(%r12) */
	{enc_79_text, enc_79, {0xc6, 0x45, 0xf8, 0xff}, 4}, /* movb $-1, -8(%rbp) */
	{enc_80_text, enc_80, {0x66, 0xc7, 0x47, 0x06, 0x34, 0x12}, 6}, /* movw $0x1234, 6(%rdi) */
	/* movl $3, 0x4c(%r12) */
	{enc_81_text, enc_81, {0x41, 0xc7, 0x44, 0x24, 0x4c, 0x03, 0x00, 0x00, 0x00}, 9},
	/* movq $-2, -16(%r13) */
	{enc_82_text, enc_82, {0x49, 0xc7, 0x45, 0xf0, 0xfe, 0xff, 0xff, 0xff}, 8},
	/* leaq -512(%rbp), %r11 */
	{enc_83_text, enc_83, {0x4c, 0x8d, 0x9d, 0x00, 0xfe, 0xff, 0xff}, 7},
	{enc_84_text, enc_84, {0x4c, 0x8d, 0x48, 0x08}, 4}, /* leaq 8(%rax), %r9 */
	{enc_85_text, enc_85, {0x4d, 0x0b, 0x53, 0x38}, 4}, /* orq 56(%r11), %r10 */
	{enc_86_text, enc_86, {0x4d, 0x3b, 0x5c, 0x24, 0x30}, 5}, /* cmpq 0x30(%r12), %r11 */
	{enc_87_text, enc_87, {0xf0, 0x48, 0x01, 0x7d, 0xf8}, 5}, /* lock addq %rdi, -8(%rbp) */
	{enc_88_text, enc_88, {0xf0, 0x09, 0x30}, 3}, /* lock orl %esi, (%rax) */
	{enc_89_text, enc_89, {0xf0, 0x49, 0x21, 0x4d, 0x10}, 5}, /* lock andq %rcx, 16(%r13) */
	{enc_90_text, enc_90, {0xf0, 0x44, 0x31, 0x47, 0xfc}, 5}, /* lock xorl %r8d, -4(%rdi) */
	/* lock xaddq %rax, -8(%rbp) */
	{enc_91_text, enc_91, {0xf0, 0x48, 0x0f, 0xc1, 0x45, 0xf8}, 6},
	/* lock xaddl %edx, (%r13) */
	{enc_92_text, enc_92, {0xf0, 0x41, 0x0f, 0xc1, 0x55, 0x00}, 6},
	{enc_93_text, enc_93, {0x48, 0x87, 0x77, 0x08}, 4}, /* xchgq %rsi, 8(%rdi) */
	/* xchgl %r8d, -200(%rbp) */
	{enc_94_text, enc_94, {0x44, 0x87, 0x85, 0x38, 0xff, 0xff, 0xff}, 7},
	{enc_95_text, enc_95, {0xf0, 0x4d, 0x0f, 0xb1, 0x11}, 5}, /* lock cmpxchgq %r10, (%r9) */
	{enc_96_text, enc_96, {0xf0, 0x0f, 0xb1, 0x7d, 0xf8}, 5}, /* lock cmpxchgl %edi, -8(%rbp) */
	{enc_97_text, enc_97, {0x53}, 1}, /* pushq %rbx */
	{enc_98_text, enc_98, {0x41, 0x54}, 2}, /* pushq %r12 */
	{enc_99_text, enc_99, {0x5d}, 1}, /* popq %rbp */
	{enc_100_text, enc_100, {0x41, 0x5f}, 2}, /* popq %r15 */
	{enc_101_text, enc_101, {0x41, 0xff, 0xd3}, 3}, /* callq *%r11 */
	{enc_102_text, enc_102, {0xff, 0xd0}, 2}, /* callq *%rax */
	{enc_103_text, enc_103, {0x41, 0xff, 0x54, 0x24, 0x40}, 5}, /* callq *0x40(%r12) */
	{enc_104_text, enc_104, {0xe8, 0x00, 0x10, 0x00, 0x00}, 5}, /* callq 4096 (rel32) */
	{enc_105_text, enc_105, {0xeb, 0xfe}, 2}, /* jmp -2 (rel8) */
	{enc_106_text, enc_106, {0xe9, 0xfb, 0xff, 0xff, 0xff}, 5}, /* jmp -5 (rel32) */
	{enc_107_text, enc_107, {0x74, 0x10}, 2}, /* je 16 (rel8) */
	{enc_108_text, enc_108, {0x0f, 0x8f, 0x00, 0x02, 0x00, 0x00}, 6}, /* jg 512 (rel32) */
	{enc_109_text, enc_109, {0xc3}, 1}, /* retq */
};

static void hex(const uint8_t *bytes, size_t len, char *out, size_t out_len)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < len && n + 4 < out_len; i++)
		n += (size_t)snprintf(out + n, out_len - n, "%02x ", bytes[i]);
}

Test(jit_x86_64_encode, every_emitter_matches_llvm_mc)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct rk_jit_buf buf = {0};
		cases[c].emit(&buf);
		cr_assert(!buf.out_of_memory);
		char got[64], want[64];
		hex(buf.data, buf.len, got, sizeof(got));
		hex(cases[c].bytes, cases[c].len, want, sizeof(want));
		cr_expect(buf.len == cases[c].len && memcmp(buf.data, cases[c].bytes, buf.len) == 0,
		          "%s: emitted %s, llvm-mc says %s", cases[c].call, got, want);
		rk_jit_buf_free(&buf);
	}
}

/* Appending does not disturb what is already there; the length is the sum. */
Test(jit_x86_64_encode, emitters_append)
{
	struct rk_jit_buf buf = {0};
	rk_x86_push(&buf, X86_RBX);                      /* 53 */
	rk_x86_mov_rr(&buf, true, X86_RAX, X86_RDI);     /* 48 89 f8 */
	rk_x86_ret(&buf);                                /* c3 */
	static const uint8_t expected[] = {0x53, 0x48, 0x89, 0xf8, 0xc3};
	cr_assert_eq(buf.len, sizeof(expected));
	cr_assert_arr_eq(buf.data, expected, sizeof(expected));
	rk_jit_buf_free(&buf);
}
