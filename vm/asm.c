/*
 * asm.c - rk_asm(): the assembler for the bpf_conformance suite's syntax
 * ("mov %r0, 1", "ldxdw %r0, [%r1+8]", "lock fetch add [%r10-8], %r1",
 * "jne %r0, %r1, exit", "L1:" labels, '#' comments).
 *
 * One pass over the lines emits instructions; jumps to labels are recorded
 * as fixups and patched once every label is known.  Mnemonics come from
 * asm_tables.c, shared with the disassembler, and the fields an instruction
 * does not take from its operands are set from the same table's rule, so
 * the disassembler can always print back what we produce.
 *
 * Rules worth knowing (they follow the official assembler, except where
 * noted):
 *   - a jump target is "+N"/"-N" (slots, relative to the next instruction)
 *     or a label; a label defined after the last instruction is the end
 *     of the program;
 *   - the label "exit", when no "exit:" is written, means the first exit
 *     instruction of the program (the official assembler defines it so,
 *     and overrides even an explicit "exit:"; here an explicit one wins);
 *   - immediates must fit their field as a signed or an unsigned value
 *     (0xffffffff and -1 are both imm32 -1); the official assembler
 *     silently truncates;
 *   - relative targets of ja32 and "call local" are sign-extended to 32
 *     bits (the official assembler zero-extends a 16-bit value).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_lex.h"
#include "asm_tables.h"
#include "rkbpf.h"

struct asm_label {
	const char *name;   /* NULL: an empty hash slot */
	size_t len;
	size_t slot;        /* the instruction slot the label stands before */
	size_t line_no;
};

/* A jump or call to a label, patched when all labels are known. */
struct asm_fixup {
	struct rk_asm_token label;
	size_t slot;
	size_t line_no;
	uint8_t form;
};

struct assembler {
	struct rk_insn *insns;
	size_t insn_count, insn_cap;
	struct asm_label *labels;     /* open addressing; label_cap is a power of two */
	size_t label_count, label_cap;
	struct asm_fixup *fixups;
	size_t fixup_count, fixup_cap;
	bool has_exit;
	size_t first_exit_slot;       /* where the implicit label "exit" points */
	size_t line_no;
	char *err;
	size_t err_len;
};

__attribute__((format(printf, 2, 3))) static int asm_fail(struct assembler *as,
                                                          const char *fmt, ...)
{
	if (!as->err || !as->err_len)
		return -EINVAL;
	int prefix_len = snprintf(as->err, as->err_len, "line %zu: ", as->line_no);
	if (prefix_len < 0 || (size_t)prefix_len >= as->err_len)
		return -EINVAL;
	va_list args;
	va_start(args, fmt);
	vsnprintf(as->err + prefix_len, as->err_len - (size_t)prefix_len, fmt, args);
	va_end(args);
	return -EINVAL;
}

static int asm_out_of_memory(struct assembler *as)
{
	if (as->err && as->err_len)
		snprintf(as->err, as->err_len, "line %zu: out of memory", as->line_no);
	return -ENOMEM;
}

/* Make room for needed elements in a doubling array; 0 or -ENOMEM. */
static int grow(void **array, size_t *cap, size_t elem_size, size_t needed)
{
	if (needed <= *cap)
		return 0;
	size_t new_cap = *cap ? *cap : 16;
	while (new_cap < needed) {
		if (new_cap > SIZE_MAX / 2)
			return -ENOMEM;
		new_cap *= 2;
	}
	if (new_cap > SIZE_MAX / elem_size)
		return -ENOMEM;
	void *bigger = realloc(*array, new_cap * elem_size);
	if (!bigger)
		return -ENOMEM;
	*array = bigger;
	*cap = new_cap;
	return 0;
}

/* ---- labels: a small open-addressing hash table ---------------------- */

static size_t label_hash(const char *name, size_t len)
{
	uint64_t hash = 0xcbf29ce484222325u; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		hash ^= (uint8_t)name[i];
		hash *= 0x100000001b3u;
	}
	return (size_t)hash;
}

