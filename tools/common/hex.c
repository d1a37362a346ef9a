/*
 * hex.c - hex text to bytes for the command-line tools.
 */
#include "hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int rk_hex_parse(const char *text, uint8_t **bytes_out, size_t *len_out, char *err,
                 size_t err_len)
{
	size_t len = 0;
	uint8_t *bytes = malloc(strlen(text) / 2 + 1);
	if (!bytes) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	for (size_t pos = 0; text[pos];) {
		if (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r') {
			pos++;
			continue;
		}
		int high = hex_value(text[pos]);
		int low = high < 0 ? -1 : hex_value(text[pos + 1]);
		if (high < 0 || low < 0) {
			size_t bad = high < 0 ? pos : pos + 1;
			snprintf(err, err_len, "character %zu ('%c') is not a hex digit of a byte pair",
			         bad + 1, text[bad] ? text[bad] : '?');
			free(bytes);
			return -EINVAL;
		}
		bytes[len++] = (uint8_t)(high << 4 | low);
		pos += 2;
	}
	*bytes_out = bytes;
	*len_out = len;
	return 0;
}
