/*
 * asm_tables.c - the mnemonic table of the bpf_conformance assembly syntax
 * and the field rules that tie each row to its encoding (see asm_tables.h
 * for why the assembler and the disassembler must share them).
 */
#include "asm_tables.h"

#include <string.h>

/* Every ALU operation exists as a 64-bit "op" and a 32-bit "op32". */
#define ALU_PAIR(name, op, off)                                  \
	{ name, RK_CLS_ALU64 | (op), RK_FORM_ALU, (off) },       \
	{ name "32", RK_CLS_ALU | (op), RK_FORM_ALU, (off) }

#define JCOND_PAIR(name, op)                                     \
	{ name, RK_CLS_JMP | (op), RK_FORM_JCOND, 0 },           \
	{ name "32", RK_CLS_JMP32 | (op), RK_FORM_JCOND, 0 }

#define ATOMIC_DW(name, op)                                      \
	{ "lock " name, RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, RK_FORM_ATOMIC, (op) }
#define ATOMIC_W(name, op)                                       \
	{ "lock " name "32", RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_W, RK_FORM_ATOMIC, (op) }
#define ATOMIC_ALL(name, op)                                     \
	ATOMIC_DW(name, op), ATOMIC_W(name, op),                 \
	ATOMIC_DW("fetch " name, (op) | RK_ATOMIC_FETCH),        \
	ATOMIC_W("fetch " name, (op) | RK_ATOMIC_FETCH)