/* The slot holding name, or the empty slot where it would go. */
static struct asm_label *label_slot(struct asm_label *labels, size_t cap, const char *name,
                                    size_t len)
{
	size_t mask = cap - 1;
	for (size_t i = label_hash(name, len) & mask;; i = (i + 1) & mask) {
		struct asm_label *label = &labels[i];
		if (!label->name || (label->len == len && memcmp(label->name, name, len) == 0))
			return label;
	}
}

static const struct asm_label *label_find(const struct assembler *as, const char *name,
                                          size_t len)
{
	if (!as->label_cap)
		return NULL;
	const struct asm_label *label = label_slot(as->labels, as->label_cap, name, len);
	return label->name ? label : NULL;
}

static int label_define(struct assembler *as, const struct rk_asm_token *token)
{
	size_t len = token->len - 1; /* without the ':' */
	if (!rk_asm_is_label_name(token->text, len))
		return asm_fail(as, "invalid label name '%.*s'", RK_ASM_TOKEN_ARG(token));
	const struct asm_label *previous = label_find(as, token->text, len);
	if (previous)
		return asm_fail(as, "duplicate label '%.*s' (first defined on line %zu)",
		                (int)(len < RK_ASM_QUOTE_MAX ? len : RK_ASM_QUOTE_MAX), token->text,
		                previous->line_no);
	/* Keep the table at most half full so that probes stay short and always end. */
	if ((as->label_count + 1) * 2 > as->label_cap) {
		size_t new_cap = as->label_cap ? as->label_cap * 2 : 64;
		if (new_cap > SIZE_MAX / sizeof(struct asm_label) / 2)
			return asm_out_of_memory(as);
		struct asm_label *bigger = calloc(new_cap, sizeof(*bigger));
		if (!bigger)
			return asm_out_of_memory(as);
		for (size_t i = 0; i < as->label_cap; i++) {
			const struct asm_label *old = &as->labels[i];
			if (old->name)
				*label_slot(bigger, new_cap, old->name, old->len) = *old;
		}
		free(as->labels);
		as->labels = bigger;
		as->label_cap = new_cap;
	}
	struct asm_label *label = label_slot(as->labels, as->label_cap, token->text, len);
	label->name = token->text;
	label->len = len;
	label->slot = as->insn_count;
	label->line_no = as->line_no;
	as->label_count++;
	return 0;
}

/* ---- operands --------------------------------------------------------- */

static int parse_reg(struct assembler *as, const struct rk_asm_token *token, uint8_t *reg)
{
	if (!rk_asm_parse_register(token, reg))
		return asm_fail(as, "invalid register '%.*s' (expected %%r0..%%r10)",
		                RK_ASM_TOKEN_ARG(token));
	return 0;
}

/* An immediate of bits (32 or 64) bits, signed or unsigned; its bit pattern. */
static int parse_imm(struct assembler *as, const struct rk_asm_token *token, unsigned bits,
                     uint64_t *pattern)
{
	bool negative;
	uint64_t magnitude;
	enum rk_asm_number parsed = rk_asm_parse_number(token, &negative, &magnitude);
	if (parsed == RK_ASM_NUMBER_INVALID)
		return asm_fail(as, "invalid immediate '%.*s'", RK_ASM_TOKEN_ARG(token));
	if (parsed == RK_ASM_NUMBER_TOO_BIG || !rk_asm_fits(negative, magnitude, bits, true, pattern))
		return asm_fail(as, "immediate %.*s does not fit in %u bits",
		                RK_ASM_TOKEN_ARG(token), bits);
	return 0;
}

static int parse_imm32(struct assembler *as, const struct rk_asm_token *token, int32_t *imm)
{
	uint64_t pattern;
	int rc = parse_imm(as, token, 32, &pattern);
	if (rc == 0)
		*imm = (int32_t)(uint32_t)pattern;
	return rc;
}

