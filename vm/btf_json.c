/*
 * btf_json.c - print bytes as JSON, typed by BTF (map values, ring-buffer
 * records, global data), for rkctl and rkd's event stream.
 *
 * The one thing to know: the data is untrusted and so is the shape of the
 * type graph (a struct may contain itself through a chain of anonymous
 * members, or fan out exponentially through zero-sized ones).  So every
 * read is checked against [data, data + size), recursion stops at
 * JSON_MAX_DEPTH, the whole walk at JSON_MAX_NODES, and the output at
 * out_len.  What cannot be printed becomes null, never a guess.
 *
 * Shapes: integers by encoding (bool -> true/false, 128-bit -> "0x..."),
 * enums by enumerator name (a number when none matches), floats as numbers
 * (null when not finite), pointers as numbers, char arrays as strings up to
 * the first NUL, other arrays as arrays (cut where the data ends), structs
 * and unions as objects (anonymous struct/union members merged into their
 * parent, unnamed bitfield padding skipped), datasecs as objects of their
 * variables.
 */
#include <errno.h>
#include <limits.h>
#include <linux/btf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btf_ext.h"
#include "vm_internal.h"

#define JSON_MAX_DEPTH 16
#define JSON_MAX_NODES (1u << 20)
#define BITS_PER_BYTE 8u
#define BITS_PER_U64 64u

struct json {
	const struct rk_btf *btf;
	const uint8_t *data;
	uint64_t data_bits;      /* size * 8 */
	char *out;
	size_t out_len;
	size_t used;             /* bytes written, excluding the NUL */
	bool truncated;
	uint32_t nodes;          /* values visited: bounds the walk */
};

static void put(struct json *j, const char *s, size_t n)
{
	if (j->truncated)
		return;
	if (j->out_len == 0 || n > j->out_len - 1 - j->used) {
		size_t room = j->out_len ? j->out_len - 1 - j->used : 0;
		if (room) {
			memcpy(j->out + j->used, s, room);
			j->used += room;
		}
		j->truncated = true;
		return;
	}
	memcpy(j->out + j->used, s, n);
	j->used += n;
}

