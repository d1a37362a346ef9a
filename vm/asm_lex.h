/*
 * asm_lex.h - the assembler's lexer: splits one line of bpf_conformance
 * assembly into tokens and reads registers, numbers and memory operands
 * out of them.  Private to vm/asm*.c.
 *
 * Tokens point into the caller's source text (nothing is copied or
 * allocated), so they live as long as the source does.  None of these
 * functions writes a line number: the caller (asm.c) knows it and prefixes
 * every message with it.
 */
#ifndef RK_ASM_LEX_H
#define RK_ASM_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest line: two labels, "lock fetch add32 [%r1+8], %r2". */
#define RK_ASM_MAX_TOKENS 8

/* Tokens are quoted in messages up to this many bytes. */
#define RK_ASM_QUOTE_MAX 40

struct rk_asm_token {
	const char *text;   /* not NUL-terminated */
	size_t len;
};

struct rk_asm_line {
	struct rk_asm_token tokens[RK_ASM_MAX_TOKENS];
	size_t token_count;
};

/* printf arguments for a token quoted as "%.*s" (cut to RK_ASM_QUOTE_MAX). */
#define RK_ASM_TOKEN_ARG(token) \
	(int)((token)->len < RK_ASM_QUOTE_MAX ? (token)->len : RK_ASM_QUOTE_MAX), (token)->text

/*
 * Split the line [start, end) into tokens: '#' starts a comment, tokens are
 * separated by blanks and commas, and a memory operand "[%r1 + 8]" is one
 * token even with blanks inside.  Returns 0, or -EINVAL with the problem in
 * err.
 */
int rk_asm_lex_line(const char *start, const char *end, struct rk_asm_line *line, char *err,
                    size_t err_len);

/* Is the token exactly word? */
bool rk_asm_token_is(const struct rk_asm_token *token, const char *word);

enum rk_asm_number {
	RK_ASM_NUMBER_OK,
	RK_ASM_NUMBER_INVALID,    /* not [+-]digits or [+-]0xhexdigits */
	RK_ASM_NUMBER_TOO_BIG,    /* magnitude above 2^64 - 1 */
};

/* Read [+-]?(0x[0-9a-fA-F]+|[0-9]+), the whole token. */
enum rk_asm_number rk_asm_parse_number(const struct rk_asm_token *token, bool *negative,
                                       uint64_t *magnitude);

/*
 * Does -magnitude (negative) or +magnitude fit in bits (1..64) as a signed
 * value, or, when allow_unsigned, as an unsigned one?  If so, *pattern is
 * its two's complement bit pattern.
 */
bool rk_asm_fits(bool negative, uint64_t magnitude, unsigned bits, bool allow_unsigned,
                 uint64_t *pattern);

/* "%r0" .. "%r15" (r11-r15 exist only for negative tests; the validator rejects them). */
bool rk_asm_parse_register(const struct rk_asm_token *token, uint8_t *reg);

/*
 * Split a memory operand "[REG]" or "[REG+NUM]" / "[REG-NUM]" into its
 * register token and, if present, the sign and digits of the offset.
 * Returns false when the token does not have that shape; the parts are
 * checked by the caller.
 */
bool rk_asm_split_memory(const struct rk_asm_token *token, struct rk_asm_token *reg,
                         bool *has_offset, bool *offset_negative, struct rk_asm_token *offset);

/* Labels are [A-Za-z0-9_.$]+ (the official assembler takes any word). */
bool rk_asm_is_label_name(const char *text, size_t len);

#endif /* RK_ASM_LEX_H */
