/*
 * asm_lex.c - tokens, numbers, registers and memory operands of the
 * bpf_conformance assembly syntax (see asm_lex.h).
 *
 * Everything here reads a bounded slice of the caller's text and never
 * allocates: the assembler's input is untrusted (it is fuzzed), so every
 * scan stops at the slice's end, never at a terminator it hopes to find.
 */
#include "asm_lex.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_separator(char c)
{
	return is_blank(c) || c == ',';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rk_asm_lex_line(const char *start, const char *end, struct rk_asm_line *line, char *err,
                    size_t err_len)
{
	const char *comment = memchr(start, '#', (size_t)(end - start));
	if (comment)
		end = comment;
	line->token_count = 0;
	const char *cursor = start;
	for (;;) {
		while (cursor < end && is_separator(*cursor))
			cursor++;
		if (cursor == end)
			return 0;
		if (line->token_count == RK_ASM_MAX_TOKENS) {
			snprintf(err, err_len, "too many operands");
			return -EINVAL;
		}
		const char *token_start = cursor;
		bool in_brackets = false;
		while (cursor < end) {
			char c = *cursor;
			if (in_brackets) {
				in_brackets = c != ']';
			} else if (c == '[') {
				in_brackets = true;
			} else if (is_separator(c)) {
				break;
			}
			cursor++;
		}
		struct rk_asm_token *token = &line->tokens[line->token_count++];
		token->text = token_start;
		token->len = (size_t)(cursor - token_start);
		if (in_brackets) {
			snprintf(err, err_len, "missing ']' in '%.*s'", RK_ASM_TOKEN_ARG(token));
			return -EINVAL;
		}
	}
}

bool rk_asm_token_is(const struct rk_asm_token *token, const char *word)
{
	size_t word_len = strlen(word);
	return token->len == word_len && memcmp(token->text, word, word_len) == 0;
}

enum rk_asm_number rk_asm_parse_number(const struct rk_asm_token *token, bool *negative,
                                       uint64_t *magnitude)
{
	const char *text = token->text;
	size_t len = token->len, pos = 0;
	*negative = false;
	*magnitude = 0;
	if (pos < len && (text[pos] == '+' || text[pos] == '-')) {
		*negative = text[pos] == '-';
		pos++;
	}
	unsigned base = 10;
	if (len - pos > 2 && text[pos] == '0' && (text[pos + 1] == 'x' || text[pos + 1] == 'X')) {
		base = 16;
		pos += 2;
	}
	if (pos == len)
		return RK_ASM_NUMBER_INVALID;
	bool too_big = false;
	uint64_t value = 0;
	for (; pos < len; pos++) {
		int digit = base == 16 ? hex_value(text[pos]) : (is_digit(text[pos]) ? text[pos] - '0' : -1);
		if (digit < 0)
			return RK_ASM_NUMBER_INVALID;
		/* Keep scanning after an overflow: "12x" is invalid, not too big. */
		if (value > (UINT64_MAX - (uint64_t)digit) / base)
			too_big = true;
		else
			value = value * base + (uint64_t)digit;
	}
	if (too_big)
		return RK_ASM_NUMBER_TOO_BIG;
	*magnitude = value;
	return RK_ASM_NUMBER_OK;
}

bool rk_asm_fits(bool negative, uint64_t magnitude, unsigned bits, bool allow_unsigned,
                 uint64_t *pattern)
{
	uint64_t half = (uint64_t)1 << (bits - 1);            /* 2^(bits-1) */
	uint64_t unsigned_max = half - 1 + half;               /* 2^bits - 1, even for 64 */
	uint64_t positive_max = allow_unsigned ? unsigned_max : half - 1;
	if (negative ? magnitude > half : magnitude > positive_max)
		return false;
	*pattern = negative ? (uint64_t)0 - magnitude : magnitude;
	return true;
}

bool rk_asm_parse_register(const struct rk_asm_token *token, uint8_t *reg)
{
	const char *text = token->text;
	size_t len = token->len;
	if (len < 3 || len > 4 || text[0] != '%' || text[1] != 'r' || !is_digit(text[2]))
		return false;
	unsigned value = (unsigned)(text[2] - '0');
	if (len == 4) {
		/* No leading zero: "%r01" is not a register in the official syntax either. */
		if (value == 0 || !is_digit(text[3]))
			return false;
		value = value * 10 + (unsigned)(text[3] - '0');
	}
	if (value > 15)
		return false;
	*reg = (uint8_t)value;
	return true;
}

bool rk_asm_split_memory(const struct rk_asm_token *token, struct rk_asm_token *reg,
                         bool *has_offset, bool *offset_negative, struct rk_asm_token *offset)
{
	const char *text = token->text;
	size_t len = token->len;
	if (len < 2 || text[0] != '[' || text[len - 1] != ']')
		return false;
	size_t pos = 1, close = len - 1;
	while (pos < close && is_blank(text[pos]))
		pos++;
	reg->text = text + pos;
	while (pos < close && !is_blank(text[pos]) && text[pos] != '+' && text[pos] != '-')
		pos++;
	reg->len = (size_t)(text + pos - reg->text);
	while (pos < close && is_blank(text[pos]))
		pos++;
	*has_offset = pos < close;
	*offset_negative = false;
	offset->text = text + close;
	offset->len = 0;
	if (!*has_offset)
		return true;
	if (text[pos] != '+' && text[pos] != '-')
		return false;
	*offset_negative = text[pos] == '-';
	pos++;
	while (pos < close && is_blank(text[pos]))
		pos++;
	/* The digits only: the sign was the separator, "[%r1+-8]" is malformed. */
	if (pos == close || !is_digit(text[pos]))
		return false;
	offset->text = text + pos;
	while (pos < close && !is_blank(text[pos]))
		pos++;
	offset->len = (size_t)(text + pos - offset->text);
	while (pos < close && is_blank(text[pos]))
		pos++;
	return pos == close;
}

bool rk_asm_is_label_name(const char *text, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
		          c == '.' || c == '$';
		if (!ok)
			return false;
	}
	return true;
}
