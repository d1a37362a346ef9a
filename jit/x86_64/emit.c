/*
 * emit.c - the x86_64 encoder (see emit.h): each function assembles one
 * instruction into a small stack buffer (legacy prefixes, REX, opcode,
 * ModRM, SIB, displacement, immediate) and appends it with a single
 * rk_jit_buf_emit() call.
 *
 * The one thing to know: the ModRM special cases live in put_mem() only --
 * a base of rsp/r12 needs a SIB byte, a base of rbp/r13 with no
 * displacement would mean RIP-relative, so it gets a zero disp8.  Every
 * memory form goes through it.
 */
#include "emit.h"

#include <string.h>

/* Encoding pieces: prefixes, REX, ModRM fields. */
#define X86_PREFIX_OPSIZE 0x66   /* 16-bit operand */
#define X86_PREFIX_LOCK 0xf0
#define X86_REX 0x40
#define X86_REX_W 0x08
#define X86_REX_R 0x04
#define X86_REX_B 0x01
#define X86_ESCAPE 0x0f          /* two-byte opcodes */
#define X86_MOD_MEM 0x00         /* [base] */
#define X86_MOD_DISP8 0x40       /* [base + disp8] */
#define X86_MOD_DISP32 0x80      /* [base + disp32] */
#define X86_MOD_REG 0xc0         /* register operand */
#define X86_SIB_BASE_ONLY 0x24   /* SIB: no index, base from ModRM.rm */
#define X86_RM_NEEDS_SIB 4       /* rm = rsp/r12 */
#define X86_RM_RIP_REL 5         /* rm = rbp/r13 with mod 00 */

/* Opcodes, by the name the manuals give the form. */
#define OP_ALU_RM_R(op) ((uint8_t)((op) * 8 + 1))   /* op r/m, r */
#define OP_ALU_R_RM(op) ((uint8_t)((op) * 8 + 3))   /* op r, r/m */
#define OP_GRP1_IMM8 0x83
#define OP_GRP1_IMM32 0x81
#define OP_GRP2_IMM8 0xc1
#define OP_GRP2_ONE 0xd1         /* shift by 1: one byte shorter */
#define OP_GRP2_CL 0xd3
#define OP_GRP3 0xf7
#define OP_TEST_RM_R 0x85
#define OP_XCHG_RM_R 0x87
#define OP_MOV_RM8_R8 0x88
#define OP_MOV_RM_R 0x89
#define OP_MOV_R_RM 0x8b
#define OP_LEA 0x8d
#define OP_CDQ 0x99
#define OP_MOV_R_IMM 0xb8        /* + register */
#define OP_MOV_RM8_IMM8 0xc6
#define OP_MOV_RM_IMM 0xc7
#define OP_MOVSXD 0x63
#define OP_IMUL_IMM8 0x6b
#define OP_IMUL_IMM32 0x69
#define OP_PUSH 0x50             /* + register */
#define OP_POP 0x58              /* + register */
#define OP_GRP5 0xff             /* /2: call r/m */
#define GRP5_CALL 2
#define OP_CALL_REL32 0xe8
#define OP_JMP_REL32 0xe9
#define OP_JMP_REL8 0xeb
#define OP_JCC_REL8 0x70         /* + cc */
#define OP_RET 0xc3
/* After X86_ESCAPE: */
#define OP2_JCC_REL32 0x80       /* + cc */
#define OP2_IMUL_R_RM 0xaf
#define OP2_MOVZX8 0xb6
#define OP2_MOVZX16 0xb7
#define OP2_MOVSX8 0xbe
#define OP2_MOVSX16 0xbf
#define OP2_CMPXCHG 0xb1
#define OP2_XADD 0xc1
#define OP2_BSWAP 0xc8           /* + register */

struct x86_enc {
	uint8_t bytes[16];       /* the longest x86 instruction is 15 bytes */
	size_t len;
};

static inline void put8(struct x86_enc *e, uint8_t byte)
{
	e->bytes[e->len++] = byte;
}

static inline void put32(struct x86_enc *e, uint32_t word)
{
	/* Little endian, as the CPU reads it (the host is little endian too). */
	memcpy(&e->bytes[e->len], &word, sizeof(word));
	e->len += sizeof(word);
}