#define END_ROW(name, cls, order, bits) \
	{ name #bits, (cls) | RK_ALU_END | (order), RK_FORM_END, bits }

#define MEM_ROWS(prefix, cls, mode, form)                                 \
	{ prefix "b", (cls) | (mode) | RK_SIZE_B, (form), 0 },            \
	{ prefix "h", (cls) | (mode) | RK_SIZE_H, (form), 0 },            \
	{ prefix "w", (cls) | (mode) | RK_SIZE_W, (form), 0 },            \
	{ prefix "dw", (cls) | (mode) | RK_SIZE_DW, (form), 0 }

const struct rk_mnemonic rk_mnemonics[] = {
	ALU_PAIR("add", RK_ALU_ADD, 0),
	ALU_PAIR("sub", RK_ALU_SUB, 0),
	ALU_PAIR("mul", RK_ALU_MUL, 0),
	ALU_PAIR("div", RK_ALU_DIV, 0),
	ALU_PAIR("sdiv", RK_ALU_DIV, 1),
	ALU_PAIR("or", RK_ALU_OR, 0),
	ALU_PAIR("and", RK_ALU_AND, 0),
	ALU_PAIR("lsh", RK_ALU_LSH, 0),
	ALU_PAIR("rsh", RK_ALU_RSH, 0),
	ALU_PAIR("mod", RK_ALU_MOD, 0),
	ALU_PAIR("smod", RK_ALU_MOD, 1),
	ALU_PAIR("xor", RK_ALU_XOR, 0),
	ALU_PAIR("mov", RK_ALU_MOV, 0),
	ALU_PAIR("arsh", RK_ALU_ARSH, 0),

	/* Sign-extending moves: movsx<source bits><destination bits>, register only. */
	{ "movsx864", RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_X, RK_FORM_MOVSX, 8 },
	{ "movsx1664", RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_X, RK_FORM_MOVSX, 16 },
	{ "movsx3264", RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_X, RK_FORM_MOVSX, 32 },
	{ "movsx832", RK_CLS_ALU | RK_ALU_MOV | RK_SRC_X, RK_FORM_MOVSX, 8 },
	{ "movsx1632", RK_CLS_ALU | RK_ALU_MOV | RK_SRC_X, RK_FORM_MOVSX, 16 },

	{ "neg", RK_CLS_ALU64 | RK_ALU_NEG | RK_SRC_K, RK_FORM_NEG, 0 },
	{ "neg32", RK_CLS_ALU | RK_ALU_NEG | RK_SRC_K, RK_FORM_NEG, 0 },

	/* Byte swaps: le/be convert to that byte order; swap (ALU64) swaps unconditionally. */
	END_ROW("le", RK_CLS_ALU, RK_END_TO_LE, 16),
	END_ROW("le", RK_CLS_ALU, RK_END_TO_LE, 32),
	END_ROW("le", RK_CLS_ALU, RK_END_TO_LE, 64),
	END_ROW("be", RK_CLS_ALU, RK_END_TO_BE, 16),
	END_ROW("be", RK_CLS_ALU, RK_END_TO_BE, 32),
	END_ROW("be", RK_CLS_ALU, RK_END_TO_BE, 64),
	END_ROW("swap", RK_CLS_ALU64, RK_END_TO_LE, 16),
	END_ROW("swap", RK_CLS_ALU64, RK_END_TO_LE, 32),
	END_ROW("swap", RK_CLS_ALU64, RK_END_TO_LE, 64),

	{ "lddw", RK_OP_LDDW, RK_FORM_LDDW, 0 },
	MEM_ROWS("ldx", RK_CLS_LDX, RK_MODE_MEM, RK_FORM_LDX),
	{ "ldxsb", RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_B, RK_FORM_LDX, 0 },
	{ "ldxsh", RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_H, RK_FORM_LDX, 0 },
	{ "ldxsw", RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_W, RK_FORM_LDX, 0 },
	MEM_ROWS("st", RK_CLS_ST, RK_MODE_MEM, RK_FORM_ST),
	MEM_ROWS("stx", RK_CLS_STX, RK_MODE_MEM, RK_FORM_STX),

	ATOMIC_ALL("add", RK_ATOMIC_ADD),
	ATOMIC_ALL("or", RK_ATOMIC_OR),
	ATOMIC_ALL("and", RK_ATOMIC_AND),
	ATOMIC_ALL("xor", RK_ATOMIC_XOR),
	ATOMIC_DW("xchg", RK_ATOMIC_XCHG),
	ATOMIC_W("xchg", RK_ATOMIC_XCHG),
	ATOMIC_DW("cmpxchg", RK_ATOMIC_CMPXCHG),
	ATOMIC_W("cmpxchg", RK_ATOMIC_CMPXCHG),

	{ "ja", RK_OP_JA, RK_FORM_JA, 0 },
	{ "ja32", RK_OP_JA32, RK_FORM_JA32, 0 },
	JCOND_PAIR("jeq", RK_JMP_JEQ),
	JCOND_PAIR("jgt", RK_JMP_JGT),
	JCOND_PAIR("jge", RK_JMP_JGE),
	JCOND_PAIR("jset", RK_JMP_JSET),
	JCOND_PAIR("jne", RK_JMP_JNE),
	JCOND_PAIR("jsgt", RK_JMP_JSGT),
	JCOND_PAIR("jsge", RK_JMP_JSGE),
	JCOND_PAIR("jlt", RK_JMP_JLT),
	JCOND_PAIR("jle", RK_JMP_JLE),
	JCOND_PAIR("jslt", RK_JMP_JSLT),
	JCOND_PAIR("jsle", RK_JMP_JSLE),

	{ "call", RK_OP_CALL, RK_FORM_CALL, RK_CALL_HELPER },
	{ "call local", RK_OP_CALL, RK_FORM_CALL_LOCAL, RK_CALL_LOCAL },
	/* A helper named by BTF id: the official assembler's "runtime" mode. */
	{ "call runtime", RK_OP_CALL, RK_FORM_CALL, RK_CALL_BTF_ID },
	{ "exit", RK_OP_EXIT, RK_FORM_EXIT, 0 },

	/*
	 * Aliases, after the rows they alias so that the disassembler never
	 * prints them.  bswapN is the suite's other name for swapN; the
	 * official assembler ignores "fetch" on xchg and cmpxchg, which
	 * always fetch.
	 */
	END_ROW("bswap", RK_CLS_ALU64, RK_END_TO_LE, 16),
	END_ROW("bswap", RK_CLS_ALU64, RK_END_TO_LE, 32),
	END_ROW("bswap", RK_CLS_ALU64, RK_END_TO_LE, 64),
	ATOMIC_DW("fetch xchg", RK_ATOMIC_XCHG),
	ATOMIC_W("fetch xchg", RK_ATOMIC_XCHG),
	ATOMIC_DW("fetch cmpxchg", RK_ATOMIC_CMPXCHG),
	ATOMIC_W("fetch cmpxchg", RK_ATOMIC_CMPXCHG),
};

const size_t rk_mnemonic_count = sizeof(rk_mnemonics) / sizeof(rk_mnemonics[0]);

const struct rk_mnemonic *rk_mnemonic_find(const char *name, size_t len)
{
	/* About 150 rows, looked up once per line: a linear scan is enough. */
	for (size_t i = 0; i < rk_mnemonic_count; i++) {
		const char *row_name = rk_mnemonics[i].name;
		if (strncmp(row_name, name, len) == 0 && row_name[len] == '\0')
			return &rk_mnemonics[i];
	}
	return NULL;
}

bool rk_form_has_src_x(const struct rk_mnemonic *mnemonic)
{
	switch (mnemonic->form) {
	case RK_FORM_ALU:
	case RK_FORM_JCOND:
		return true;
	case RK_FORM_CALL:
		return mnemonic->fixed == RK_CALL_HELPER;
	default:
		return false;
	}
}

bool rk_form_has_target(uint8_t form)
{
	return form == RK_FORM_JA || form == RK_FORM_JA32 || form == RK_FORM_JCOND ||
	       form == RK_FORM_CALL_LOCAL;
}

static const struct rk_field_rule OPERAND = { true, 0 };

static struct rk_field_rule fixed_to(int32_t value)
{
	struct rk_field_rule rule = { false, value };
	return rule;
}

struct rk_insn_rule rk_asm_rule(const struct rk_mnemonic *mnemonic, bool src_x)
{
	/* Start from "every field zero" and open up what the operands fill. */
	struct rk_insn_rule rule = { fixed_to(0), fixed_to(0), fixed_to(0), fixed_to(0) };
	switch (mnemonic->form) {
	case RK_FORM_ALU:
		rule.dst = OPERAND;
		rule.off = fixed_to(mnemonic->fixed);
		if (src_x)
			rule.src = OPERAND;
		else
			rule.imm = OPERAND;
		break;
	case RK_FORM_MOVSX:
		rule.dst = OPERAND;
		rule.src = OPERAND;
		rule.off = fixed_to(mnemonic->fixed);
		break;
	case RK_FORM_NEG:
		rule.dst = OPERAND;
		break;
	case RK_FORM_END:
		rule.dst = OPERAND;
		rule.imm = fixed_to(mnemonic->fixed);
		break;
	case RK_FORM_LDDW:
		/* src_reg is RK_PSEUDO_IMM64 or a kind of rk_lddw_kinds, written as a keyword. */
		rule.dst = OPERAND;
		rule.src = OPERAND;
		rule.imm = OPERAND;
		break;
	case RK_FORM_LDX:
		rule.dst = OPERAND;
		rule.src = OPERAND;
		rule.off = OPERAND;
		break;
	case RK_FORM_ST:
		rule.dst = OPERAND;
		rule.off = OPERAND;
		rule.imm = OPERAND;
		break;
	case RK_FORM_STX:
		rule.dst = OPERAND;
		rule.src = OPERAND;
		rule.off = OPERAND;
		break;
	case RK_FORM_ATOMIC:
		rule.dst = OPERAND;
		rule.src = OPERAND;
		rule.off = OPERAND;
		rule.imm = fixed_to(mnemonic->fixed);
		break;
	case RK_FORM_JA:
		rule.off = OPERAND;
		break;
	case RK_FORM_JA32:
		rule.imm = OPERAND;
		break;
	case RK_FORM_JCOND:
		rule.dst = OPERAND;
		rule.off = OPERAND;
		if (src_x)
			rule.src = OPERAND;
		else
			rule.imm = OPERAND;
		break;
	case RK_FORM_CALL:
		/* CALLX names its register in dst_reg, as the official assembler and Linux do. */
		if (src_x) {
			rule.dst = OPERAND;
		} else {
			rule.src = fixed_to(mnemonic->fixed);
			rule.imm = OPERAND;
		}
		break;
	case RK_FORM_CALL_LOCAL:
		rule.src = fixed_to(mnemonic->fixed);
		rule.imm = OPERAND;
		break;
	case RK_FORM_EXIT:
	default:
		break;
	}
	return rule;
}

static const struct rk_lddw_kind lddw_kinds[] = {
	{RK_PSEUDO_MAP_FD, "map_by_fd", false},
	{RK_PSEUDO_MAP_IDX_VAL, "map_val_by_idx", true},
	{RK_PSEUDO_VAR_ADDR, "var_addr", false},
	{RK_PSEUDO_CODE_ADDR, "code_addr", false},
	{RK_PSEUDO_MAP_IDX, "map_by_idx", false},
	{RK_PSEUDO_MAP_VAL, "map_val_by_fd", true},
};

const struct rk_lddw_kind *rk_lddw_kind_by_src(uint8_t src_reg)
{
	for (size_t i = 0; i < sizeof(lddw_kinds) / sizeof(lddw_kinds[0]); i++)
		if (lddw_kinds[i].src_reg == src_reg)
			return &lddw_kinds[i];
	return NULL;
}

const struct rk_lddw_kind *rk_lddw_kind_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(lddw_kinds) / sizeof(lddw_kinds[0]); i++)
		if (strlen(lddw_kinds[i].keyword) == len &&
		    memcmp(lddw_kinds[i].keyword, name, len) == 0)
			return &lddw_kinds[i];
	return NULL;
}