static void puts_(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void putf(struct json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct json *j, const char *fmt, ...)
{
	char buf[64];
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	if (n > 0)
		put(j, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A JSON string from len bytes (stopping early at a NUL when stop_at_nul). */
static void put_string(struct json *j, const uint8_t *s, size_t len, bool stop_at_nul)
{
	static const char hex[] = "0123456789abcdef";
	put(j, "\"", 1);
	for (size_t i = 0; i < len && !j->truncated; i++) {
		uint8_t c = s[i];
		if (c == '\0' && stop_at_nul)
			break;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(j, esc, 2);
		} else if (c == '\n') {
			put(j, "\\n", 2);
		} else if (c == '\t') {
			put(j, "\\t", 2);
		} else if (c == '\r') {
			put(j, "\\r", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes are not UTF-8 we can vouch for: keep the output valid JSON. */
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
			put(j, esc, sizeof(esc));
		} else {
			put(j, (const char *)&c, 1);
		}
	}
	put(j, "\"", 1);
}

/* nbits (1..64) little-endian bits from bit_off; false when outside the data. */
static bool read_bits(const struct json *j, uint64_t bit_off, uint32_t nbits, uint64_t *out)
{
	if (nbits == 0 || nbits > BITS_PER_U64 || bit_off > j->data_bits ||
	    nbits > j->data_bits - bit_off)
		return false;
	uint64_t first = bit_off / BITS_PER_BYTE;
	uint32_t shift = (uint32_t)(bit_off % BITS_PER_BYTE);
	uint32_t bytes = (shift + nbits + BITS_PER_BYTE - 1) / BITS_PER_BYTE; /* 1..9 */
	uint64_t value = 0;
	for (uint32_t i = 0; i < bytes && i < 8; i++)
		value |= (uint64_t)j->data[first + i] << (BITS_PER_BYTE * i);
	value >>= shift;
	if (bytes == 9)
		value |= (uint64_t)j->data[first + 8] << (BITS_PER_U64 - shift);
	if (nbits < BITS_PER_U64)
		value &= (UINT64_C(1) << nbits) - 1;
	*out = value;
	return true;
}

static int64_t sign_extend(uint64_t value, uint32_t nbits)
{
	if (nbits >= BITS_PER_U64)
		return (int64_t)value;
	uint64_t sign = UINT64_C(1) << (nbits - 1);
	return (int64_t)((value ^ sign) - sign);
}

static bool bytes_inside(const struct json *j, uint64_t bit_off, uint64_t bytes)
{
	return bit_off % BITS_PER_BYTE == 0 && bit_off <= j->data_bits &&
	       bytes <= (j->data_bits - bit_off) / BITS_PER_BYTE;
}

static void print_int(struct json *j, const struct btf_type *t, uint64_t bit_off,
                      uint32_t bitfield)
{
	uint32_t data = *(const uint32_t *)(t + 1);
	uint32_t encoding = BTF_INT_ENCODING(data);
	uint32_t nbits = bitfield ? bitfield : BTF_INT_BITS(data);
	if (!bitfield)
		bit_off += BTF_INT_OFFSET(data);
	if (nbits > BITS_PER_U64) {
		/* 128-bit: a hex string, most significant byte first. */
		uint64_t lo, hi;
		if (!read_bits(j, bit_off, BITS_PER_U64, &lo) ||
		    !read_bits(j, bit_off + BITS_PER_U64, nbits - BITS_PER_U64, &hi)) {
			puts_(j, "null");
			return;
		}
		putf(j, "\"0x%016llx%016llx\"", (unsigned long long)hi, (unsigned long long)lo);
		return;
	}
	uint64_t value;
	if (!read_bits(j, bit_off, nbits, &value)) {
		puts_(j, "null");
		return;
	}
	if (encoding & BTF_INT_BOOL)
		puts_(j, value ? "true" : "false");
	else if (encoding & BTF_INT_SIGNED)
		putf(j, "%lld", (long long)sign_extend(value, nbits));
	else
		putf(j, "%llu", (unsigned long long)value);
}

static void print_enum(struct json *j, const struct btf_type *t, uint64_t bit_off,
                       uint32_t bitfield)
{
	uint32_t nbits = bitfield ? bitfield : t->size * BITS_PER_BYTE;
	uint64_t raw;
	if (!read_bits(j, bit_off, nbits, &raw)) {
		puts_(j, "null");
		return;
	}
	bool is_signed = BTF_INFO_KFLAG(t->info);
	uint64_t value = is_signed ? (uint64_t)sign_extend(raw, nbits) : raw;
	uint32_t vlen = BTF_INFO_VLEN(t->info);
	for (uint32_t i = 0; i < vlen; i++) {
		uint64_t candidate;
		uint32_t name_off;
		if (BTF_INFO_KIND(t->info) == BTF_KIND_ENUM) {
			const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;
			/* 32-bit values: signed ones sign-extend, unsigned ones do not. */
			candidate = is_signed ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
			name_off = e->name_off;
		} else {
			const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + i;
			candidate = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
			name_off = e->name_off;
		}
		if (nbits < BITS_PER_U64 && !is_signed)
			candidate &= (UINT64_C(1) << nbits) - 1;
		if (candidate == value) {
			const char *name = rk_btf_str(j->btf, name_off);
			put_string(j, (const uint8_t *)name, strlen(name), false);
			return;
		}
	}
	if (is_signed)
		putf(j, "%lld", (long long)value);
	else
		putf(j, "%llu", (unsigned long long)value);
}

/* 2^exponent for a normal double exponent, without libm. */
static double power_of_two(int exponent)
{
	uint64_t bits = (uint64_t)(exponent + 1023) << 52;
	double value;
	memcpy(&value, &bits, sizeof(value));
	return value;
}

/* IEEE half precision, by hand: C11 has no _Float16 we can count on.  Not finite: false. */
static bool half_to_double(uint16_t h, double *out)
{
	int exponent = (h >> 10) & 0x1f;
	double mantissa = h & 0x3ff;
	if (exponent == 0x1f)
		return false;
	double value = exponent == 0 ? mantissa * power_of_two(-24)
	                             : (mantissa + 1024) * power_of_two(exponent - 25);
	*out = (h & 0x8000) ? -value : value;
	return true;
}

static void print_float(struct json *j, const struct btf_type *t, uint64_t bit_off)
{
	double value;
	if (!bytes_inside(j, bit_off, t->size)) {
		puts_(j, "null");
		return;
	}
	const uint8_t *p = j->data + bit_off / BITS_PER_BYTE;
	if (t->size == sizeof(float)) {
		float f;
		memcpy(&f, p, sizeof(f));
		value = f;
	} else if (t->size == sizeof(double)) {
		memcpy(&value, p, sizeof(value));
	} else if (t->size == sizeof(uint16_t)) {
		uint16_t h;
		memcpy(&h, p, sizeof(h));
		if (!half_to_double(h, &value)) {
			puts_(j, "null");
			return;
		}
	} else {
		puts_(j, "null"); /* 80/128-bit long double: format depends on the producer */
		return;
	}
	if (!isfinite(value))
		puts_(j, "null");
	else
		putf(j, "%.17g", value);
}

static void print_value(struct json *j, uint32_t type_id, uint64_t bit_off, uint32_t bitfield,
                        int depth);

/* Is an array of this element type a C string?  "char", or an int marked as a char. */
static bool is_char_type(const struct rk_btf *btf, uint32_t elem_id)
{
	const struct btf_type *t = rk_btf_type_by_id(btf, elem_id);
	/* Follow qualifiers but not typedefs: u8/__u8 arrays are bytes, not text. */
	for (int step = 0; t && step < RK_BTF_MAX_CHAIN; step++) {
		uint32_t kind = BTF_INFO_KIND(t->info);
		if (kind != BTF_KIND_CONST && kind != BTF_KIND_VOLATILE &&
		    kind != BTF_KIND_RESTRICT && kind != BTF_KIND_TYPE_TAG)
			break;
		t = rk_btf_type_by_id(btf, t->type);
	}
	if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_INT || t->size != 1)
		return false;
	uint32_t data = *(const uint32_t *)(t + 1);
	return (BTF_INT_ENCODING(data) & BTF_INT_CHAR) ||
	       strcmp(rk_btf_str(btf, t->name_off), "char") == 0;
}

static void print_array(struct json *j, const struct btf_type *t, uint64_t bit_off, int depth)
{
	const struct btf_array *array = (const struct btf_array *)(t + 1);
	int64_t elem_size = rk_btf_type_size(j->btf, array->type);
	if (elem_size < 0 || bit_off % BITS_PER_BYTE) {
		puts_(j, "null");
		return;
	}
	/* Elements wholly inside the data; the rest of the array is cut off. */
	uint64_t avail = bit_off <= j->data_bits ? (j->data_bits - bit_off) / BITS_PER_BYTE : 0;
	uint64_t count = array->nelems;
	if (elem_size == 0)
		count = 0;
	else if (count > avail / (uint64_t)elem_size)
		count = avail / (uint64_t)elem_size;

	if (elem_size == 1 && is_char_type(j->btf, array->type)) {
		put_string(j, j->data + bit_off / BITS_PER_BYTE, count, true);
		return;
	}
	put(j, "[", 1);
	for (uint64_t i = 0; i < count && !j->truncated; i++) {
		if (i)
			put(j, ",", 1);
		print_value(j, array->type, bit_off + i * (uint64_t)elem_size * BITS_PER_BYTE, 0,
		            depth + 1);
	}
	put(j, "]", 1);
}

/* Members of t as "name":value pairs; anonymous struct/union members merged in. */
static void print_members(struct json *j, const struct btf_type *t, uint64_t bit_off,
                          bool *first, int depth)
{
	const struct btf_member *members = (const struct btf_member *)(t + 1);
	bool kflag = BTF_INFO_KFLAG(t->info);
	for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info) && !j->truncated; i++) {
		const struct btf_member *m = &members[i];
		uint64_t member_bit = bit_off + (kflag ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset);
		uint32_t bitfield = kflag ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
		const char *name = rk_btf_str(j->btf, m->name_off);
		if (!*name) {
			const struct btf_type *mt =
				rk_btf_type_by_id(j->btf, rk_btf_skip_modifiers(j->btf, m->type));
			uint32_t mkind = mt ? BTF_INFO_KIND(mt->info) : BTF_KIND_UNKN;
			if ((mkind == BTF_KIND_STRUCT || mkind == BTF_KIND_UNION) &&
			    depth < JSON_MAX_DEPTH && ++j->nodes <= JSON_MAX_NODES)
				print_members(j, mt, member_bit, first, depth + 1);
			continue; /* unnamed bitfield padding, or too deep */
		}
		if (!*first)
			put(j, ",", 1);
		*first = false;
		put_string(j, (const uint8_t *)name, strlen(name), false);
		put(j, ":", 1);
		print_value(j, m->type, member_bit, bitfield, depth + 1);
	}
}