static inline void put64(struct x86_enc *e, uint64_t word)
{
	memcpy(&e->bytes[e->len], &word, sizeof(word));
	e->len += sizeof(word);
}

/*
 * REX for a ModRM instruction: W for 64-bit operands, R/B extend the reg
 * and rm fields.  byte_regs forces a REX when an 8-bit operand is
 * spl/bpl/sil/dil, which without REX would name ah/ch/dh/bh.
 */
static inline void put_rex(struct x86_enc *e, bool w, unsigned reg, unsigned rm, bool byte_regs)
{
	uint8_t rex = (uint8_t)(X86_REX | (w ? X86_REX_W : 0) | ((reg & 8) ? X86_REX_R : 0) |
	                        ((rm & 8) ? X86_REX_B : 0));
	if (rex != X86_REX || byte_regs)
		put8(e, rex);
}

static inline bool is_byte_reg_needing_rex(unsigned reg)
{
	return reg >= X86_RSP && reg <= X86_RDI;
}

static inline void put_modrm_reg(struct x86_enc *e, unsigned reg, unsigned rm)
{
	put8(e, (uint8_t)(X86_MOD_REG | (reg & 7) << 3 | (rm & 7)));
}

static inline bool fits_int8(int64_t value)
{
	return value >= INT8_MIN && value <= INT8_MAX;
}

/* ModRM (+ SIB) (+ disp) for [base + disp]. */
static void put_mem(struct x86_enc *e, unsigned reg, unsigned base, int32_t disp)
{
	uint8_t mod;
	if (disp == 0 && (base & 7) != X86_RM_RIP_REL)
		mod = X86_MOD_MEM;
	else if (fits_int8(disp))
		mod = X86_MOD_DISP8;
	else
		mod = X86_MOD_DISP32;
	put8(e, (uint8_t)(mod | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == X86_RM_NEEDS_SIB)
		put8(e, X86_SIB_BASE_ONLY);
	if (mod == X86_MOD_DISP8)
		put8(e, (uint8_t)(int8_t)disp);
	else if (mod == X86_MOD_DISP32)
		put32(e, (uint32_t)disp);
}

static inline void flush(struct rk_jit_buf *buf, const struct x86_enc *e)
{
	rk_jit_buf_emit(buf, e->bytes, e->len);
}

/* One-opcode "op reg, rm" register forms: rex, opcode, modrm. */
static void rk_x86_op_rr(struct rk_jit_buf *buf, bool is64, uint8_t opcode, unsigned reg,
                       unsigned rm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, reg, rm, false);
	put8(&e, opcode);
	put_modrm_reg(&e, reg, rm);
	flush(buf, &e);
}

/* Two-byte-opcode (0F xx) register forms. */
static void rk_x86_op2_rr(struct rk_jit_buf *buf, bool is64, uint8_t opcode, unsigned reg,
                        unsigned rm, bool byte_rm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, reg, rm, byte_rm && is_byte_reg_needing_rex(rm));
	put8(&e, X86_ESCAPE);
	put8(&e, opcode);
	put_modrm_reg(&e, reg, rm);
	flush(buf, &e);
}

/* Memory forms: [prefix] rex [0F] opcode modrm... */
static void rk_x86_op_mem(struct rk_jit_buf *buf, uint8_t prefix, bool is64, bool escape,
                        uint8_t opcode, unsigned reg, unsigned base, int32_t disp,
                        bool byte_reg)
{
	struct x86_enc e = {.len = 0};
	if (prefix)
		put8(&e, prefix);
	put_rex(&e, is64, reg, base, byte_reg && is_byte_reg_needing_rex(reg));
	if (escape)
		put8(&e, X86_ESCAPE);
	put8(&e, opcode);
	put_mem(&e, reg, base, disp);
	flush(buf, &e);
}

void rk_x86_mov_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src)
{
	rk_x86_op_rr(buf, is64, OP_MOV_RM_R, src, dst);
}

void rk_x86_alu_rr(struct rk_jit_buf *buf, bool is64, enum x86_alu op, enum x86_reg dst,
                 enum x86_reg src)
{
	rk_x86_op_rr(buf, is64, OP_ALU_RM_R(op), src, dst);
}

