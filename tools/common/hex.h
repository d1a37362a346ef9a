/*
 * hex.h - "b7 00 00 00 ..." text <-> bytes, the form the conformance
 * plugin protocol and rkctl's --mem option use.
 */
#ifndef RK_TOOLS_HEX_H
#define RK_TOOLS_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse hex bytes separated (or not) by whitespace into a malloc'd buffer.
 * Returns 0, or -EINVAL with err naming the offending character position.
 */
int rk_hex_parse(const char *text, uint8_t **bytes_out, size_t *len_out, char *err,
                 size_t err_len);

#endif
