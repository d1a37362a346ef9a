/*
 * emit.h - the A64 instruction encoders of the arm64 JIT: each function
 * returns one 32-bit instruction word, so translate.c reads like assembly
 * and every encoder is tested alone against llvm-mc's encodings
 * (tests/unit/test_jit_arm64_encode.c).
 *
 * The one thing to know: register number 31 means XZR/WZR in data-processing
 * and register-offset forms but SP in add/sub-immediate and as a load/store
 * base.  The encoders do not check: pass A64_SP only where SP is meant
 * (rk_a64_add_imm, rk_a64_sub_imm, memory bases), A64_ZR elsewhere.  Fields that do
 * not fit are a bug in the caller; the *_fits helpers say what fits.
 * "sf" is 1 for the 64-bit (X) form, 0 for the 32-bit (W) form.
 */
#ifndef RK_JIT_ARM64_EMIT_H
#define RK_JIT_ARM64_EMIT_H

#include <stdbool.h>
#include <stdint.h>

enum rk_a64_reg {
	A64_X0 = 0, A64_X1, A64_X2, A64_X3, A64_X4, A64_X5, A64_X6, A64_X7,
	A64_X8, A64_X9, A64_X10, A64_X11, A64_X12, A64_X13, A64_X14, A64_X15,
	A64_X16, A64_X17, A64_X18, A64_X19, A64_X20, A64_X21, A64_X22, A64_X23,
	A64_X24, A64_X25, A64_X26, A64_X27, A64_X28,
	A64_FP = 29, /* x29, frame record */
	A64_LR = 30, /* x30, link register */
	A64_ZR = 31, /* xzr/wzr in data-processing forms */
	A64_SP = 31, /* sp in add/sub immediate and as a memory base */
};

/* Condition codes (b.cond); cond ^ 1 is the inverse for all but AL/NV. */
enum rk_a64_cond {
	A64_COND_EQ = 0x0, A64_COND_NE = 0x1,
	A64_COND_HS = 0x2, A64_COND_LO = 0x3, /* unsigned >=, < (CS, CC) */
	A64_COND_MI = 0x4, A64_COND_PL = 0x5,
	A64_COND_VS = 0x6, A64_COND_VC = 0x7,
	A64_COND_HI = 0x8, A64_COND_LS = 0x9, /* unsigned >, <= */
	A64_COND_GE = 0xa, A64_COND_LT = 0xb, /* signed >=, < */
	A64_COND_GT = 0xc, A64_COND_LE = 0xd, /* signed >, <= */
	A64_COND_AL = 0xe,
};

/* Load/store access size: log2 of the byte count, the "size" field. */
enum rk_a64_size {
	A64_SIZE_B = 0,
	A64_SIZE_H = 1,
	A64_SIZE_W = 2,
	A64_SIZE_X = 3,
};

/* Field limits. */
#define A64_IMM12_MAX 4095
#define A64_IMM9_MIN (-256)
#define A64_IMM9_MAX 255
#define A64_IMM19_MIN (-(1 << 18))          /* branch range in words: +-1 MiB */
#define A64_IMM19_MAX ((1 << 18) - 1)
#define A64_IMM26_MIN (-(1 << 25))          /* branch range in words: +-128 MiB */
#define A64_IMM26_MAX ((1 << 25) - 1)
#define A64_INSN_BYTES 4

/* ---- Add/subtract ---- */
/* rd = rn + imm12 << (shift12 ? 12 : 0); rd and rn may be A64_SP. */
uint32_t rk_a64_add_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12);
uint32_t rk_a64_sub_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12);
/* Flag-setting forms; rd = A64_ZR gives cmp/cmn. */
uint32_t rk_a64_adds_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12);
uint32_t rk_a64_subs_imm(int sf, unsigned rd, unsigned rn, uint32_t imm12, int shift12);
uint32_t rk_a64_cmp_imm(int sf, unsigned rn, uint32_t imm12, int shift12);
uint32_t rk_a64_cmn_imm(int sf, unsigned rn, uint32_t imm12, int shift12);
/* Shifted-register forms, no shift. */
uint32_t rk_a64_add_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_sub_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_subs_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_cmp_rr(int sf, unsigned rn, unsigned rm);
uint32_t rk_a64_neg(int sf, unsigned rd, unsigned rm);
/* mov to or from sp (add rd, rn, #0). */
uint32_t rk_a64_mov_sp(unsigned rd, unsigned rn);