void rk_x86_test_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg a, enum x86_reg b)
{
	rk_x86_op_rr(buf, is64, OP_TEST_RM_R, b, a);
}

void rk_x86_imul_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src)
{
	rk_x86_op2_rr(buf, is64, OP2_IMUL_R_RM, dst, src, false);
}

void rk_x86_movsx_rr(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src,
                   int bits)
{
	if (bits == 32)
		rk_x86_op_rr(buf, true, OP_MOVSXD, dst, src);
	else
		rk_x86_op2_rr(buf, is64, bits == 8 ? OP2_MOVSX8 : OP2_MOVSX16, dst, src, bits == 8);
}

void rk_x86_movzx16_rr(struct rk_jit_buf *buf, enum x86_reg dst, enum x86_reg src)
{
	rk_x86_op2_rr(buf, false, OP2_MOVZX16, dst, src, false);
}

void rk_x86_alu_ri(struct rk_jit_buf *buf, bool is64, enum x86_alu op, enum x86_reg dst,
                 int32_t imm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, 0, dst, false);
	if (fits_int8(imm)) {
		put8(&e, OP_GRP1_IMM8);
		put_modrm_reg(&e, op, dst);
		put8(&e, (uint8_t)(int8_t)imm);
	} else {
		put8(&e, OP_GRP1_IMM32);
		put_modrm_reg(&e, op, dst);
		put32(&e, (uint32_t)imm);
	}
	flush(buf, &e);
}

void rk_x86_test_ri(struct rk_jit_buf *buf, bool is64, enum x86_reg reg, int32_t imm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, 0, reg, false);
	put8(&e, OP_GRP3);
	put_modrm_reg(&e, 0, reg); /* /0: test r/m, imm32 */
	put32(&e, (uint32_t)imm);
	flush(buf, &e);
}

void rk_x86_imul_rri(struct rk_jit_buf *buf, bool is64, enum x86_reg dst, enum x86_reg src,
                   int32_t imm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, dst, src, false);
	put8(&e, fits_int8(imm) ? OP_IMUL_IMM8 : OP_IMUL_IMM32);
	put_modrm_reg(&e, dst, src);
	if (fits_int8(imm))
		put8(&e, (uint8_t)(int8_t)imm);
	else
		put32(&e, (uint32_t)imm);
	flush(buf, &e);
}

void rk_x86_mov_ri32(struct rk_jit_buf *buf, enum x86_reg dst, uint32_t imm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, false, 0, dst, false);
	put8(&e, (uint8_t)(OP_MOV_R_IMM + (dst & 7)));
	put32(&e, imm);
	flush(buf, &e);
}

void rk_x86_mov_ri_sx(struct rk_jit_buf *buf, enum x86_reg dst, int32_t imm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, true, 0, dst, false);
	put8(&e, OP_MOV_RM_IMM);
	put_modrm_reg(&e, 0, dst);
	put32(&e, (uint32_t)imm);
	flush(buf, &e);
}

void rk_x86_movabs(struct rk_jit_buf *buf, enum x86_reg dst, uint64_t imm)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, true, 0, dst, false);
	put8(&e, (uint8_t)(OP_MOV_R_IMM + (dst & 7)));
	put64(&e, imm);
	flush(buf, &e);
}

void rk_x86_mov_imm64(struct rk_jit_buf *buf, enum x86_reg dst, uint64_t value)
{
	/* xor changes the flags; no flags are live between BPF instructions. */
	if (value == 0)
		rk_x86_alu_rr(buf, false, X86_ALU_XOR, dst, dst);
	else if (value <= UINT32_MAX)
		rk_x86_mov_ri32(buf, dst, (uint32_t)value);
	else if ((int64_t)value >= INT32_MIN && (int64_t)value <= INT32_MAX)
		rk_x86_mov_ri_sx(buf, dst, (int32_t)(int64_t)value);
	else
		rk_x86_movabs(buf, dst, value);
}

void rk_x86_shift_ri(struct rk_jit_buf *buf, bool is64, enum x86_shift kind, enum x86_reg dst,
                   uint8_t count)
{
	if (count == 1) {
		rk_x86_op_rr(buf, is64, OP_GRP2_ONE, kind, dst);
		return;
	}
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, 0, dst, false);
	put8(&e, OP_GRP2_IMM8);
	put_modrm_reg(&e, kind, dst);
	put8(&e, count);
	flush(buf, &e);
}

