/*
 * emit.c - A64 instruction encoders (see emit.h): pure functions from
 * operands to one 32-bit instruction word, no state, no I/O.
 *
 * The one thing to know: each opcode's fixed bits are one named constant
 * below, taken from the Arm ARM (DDI 0487) encoding tables and checked
 * against llvm-mc in tests/unit/test_jit_arm64_encode.c; operands are
 * masked to their field width and shifted into place by the FIELD helpers,
 * so a wrong operand gives a wrong instruction, never a corrupted neighbour
 * field.
 */
#include "emit.h"

/* Field positions. */
#define SF_SHIFT 31
#define RD_SHIFT 0
#define RT_SHIFT 0
#define RN_SHIFT 5
#define RA_SHIFT 10
#define RT2_SHIFT 10
#define RM_SHIFT 16
#define RS_SHIFT 16
#define IMM12_SHIFT 10
#define SH12_SHIFT 22
#define BITMASK_SHIFT 10     /* N:immr:imms, 13 bits */
#define BF_N_SHIFT 22
#define IMMR_SHIFT 16
#define IMMS_SHIFT 10
#define HW_SHIFT 21
#define IMM16_SHIFT 5
#define LS_SIZE_SHIFT 30
#define LS_OPC_SHIFT 22
#define IMM9_SHIFT 12
#define IMM7_SHIFT 15
#define IMM19_SHIFT 5
#define CBZ_OP_BIT (1u << 24)   /* cbz 0, cbnz 1 */

#define REG_MASK 0x1fu
#define IMM7_MASK 0x7fu
#define IMM9_MASK 0x1ffu
#define IMM12_MASK 0xfffu
#define IMM16_MASK 0xffffu
#define IMM19_MASK 0x7ffffu
#define IMM26_MASK 0x3ffffffu
#define BITMASK_MASK 0x1fffu
#define SIX_BITS 0x3fu

/* Fixed bits of each instruction (sf, registers and immediates zero). */
#define OP_ADD_IMM   0x11000000u
#define OP_ADDS_IMM  0x31000000u
#define OP_SUB_IMM   0x51000000u
#define OP_SUBS_IMM  0x71000000u
#define OP_ADD_REG   0x0b000000u
#define OP_SUB_REG   0x4b000000u
#define OP_SUBS_REG  0x6b000000u
#define OP_AND_REG   0x0a000000u
#define OP_ORR_REG   0x2a000000u
#define OP_EOR_REG   0x4a000000u
#define OP_ANDS_REG  0x6a000000u
#define OP_AND_IMM   0x12000000u
#define OP_ORR_IMM   0x32000000u
#define OP_EOR_IMM   0x52000000u
#define OP_ANDS_IMM  0x72000000u
#define OP_MOVN      0x12800000u
#define OP_MOVZ      0x52800000u
#define OP_MOVK      0x72800000u
#define OP_MADD      0x1b000000u
#define OP_MSUB      0x1b008000u
#define OP_UDIV      0x1ac00800u
#define OP_SDIV      0x1ac00c00u
#define OP_LSLV      0x1ac02000u
#define OP_LSRV      0x1ac02400u
#define OP_ASRV      0x1ac02800u
#define OP_SBFM      0x13000000u
#define OP_UBFM      0x53000000u
#define OP_REV16     0x5ac00400u
#define OP_REV_W     0x5ac00800u
#define OP_REV32_X   0xdac00800u
#define OP_REV_X     0xdac00c00u
#define OP_LS_UIMM   0x39000000u   /* ldr/str (unsigned scaled immediate) */
#define OP_LS_UNSCALED 0x38000000u /* ldur/stur */
#define OP_LS_REG    0x38206800u   /* ldr/str [rn, rm] (option LSL, S = 0) */
#define OP_STP_PRE   0xa9800000u   /* 64-bit pair, pre-index */
#define OP_LDP_POST  0xa8c00000u   /* 64-bit pair, post-index */
#define OP_STP_OFF   0xa9000000u
#define OP_LDP_OFF   0xa9400000u
#define OP_LDXR_W    0x885f7c00u
#define OP_LDXR_X    0xc85f7c00u
#define OP_STLXR_W   0x8800fc00u
#define OP_STLXR_X   0xc800fc00u
#define OP_DMB_ISH   0xd5033bbfu
#define OP_B         0x14000000u
#define OP_BL        0x94000000u
#define OP_B_COND    0x54000000u
#define OP_CBZ       0x34000000u
#define OP_CBNZ      0x35000000u
#define OP_BLR       0xd63f0000u
#define OP_RET_LR    0xd65f03c0u
#define OP_NOP       0xd503201fu