/* "[%rN]", "[%rN+off]", "[%rN-off]": the register and the 16-bit offset. */
static int parse_mem(struct assembler *as, const struct rk_asm_token *token, uint8_t *reg,
                     int16_t *off)
{
	struct rk_asm_token reg_token, offset_token;
	bool has_offset, negative;
	if (!rk_asm_split_memory(token, &reg_token, &has_offset, &negative, &offset_token))
		return asm_fail(as, "invalid memory operand '%.*s' (expected [%%rN+offset])",
		                RK_ASM_TOKEN_ARG(token));
	if (!rk_asm_parse_register(&reg_token, reg))
		return asm_fail(as, "invalid register '%.*s' in '%.*s'", RK_ASM_TOKEN_ARG(&reg_token),
		                RK_ASM_TOKEN_ARG(token));
	*off = 0;
	if (!has_offset)
		return 0;
	bool unused_sign;
	uint64_t magnitude, pattern;
	enum rk_asm_number parsed = rk_asm_parse_number(&offset_token, &unused_sign, &magnitude);
	if (parsed == RK_ASM_NUMBER_INVALID)
		return asm_fail(as, "invalid offset in '%.*s'", RK_ASM_TOKEN_ARG(token));
	if (parsed == RK_ASM_NUMBER_TOO_BIG || !rk_asm_fits(negative, magnitude, 16, true, &pattern))
		return asm_fail(as, "offset in '%.*s' does not fit in 16 bits",
		                RK_ASM_TOKEN_ARG(token));
	*off = (int16_t)(uint16_t)pattern;
	return 0;
}

/* How many bits hold the relative target of a form: off (16) or imm (32). */
static unsigned target_bits(uint8_t form)
{
	return form == RK_FORM_JA32 || form == RK_FORM_CALL_LOCAL ? 32 : 16;
}

static void set_target(struct rk_insn *insn, uint8_t form, int64_t relative)
{
	if (target_bits(form) == 32)
		insn->imm = (int32_t)relative;
	else
		insn->off = (int16_t)relative;
}

/* "+N" / "-N" are set now; a label becomes a fixup for the insn at slot. */
static int parse_target(struct assembler *as, const struct rk_asm_token *token, uint8_t form,
                        struct rk_insn *insn)
{
	if (token->text[0] == '+' || token->text[0] == '-') {
		bool negative;
		uint64_t magnitude, pattern;
		enum rk_asm_number parsed = rk_asm_parse_number(token, &negative, &magnitude);
		if (parsed == RK_ASM_NUMBER_INVALID)
			return asm_fail(as, "invalid jump target '%.*s'", RK_ASM_TOKEN_ARG(token));
		if (parsed == RK_ASM_NUMBER_TOO_BIG ||
		    !rk_asm_fits(negative, magnitude, target_bits(form), false, &pattern))
			return asm_fail(as, "jump offset out of range: %.*s does not fit in %u bits",
			                RK_ASM_TOKEN_ARG(token), target_bits(form));
		set_target(insn, form, (int64_t)pattern);
		return 0;
	}
	if (!rk_asm_is_label_name(token->text, token->len))
		return asm_fail(as, "invalid jump target '%.*s' (expected a label or +N/-N)",
		                RK_ASM_TOKEN_ARG(token));
	if (grow((void **)&as->fixups, &as->fixup_cap, sizeof(*as->fixups), as->fixup_count + 1))
		return asm_out_of_memory(as);
	struct asm_fixup *fixup = &as->fixups[as->fixup_count++];
	fixup->label = *token;
	fixup->slot = as->insn_count;
	fixup->line_no = as->line_no;
	fixup->form = form;
	return 0;
}

/* ---- instructions ----------------------------------------------------- */

static size_t form_operand_count(uint8_t form)
{
	switch (form) {
	case RK_FORM_EXIT:
		return 0;
	case RK_FORM_NEG:
	case RK_FORM_END:
	case RK_FORM_JA:
	case RK_FORM_JA32:
	case RK_FORM_CALL:
	case RK_FORM_CALL_LOCAL:
		return 1;
	case RK_FORM_JCOND:
		return 3;
	default:
		return 2;
	}
}

/* Which operand, when it is a register, selects the RK_SRC_X variant. */
static size_t form_source_operand(uint8_t form)
{
	return form == RK_FORM_CALL ? 0 : 1;
}

