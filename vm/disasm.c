/*
 * disasm.c - rk_disasm_insn() and rk_disasm(): bytecode back to the
 * bpf_conformance assembly syntax that rk_asm() reads.
 *
 * The promise to keep: whatever rk_disasm() prints, rk_asm() turns back
 * into the same bytes (the fuzzers check it).  So an instruction is printed
 * only when a row of the shared mnemonic table (asm_tables.c) accounts for
 * every one of its fields; anything else, even a known opcode with a stray
 * bit in a reserved field, is "unknown" (-EINVAL), because text that drops
 * that bit would assemble to different bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_tables.h"
#include "rkbpf.h"

/* Every printed line fits: the longest is an lddw or a conditional jump. */
#define LINE_MAX_LEN 160

/* Immediates up to this magnitude print in decimal, larger ones in hex. */
#define DECIMAL_MAX 65536

struct decoded {
	const struct rk_mnemonic *mnemonic;
	bool src_x;   /* the register variant of an ALU, jump or call row */
	int slots;    /* 1, or 2 for lddw */
};

static bool field_fits(struct rk_field_rule rule, int32_t value)
{
	return rule.operand || rule.value == value;
}

/*
 * Does the row account for every field of insns[index]?  When only the
 * opcode matches, why (if still empty) receives the field that does not.
 */
static bool row_matches(const struct rk_mnemonic *row, const struct rk_insn *insns,
                        size_t insn_count, size_t index, bool src_x, char *why, size_t why_len)
{
	const struct rk_insn *insn = &insns[index];
	struct rk_insn_rule rule = rk_asm_rule(row, src_x);
	const char *field = NULL;
	int32_t value = 0;
	if (!field_fits(rule.dst, insn->dst_reg)) {
		field = "dst_reg";
		value = insn->dst_reg;
	} else if (!field_fits(rule.src, insn->src_reg)) {
		field = "src_reg";
		value = insn->src_reg;
	} else if (!field_fits(rule.off, insn->off)) {
		field = "off";
		value = insn->off;
	} else if (!field_fits(rule.imm, insn->imm)) {
		field = "imm";
		value = insn->imm;
	}
	if (field) {
		if (!why[0])
			snprintf(why, why_len, "%s %" PRId32 " is not valid for '%s'", field, value,
			         row->name);
		return false;
	}
	if (row->form != RK_FORM_LDDW)
		return true;
	if (index + 1 >= insn_count) {
		if (!why[0])
			snprintf(why, why_len, "lddw has no second slot");
		return false;
	}
	const struct rk_insn *high = &insns[index + 1];
	if (high->code || high->dst_reg || high->src_reg || high->off) {
		if (!why[0])
			snprintf(why, why_len, "the second slot of lddw must be zero except imm");
		return false;
	}
	if (insn->src_reg == RK_PSEUDO_IMM64)
		return true;
	const struct rk_lddw_kind *kind = rk_lddw_kind_by_src(insn->src_reg);
	if (!kind) {
		if (!why[0])
			snprintf(why, why_len, "src_reg %u is not an lddw source", insn->src_reg);
		return false;
	}
	if (!kind->has_next_imm && high->imm != 0) {
		if (!why[0])
			snprintf(why, why_len, "lddw %s leaves the second slot's imm 0", kind->keyword);
		return false;
	}
	return true;
}

/* Find the row that prints insns[index], or describe why none does. */
static int decode(const struct rk_insn *insns, size_t insn_count, size_t index,
                  struct decoded *decoded, char *why, size_t why_len)
{
	uint8_t code = insns[index].code;
	why[0] = '\0';
	for (size_t i = 0; i < rk_mnemonic_count; i++) {
		const struct rk_mnemonic *row = &rk_mnemonics[i];
		bool src_x;
		if (code == row->code)
			src_x = false;
		else if (rk_form_has_src_x(row) && code == (row->code | RK_SRC_X))
			src_x = true;
		else
			continue;
		if (row_matches(row, insns, insn_count, index, src_x, why, why_len)) {
			decoded->mnemonic = row;
			decoded->src_x = src_x;
			decoded->slots = row->form == RK_FORM_LDDW ? 2 : 1;
			return 0;
		}
	}
	if (!why[0])
		snprintf(why, why_len, "no instruction has this opcode");
	return -EINVAL;
}

/* ---- operands --------------------------------------------------------- */

static void format_imm32(char *out, size_t out_len, int32_t imm)
{
	/* Negative values read best in decimal, except the sign bit alone (a mask). */
	if (imm <= DECIMAL_MAX && imm != INT32_MIN)
		snprintf(out, out_len, "%" PRId32, imm);
	else
		snprintf(out, out_len, "0x%" PRIx32, (uint32_t)imm);
}

static void format_mem(char *out, size_t out_len, unsigned reg, int16_t off)
{
	if (off == 0)
		snprintf(out, out_len, "[%%r%u]", reg);
	else
		snprintf(out, out_len, "[%%r%u%+d]", reg, off);
}

