/*
 * validate.c - the decoder's gate: is this a well-formed RFC 9669 program?
 *
 * Purely syntactic rules, checked one instruction at a time plus the
 * targets of jumps and calls.  Everything downstream (interpreter, JITs,
 * verifier) relies on what is proved here and checks it no more:
 *   - every opcode is one this runtime executes, with its reserved fields 0;
 *   - registers are r0..r10, and r10 is never written;
 *   - LDDW has its second slot, and nothing jumps into that slot;
 *   - jump and call targets are inside the program;
 *   - the last instruction is EXIT or an unconditional jump, so no path
 *     can run past the end.
 * The first broken rule is reported: instruction index, field, rule.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rkbpf.h"
#include "vm_internal.h"

static const char *const class_names[8] = {
	"ld", "ldx", "st", "stx", "alu32", "jmp", "jmp32", "alu64",
};

/* Writes "insn N (opcode 0xCC, class): <rule>" and returns -EINVAL. */
static int reject(char *err, size_t err_len, size_t index, const struct rk_insn *insn,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int reject(char *err, size_t err_len, size_t index, const struct rk_insn *insn,
                  const char *fmt, ...)
{
	if (err && err_len) {
		int used = snprintf(err, err_len, "insn %zu (opcode 0x%02x, %s): ", index, insn->code,
		                    class_names[RK_CLASS(insn->code)]);
		if (used >= 0 && (size_t)used < err_len) {
			va_list args;
			va_start(args, fmt);
			vsnprintf(err + used, err_len - (size_t)used, fmt, args);
			va_end(args);
		}
	}
	return -EINVAL;
}

/* Reserved-field checks: each names the field and what it must hold. */
#define REQUIRE_ZERO(field, what)                                                            \
	do {                                                                                 \
		if (insn->field != 0)                                                        \
			return reject(err, err_len, index, insn,                            \
			              "field " #field " must be 0 for %s, is %" PRId64, what, \
			              (int64_t)insn->field);                                 \
	} while (0)

static int check_reg(const struct rk_insn *insn, size_t index, int reg, const char *field,
                     bool written, char *err, size_t err_len)
{
	if (reg >= RK_REG_COUNT)
		return reject(err, err_len, index, insn, "field %s names r%d; registers are r0..r10",
		              field, reg);
	if (written && reg == RK_REG_FP)
		return reject(err, err_len, index, insn,
		              "field %s names r10, the read-only frame pointer, as a destination",
		              field);
	return 0;
}

static int check_alu(const struct rk_insn *insn, size_t index, char *err, size_t err_len)
{
	bool is64 = RK_CLASS(insn->code) == RK_CLS_ALU64;
	bool from_reg = RK_SRC(insn->code) == RK_SRC_X;
	uint8_t op = RK_OP(insn->code);
	int rc = check_reg(insn, index, insn->dst_reg, "dst_reg", true, err, err_len);
	if (rc)
		return rc;

	switch (op) {
	case RK_ALU_ADD: case RK_ALU_SUB: case RK_ALU_MUL: case RK_ALU_OR: case RK_ALU_AND:
	case RK_ALU_LSH: case RK_ALU_RSH: case RK_ALU_XOR: case RK_ALU_ARSH:
		REQUIRE_ZERO(off, "this arithmetic instruction");
		break;
	case RK_ALU_DIV: case RK_ALU_MOD:
		if (insn->off != 0 && insn->off != 1)
			return reject(err, err_len, index, insn,
			              "field off must be 0 (unsigned) or 1 (signed) for div/mod, is %d",
			              insn->off);
		break;
	case RK_ALU_NEG:
		if (from_reg)
			return reject(err, err_len, index, insn,
			              "neg has no register-source form (source bit must be 0)");
		REQUIRE_ZERO(src_reg, "neg");
		REQUIRE_ZERO(off, "neg");
		REQUIRE_ZERO(imm, "neg");
		return 0;
	case RK_ALU_MOV:
		if (!from_reg) {
			REQUIRE_ZERO(off, "mov with an immediate");
		} else if (insn->off != 0 && insn->off != 8 && insn->off != 16 &&
		           !(is64 && insn->off == 32)) {
			return reject(err, err_len, index, insn,
			              "field off must be 0 (mov) or 8, 16%s (movsx) for %s mov, is %d",
			              is64 ? ", 32" : "", is64 ? "a 64-bit" : "a 32-bit", insn->off);
		}
		break;
	case RK_ALU_END:
		if (is64 && from_reg)
			return reject(err, err_len, index, insn,
			              "alu64 byte swap must have source bit 0 (bswap)");
		REQUIRE_ZERO(src_reg, "a byte swap");
		REQUIRE_ZERO(off, "a byte swap");
		if (insn->imm != 16 && insn->imm != 32 && insn->imm != 64)
			return reject(err, err_len, index, insn,
			              "field imm must be 16, 32 or 64 for a byte swap, is %d", insn->imm);
		return 0;
	default:
		return reject(err, err_len, index, insn, "unknown arithmetic operation 0x%02x", op);
	}

	if (from_reg) {
		REQUIRE_ZERO(imm, "a register-source instruction");
		return check_reg(insn, index, insn->src_reg, "src_reg", false, err, err_len);
	}
	REQUIRE_ZERO(src_reg, "an immediate-source instruction");
	return 0;
}

static int check_jmp(const struct rk_insn *insn, size_t index, char *err, size_t err_len)
{
	bool is32 = RK_CLASS(insn->code) == RK_CLS_JMP32;
	bool from_reg = RK_SRC(insn->code) == RK_SRC_X;
	uint8_t op = RK_OP(insn->code);

	switch (op) {
	case RK_JMP_JA:
		if (from_reg)
			return reject(err, err_len, index, insn, "ja has no register-source form");
		REQUIRE_ZERO(dst_reg, "ja");
		REQUIRE_ZERO(src_reg, "ja");
		if (is32)
			REQUIRE_ZERO(off, "ja32 (its offset is in imm)");
		else
			REQUIRE_ZERO(imm, "ja (its offset is in off)");
		return 0;
	case RK_JMP_CALL:
		if (is32)
			return reject(err, err_len, index, insn, "call exists only in the jmp class");
		REQUIRE_ZERO(off, "call");
		if (from_reg) {
			/* callx: the register holding the helper id is in dst_reg. */
			REQUIRE_ZERO(src_reg, "callx");
			REQUIRE_ZERO(imm, "callx");
			return check_reg(insn, index, insn->dst_reg, "dst_reg", false, err, err_len);
		}
		REQUIRE_ZERO(dst_reg, "call");
		if (insn->src_reg == RK_CALL_BTF_ID)
			return reject(err, err_len, index, insn,
			              "calls to kernel functions by BTF id (src_reg 2) are not supported");
		if (insn->src_reg != RK_CALL_HELPER && insn->src_reg != RK_CALL_LOCAL)
			return reject(err, err_len, index, insn,
			              "field src_reg must be 0 (helper) or 1 (local call), is %d",
			              insn->src_reg);
		return 0;
	case RK_JMP_EXIT:
		if (is32 || from_reg)
			return reject(err, err_len, index, insn, "exit is only opcode 0x95");
		REQUIRE_ZERO(dst_reg, "exit");
		REQUIRE_ZERO(src_reg, "exit");
		REQUIRE_ZERO(off, "exit");
		REQUIRE_ZERO(imm, "exit");
		return 0;
	case RK_JMP_JEQ: case RK_JMP_JGT: case RK_JMP_JGE: case RK_JMP_JSET: case RK_JMP_JNE:
	case RK_JMP_JSGT: case RK_JMP_JSGE: case RK_JMP_JLT: case RK_JMP_JLE: case RK_JMP_JSLT:
	case RK_JMP_JSLE: {
		int rc = check_reg(insn, index, insn->dst_reg, "dst_reg", false, err, err_len);
		if (rc)
			return rc;
		if (from_reg) {
			REQUIRE_ZERO(imm, "a register-source comparison");
			return check_reg(insn, index, insn->src_reg, "src_reg", false, err, err_len);
		}
		REQUIRE_ZERO(src_reg, "an immediate-source comparison");
		return 0;
	}
	default:
		return reject(err, err_len, index, insn, "unknown jump operation 0x%02x", op);
	}
}

static int check_mem(const struct rk_insn *insn, size_t index, char *err, size_t err_len)
{
	uint8_t cls = RK_CLASS(insn->code), mode = RK_MODE(insn->code), size = RK_SIZE(insn->code);
	int rc;

	if (mode == RK_MODE_ABS || mode == RK_MODE_IND)
		return reject(err, err_len, index, insn,
		              "legacy packet access (ABS/IND modes) is not supported");

	switch (cls) {
	case RK_CLS_LDX:
		if (mode != RK_MODE_MEM && mode != RK_MODE_MEMSX)
			return reject(err, err_len, index, insn, "ldx must use mode MEM or MEMSX");
		if (mode == RK_MODE_MEMSX && size == RK_SIZE_DW)
			return reject(err, err_len, index, insn,
			              "a sign-extending load of 8 bytes does not exist");
		REQUIRE_ZERO(imm, "a load");
		rc = check_reg(insn, index, insn->dst_reg, "dst_reg", true, err, err_len);
		return rc ? rc : check_reg(insn, index, insn->src_reg, "src_reg", false, err, err_len);
	case RK_CLS_ST:
		if (mode != RK_MODE_MEM)
			return reject(err, err_len, index, insn, "st must use mode MEM");
		REQUIRE_ZERO(src_reg, "a store of an immediate");
		return check_reg(insn, index, insn->dst_reg, "dst_reg", false, err, err_len);
	case RK_CLS_STX:
		if (mode == RK_MODE_MEM) {
			REQUIRE_ZERO(imm, "a store of a register");
		} else if (mode == RK_MODE_ATOMIC) {
			if (size != RK_SIZE_W && size != RK_SIZE_DW)
				return reject(err, err_len, index, insn,
				              "atomic operations exist for 4 and 8 bytes only");
			switch (insn->imm) {
			case RK_ATOMIC_ADD: case RK_ATOMIC_OR: case RK_ATOMIC_AND: case RK_ATOMIC_XOR:
				break;
			case RK_ATOMIC_ADD | RK_ATOMIC_FETCH: case RK_ATOMIC_OR | RK_ATOMIC_FETCH:
			case RK_ATOMIC_AND | RK_ATOMIC_FETCH: case RK_ATOMIC_XOR | RK_ATOMIC_FETCH:
			case RK_ATOMIC_XCHG:
				/* these write the old value into src_reg */
				rc = check_reg(insn, index, insn->src_reg, "src_reg", true, err,
				               err_len);
				if (rc)
					return rc;
				break;
			case RK_ATOMIC_CMPXCHG:
				break;
			default:
				return reject(err, err_len, index, insn,
				              "field imm 0x%x is not an atomic operation", insn->imm);
			}
		} else {
			return reject(err, err_len, index, insn, "stx must use mode MEM or ATOMIC");
		}
		rc = check_reg(insn, index, insn->dst_reg, "dst_reg", false, err, err_len);
		return rc ? rc : check_reg(insn, index, insn->src_reg, "src_reg", false, err, err_len);
	default:
		return reject(err, err_len, index, insn, "unknown load/store class");
	}
}

static int check_lddw(const struct rk_insn *insns, size_t insn_count, size_t index, char *err,
                      size_t err_len)
{
	const struct rk_insn *insn = &insns[index];
	if (insn->code != RK_OP_LDDW)
		return reject(err, err_len, index, insn,
		              "the ld class holds only lddw (0x18) in this runtime");
	int rc = check_reg(insn, index, insn->dst_reg, "dst_reg", true, err, err_len);
	if (rc)
		return rc;
	REQUIRE_ZERO(off, "lddw");
	if (insn->src_reg > RK_PSEUDO_MAP_VAL)
		return reject(err, err_len, index, insn,
		              "field src_reg must be 0..6 for lddw (RFC 9669 5.4), is %d",
		              insn->src_reg);
	if (index + 1 >= insn_count)
		return reject(err, err_len, index, insn,
		              "lddw needs a second slot, but the program ends here");
	const struct rk_insn *next = &insns[index + 1];
	if (next->code != 0 || next->dst_reg != 0 || next->src_reg != 0 || next->off != 0)
		return reject(err, err_len, index + 1, next,
		              "second slot of the lddw at insn %zu must have opcode, registers "
		              "and off 0",
		              index);
	/* Only a plain immediate and the map-value sources use next_imm. */
	bool uses_next_imm = insn->src_reg == RK_PSEUDO_IMM64 ||
	                     insn->src_reg == RK_PSEUDO_MAP_IDX_VAL ||
	                     insn->src_reg == RK_PSEUDO_MAP_VAL;
	if (!uses_next_imm && next->imm != 0)
		return reject(err, err_len, index + 1, next,
		              "field imm of the second slot must be 0 for lddw with src_reg %d, "
		              "is %d",
		              insn->src_reg, next->imm);
	return 0;
}

/* Where control goes from a jump or local call; RK_NO_TARGET when insn has none. */
int64_t rk_insn_target(const struct rk_insn *insn, size_t index)
{
	uint8_t cls = RK_CLASS(insn->code);
	if (cls != RK_CLS_JMP && cls != RK_CLS_JMP32)
		return RK_NO_TARGET;
	if (insn->code == RK_OP_JA32)
		return (int64_t)index + 1 + insn->imm;
	if (insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_LOCAL)
		return (int64_t)index + 1 + insn->imm;
	uint8_t op = RK_OP(insn->code);
	if (op == RK_JMP_CALL || op == RK_JMP_EXIT)
		return RK_NO_TARGET;
	return (int64_t)index + 1 + insn->off;
}

int rk_validate(const struct rk_insn *insns, size_t insn_count, char *err, size_t err_len)
{
	if (err && err_len)
		err[0] = '\0';
	if (!insns || insn_count == 0) {
		snprintf(err, err_len, "empty program: it needs at least an exit instruction");
		return -EINVAL;
	}
	if (insn_count > RK_MAX_INSNS) {
		snprintf(err, err_len, "program has %zu instructions; the limit is %u", insn_count,
		         RK_MAX_INSNS);
		return -E2BIG;
	}

	/* Pass 1: each instruction alone. */
	for (size_t index = 0; index < insn_count; index++) {
		const struct rk_insn *insn = &insns[index];
		int rc;
		switch (RK_CLASS(insn->code)) {
		case RK_CLS_ALU: case RK_CLS_ALU64:
			rc = check_alu(insn, index, err, err_len);
			break;
		case RK_CLS_JMP: case RK_CLS_JMP32:
			rc = check_jmp(insn, index, err, err_len);
			break;
		case RK_CLS_LD:
			rc = check_lddw(insns, insn_count, index, err, err_len);
			index += rc == 0; /* skip the second slot */
			break;
		default:
			rc = check_mem(insn, index, err, err_len);
			break;
		}
		if (rc)
			return rc;
	}

	/* Pass 2: targets, which need to know where the LDDW second slots are. */
	for (size_t index = 0; index < insn_count; index++) {
		const struct rk_insn *insn = &insns[index];
		if (insn->code == RK_OP_LDDW) {
			index++;
			continue;
		}
		int64_t target = rk_insn_target(insn, index);
		if (target == RK_NO_TARGET)
			continue;
		bool is_call = RK_OP(insn->code) == RK_JMP_CALL;
		if (target < 0)
			return reject(err, err_len, index, insn,
			              "%s target %" PRId64 " is before the start of the program",
			              is_call ? "call" : "jump", target);
		if (target >= (int64_t)insn_count)
			return reject(err, err_len, index, insn,
			              "%s target %" PRId64 " is past the end of the program (%zu "
			              "instructions)",
			              is_call ? "call" : "jump", target, insn_count);
		if (rk_is_lddw_second_slot(insns, (size_t)target))
			return reject(err, err_len, index, insn,
			              "%s target %" PRId64 " is the second slot of an lddw",
			              is_call ? "call" : "jump", target);
	}

	/* The last instruction must not let control run past the end. */
	size_t last = insn_count - 1;
	if (rk_is_lddw_second_slot(insns, last))
		return reject(err, err_len, last, &insns[last],
		              "the program ends with an lddw: execution would fall off the end");
	const struct rk_insn *final = &insns[last];
	if (final->code != RK_OP_EXIT && final->code != RK_OP_JA && final->code != RK_OP_JA32)
		return reject(err, err_len, last, final,
		              "the last instruction must be exit or ja: execution would fall off "
		              "the end");
	return 0;
}

bool rk_is_lddw_second_slot(const struct rk_insn *insns, size_t index)
{
	/*
	 * Valid only after pass 1 of rk_validate(): second slots have opcode
	 * 0, so the slot before a second slot is always an LDDW start.
	 */
	return index > 0 && insns[index - 1].code == RK_OP_LDDW;
}