/* Which conditional-branch family a word belongs to. */
#define B_COND_MASK  0xff000010u
#define CBZ_MASK     0x7e000000u
#define CBZ_FAMILY   0x34000000u
#define COND_INVERT  1u
#define COND_MASK    0xfu

/* Load/store "opc" values. */
#define LS_OPC_STORE 0u
#define LS_OPC_LOAD 1u
#define LS_OPC_LOAD_SIGNED_X 2u

static inline uint32_t reg_field(unsigned reg, unsigned shift)
{
	return (reg & REG_MASK) << shift;
}

static inline uint32_t sf_field(int sf)
{
	return sf ? 1u << SF_SHIFT : 0;
}

static inline uint32_t width_bits(int sf)
{
	return sf ? 64 : 32;
}

/* ---- Add/subtract ---- */

static uint32_t addsub_imm(uint32_t op, int sf, unsigned rd, unsigned rn, uint32_t imm12,
                           int shift12)
{
	return op | sf_field(sf) | (shift12 ? 1u << SH12_SHIFT : 0) |
	       (imm12 & IMM12_MASK) << IMM12_SHIFT | reg_field(rn, RN_SHIFT) | reg_field(rd, RD_SHIFT);
}

uint32_t rk_a64_add_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12)
{
	return addsub_imm(OP_ADD_IMM, sf, rd, rn, imm12, shift12);
}

uint32_t rk_a64_sub_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12)
{
	return addsub_imm(OP_SUB_IMM, sf, rd, rn, imm12, shift12);
}

uint32_t rk_a64_adds_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12)
{
	return addsub_imm(OP_ADDS_IMM, sf, rd, rn, imm12, shift12);
}

uint32_t rk_a64_subs_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12)
{
	return addsub_imm(OP_SUBS_IMM, sf, rd, rn, imm12, shift12);
}

uint32_t rk_a64_cmp_imm(int sf, unsigned rn, uint32_t imm12, int shift12)
{
	return rk_a64_subs_imm(sf, A64_ZR, rn, imm12, shift12);
}

uint32_t rk_a64_cmn_imm(int sf, unsigned rn, uint32_t imm12, int shift12)
{
	return rk_a64_adds_imm(sf, A64_ZR, rn, imm12, shift12);
}

static uint32_t three_reg(uint32_t op, int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return op | sf_field(sf) | reg_field(rm, RM_SHIFT) | reg_field(rn, RN_SHIFT) |
	       reg_field(rd, RD_SHIFT);
}

uint32_t rk_a64_add_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_ADD_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_sub_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_SUB_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_subs_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_SUBS_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_cmp_rr(int sf, unsigned rn, unsigned rm)
{
	return rk_a64_subs_rr(sf, A64_ZR, rn, rm);
}

uint32_t rk_a64_neg(int sf, unsigned rd, unsigned rm)
{
	return rk_a64_sub_rr(sf, rd, A64_ZR, rm);
}

uint32_t rk_a64_mov_sp(unsigned rd, unsigned rn)
{
	return rk_a64_add_imm(1, rd, rn, 0, 0);
}

/* ---- Logical ---- */

uint32_t rk_a64_and_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_AND_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_orr_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_ORR_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_eor_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_EOR_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_ands_rr(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_ANDS_REG, sf, rd, rn, rm);
}

uint32_t rk_a64_tst_rr(int sf, unsigned rn, unsigned rm)
{
	return rk_a64_ands_rr(sf, A64_ZR, rn, rm);
}

uint32_t rk_a64_mov_rr(int sf, unsigned rd, unsigned rm)
{
	return rk_a64_orr_rr(sf, rd, A64_ZR, rm);
}