static int emit(struct assembler *as, const struct rk_insn *insn)
{
	if (grow((void **)&as->insns, &as->insn_cap, sizeof(*as->insns), as->insn_count + 1))
		return asm_out_of_memory(as);
	as->insns[as->insn_count++] = *insn;
	return 0;
}

/* Parse the operands that the form takes into insn's fields. */
static int encode_operands(struct assembler *as, const struct rk_mnemonic *mnemonic,
                           const struct rk_asm_token *ops, bool src_x, struct rk_insn *insn,
                           uint64_t *imm64)
{
	uint8_t dst = 0, src = 0;
	int16_t off = 0;
	int rc = 0;
	switch (mnemonic->form) {
	case RK_FORM_ALU:
	case RK_FORM_MOVSX:
		rc = parse_reg(as, &ops[0], &dst);
		if (rc == 0 && (src_x || mnemonic->form == RK_FORM_MOVSX))
			rc = parse_reg(as, &ops[1], &src);
		else if (rc == 0)
			rc = parse_imm32(as, &ops[1], &insn->imm);
		break;
	case RK_FORM_NEG:
	case RK_FORM_END:
		rc = parse_reg(as, &ops[0], &dst);
		break;
	case RK_FORM_LDDW:
		rc = parse_reg(as, &ops[0], &dst);
		if (rc == 0)
			rc = parse_imm(as, &ops[1], 64, imm64);
		break;
	case RK_FORM_LDX:
		rc = parse_reg(as, &ops[0], &dst);
		if (rc == 0)
			rc = parse_mem(as, &ops[1], &src, &off);
		break;
	case RK_FORM_ST:
		rc = parse_mem(as, &ops[0], &dst, &off);
		if (rc == 0)
			rc = parse_imm32(as, &ops[1], &insn->imm);
		break;
	case RK_FORM_STX:
	case RK_FORM_ATOMIC:
		rc = parse_mem(as, &ops[0], &dst, &off);
		if (rc == 0)
			rc = parse_reg(as, &ops[1], &src);
		break;
	case RK_FORM_JA:
	case RK_FORM_JA32:
	case RK_FORM_CALL_LOCAL:
		return parse_target(as, &ops[0], mnemonic->form, insn);
	case RK_FORM_JCOND:
		rc = parse_reg(as, &ops[0], &dst);
		if (rc == 0 && src_x)
			rc = parse_reg(as, &ops[1], &src);
		else if (rc == 0)
			rc = parse_imm32(as, &ops[1], &insn->imm);
		if (rc == 0)
			rc = parse_target(as, &ops[2], mnemonic->form, insn);
		break;
	case RK_FORM_CALL:
		if (src_x)
			rc = parse_reg(as, &ops[0], &dst);
		else
			rc = parse_imm32(as, &ops[0], &insn->imm);
		break;
	case RK_FORM_EXIT:
	default:
		break;
	}
	insn->dst_reg = dst & 0xf;
	insn->src_reg = src & 0xf;
	if (mnemonic->form != RK_FORM_JCOND)
		insn->off = off; /* a conditional jump's off is its target, already set */
	return rc;
}

/* "lddw %rD, KIND imm[, next_imm]": a map or variable reference for the loader. */
static int encode_lddw_pseudo(struct assembler *as, const struct rk_mnemonic *mnemonic,
                              const struct rk_asm_token *ops, size_t op_count)
{
	const struct rk_lddw_kind *kind = rk_lddw_kind_by_name(ops[1].text, ops[1].len);
	if (!kind)
		return asm_fail(as, "'%.*s' is not an lddw source (map_by_fd, map_val_by_fd, "
		                "map_by_idx, map_val_by_idx, var_addr, code_addr)",
		                RK_ASM_TOKEN_ARG(&ops[1]));
	size_t expected = kind->has_next_imm ? 4 : 3;
	if (op_count != expected)
		return asm_fail(as, "'lddw ... %s' takes %zu operand%s after the kind, got %zu",
		                kind->keyword, expected - 2, expected == 3 ? "" : "s", op_count - 2);
	struct rk_insn insn, high;
	memset(&insn, 0, sizeof(insn));
	memset(&high, 0, sizeof(high));
	insn.code = mnemonic->code;
	insn.src_reg = kind->src_reg;
	uint8_t dst = 0;
	int rc = parse_reg(as, &ops[0], &dst);
	if (rc == 0)
		rc = parse_imm32(as, &ops[2], &insn.imm);
	if (rc == 0 && kind->has_next_imm)
		rc = parse_imm32(as, &ops[3], &high.imm);
	if (rc)
		return rc;
	insn.dst_reg = dst & 0xf;
	rc = emit(as, &insn);
	return rc ? rc : emit(as, &high);
}