void rk_x86_shift_cl(struct rk_jit_buf *buf, bool is64, enum x86_shift kind, enum x86_reg dst)
{
	rk_x86_op_rr(buf, is64, OP_GRP2_CL, kind, dst);
}

void rk_x86_ror16_ri(struct rk_jit_buf *buf, enum x86_reg dst, uint8_t count)
{
	struct x86_enc e = {.len = 0};
	put8(&e, X86_PREFIX_OPSIZE);
	put_rex(&e, false, 0, dst, false);
	put8(&e, OP_GRP2_IMM8);
	put_modrm_reg(&e, X86_ROR, dst);
	put8(&e, count);
	flush(buf, &e);
}

void rk_x86_unary(struct rk_jit_buf *buf, bool is64, enum x86_unary kind, enum x86_reg reg)
{
	rk_x86_op_rr(buf, is64, OP_GRP3, kind, reg);
}

void rk_x86_cqo(struct rk_jit_buf *buf, bool is64)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, 0, 0, false);
	put8(&e, OP_CDQ);
	flush(buf, &e);
}

void rk_x86_bswap(struct rk_jit_buf *buf, bool is64, enum x86_reg reg)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, is64, 0, reg, false);
	put8(&e, X86_ESCAPE);
	put8(&e, (uint8_t)(OP2_BSWAP + (reg & 7)));
	flush(buf, &e);
}

void rk_x86_load(struct rk_jit_buf *buf, int size, enum x86_reg dst, enum x86_reg base,
               int32_t disp)
{
	/* movzx and the 32-bit mov clear the upper bits: no partial-register writes. */
	switch (size) {
	case 1: rk_x86_op_mem(buf, 0, false, true, OP2_MOVZX8, dst, base, disp, false); break;
	case 2: rk_x86_op_mem(buf, 0, false, true, OP2_MOVZX16, dst, base, disp, false); break;
	case 4: rk_x86_op_mem(buf, 0, false, false, OP_MOV_R_RM, dst, base, disp, false); break;
	default: rk_x86_op_mem(buf, 0, true, false, OP_MOV_R_RM, dst, base, disp, false); break;
	}
}

void rk_x86_load_sx(struct rk_jit_buf *buf, int size, enum x86_reg dst, enum x86_reg base,
                  int32_t disp)
{
	switch (size) {
	case 1: rk_x86_op_mem(buf, 0, true, true, OP2_MOVSX8, dst, base, disp, false); break;
	case 2: rk_x86_op_mem(buf, 0, true, true, OP2_MOVSX16, dst, base, disp, false); break;
	default: rk_x86_op_mem(buf, 0, true, false, OP_MOVSXD, dst, base, disp, false); break;
	}
}

void rk_x86_store(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                enum x86_reg src)
{
	switch (size) {
	case 1: rk_x86_op_mem(buf, 0, false, false, OP_MOV_RM8_R8, src, base, disp, true); break;
	case 2:
		rk_x86_op_mem(buf, X86_PREFIX_OPSIZE, false, false, OP_MOV_RM_R, src, base, disp,
		            false);
		break;
	case 4: rk_x86_op_mem(buf, 0, false, false, OP_MOV_RM_R, src, base, disp, false); break;
	default: rk_x86_op_mem(buf, 0, true, false, OP_MOV_RM_R, src, base, disp, false); break;
	}
}

void rk_x86_store_imm(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                    int32_t imm)
{
	struct x86_enc e = {.len = 0};
	if (size == 2)
		put8(&e, X86_PREFIX_OPSIZE);
	put_rex(&e, size == 8, 0, base, false);
	put8(&e, size == 1 ? OP_MOV_RM8_IMM8 : OP_MOV_RM_IMM);
	put_mem(&e, 0, base, disp);
	if (size == 1) {
		put8(&e, (uint8_t)imm);
	} else if (size == 2) {
		put8(&e, (uint8_t)imm);
		put8(&e, (uint8_t)((uint32_t)imm >> 8));
	} else {
		put32(&e, (uint32_t)imm);
	}
	flush(buf, &e);
}