/* A non-empty run of ones starting at bit 0. */
static bool is_mask(uint64_t value)
{
	return value && ((value + 1) & value) == 0;
}

/* A non-empty run of ones anywhere. */
static bool is_shifted_mask(uint64_t value)
{
	return value && is_mask((value - 1) | value);
}

/*
 * A bitmask immediate is an element of 2, 4, ..., 64 bits, replicated to the
 * register width, holding a run of ones rotated right by immr.  Find the
 * smallest repeating element, then the run and the rotation (the approach of
 * LLVM's processLogicalImmediate).
 */
bool rk_a64_logical_imm(int sf, uint64_t value, uint32_t *n_immr_imms)
{
	if (!sf)
		value = (value & UINT32_MAX) | (value << 32); /* a W value repeats in 64 bits */
	if (value == 0 || value == UINT64_MAX)
		return false;

	unsigned size = 64;
	while (size > 2) {
		unsigned half = size / 2;
		uint64_t half_mask = (UINT64_C(1) << half) - 1;
		if ((value & half_mask) != ((value >> half) & half_mask))
			break;
		size = half;
	}

	uint64_t mask = size == 64 ? UINT64_MAX : (UINT64_C(1) << size) - 1;
	uint64_t element = value & mask;
	unsigned rotation, ones;
	if (is_shifted_mask(element)) {
		rotation = (unsigned)__builtin_ctzll(element);
		ones = (unsigned)__builtin_ctzll(~(element >> rotation));
	} else {
		/* The run wraps around the element: look at the zeros instead. */
		uint64_t widened = element | ~mask;
		if (!is_shifted_mask(~widened))
			return false;
		unsigned leading_ones = (unsigned)__builtin_clzll(~widened);
		rotation = 64 - leading_ones;
		ones = leading_ones + (unsigned)__builtin_ctzll(~widened) - (64 - size);
	}
	unsigned immr = (size - rotation) & (size - 1);
	/* imms: the element size in its high bits (1...10xxxx), ones - 1 below. */
	uint64_t n_imms = (~(uint64_t)(size - 1) << 1) | (ones - 1);
	unsigned n = (unsigned)(((n_imms >> 6) & 1) ^ 1);
	*n_immr_imms = n << 12 | immr << 6 | (uint32_t)(n_imms & SIX_BITS);
	return true;
}

static uint32_t logical_imm(uint32_t op, int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms)
{
	return op | sf_field(sf) | (n_immr_imms & BITMASK_MASK) << BITMASK_SHIFT |
	       reg_field(rn, RN_SHIFT) | reg_field(rd, RD_SHIFT);
}

uint32_t rk_a64_and_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms)
{
	return logical_imm(OP_AND_IMM, sf, rd, rn, n_immr_imms);
}

uint32_t rk_a64_orr_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms)
{
	return logical_imm(OP_ORR_IMM, sf, rd, rn, n_immr_imms);
}

uint32_t rk_a64_eor_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms)
{
	return logical_imm(OP_EOR_IMM, sf, rd, rn, n_immr_imms);
}

uint32_t rk_a64_ands_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms)
{
	return logical_imm(OP_ANDS_IMM, sf, rd, rn, n_immr_imms);
}

uint32_t rk_a64_tst_imm(int sf, unsigned rn, uint32_t n_immr_imms)
{
	return rk_a64_ands_imm(sf, A64_ZR, rn, n_immr_imms);
}

/* ---- Move wide ---- */

static uint32_t move_wide(uint32_t op, int sf, unsigned rd, uint32_t imm16, unsigned hw)
{
	return op | sf_field(sf) | (hw & 3u) << HW_SHIFT | (imm16 & IMM16_MASK) << IMM16_SHIFT |
	       reg_field(rd, RD_SHIFT);
}

uint32_t rk_a64_movz(int sf, unsigned rd, uint32_t imm16, unsigned hw)
{
	return move_wide(OP_MOVZ, sf, rd, imm16, hw);
}

uint32_t rk_a64_movn(int sf, unsigned rd, uint32_t imm16, unsigned hw)
{
	return move_wide(OP_MOVN, sf, rd, imm16, hw);
}