static int encode(struct assembler *as, const struct rk_mnemonic *mnemonic,
                  const struct rk_asm_token *ops, size_t op_count)
{
	if (mnemonic->form == RK_FORM_LDDW && op_count > 2)
		return encode_lddw_pseudo(as, mnemonic, ops, op_count);
	size_t expected = form_operand_count(mnemonic->form);
	if (op_count != expected)
		return asm_fail(as, "'%s' takes %zu operand%s, got %zu", mnemonic->name, expected,
		                expected == 1 ? "" : "s", op_count);
	bool src_x = rk_form_has_src_x(mnemonic) &&
	             ops[form_source_operand(mnemonic->form)].text[0] == '%';

	struct rk_insn insn;
	memset(&insn, 0, sizeof(insn));
	insn.code = (uint8_t)(mnemonic->code | (src_x ? RK_SRC_X : RK_SRC_K));
	uint64_t imm64 = 0;
	int rc = encode_operands(as, mnemonic, ops, src_x, &insn, &imm64);
	if (rc)
		return rc;

	/* Whatever the operands do not fill is what the shared rule says. */
	struct rk_insn_rule rule = rk_asm_rule(mnemonic, src_x);
	if (!rule.dst.operand)
		insn.dst_reg = (uint8_t)rule.dst.value & 0xf;
	if (!rule.src.operand)
		insn.src_reg = (uint8_t)rule.src.value & 0xf;
	if (!rule.off.operand)
		insn.off = (int16_t)rule.off.value;
	if (!rule.imm.operand)
		insn.imm = rule.imm.value;

	if (mnemonic->form == RK_FORM_EXIT && !as->has_exit) {
		as->has_exit = true;
		as->first_exit_slot = as->insn_count;
	}
	if (mnemonic->form != RK_FORM_LDDW)
		return emit(as, &insn);

	struct rk_insn high;
	memset(&high, 0, sizeof(high));
	insn.imm = (int32_t)(uint32_t)imm64;
	high.imm = (int32_t)(uint32_t)(imm64 >> 32);
	rc = emit(as, &insn);
	return rc ? rc : emit(as, &high);
}

/* Append word to the mnemonic being built in name; false if it does not fit. */
static bool name_append(char *name, size_t name_size, size_t *name_len,
                        const struct rk_asm_token *word)
{
	size_t needed = *name_len + (*name_len ? 1 : 0) + word->len;
	if (needed >= name_size)
		return false;
	if (*name_len)
		name[(*name_len)++] = ' ';
	memcpy(name + *name_len, word->text, word->len);
	*name_len += word->len;
	name[*name_len] = '\0';
	return true;
}

