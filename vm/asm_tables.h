/*
 * asm_tables.h - the one table of mnemonics that the assembler (asm.c) and
 * the disassembler (disasm.c) both read, so that what one writes the other
 * reads back.  Private to those files.
 *
 * The one thing to know before changing it: rk_disasm() promises that its
 * text re-assembles to the same bytes.  That holds because a row, through
 * rk_asm_rule(), says exactly which fields of the instruction its operands
 * fill and what every other field must be; the assembler writes those
 * values and the disassembler refuses any encoding that differs from them.
 * A new row must keep that pairing (and an alias must come after the row
 * it aliases: the disassembler prints the first row that matches).
 */
#ifndef RK_ASM_TABLES_H
#define RK_ASM_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rk_isa.h"

/* The shape of an instruction's operands (and so which fields it uses). */
enum rk_asm_form {
	RK_FORM_ALU,          /* op dst, src|imm         off = fixed (1 for sdiv, smod) */
	RK_FORM_MOVSX,        /* movsxNM dst, src        off = fixed (8, 16, 32) */
	RK_FORM_NEG,          /* neg dst */
	RK_FORM_END,          /* le16 dst                imm = fixed (16, 32, 64) */
	RK_FORM_LDDW,         /* lddw dst, imm64         two slots */
	RK_FORM_LDX,          /* ldxw dst, [src+off] */
	RK_FORM_ST,           /* stw [dst+off], imm */
	RK_FORM_STX,          /* stxw [dst+off], src */
	RK_FORM_ATOMIC,       /* lock add [dst+off], src imm = fixed (the atomic op) */
	RK_FORM_JA,           /* ja target               target in off */
	RK_FORM_JA32,         /* ja32 target             target in imm */
	RK_FORM_JCOND,        /* jeq dst, src|imm, target */
	RK_FORM_CALL,         /* call imm; src = fixed.  Helper calls also: call %rN (CALLX) */
	RK_FORM_CALL_LOCAL,   /* call local target       target in imm, src = RK_CALL_LOCAL */
	RK_FORM_EXIT,         /* exit */
};

struct rk_mnemonic {
	const char *name;   /* as written, words separated by one space: "lock fetch add32" */
	uint8_t code;       /* the opcode; for forms taking src|imm, its RK_SRC_K variant */
	uint8_t form;       /* enum rk_asm_form */
	int32_t fixed;      /* the field value the form fixes (see the enum), else 0 */
};

extern const struct rk_mnemonic rk_mnemonics[];
extern const size_t rk_mnemonic_count;

/* The row named name (len bytes, not NUL-terminated), or NULL. */
const struct rk_mnemonic *rk_mnemonic_find(const char *name, size_t len);

/*
 * Does the form let a register replace the immediate (setting RK_SRC_X in
 * the opcode)?  ALU and conditional jumps do; so does a helper call, whose
 * register form is CALLX with the register in dst_reg.
 */
bool rk_form_has_src_x(const struct rk_mnemonic *mnemonic);

/* One field of an instruction: filled by an operand, or fixed to value. */
struct rk_field_rule {
	bool operand;
	int32_t value;
};

/* For each field: is it an operand, and if not, what must it hold. */
struct rk_insn_rule {
	struct rk_field_rule dst, src, off, imm;
};

/* The rule of a row, in its immediate (src_x false) or register variant. */
struct rk_insn_rule rk_asm_rule(const struct rk_mnemonic *mnemonic, bool src_x);

/*
 * lddw with a pseudo source (RFC 9669 5.4): what the loader resolves, e.g.
 * "lddw %r1, map_by_fd 3" or "lddw %r2, map_val_by_fd 3, 16".  The keyword
 * names the src_reg; next_imm (the second slot's imm) is an operand only
 * for the kinds that use it, and zero otherwise.
 */
struct rk_lddw_kind {
	uint8_t src_reg;
	const char *keyword;
	bool has_next_imm;
};

/* The kind with this src_reg (1..6), or NULL for RK_PSEUDO_IMM64 and invalid values. */
const struct rk_lddw_kind *rk_lddw_kind_by_src(uint8_t src_reg);
/* The kind named by the token [name, name + len), or NULL. */
const struct rk_lddw_kind *rk_lddw_kind_by_name(const char *name, size_t len);

/* Does the form's last operand name a jump or call target? */
bool rk_form_has_target(uint8_t form);

#endif /* RK_ASM_TABLES_H */