uint32_t rk_a64_movk(int sf, unsigned rd, uint32_t imm16, unsigned hw)
{
	return move_wide(OP_MOVK, sf, rd, imm16, hw);
}

/* ---- Multiply, divide, variable shifts ---- */

uint32_t rk_a64_madd(int sf, unsigned rd, unsigned rn, unsigned rm, unsigned ra)
{
	return three_reg(OP_MADD, sf, rd, rn, rm) | reg_field(ra, RA_SHIFT);
}

uint32_t rk_a64_msub(int sf, unsigned rd, unsigned rn, unsigned rm, unsigned ra)
{
	return three_reg(OP_MSUB, sf, rd, rn, rm) | reg_field(ra, RA_SHIFT);
}

uint32_t rk_a64_mul(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return rk_a64_madd(sf, rd, rn, rm, A64_ZR);
}

uint32_t rk_a64_udiv(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_UDIV, sf, rd, rn, rm);
}

uint32_t rk_a64_sdiv(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_SDIV, sf, rd, rn, rm);
}

uint32_t rk_a64_lslv(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_LSLV, sf, rd, rn, rm);
}

uint32_t rk_a64_lsrv(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_LSRV, sf, rd, rn, rm);
}

uint32_t rk_a64_asrv(int sf, unsigned rd, unsigned rn, unsigned rm)
{
	return three_reg(OP_ASRV, sf, rd, rn, rm);
}

/* ---- Bitfield ---- */

static uint32_t bitfield(uint32_t op, int sf, unsigned rd, unsigned rn, unsigned immr,
                         unsigned imms)
{
	return op | sf_field(sf) | (sf ? 1u << BF_N_SHIFT : 0) | (immr & SIX_BITS) << IMMR_SHIFT |
	       (imms & SIX_BITS) << IMMS_SHIFT | reg_field(rn, RN_SHIFT) | reg_field(rd, RD_SHIFT);
}

uint32_t rk_a64_ubfm(int sf, unsigned rd, unsigned rn, unsigned immr, unsigned imms)
{
	return bitfield(OP_UBFM, sf, rd, rn, immr, imms);
}

uint32_t rk_a64_sbfm(int sf, unsigned rd, unsigned rn, unsigned immr, unsigned imms)
{
	return bitfield(OP_SBFM, sf, rd, rn, immr, imms);
}

uint32_t rk_a64_lsl_imm(int sf, unsigned rd, unsigned rn, unsigned shift)
{
	unsigned width = width_bits(sf);
	shift &= width - 1;
	return rk_a64_ubfm(sf, rd, rn, (width - shift) & (width - 1), width - 1 - shift);
}

uint32_t rk_a64_lsr_imm(int sf, unsigned rd, unsigned rn, unsigned shift)
{
	unsigned width = width_bits(sf);
	return rk_a64_ubfm(sf, rd, rn, shift & (width - 1), width - 1);
}

uint32_t rk_a64_asr_imm(int sf, unsigned rd, unsigned rn, unsigned shift)
{
	unsigned width = width_bits(sf);
	return rk_a64_sbfm(sf, rd, rn, shift & (width - 1), width - 1);
}

uint32_t rk_a64_sxtb(int sf, unsigned rd, unsigned rn)
{
	return rk_a64_sbfm(sf, rd, rn, 0, 7);
}

uint32_t rk_a64_sxth(int sf, unsigned rd, unsigned rn)
{
	return rk_a64_sbfm(sf, rd, rn, 0, 15);
}

uint32_t rk_a64_sxtw(unsigned rd, unsigned rn)
{
	return rk_a64_sbfm(1, rd, rn, 0, 31);
}

uint32_t rk_a64_uxth(unsigned rd, unsigned rn)
{
	return rk_a64_ubfm(0, rd, rn, 0, 15);
}

/* ---- Byte reversal ---- */

static uint32_t two_reg(uint32_t op, unsigned rd, unsigned rn)
{
	return op | reg_field(rn, RN_SHIFT) | reg_field(rd, RD_SHIFT);
}