void rk_x86_lea(struct rk_jit_buf *buf, enum x86_reg dst, enum x86_reg base, int32_t disp)
{
	rk_x86_op_mem(buf, 0, true, false, OP_LEA, dst, base, disp, false);
}

void rk_x86_alu_rm(struct rk_jit_buf *buf, bool is64, enum x86_alu op, enum x86_reg dst,
                 enum x86_reg base, int32_t disp)
{
	rk_x86_op_mem(buf, 0, is64, false, OP_ALU_R_RM(op), dst, base, disp, false);
}

void rk_x86_lock_alu(struct rk_jit_buf *buf, int size, enum x86_alu op, enum x86_reg base,
                   int32_t disp, enum x86_reg src)
{
	rk_x86_op_mem(buf, X86_PREFIX_LOCK, size == 8, false, OP_ALU_RM_R(op), src, base, disp,
	            false);
}

void rk_x86_lock_xadd(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                    enum x86_reg src)
{
	rk_x86_op_mem(buf, X86_PREFIX_LOCK, size == 8, true, OP2_XADD, src, base, disp, false);
}

void rk_x86_xchg(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
               enum x86_reg src)
{
	/* xchg with memory is locked by the CPU whether or not it has the prefix. */
	rk_x86_op_mem(buf, 0, size == 8, false, OP_XCHG_RM_R, src, base, disp, false);
}

void rk_x86_lock_cmpxchg(struct rk_jit_buf *buf, int size, enum x86_reg base, int32_t disp,
                       enum x86_reg src)
{
	rk_x86_op_mem(buf, X86_PREFIX_LOCK, size == 8, true, OP2_CMPXCHG, src, base, disp, false);
}

void rk_x86_push(struct rk_jit_buf *buf, enum x86_reg reg)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, false, 0, reg, false);
	put8(&e, (uint8_t)(OP_PUSH + (reg & 7)));
	flush(buf, &e);
}

void rk_x86_pop(struct rk_jit_buf *buf, enum x86_reg reg)
{
	struct x86_enc e = {.len = 0};
	put_rex(&e, false, 0, reg, false);
	put8(&e, (uint8_t)(OP_POP + (reg & 7)));
	flush(buf, &e);
}

void rk_x86_call_reg(struct rk_jit_buf *buf, enum x86_reg reg)
{
	rk_x86_op_rr(buf, false, OP_GRP5, GRP5_CALL, reg);
}

void rk_x86_call_mem(struct rk_jit_buf *buf, enum x86_reg base, int32_t disp)
{
	rk_x86_op_mem(buf, 0, false, false, OP_GRP5, GRP5_CALL, base, disp, false);
}

void rk_x86_call_rel32(struct rk_jit_buf *buf, int32_t rel)
{
	struct x86_enc e = {.len = 0};
	put8(&e, OP_CALL_REL32);
	put32(&e, (uint32_t)rel);
	flush(buf, &e);
}

void rk_x86_jmp_rel8(struct rk_jit_buf *buf, int8_t rel)
{
	struct x86_enc e = {.len = 0};
	put8(&e, OP_JMP_REL8);
	put8(&e, (uint8_t)rel);
	flush(buf, &e);
}

void rk_x86_jmp_rel32(struct rk_jit_buf *buf, int32_t rel)
{
	struct x86_enc e = {.len = 0};
	put8(&e, OP_JMP_REL32);
	put32(&e, (uint32_t)rel);
	flush(buf, &e);
}

void rk_x86_jcc_rel8(struct rk_jit_buf *buf, enum x86_cond cc, int8_t rel)
{
	struct x86_enc e = {.len = 0};
	put8(&e, (uint8_t)(OP_JCC_REL8 + cc));
	put8(&e, (uint8_t)rel);
	flush(buf, &e);
}

void rk_x86_jcc_rel32(struct rk_jit_buf *buf, enum x86_cond cc, int32_t rel)
{
	struct x86_enc e = {.len = 0};
	put8(&e, X86_ESCAPE);
	put8(&e, (uint8_t)(OP2_JCC_REL32 + cc));
	put32(&e, (uint32_t)rel);
	flush(buf, &e);
}

void rk_x86_ret(struct rk_jit_buf *buf)
{
	struct x86_enc e = {.len = 0};
	put8(&e, OP_RET);
	flush(buf, &e);
}