/* The relative target of a jump or local call (in off or, for ja32 and calls, imm). */
static int64_t target_offset(const struct rk_insn *insn, uint8_t form)
{
	bool in_imm = form == RK_FORM_JA32 || form == RK_FORM_CALL_LOCAL;
	return in_imm ? insn->imm : insn->off;
}

/*
 * A jump or call target: a label "L<slot>" when labels is given and marks
 * the target slot as one that starts an instruction (or the end), else the
 * relative offset "+N" / "-N".
 */
static void format_target(char *out, size_t out_len, const struct rk_insn *insn, uint8_t form,
                          size_t index, size_t insn_count, const bool *labels)
{
	int64_t relative = target_offset(insn, form);
	int64_t target = (int64_t)index + 1 + relative;
	if (labels && target >= 0 && (uint64_t)target <= insn_count && labels[target])
		snprintf(out, out_len, "L%" PRId64, target);
	else
		snprintf(out, out_len, "%+" PRId64, relative);
}

/* The source operand of an ALU or conditional jump: a register or imm. */
static void format_source(char *out, size_t out_len, const struct rk_insn *insn, bool src_x)
{
	if (src_x)
		snprintf(out, out_len, "%%r%u", (unsigned)insn->src_reg);
	else
		format_imm32(out, out_len, insn->imm);
}

static void format_insn(const struct rk_insn *insns, size_t insn_count, size_t index,
                        const struct decoded *decoded, const bool *labels, char *buf,
                        size_t buf_len)
{
	const struct rk_insn *insn = &insns[index];
	const char *name = decoded->mnemonic->name;
	uint8_t form = decoded->mnemonic->form;
	unsigned dst = insn->dst_reg, src = insn->src_reg;
	char operand[48], target[32];
	switch (form) {
	case RK_FORM_ALU:
		format_source(operand, sizeof(operand), insn, decoded->src_x);
		snprintf(buf, buf_len, "%s %%r%u, %s", name, dst, operand);
		break;
	case RK_FORM_MOVSX:
		snprintf(buf, buf_len, "%s %%r%u, %%r%u", name, dst, src);
		break;
	case RK_FORM_NEG:
	case RK_FORM_END:
		snprintf(buf, buf_len, "%s %%r%u", name, dst);
		break;
	case RK_FORM_LDDW: {
		uint64_t imm64 = (uint32_t)insn->imm | (uint64_t)(uint32_t)insns[index + 1].imm << 32;
		const struct rk_lddw_kind *kind = rk_lddw_kind_by_src(insn->src_reg);
		if (kind && kind->has_next_imm)
			snprintf(buf, buf_len, "%s %%r%u, %s %" PRId32 ", %" PRId32, name, dst,
			         kind->keyword, insn->imm, insns[index + 1].imm);
		else if (kind)
			snprintf(buf, buf_len, "%s %%r%u, %s %" PRId32, name, dst, kind->keyword,
			         insn->imm);
		else if (imm64 <= DECIMAL_MAX)
			snprintf(buf, buf_len, "%s %%r%u, %" PRIu64, name, dst, imm64);
		else
			snprintf(buf, buf_len, "%s %%r%u, 0x%" PRIx64, name, dst, imm64);
		break;
	}
	case RK_FORM_LDX:
		format_mem(operand, sizeof(operand), src, insn->off);
		snprintf(buf, buf_len, "%s %%r%u, %s", name, dst, operand);
		break;
	case RK_FORM_ST: {
		char imm[24];
		format_mem(operand, sizeof(operand), dst, insn->off);
		format_imm32(imm, sizeof(imm), insn->imm);
		snprintf(buf, buf_len, "%s %s, %s", name, operand, imm);
		break;
	}
	case RK_FORM_STX:
	case RK_FORM_ATOMIC:
		format_mem(operand, sizeof(operand), dst, insn->off);
		snprintf(buf, buf_len, "%s %s, %%r%u", name, operand, src);
		break;
	case RK_FORM_JA:
	case RK_FORM_JA32:
	case RK_FORM_CALL_LOCAL:
		format_target(target, sizeof(target), insn, form, index, insn_count, labels);
		snprintf(buf, buf_len, "%s %s", name, target);
		break;
	case RK_FORM_JCOND:
		format_source(operand, sizeof(operand), insn, decoded->src_x);
		format_target(target, sizeof(target), insn, form, index, insn_count, labels);
		snprintf(buf, buf_len, "%s %%r%u, %s, %s", name, dst, operand, target);
		break;
	case RK_FORM_CALL:
		/* CALLX: the register is in dst_reg. */
		if (decoded->src_x)
			snprintf(operand, sizeof(operand), "%%r%u", dst);
		else
			format_imm32(operand, sizeof(operand), insn->imm);
		snprintf(buf, buf_len, "%s %s", name, operand);
		break;
	case RK_FORM_EXIT:
	default:
		snprintf(buf, buf_len, "%s", name);
		break;
	}
}

