/*
 * map_codec.c - JSON -> bytes by walking BTF (ints, bitfields, enums by
 * name, structs and unions by member name, arrays, char arrays from
 * strings); bytes -> JSON by rk_btf_to_json.  Host byte order: rkBPF runs
 * on the machine it was built for, and maps hold host-order values.
 */
#include "map_codec.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODEC_PATH_LEN 256
#define CODEC_MAX_DEPTH 32
#define DECODE_JSON_LEN (64u * 1024)
#define BITS_PER_BYTE 8u

struct encode {
	const struct rk_btf *btf;
	uint8_t *out;
	size_t size;
	char *err;
	size_t err_len;
};

static int fail(struct encode *enc, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct encode *enc, const char *path, const char *fmt, ...)
{
	int used = snprintf(enc->err, enc->err_len, "%s: ", path);
	if (used > 0 && (size_t)used < enc->err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(enc->err + used, enc->err_len - (size_t)used, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *type_name(const struct rk_btf *btf, const struct btf_type *t)
{
	const char *name = rk_btf_str(btf, t->name_off);
	return *name ? name : "(anonymous)";
}

/* Little-endian bit field write: rkBPF's JITs and maps are little-endian hosts. */
static void write_bits(uint8_t *out, uint64_t bit_off, uint32_t bits, uint64_t value)
{
	for (uint32_t i = 0; i < bits; i++) {
		uint64_t bit = bit_off + i;
		uint8_t mask = (uint8_t)(1u << (bit % BITS_PER_BYTE));
		if ((value >> i) & 1)
			out[bit / BITS_PER_BYTE] |= mask;
		else
			out[bit / BITS_PER_BYTE] &= (uint8_t)~mask;
	}
}

static int json_to_u64(struct encode *enc, const char *path, json_t *value, bool is_signed,
                       uint32_t bits, uint64_t *out)
{
	json_int_t number;
	if (json_is_integer(value)) {
		number = json_integer_value(value);
	} else if (json_is_boolean(value)) {
		number = json_is_true(value);
	} else if (json_is_string(value)) {
		/* "0x10" and big unsigned values that JSON numbers (int64) cannot carry. */
		const char *text = json_string_value(value);
		char *end;
		errno = 0;
		if (text[0] == '-') {
			long long parsed = strtoll(text, &end, 0);
			number = parsed;
		} else {
			unsigned long long parsed = strtoull(text, &end, 0);
			if (!errno && !*end && *text && bits == 64 && !is_signed) {
				*out = parsed;
				return 0;
			}
			number = (json_int_t)parsed;
			if (parsed > INT64_MAX)
				errno = ERANGE;
		}
		if (errno || !*text || *end)
			return fail(enc, path, "\"%s\" is not an integer", text);
	} else {
		return fail(enc, path, "wants an integer");
	}
	if (is_signed) {
		int64_t min = bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
		int64_t max = bits >= 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
		if (number < min || number > max)
			return fail(enc, path, "%" PRId64 " does not fit in a signed %u-bit integer "
			                       "(%" PRId64 "..%" PRId64 ")",
			            (int64_t)number, bits, min, max);
	} else {
		uint64_t max = bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
		if (number < 0 || (uint64_t)number > max)
			return fail(enc, path, "%" PRId64 " does not fit in an unsigned %u-bit integer "
			                       "(0..%" PRIu64 ")",
			            (int64_t)number, bits, max);
	}
	*out = (uint64_t)number;
	return 0;
}

static int encode_type(struct encode *enc, uint32_t id, json_t *value, uint64_t bit_off,
                       uint32_t bitfield_bits, const char *path, int depth);

static int encode_int(struct encode *enc, const struct btf_type *t, json_t *value,
                      uint64_t bit_off, uint32_t bitfield_bits, const char *path)
{
	uint32_t info = *(const uint32_t *)(t + 1);
	uint32_t bits = bitfield_bits ? bitfield_bits : BTF_INT_BITS(info);
	bool is_signed = BTF_INT_ENCODING(info) & BTF_INT_SIGNED;
	uint64_t number;
	if (BTF_INT_ENCODING(info) & BTF_INT_BOOL && !json_is_boolean(value) &&
	    !json_is_integer(value))
		return fail(enc, path, "wants true or false");
	int rc = json_to_u64(enc, path, value, is_signed, bits, &number);
	if (rc)
		return rc;
	write_bits(enc->out, bit_off + BTF_INT_OFFSET(info), bits, number);
	return 0;
}

static int encode_enum(struct encode *enc, const struct btf_type *t, json_t *value,
                       uint64_t bit_off, uint32_t bitfield_bits, const char *path)
{
	uint32_t bits = bitfield_bits ? bitfield_bits : t->size * BITS_PER_BYTE;
	bool is64 = BTF_INFO_KIND(t->info) == BTF_KIND_ENUM64;
	if (json_is_string(value)) {
		const char *wanted = json_string_value(value);
		uint16_t count = BTF_INFO_VLEN(t->info);
		for (uint16_t i = 0; i < count; i++) {
			uint32_t name_off;
			uint64_t number;
			if (is64) {
				const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + i;
				name_off = e->name_off;
				number = ((uint64_t)e->val_hi32 << 32) | e->val_lo32;
			} else {
				const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;
				name_off = e->name_off;
				number = (uint64_t)(int64_t)e->val;
			}
			if (strcmp(rk_btf_str(enc->btf, name_off), wanted) == 0) {
				write_bits(enc->out, bit_off, bits, number);
				return 0;
			}
		}
		return fail(enc, path, "no value \"%s\" in enum %s", wanted, type_name(enc->btf, t));
	}
	uint64_t number;
	int rc = json_to_u64(enc, path, value, BTF_INFO_KFLAG(t->info), bits, &number);
	if (rc)
		return rc;
	write_bits(enc->out, bit_off, bits, number);
	return 0;
}

static int encode_struct(struct encode *enc, const struct btf_type *t, json_t *value,
                         uint64_t bit_off, const char *path, int depth)
{
	bool is_union = BTF_INFO_KIND(t->info) == BTF_KIND_UNION;
	if (!json_is_object(value))
		return fail(enc, path, "wants a JSON object for %s %s", is_union ? "union" : "struct",
		            type_name(enc->btf, t));
	const struct btf_member *members = (const struct btf_member *)(t + 1);
	uint16_t count = BTF_INFO_VLEN(t->info);
	const char *field;
	json_t *field_value;
	json_object_foreach(value, field, field_value) {
		const struct btf_member *member = NULL;
		for (uint16_t i = 0; i < count && !member; i++)
			if (strcmp(rk_btf_str(enc->btf, members[i].name_off), field) == 0)
				member = &members[i];
		if (!member) {
			char names[256] = "";
			size_t used = 0;
			for (uint16_t i = 0; i < count && used < sizeof(names); i++) {
				int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
				                 rk_btf_str(enc->btf, members[i].name_off));
				if (n > 0)
					used += (size_t)n;
			}
			return fail(enc, path, "no member \"%s\" in %s %s (members: %s)", field,
			            is_union ? "union" : "struct", type_name(enc->btf, t), names);
		}
		uint32_t member_bit_off = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(member->offset)
		                                                   : member->offset;
		uint32_t member_bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BITFIELD_SIZE(member->offset)
		                                                : 0;
		char sub[CODEC_PATH_LEN];
		snprintf(sub, sizeof(sub), "%s.%s", path, field);
		int rc = encode_type(enc, member->type, field_value, bit_off + member_bit_off,
		                     member_bits, sub, depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

static bool is_char(const struct rk_btf *btf, uint32_t id)
{
	const struct btf_type *t = rk_btf_type_by_id(btf, rk_btf_skip_modifiers(btf, id));
	return t && BTF_INFO_KIND(t->info) == BTF_KIND_INT && t->size == 1;
}

static int encode_array(struct encode *enc, const struct btf_type *t, json_t *value,
                        uint64_t bit_off, const char *path, int depth)
{
	const struct btf_array *array = (const struct btf_array *)(t + 1);
	int64_t elem_size = rk_btf_type_size(enc->btf, array->type);
	if (elem_size <= 0)
		return fail(enc, path, "array of an unsized type");
	if (json_is_string(value) && is_char(enc->btf, array->type)) {
		size_t len = strlen(json_string_value(value));
		if (len >= array->nelems)
			return fail(enc, path, "string of %zu bytes does not fit in char[%u] with its NUL",
			            len, array->nelems);
		uint8_t *start = enc->out + bit_off / BITS_PER_BYTE;
		memset(start, 0, array->nelems);
		memcpy(start, json_string_value(value), len);
		return 0;
	}
	if (!json_is_array(value))
		return fail(enc, path, "wants a JSON array of up to %u elements", array->nelems);
	if (json_array_size(value) > array->nelems)
		return fail(enc, path, "%zu elements given, the array holds %u",
		            json_array_size(value), array->nelems);
	for (size_t i = 0; i < json_array_size(value); i++) {
		char sub[CODEC_PATH_LEN];
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		int rc = encode_type(enc, array->type, json_array_get(value, i),
		                     bit_off + i * (uint64_t)elem_size * BITS_PER_BYTE, 0, sub,
		                     depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

static int encode_type(struct encode *enc, uint32_t id, json_t *value, uint64_t bit_off,
                       uint32_t bitfield_bits, const char *path, int depth)
{
	if (depth > CODEC_MAX_DEPTH)
		return fail(enc, path, "types nested more than %d deep", CODEC_MAX_DEPTH);
	id = rk_btf_skip_modifiers(enc->btf, id);
	const struct btf_type *t = rk_btf_type_by_id(enc->btf, id);
	if (!t)
		return fail(enc, path, "BTF type %u is void or missing", id);
	int64_t size = rk_btf_type_size(enc->btf, id);
	if (size < 0 || bit_off + (uint64_t)size * BITS_PER_BYTE > enc->size * BITS_PER_BYTE)
		if (!bitfield_bits)
			return fail(enc, path, "type %s does not fit in %zu bytes", type_name(enc->btf, t),
			            enc->size);
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
		return encode_int(enc, t, value, bit_off, bitfield_bits, path);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return encode_enum(enc, t, value, bit_off, bitfield_bits, path);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return encode_struct(enc, t, value, bit_off, path, depth);
	case BTF_KIND_ARRAY:
		return encode_array(enc, t, value, bit_off, path, depth);
	case BTF_KIND_PTR:
		return fail(enc, path, "is a pointer; pointers cannot be set from outside");
	default:
		return fail(enc, path, "type kind %u cannot be set from JSON; use hex",
		            BTF_INFO_KIND(t->info));
	}
}

int rkd_map_encode(const struct rk_btf *btf, uint32_t type_id, json_t *value, void *out,
                   size_t size, const char *what, char *err, size_t err_len)
{
	struct encode enc = {.btf = btf, .out = out, .size = size, .err = err, .err_len = err_len};
	if (btf && type_id)
		return encode_type(&enc, type_id, value, 0, 0, what, 0);
	/* No type: a plain integer of the map's width, or nothing. */
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return fail(&enc, what, "the map has no BTF type for its %ss and they are %zu bytes: "
		                        "give the %s as hex (--hex)",
		            what, size, what);
	uint64_t number;
	int rc = json_to_u64(&enc, what, value, json_is_integer(value) &&
	                                             json_integer_value(value) < 0,
	                     (uint32_t)size * BITS_PER_BYTE, &number);
	if (rc)
		return rc;
	write_bits(out, 0, (uint32_t)size * BITS_PER_BYTE, number);
	return 0;
}

int rkd_hex_decode(const char *text, void *out, size_t size, const char *what, char *err,
                   size_t err_len)
{
	uint8_t *bytes = out;
	size_t count = 0;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	for (const char *c = text; *c;) {
		if (isspace((unsigned char)*c)) {
			c++;
			continue;
		}
		if (!isxdigit((unsigned char)c[0]) || !isxdigit((unsigned char)c[1])) {
			snprintf(err, err_len, "%s: hex wants pairs of digits 0-9a-f, got '%.8s' at "
			                       "character %zu",
			         what, c, (size_t)(c - text));
			return -EINVAL;
		}
		if (count == size) {
			snprintf(err, err_len, "%s: more than %zu bytes of hex", what, size);
			return -EINVAL;
		}
		char pair[3] = {c[0], c[1], 0};
		bytes[count++] = (uint8_t)strtoul(pair, NULL, 16);
		c += 2;
	}
	if (count != size) {
		snprintf(err, err_len, "%s: %zu bytes of hex, the map's %ss are %zu bytes", what, count,
		         what, size);
		return -EINVAL;
	}
	return 0;
}

json_t *rkd_hex_string(const void *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char *text = malloc(size * 2 + 1);
	if (!text)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		text[2 * i] = hex[((const uint8_t *)data)[i] >> 4];
		text[2 * i + 1] = hex[((const uint8_t *)data)[i] & 15];
	}
	text[size * 2] = '\0';
	json_t *string = json_string(text);
	free(text);
	return string;
}

json_t *rkd_map_decode(const struct rk_btf *btf, uint32_t type_id, const void *data,
                       size_t size)
{
	if (btf && type_id) {
		char *text = malloc(DECODE_JSON_LEN);
		if (text && rk_btf_to_json(btf, type_id, data, size, text, DECODE_JSON_LEN) >= 0) {
			json_t *decoded = json_loads(text, JSON_DECODE_ANY, NULL);
			free(text);
			if (decoded)
				return decoded;
		} else {
			free(text);
		}
	}
	return rkd_hex_string(data, size);
}
