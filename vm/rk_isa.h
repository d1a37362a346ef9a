/*
 * rk_isa.h - the eBPF instruction encoding of RFC 9669, and nothing else.
 *
 * Every other part (decoder, assembler, disassembler, interpreter, JITs,
 * verifier) names opcodes through these constants; no file spells an
 * opcode as a bare number.  The layout of struct rk_insn is the wire
 * format: 8 bytes, little endian, as clang -target bpf emits it.
 */
#ifndef RK_ISA_H
#define RK_ISA_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rkBPF supports little-endian hosts only (x86_64, arm64)"
#endif

/* One instruction slot (RFC 9669 section 3). */
struct rk_insn {
	uint8_t code;       /* opcode: class | op | source (or mode | size) */
	uint8_t dst_reg : 4;
	uint8_t src_reg : 4;
	int16_t off;
	int32_t imm;
};
_Static_assert(sizeof(struct rk_insn) == 8, "an instruction slot is 8 bytes");

#define RK_INSN_SIZE       8
#define RK_REG_COUNT       11   /* r0..r10 */
#define RK_REG_FP          10   /* frame pointer, read-only */
#define RK_STACK_SIZE      512  /* bytes per frame */
#define RK_MAX_CALL_FRAMES 8    /* main program + 7 nested local calls */

/* Instruction classes: the low 3 bits of the opcode. */
#define RK_CLASS(code) ((code) & 0x07)
#define RK_CLS_LD    0x00
#define RK_CLS_LDX   0x01
#define RK_CLS_ST    0x02
#define RK_CLS_STX   0x03
#define RK_CLS_ALU   0x04   /* 32-bit arithmetic */
#define RK_CLS_JMP   0x05   /* 64-bit comparisons */
#define RK_CLS_JMP32 0x06   /* 32-bit comparisons */
#define RK_CLS_ALU64 0x07

/* Arithmetic and jump instructions: op in the high 4 bits, source in bit 3. */
#define RK_OP(code)  ((code) & 0xf0)
#define RK_SRC(code) ((code) & 0x08)
#define RK_SRC_K 0x00   /* use the 32-bit immediate */
#define RK_SRC_X 0x08   /* use src_reg */
/* For RK_ALU_END, the same bit picks the byte order. */
#define RK_END_TO_LE 0x00
#define RK_END_TO_BE 0x08

#define RK_ALU_ADD  0x00
#define RK_ALU_SUB  0x10
#define RK_ALU_MUL  0x20
#define RK_ALU_DIV  0x30   /* off = 1: signed (SDIV) */
#define RK_ALU_OR   0x40
#define RK_ALU_AND  0x50
#define RK_ALU_LSH  0x60
#define RK_ALU_RSH  0x70
#define RK_ALU_NEG  0x80
#define RK_ALU_MOD  0x90   /* off = 1: signed (SMOD) */
#define RK_ALU_XOR  0xa0
#define RK_ALU_MOV  0xb0   /* off = 8, 16, 32: sign-extending MOVSX */
#define RK_ALU_ARSH 0xc0
#define RK_ALU_END  0xd0   /* byte swaps: imm = 16, 32 or 64 */

#define RK_JMP_JA   0x00   /* JMP: off is the offset; JMP32: imm is (gotol) */
#define RK_JMP_JEQ  0x10
#define RK_JMP_JGT  0x20
#define RK_JMP_JGE  0x30
#define RK_JMP_JSET 0x40
#define RK_JMP_JNE  0x50
#define RK_JMP_JSGT 0x60
#define RK_JMP_JSGE 0x70
#define RK_JMP_CALL 0x80
#define RK_JMP_EXIT 0x90
#define RK_JMP_JLT  0xa0
#define RK_JMP_JLE  0xb0
#define RK_JMP_JSLT 0xc0
#define RK_JMP_JSLE 0xd0

/* Load and store instructions: mode in the high 3 bits, size in bits 3-4. */
#define RK_MODE(code) ((code) & 0xe0)
#define RK_SIZE(code) ((code) & 0x18)
#define RK_SIZE_W  0x00   /* 4 bytes */
#define RK_SIZE_H  0x08   /* 2 bytes */
#define RK_SIZE_B  0x10   /* 1 byte */
#define RK_SIZE_DW 0x18   /* 8 bytes */

#define RK_MODE_IMM    0x00   /* LDDW (64-bit immediate, two slots) */
#define RK_MODE_ABS    0x20   /* legacy packet access: not supported */
#define RK_MODE_IND    0x40   /* legacy packet access: not supported */
#define RK_MODE_MEM    0x60
#define RK_MODE_MEMSX  0x80   /* sign-extending loads */
#define RK_MODE_ATOMIC 0xc0

/* Atomic operations, in imm of a STX | ATOMIC instruction. */
#define RK_ATOMIC_ADD     0x00
#define RK_ATOMIC_OR      0x40
#define RK_ATOMIC_AND     0x50
#define RK_ATOMIC_XOR     0xa0
#define RK_ATOMIC_FETCH   0x01   /* modifier: return the old value in src_reg */
#define RK_ATOMIC_XCHG    (0xe0 | RK_ATOMIC_FETCH)
#define RK_ATOMIC_CMPXCHG (0xf0 | RK_ATOMIC_FETCH)

/* src_reg of LDDW: how imm is interpreted (RFC 9669 section 5.4). */
#define RK_PSEUDO_IMM64       0   /* dst = imm64 */
#define RK_PSEUDO_MAP_FD      1   /* dst = map_by_fd(imm) */
#define RK_PSEUDO_MAP_IDX_VAL 2   /* dst = map_val(map_by_idx(imm)) + next_imm */
#define RK_PSEUDO_VAR_ADDR    3   /* dst = var_addr(imm) */
#define RK_PSEUDO_CODE_ADDR   4   /* dst = code_addr(imm) */
#define RK_PSEUDO_MAP_IDX     5   /* dst = map_by_idx(imm) */
#define RK_PSEUDO_MAP_VAL     6   /* dst = map_val(map_by_fd(imm)) + next_imm */

/* src_reg of CALL: what imm names. */
#define RK_CALL_HELPER  0   /* helper by static id */
#define RK_CALL_LOCAL   1   /* bpf-to-bpf: imm is the offset to the callee */
#define RK_CALL_BTF_ID  2   /* helper by BTF id: not supported */

/* Whole opcodes used often enough to deserve a name. */
#define RK_OP_LDDW   (RK_CLS_LD | RK_MODE_IMM | RK_SIZE_DW)   /* 0x18 */
#define RK_OP_CALL   (RK_CLS_JMP | RK_JMP_CALL)               /* 0x85 */
#define RK_OP_CALLX  (RK_CLS_JMP | RK_JMP_CALL | RK_SRC_X)    /* 0x8d */
#define RK_OP_EXIT   (RK_CLS_JMP | RK_JMP_EXIT)               /* 0x95 */
#define RK_OP_JA     (RK_CLS_JMP | RK_JMP_JA)                 /* 0x05 */
#define RK_OP_JA32   (RK_CLS_JMP32 | RK_JMP_JA)               /* 0x06 */

#endif /* RK_ISA_H */