static void print_datasec(struct json *j, const struct btf_type *t, uint64_t bit_off, int depth)
{
	const struct btf_var_secinfo *vars = (const struct btf_var_secinfo *)(t + 1);
	put(j, "{", 1);
	for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info) && !j->truncated; i++) {
		const struct btf_type *var = rk_btf_type_by_id(j->btf, vars[i].type);
		const char *name = var ? rk_btf_str(j->btf, var->name_off) : "";
		if (i)
			put(j, ",", 1);
		put_string(j, (const uint8_t *)name, strlen(name), false);
		put(j, ":", 1);
		print_value(j, vars[i].type, bit_off + (uint64_t)vars[i].offset * BITS_PER_BYTE, 0,
		            depth + 1);
	}
	put(j, "}", 1);
}

static void print_value(struct json *j, uint32_t type_id, uint64_t bit_off, uint32_t bitfield,
                        int depth)
{
	if (j->truncated)
		return;
	if (depth > JSON_MAX_DEPTH || ++j->nodes > JSON_MAX_NODES) {
		puts_(j, "null");
		return;
	}
	const struct btf_type *t = rk_btf_type_by_id(j->btf, rk_btf_skip_modifiers(j->btf, type_id));
	switch (t ? BTF_INFO_KIND(t->info) : BTF_KIND_UNKN) {
	case BTF_KIND_INT:
		print_int(j, t, bit_off, bitfield);
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		print_enum(j, t, bit_off, bitfield);
		return;
	case BTF_KIND_PTR: {
		uint64_t value;
		if (bit_off % BITS_PER_BYTE || !read_bits(j, bit_off, BITS_PER_U64, &value))
			puts_(j, "null");
		else
			putf(j, "%llu", (unsigned long long)value);
		return;
	}
	case BTF_KIND_FLOAT:
		print_float(j, t, bit_off);
		return;
	case BTF_KIND_ARRAY:
		print_array(j, t, bit_off, depth);
		return;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		bool first = true;
		put(j, "{", 1);
		print_members(j, t, bit_off, &first, depth);
		put(j, "}", 1);
		return;
	}
	case BTF_KIND_VAR:
		print_value(j, t->type, bit_off, 0, depth + 1);
		return;
	case BTF_KIND_DATASEC:
		print_datasec(j, t, bit_off, depth);
		return;
	default: /* void, fwd, func, func_proto, decl_tag: no value */
		puts_(j, "null");
		return;
	}
}

int rk_btf_to_json(const struct rk_btf *btf, uint32_t id, const void *data, size_t size,
                   char *out, size_t out_len)
{
	if (out && out_len)
		out[0] = '\0';
	if (!btf || (!data && size) || (!out && out_len))
		return -EINVAL;
	if (id == 0)
		return -EINVAL;
	if (id >= rk_btf_type_count(btf))
		return -ENOENT;
	if (size > UINT64_MAX / BITS_PER_BYTE)
		return -E2BIG;
	struct json j = {
		.btf = btf,
		.data = data,
		.data_bits = (uint64_t)size * BITS_PER_BYTE,
		.out = out,
		.out_len = out_len,
	};
	print_value(&j, id, 0, 0, 0);
	if (out_len)
		out[j.used] = '\0';
	if (j.truncated)
		return -ENOSPC;
	if (j.nodes > JSON_MAX_NODES)
		return -E2BIG;
	return j.used > INT_MAX ? -E2BIG : (int)j.used;
}