uint32_t rk_a64_rev16(int sf, unsigned rd, unsigned rn)
{
	return two_reg(OP_REV16 | sf_field(sf), rd, rn);
}

uint32_t rk_a64_rev32(unsigned rd, unsigned rn)
{
	return two_reg(OP_REV32_X, rd, rn);
}

uint32_t rk_a64_rev(int sf, unsigned rd, unsigned rn)
{
	return two_reg(sf ? OP_REV_X : OP_REV_W, rd, rn);
}

/* ---- Loads and stores ---- */

static uint32_t ls_uimm(uint32_t opc, enum rk_a64_size size, unsigned rt, unsigned rn,
                        uint32_t imm12)
{
	return OP_LS_UIMM | (uint32_t)size << LS_SIZE_SHIFT | opc << LS_OPC_SHIFT |
	       (imm12 & IMM12_MASK) << IMM12_SHIFT | reg_field(rn, RN_SHIFT) |
	       reg_field(rt, RT_SHIFT);
}

static uint32_t ls_unscaled(uint32_t opc, enum rk_a64_size size, unsigned rt, unsigned rn,
                            int32_t imm9)
{
	return OP_LS_UNSCALED | (uint32_t)size << LS_SIZE_SHIFT | opc << LS_OPC_SHIFT |
	       ((uint32_t)imm9 & IMM9_MASK) << IMM9_SHIFT | reg_field(rn, RN_SHIFT) |
	       reg_field(rt, RT_SHIFT);
}

static uint32_t ls_reg(uint32_t opc, enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm)
{
	return OP_LS_REG | (uint32_t)size << LS_SIZE_SHIFT | opc << LS_OPC_SHIFT |
	       reg_field(rm, RM_SHIFT) | reg_field(rn, RN_SHIFT) | reg_field(rt, RT_SHIFT);
}

uint32_t rk_a64_ldr_imm(enum rk_a64_size size, unsigned rt, unsigned rn, uint32_t imm12)
{
	return ls_uimm(LS_OPC_LOAD, size, rt, rn, imm12);
}

uint32_t rk_a64_ldrs_imm(enum rk_a64_size size, unsigned rt, unsigned rn, uint32_t imm12)
{
	return ls_uimm(LS_OPC_LOAD_SIGNED_X, size, rt, rn, imm12);
}

uint32_t rk_a64_str_imm(enum rk_a64_size size, unsigned rt, unsigned rn, uint32_t imm12)
{
	return ls_uimm(LS_OPC_STORE, size, rt, rn, imm12);
}

uint32_t rk_a64_ldur(enum rk_a64_size size, unsigned rt, unsigned rn, int32_t imm9)
{
	return ls_unscaled(LS_OPC_LOAD, size, rt, rn, imm9);
}

uint32_t rk_a64_ldurs(enum rk_a64_size size, unsigned rt, unsigned rn, int32_t imm9)
{
	return ls_unscaled(LS_OPC_LOAD_SIGNED_X, size, rt, rn, imm9);
}

uint32_t rk_a64_stur(enum rk_a64_size size, unsigned rt, unsigned rn, int32_t imm9)
{
	return ls_unscaled(LS_OPC_STORE, size, rt, rn, imm9);
}

uint32_t rk_a64_ldr_reg(enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm)
{
	return ls_reg(LS_OPC_LOAD, size, rt, rn, rm);
}

uint32_t rk_a64_ldrs_reg(enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm)
{
	return ls_reg(LS_OPC_LOAD_SIGNED_X, size, rt, rn, rm);
}

uint32_t rk_a64_str_reg(enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm)
{
	return ls_reg(LS_OPC_STORE, size, rt, rn, rm);
}

static uint32_t pair(uint32_t op, unsigned rt, unsigned rt2, unsigned rn, int32_t offset)
{
	return op | ((uint32_t)(offset / 8) & IMM7_MASK) << IMM7_SHIFT | reg_field(rt2, RT2_SHIFT) |
	       reg_field(rn, RN_SHIFT) | reg_field(rt, RT_SHIFT);
}