static int assemble_line(struct assembler *as, const char *start, const char *end)
{
	struct rk_asm_line line;
	char lex_err[RK_ERR_LEN];
	if (rk_asm_lex_line(start, end, &line, lex_err, sizeof(lex_err)))
		return asm_fail(as, "%s", lex_err);

	const struct rk_asm_token *tokens = line.tokens;
	size_t count = line.token_count, next = 0;
	while (next < count && tokens[next].text[tokens[next].len - 1] == ':') {
		int rc = label_define(as, &tokens[next]);
		if (rc)
			return rc;
		next++;
	}
	if (next == count)
		return 0;

	/*
	 * The mnemonic may be several words: "lock [fetch] OP" and
	 * "call local|runtime"; "call helper N" is "call N".
	 */
	char name[48] = "";
	size_t name_len = 0;
	const struct rk_asm_token *first = &tokens[next++];
	bool fits = name_append(name, sizeof(name), &name_len, first);
	if (rk_asm_token_is(first, "lock")) {
		if (next < count && rk_asm_token_is(&tokens[next], "fetch"))
			fits = fits && name_append(name, sizeof(name), &name_len, &tokens[next++]);
		if (next == count)
			return asm_fail(as, "'%s' needs an operation (add, or, and, xor, xchg, cmpxchg)",
			                name);
		fits = fits && name_append(name, sizeof(name), &name_len, &tokens[next++]);
	} else if (rk_asm_token_is(first, "call") && next < count) {
		if (rk_asm_token_is(&tokens[next], "local") || rk_asm_token_is(&tokens[next], "runtime"))
			fits = fits && name_append(name, sizeof(name), &name_len, &tokens[next++]);
		else if (rk_asm_token_is(&tokens[next], "helper"))
			next++;
	}
	const struct rk_mnemonic *mnemonic = fits ? rk_mnemonic_find(name, name_len) : NULL;
	if (!mnemonic) {
		const struct rk_asm_token *last = &tokens[next - 1];
		struct rk_asm_token whole = { first->text, (size_t)(last->text + last->len - first->text) };
		return asm_fail(as, "unknown mnemonic '%.*s'", RK_ASM_TOKEN_ARG(&whole));
	}
	return encode(as, mnemonic, &tokens[next], count - next);
}

static int resolve_fixups(struct assembler *as)
{
	for (size_t i = 0; i < as->fixup_count; i++) {
		const struct asm_fixup *fixup = &as->fixups[i];
		const struct rk_asm_token *name = &fixup->label;
		as->line_no = fixup->line_no;
		const struct asm_label *label = label_find(as, name->text, name->len);
		size_t target;
		if (label) {
			target = label->slot;
		} else if (as->has_exit && rk_asm_token_is(name, "exit")) {
			target = as->first_exit_slot;
		} else {
			bool numeric = name->text[0] >= '0' && name->text[0] <= '9';
			return asm_fail(as, "undefined label '%.*s'%s", RK_ASM_TOKEN_ARG(name),
			                numeric ? " (a relative target is written +N or -N)" : "");
		}
		/* Both are below the slot count, itself bounded by the source length. */
		int64_t relative = (int64_t)target - (int64_t)fixup->slot - 1;
		int64_t limit = target_bits(fixup->form) == 32 ? INT32_MAX : INT16_MAX;
		if (relative > limit || relative < -limit - 1)
			return asm_fail(as, "jump offset out of range: '%.*s' is %lld slots away",
			                RK_ASM_TOKEN_ARG(name), (long long)relative);
		set_target(&as->insns[fixup->slot], fixup->form, relative);
	}
	return 0;
}

int rk_asm(const char *source, struct rk_insn **insns_out, size_t *insn_count_out, char *err,
           size_t err_len)
{
	struct assembler as;
	memset(&as, 0, sizeof(as));
	as.err = err;
	as.err_len = err_len;
	if (err && err_len)
		err[0] = '\0';
	if (!source || !insns_out || !insn_count_out)
		return asm_fail(&as, "no source or no output");
	*insns_out = NULL;
	*insn_count_out = 0;

	/* Allocate now so that even an empty program returns a pointer to free. */
	int rc = grow((void **)&as.insns, &as.insn_cap, sizeof(*as.insns), 1);
	if (rc)
		return asm_out_of_memory(&as);
	const char *line_start = source;
	while (rc == 0 && *line_start) {
		const char *line_end = line_start;
		while (*line_end && *line_end != '\n')
			line_end++;
		as.line_no++;
		rc = assemble_line(&as, line_start, line_end);
		line_start = *line_end ? line_end + 1 : line_end;
	}
	if (rc == 0)
		rc = resolve_fixups(&as);
	free(as.labels);
	free(as.fixups);
	if (rc) {
		free(as.insns);
		return rc;
	}
	*insns_out = as.insns;
	*insn_count_out = as.insn_count;
	return 0;
}