int rk_disasm_insn(const struct rk_insn *insns, size_t insn_count, size_t index, char *buf,
                   size_t buf_len)
{
	char scratch[LINE_MAX_LEN];
	if (!buf || !buf_len) {
		/* The caller wants only the slot count; describe into a scratch buffer. */
		buf = scratch;
		buf_len = sizeof(scratch);
	}
	if (!insns || index >= insn_count) {
		snprintf(buf, buf_len, ".unknown: index %zu is past the end (%zu slots)", index,
		         insn_count);
		return -EINVAL;
	}
	struct decoded decoded;
	char why[RK_ERR_LEN];
	if (decode(insns, insn_count, index, &decoded, why, sizeof(why))) {
		snprintf(buf, buf_len, ".unknown 0x%02x: %s", insns[index].code, why);
		return -EINVAL;
	}
	format_insn(insns, insn_count, index, &decoded, NULL, buf, buf_len);
	return decoded.slots;
}

/* ---- whole programs --------------------------------------------------- */

struct text_builder {
	char *data;
	size_t len, cap;
};

static int text_append(struct text_builder *text, const char *piece)
{
	size_t piece_len = strlen(piece);
	if (text->len + piece_len + 1 > text->cap) {
		size_t new_cap = text->cap ? text->cap : 256;
		while (new_cap < text->len + piece_len + 1) {
			if (new_cap > SIZE_MAX / 2)
				return -ENOMEM;
			new_cap *= 2;
		}
		char *bigger = realloc(text->data, new_cap);
		if (!bigger)
			return -ENOMEM;
		text->data = bigger;
		text->cap = new_cap;
	}
	memcpy(text->data + text->len, piece, piece_len + 1);
	text->len += piece_len;
	return 0;
}

static int disasm_failed(char *err, size_t err_len, int rc, size_t index, const char *what)
{
	if (err && err_len)
		snprintf(err, err_len, "instruction %zu: %s", index, what);
	return rc;
}

/* Print every instruction, with "L<slot>:" lines before jump targets. */
static int print_program(const struct rk_insn *insns, size_t insn_count, const bool *starts,
                         const bool *targets, struct text_builder *text)
{
	char line[LINE_MAX_LEN + 2];
	int rc = text_append(text, "");
	for (size_t index = 0; rc == 0 && index <= insn_count; index++) {
		if (targets[index]) {
			snprintf(line, sizeof(line), "L%zu:\n", index);
			rc = text_append(text, line);
		}
		if (rc || index == insn_count || !starts[index])
			continue;
		struct decoded decoded;
		char why[RK_ERR_LEN];
		if (decode(insns, insn_count, index, &decoded, why, sizeof(why)))
			return -EINVAL; /* not reached: the caller decoded it already */
		format_insn(insns, insn_count, index, &decoded, targets, line, LINE_MAX_LEN);
		strcat(line, "\n");
		rc = text_append(text, line);
	}
	return rc;
}

int rk_disasm(const struct rk_insn *insns, size_t insn_count, char **text_out, char *err,
              size_t err_len)
{
	if (err && err_len)
		err[0] = '\0';
	if (!text_out || (!insns && insn_count))
		return disasm_failed(err, err_len, -EINVAL, 0, "no program or no output");
	*text_out = NULL;
	if (insn_count >= SIZE_MAX / 2)
		return disasm_failed(err, err_len, -ENOMEM, 0, "program too large");

	/* starts[i]: an instruction begins at slot i (or i is the end); targets[i]: a label. */
	bool *starts = calloc(insn_count + 1, sizeof(bool));
	bool *targets = calloc(insn_count + 1, sizeof(bool));
	struct text_builder text = { NULL, 0, 0 };
	int rc = 0;
	if (!starts || !targets) {
		rc = disasm_failed(err, err_len, -ENOMEM, 0, "out of memory");
		goto out;
	}
	for (size_t index = 0; index < insn_count;) {
		struct decoded decoded;
		char why[RK_ERR_LEN];
		if (decode(insns, insn_count, index, &decoded, why, sizeof(why))) {
			char what[RK_ERR_LEN + 32];
			snprintf(what, sizeof(what), ".unknown 0x%02x: %s", insns[index].code, why);
			rc = disasm_failed(err, err_len, -EINVAL, index, what);
			goto out;
		}
		starts[index] = true;
		index += (size_t)decoded.slots;
	}
	starts[insn_count] = true;

	/* A target gets a label only where a label can stand: before an instruction or at the end. */
	for (size_t index = 0; index < insn_count; index++) {
		struct decoded decoded;
		char why[RK_ERR_LEN];
		if (!starts[index] || decode(insns, insn_count, index, &decoded, why, sizeof(why)) ||
		    !rk_form_has_target(decoded.mnemonic->form))
			continue;
		int64_t target =
			(int64_t)index + 1 + target_offset(&insns[index], decoded.mnemonic->form);
		if (target >= 0 && (uint64_t)target <= insn_count && starts[target])
			targets[target] = true;
	}

	rc = print_program(insns, insn_count, starts, targets, &text);
	if (rc) {
		free(text.data);
		rc = disasm_failed(err, err_len, rc, 0,
		                   rc == -ENOMEM ? "out of memory" : "internal error");
		goto out;
	}
	*text_out = text.data;
out:
	free(starts);
	free(targets);
	return rc;
}