uint32_t rk_a64_stp_pre(unsigned rt, unsigned rt2, unsigned rn, int32_t offset)
{
	return pair(OP_STP_PRE, rt, rt2, rn, offset);
}

uint32_t rk_a64_ldp_post(unsigned rt, unsigned rt2, unsigned rn, int32_t offset)
{
	return pair(OP_LDP_POST, rt, rt2, rn, offset);
}

uint32_t rk_a64_stp_off(unsigned rt, unsigned rt2, unsigned rn, int32_t offset)
{
	return pair(OP_STP_OFF, rt, rt2, rn, offset);
}

uint32_t rk_a64_ldp_off(unsigned rt, unsigned rt2, unsigned rn, int32_t offset)
{
	return pair(OP_LDP_OFF, rt, rt2, rn, offset);
}

/* ---- Exclusives and barriers ---- */

uint32_t rk_a64_ldxr(enum rk_a64_size size, unsigned rt, unsigned rn)
{
	return two_reg(size == A64_SIZE_X ? OP_LDXR_X : OP_LDXR_W, rt, rn);
}

uint32_t rk_a64_stlxr(enum rk_a64_size size, unsigned rs, unsigned rt, unsigned rn)
{
	return (size == A64_SIZE_X ? OP_STLXR_X : OP_STLXR_W) | reg_field(rs, RS_SHIFT) |
	       reg_field(rn, RN_SHIFT) | reg_field(rt, RT_SHIFT);
}

uint32_t rk_a64_dmb_ish(void)
{
	return OP_DMB_ISH;
}

/* ---- Branches ---- */

static uint32_t imm19(int32_t offset)
{
	return ((uint32_t)(offset / A64_INSN_BYTES) & IMM19_MASK) << IMM19_SHIFT;
}

uint32_t rk_a64_b(int32_t offset)
{
	return OP_B | ((uint32_t)(offset / A64_INSN_BYTES) & IMM26_MASK);
}

uint32_t rk_a64_bl(int32_t offset)
{
	return OP_BL | ((uint32_t)(offset / A64_INSN_BYTES) & IMM26_MASK);
}

uint32_t rk_a64_b_cond(enum rk_a64_cond cond, int32_t offset)
{
	return OP_B_COND | imm19(offset) | ((uint32_t)cond & COND_MASK);
}

uint32_t rk_a64_cbz(int sf, unsigned rt, int32_t offset)
{
	return OP_CBZ | sf_field(sf) | imm19(offset) | reg_field(rt, RT_SHIFT);
}

uint32_t rk_a64_cbnz(int sf, unsigned rt, int32_t offset)
{
	return OP_CBNZ | sf_field(sf) | imm19(offset) | reg_field(rt, RT_SHIFT);
}

uint32_t rk_a64_blr(unsigned rn)
{
	return OP_BLR | reg_field(rn, RN_SHIFT);
}

uint32_t rk_a64_ret(void)
{
	return OP_RET_LR;
}

uint32_t rk_a64_nop(void)
{
	return OP_NOP;
}

bool rk_a64_branch19_fits(int64_t offset)
{
	return offset % A64_INSN_BYTES == 0 && offset / A64_INSN_BYTES >= A64_IMM19_MIN &&
	       offset / A64_INSN_BYTES <= A64_IMM19_MAX;
}

bool rk_a64_branch26_fits(int64_t offset)
{
	return offset % A64_INSN_BYTES == 0 && offset / A64_INSN_BYTES >= A64_IMM26_MIN &&
	       offset / A64_INSN_BYTES <= A64_IMM26_MAX;
}

uint32_t rk_a64_branch19_retarget(uint32_t insn, int32_t offset)
{
	return (insn & ~(IMM19_MASK << IMM19_SHIFT)) | imm19(offset);
}

uint32_t rk_a64_branch19_invert(uint32_t insn, int32_t offset)
{
	uint32_t cleared = insn & ~(IMM19_MASK << IMM19_SHIFT);
	if ((insn & B_COND_MASK) == OP_B_COND)
		cleared ^= COND_INVERT;
	else if ((insn & CBZ_MASK) == CBZ_FAMILY)
		cleared ^= CBZ_OP_BIT;
	return cleared | imm19(offset);
}