/* ---- Logical ---- */
uint32_t rk_a64_and_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_orr_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_eor_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_ands_rr(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_tst_rr(int sf, unsigned rn, unsigned rm);
uint32_t rk_a64_mov_rr(int sf, unsigned rd, unsigned rm); /* orr rd, zr, rm */
/*
 * Bitmask immediates: rk_a64_logical_imm() encodes value (the low 32 bits when
 * sf = 0) into the 13-bit N:immr:imms field, or returns false when value is
 * not a rotated, replicated run of ones (0 and all-ones never are).
 */
bool rk_a64_logical_imm(int sf, uint64_t value, uint32_t *n_immr_imms);
uint32_t rk_a64_and_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms);
uint32_t rk_a64_orr_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms);
uint32_t rk_a64_eor_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms);
uint32_t rk_a64_ands_imm(int sf, unsigned rd, unsigned rn, uint32_t n_immr_imms);
uint32_t rk_a64_tst_imm(int sf, unsigned rn, uint32_t n_immr_imms);

/* ---- Move wide ---- */
/* hw: which 16-bit halfword (0..3; 0..1 when sf = 0). */
uint32_t rk_a64_movz(int sf, unsigned rd, uint32_t imm16, unsigned hw);
uint32_t rk_a64_movn(int sf, unsigned rd, uint32_t imm16, unsigned hw);
uint32_t rk_a64_movk(int sf, unsigned rd, uint32_t imm16, unsigned hw);

/* ---- Multiply, divide, variable shifts ---- */
uint32_t rk_a64_madd(int sf, unsigned rd, unsigned rn, unsigned rm, unsigned ra);
uint32_t rk_a64_msub(int sf, unsigned rd, unsigned rn, unsigned rm, unsigned ra); /* ra - rn*rm */
uint32_t rk_a64_mul(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_udiv(int sf, unsigned rd, unsigned rn, unsigned rm);  /* x / 0 = 0 */
uint32_t rk_a64_sdiv(int sf, unsigned rd, unsigned rn, unsigned rm);  /* MIN / -1 = MIN */
uint32_t rk_a64_lslv(int sf, unsigned rd, unsigned rn, unsigned rm);  /* count mod width */
uint32_t rk_a64_lsrv(int sf, unsigned rd, unsigned rn, unsigned rm);
uint32_t rk_a64_asrv(int sf, unsigned rd, unsigned rn, unsigned rm);

/* ---- Bitfield: shifts by constants and extensions ---- */
uint32_t rk_a64_ubfm(int sf, unsigned rd, unsigned rn, unsigned immr, unsigned imms);
uint32_t rk_a64_sbfm(int sf, unsigned rd, unsigned rn, unsigned immr, unsigned imms);
uint32_t rk_a64_lsl_imm(int sf, unsigned rd, unsigned rn, unsigned shift); /* shift < width */
uint32_t rk_a64_lsr_imm(int sf, unsigned rd, unsigned rn, unsigned shift);
uint32_t rk_a64_asr_imm(int sf, unsigned rd, unsigned rn, unsigned shift);
uint32_t rk_a64_sxtb(int sf, unsigned rd, unsigned rn);
uint32_t rk_a64_sxth(int sf, unsigned rd, unsigned rn);
uint32_t rk_a64_sxtw(unsigned rd, unsigned rn);           /* 64-bit only */
uint32_t rk_a64_uxth(unsigned rd, unsigned rn);           /* 32-bit: zero-extends to 64 */

/* ---- Byte reversal ---- */
uint32_t rk_a64_rev16(int sf, unsigned rd, unsigned rn);  /* each halfword */
uint32_t rk_a64_rev32(unsigned rd, unsigned rn);          /* each word of an X register */
uint32_t rk_a64_rev(int sf, unsigned rd, unsigned rn);    /* whole register */

/* ---- Loads and stores ---- */
/*
 * Unsigned scaled offset: byte offset = imm12 << size.  signed_load: ldrsb,
 * ldrsh, ldrsw into an X register (size B, H or W).
 */
uint32_t rk_a64_ldr_imm(enum rk_a64_size size, unsigned rt, unsigned rn, uint32_t imm12);
uint32_t rk_a64_ldrs_imm(enum rk_a64_size size, unsigned rt, unsigned rn, uint32_t imm12);
uint32_t rk_a64_str_imm(enum rk_a64_size size, unsigned rt, unsigned rn, uint32_t imm12);
/* Unscaled signed 9-bit byte offset (ldur, ldursb..., stur). */
uint32_t rk_a64_ldur(enum rk_a64_size size, unsigned rt, unsigned rn, int32_t imm9);
uint32_t rk_a64_ldurs(enum rk_a64_size size, unsigned rt, unsigned rn, int32_t imm9);
uint32_t rk_a64_stur(enum rk_a64_size size, unsigned rt, unsigned rn, int32_t imm9);
/* Register offset: address = rn + rm (no scaling). */
uint32_t rk_a64_ldr_reg(enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm);
uint32_t rk_a64_ldrs_reg(enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm);
uint32_t rk_a64_str_reg(enum rk_a64_size size, unsigned rt, unsigned rn, unsigned rm);
/* Pairs of X registers; byte offsets, multiples of 8 in [-512, 504]. */
uint32_t rk_a64_stp_pre(unsigned rt, unsigned rt2, unsigned rn, int32_t offset);
uint32_t rk_a64_ldp_post(unsigned rt, unsigned rt2, unsigned rn, int32_t offset);
uint32_t rk_a64_stp_off(unsigned rt, unsigned rt2, unsigned rn, int32_t offset);
uint32_t rk_a64_ldp_off(unsigned rt, unsigned rt2, unsigned rn, int32_t offset);

/* ---- Exclusives and barriers (ARMv8.0: no LSE) ---- */
/* size is A64_SIZE_W or A64_SIZE_X. */
uint32_t rk_a64_ldxr(enum rk_a64_size size, unsigned rt, unsigned rn);
uint32_t rk_a64_stlxr(enum rk_a64_size size, unsigned rs, unsigned rt, unsigned rn); /* rs: status */
uint32_t rk_a64_dmb_ish(void);

/* ---- Branches: offsets in bytes from this instruction, multiples of 4 ---- */
uint32_t rk_a64_b(int32_t offset);
uint32_t rk_a64_bl(int32_t offset);
uint32_t rk_a64_b_cond(enum rk_a64_cond cond, int32_t offset);
uint32_t rk_a64_cbz(int sf, unsigned rt, int32_t offset);
uint32_t rk_a64_cbnz(int sf, unsigned rt, int32_t offset);
uint32_t rk_a64_blr(unsigned rn);
uint32_t rk_a64_ret(void);                                 /* ret x30 */
uint32_t rk_a64_nop(void);

/* Do these byte offsets fit a 19-bit (b.cond, cbz) or 26-bit (b, bl) branch? */
bool rk_a64_branch19_fits(int64_t offset);
bool rk_a64_branch26_fits(int64_t offset);
/*
 * A conditional branch (b.cond, cbz, cbnz) with its condition inverted and
 * its offset replaced: for "skip over the next instruction" when the real
 * target is out of 19-bit range.
 */
uint32_t rk_a64_branch19_invert(uint32_t insn, int32_t offset);
/* The same conditional branch with its offset replaced. */
uint32_t rk_a64_branch19_retarget(uint32_t insn, int32_t offset);

#endif /* RK_JIT_ARM64_EMIT_H */
