/*
 * test_btf.c - the BTF library (vm/btf.c), JSON printing (vm/btf_json.c),
 * .BTF.ext (vm/btf_ext.c) and CO-RE relocations (vm/core.c).
 *
 * Three kinds of input:
 *   - BTF built by hand with the small builder below, one blob per rule
 *     that rk_btf_parse() enforces, checked against the exact message;
 *   - objects clang built from tests/bpf/btf_*.bpf.c (by tests/bpf/bpf.mk), read
 *     with the minimal ELF section finder below (not vm/elf.c: these tests
 *     must not depend on the loader);
 *   - the running kernel's /sys/kernel/btf/vmlinux, checked against
 *     bpftool's dump of it (skipped when either is missing).
 * Expected values always come from somewhere other than the code under
 * test: the C compiler (offsetof, sizeof), bpftool, or arithmetic by hand.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../tools/common/file_io.h"
#include "btf_ext.h"
#include "core.h"
#include "rkbpf.h"

/* The target layout and the JSON types, natively: offsetof() is the oracle. */
#include "../bpf/btf_types.bpf.c"
#include "../bpf/btf_core_target.bpf.c"

#ifndef RK_BUILD_DIR
#define RK_BUILD_DIR RK_SOURCE_DIR "/build"
#endif

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define HDR_LEN sizeof(struct btf_header)

/* ------------------------------------------------------------------ */
/* A tiny BTF builder                                                  */
/* ------------------------------------------------------------------ */

struct builder {
	uint8_t types[16384];
	size_t types_len;
	char strs[4096];
	size_t strs_len;
	uint32_t type_count;        /* without void */
	size_t type_offs[512];      /* [id]: where the record starts in the type section */
};

static void bb_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->strs_len = 1; /* the empty string at offset 0 */
}

static uint32_t bb_str(struct builder *b, const char *s)
{
	if (!s || !*s)
		return 0;
	size_t len = strlen(s) + 1;
	cr_assert_lt(b->strs_len + len, sizeof(b->strs));
	memcpy(b->strs + b->strs_len, s, len);
	b->strs_len += len;
	return (uint32_t)(b->strs_len - len);
}

static void bb_u32(struct builder *b, uint32_t value)
{
	cr_assert_lt(b->types_len + 4, sizeof(b->types));
	memcpy(b->types + b->types_len, &value, 4);
	b->types_len += 4;
}

/* A type record header; the kind's extra data follows with bb_u32(). */
static uint32_t bb_type(struct builder *b, const char *name, uint32_t kind, uint32_t vlen,
                        bool kflag, uint32_t size_or_type)
{
	b->type_offs[++b->type_count] = b->types_len;
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (kflag ? 1u << 31 : 0) | kind << 24 | vlen);
	bb_u32(b, size_or_type);
	return b->type_count;
}

static uint32_t bb_int(struct builder *b, const char *name, uint32_t size, uint32_t encoding)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, false, size);
	bb_u32(b, encoding << 24 | size * 8);
	return id;
}

static void bb_member(struct builder *b, const char *name, uint32_t type, uint32_t offset)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
	bb_u32(b, offset);
}

static uint32_t bb_array(struct builder *b, uint32_t elem, uint32_t index, uint32_t nelems)
{
	uint32_t id = bb_type(b, NULL, BTF_KIND_ARRAY, 0, false, 0);
	bb_u32(b, elem);
	bb_u32(b, index);
	bb_u32(b, nelems);
	return id;
}

/* Where type id's record starts in the blob (what the messages report). */
static size_t bb_off(const struct builder *b, uint32_t id)
{
	return HDR_LEN + b->type_offs[id];
}

/* Header + types + strings, malloc'd. */
static uint8_t *bb_blob(const struct builder *b, size_t *len)
{
	struct btf_header hdr = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = HDR_LEN,
		.type_off = 0,
		.type_len = (uint32_t)b->types_len,
		.str_off = (uint32_t)b->types_len,
		.str_len = (uint32_t)b->strs_len,
	};
	*len = HDR_LEN + b->types_len + b->strs_len;
	uint8_t *blob = malloc(*len);
	memcpy(blob, &hdr, HDR_LEN);
	memcpy(blob + HDR_LEN, b->types, b->types_len);
	memcpy(blob + HDR_LEN + b->types_len, b->strs, b->strs_len);
	return blob;
}

static int bb_parse(const struct builder *b, struct rk_btf **btf, char *err, size_t err_len)
{
	size_t len;
	uint8_t *blob = bb_blob(b, &len);
	int rc = rk_btf_parse(blob, len, btf, err, err_len);
	free(blob); /* the parse copied it */
	return rc;
}

static struct rk_btf *bb_parse_ok(const struct builder *b)
{
	char err[RK_ERR_LEN];
	struct rk_btf *btf = NULL;
	int rc = bb_parse(b, &btf, err, sizeof(err));
	cr_assert_eq(rc, 0, "parse failed: %s", err);
	return btf;
}

/* Parsing must fail with exactly this message. */
static void expect_reject(const struct builder *b, const char *expected)
{
	char err[RK_ERR_LEN] = "";
	struct rk_btf *btf = (struct rk_btf *)1;
	int rc = bb_parse(b, &btf, err, sizeof(err));
	cr_assert_lt(rc, 0, "accepted; expected: %s", expected);
	cr_assert_null(btf);
	cr_assert_str_eq(err, expected);
}

static void expect_blob_reject(const uint8_t *blob, size_t len, const char *expected)
{
	char err[RK_ERR_LEN] = "";
	struct rk_btf *btf = NULL;
	cr_assert_lt(rk_btf_parse(blob, len, &btf, err, sizeof(err)), 0, "accepted");
	cr_assert_str_eq(err, expected);
}

/* ------------------------------------------------------------------ */
/* Header and string section                                           */
/* ------------------------------------------------------------------ */

Test(btf_parse, header_shorter_than_the_header)
{
	static const uint8_t blob[10] = {0x9f, 0xeb, 1};
	expect_blob_reject(blob, sizeof(blob), "BTF header: 10 bytes is shorter than the 24-byte header");
}

Test(btf_parse, bad_magic_and_big_endian)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	size_t len;
	uint8_t *blob = bb_blob(&b, &len);
	blob[0] = 0x12;
	blob[1] = 0x34;
	expect_blob_reject(blob, len, "BTF header: bad magic 0x3412 (want 0xeb9f)");
	blob[0] = 0xeb;
	blob[1] = 0x9f;
	expect_blob_reject(blob, len, "BTF header: big-endian BTF is not supported");
	blob[0] = 0x9f;
	blob[1] = 0xeb;
	blob[2] = 2;
	expect_blob_reject(blob, len, "BTF header: version 2 (want 1)");
	free(blob);
}

Test(btf_parse, type_section_past_the_end)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	size_t len;
	uint8_t *blob = bb_blob(&b, &len);
	struct btf_header hdr;
	memcpy(&hdr, blob, sizeof(hdr));
	hdr.type_len = 0x1000;
	memcpy(blob, &hdr, sizeof(hdr));
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF header: type section (offset 0x0, 4096 bytes) runs past the blob's %zu bytes "
	         "of sections",
	         len - HDR_LEN);
	expect_blob_reject(blob, len, expected);
	free(blob);
}

Test(btf_parse, sections_overlap)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	size_t len;
	uint8_t *blob = bb_blob(&b, &len);
	struct btf_header hdr;
	memcpy(&hdr, blob, sizeof(hdr));
	hdr.str_off = 8; /* inside the 16-byte int record */
	memcpy(blob, &hdr, sizeof(hdr));
	expect_blob_reject(blob, len,
	                   "BTF header: type section (0x0..+16) and string section (0x8..+5) overlap");
	free(blob);
}

Test(btf_parse, string_section_must_end_in_nul)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	size_t len;
	uint8_t *blob = bb_blob(&b, &len);
	blob[len - 1] = 'x';
	expect_blob_reject(blob, len,
	                   "BTF string section at offset 0x28: must start and end with a NUL");
	free(blob);
}

/* ------------------------------------------------------------------ */
/* Type records                                                        */
/* ------------------------------------------------------------------ */

Test(btf_parse, unknown_kind)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	bb_type(&b, "future", 20, 0, false, 0);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected), "BTF type 2 at offset 0x%zx: unknown kind 20",
	         bb_off(&b, 2));
	expect_reject(&b, expected);

	bb_init(&b);
	bb_type(&b, NULL, BTF_KIND_UNKN, 0, false, 0);
	expect_reject(&b, "BTF type 1 at offset 0x18: unknown kind 0");
}

Test(btf_parse, vlen_runs_past_the_type_section)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	bb_type(&b, "s", BTF_KIND_STRUCT, 5, false, 8);
	bb_member(&b, "a", int_id, 0); /* 1 of the 5 members it claims */
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (struct) at offset 0x%zx: its 5 entries run past the end of the type "
	         "section",
	         bb_off(&b, 2));
	expect_reject(&b, expected);
}

Test(btf_parse, name_offset_outside_the_strings)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t bad = 0x999;
	memcpy(b.types + b.type_offs[1], &bad, 4);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 1 (anonymous int) at offset 0x18: name offset 0x999 is outside the "
	         "%zu-byte string section",
	         b.strs_len);
	expect_reject(&b, expected);
}

Test(btf_parse, reference_to_a_type_that_does_not_exist)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 7);
	bb_type(&b, "u32", BTF_KIND_TYPEDEF, 0, false, 1);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (anonymous ptr) at offset 0x%zx: refers to type 7, but there are 4",
	         bb_off(&b, 2));
	expect_reject(&b, expected);
}

/* The example of the design: a struct whose member lies far outside it. */
Test(btf_parse, member_outside_its_struct)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	for (int i = 0; i < 10; i++) /* push motor_state to a later id and offset */
		bb_type(&b, NULL, BTF_KIND_CONST, 0, false, int_id);
	uint32_t id = bb_type(&b, "motor_state", BTF_KIND_STRUCT, 2, false, 16);
	bb_member(&b, "current", int_id, 0);
	bb_member(&b, "rpm", int_id, 4096);
	cr_assert_eq(id, 12);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 12 (struct motor_state) at offset 0x%zx: member 'rpm' at bit 4096 is "
	         "outside the struct's 16 bytes",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

/* Fuzzer find: a name with a newline made a two-line message. */
Test(btf_parse, regression_hostile_names_are_printable_in_messages)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t id = bb_type(&b, "evil\nstruct\x1b", BTF_KIND_STRUCT, 1, false, 4);
	bb_member(&b, "r\tpm", int_id, 64);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (struct evil?struct?) at offset 0x%zx: member 'r?pm' at bit 64 is "
	         "outside the struct's 4 bytes",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

Test(btf_parse, member_ends_outside_its_struct)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t id = bb_type(&b, "motor_state", BTF_KIND_STRUCT, 1, false, 14);
	bb_member(&b, "rpm", int_id, 96);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (struct motor_state) at offset 0x%zx: member 'rpm' (bits 96..127) ends "
	         "outside the struct's 14 bytes",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

Test(btf_parse, bitfield_ends_outside_its_struct)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "unsigned int", 4, 0);
	uint32_t id = bb_type(&b, "flags", BTF_KIND_STRUCT, 1, true, 4);
	bb_member(&b, "high", int_id, 6u << 24 | 30);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (struct flags) at offset 0x%zx: member 'high' (bits 30..35) ends "
	         "outside the struct's 4 bytes",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

Test(btf_parse, member_not_byte_aligned)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t inner = bb_type(&b, "inner", BTF_KIND_STRUCT, 1, false, 4);
	bb_member(&b, "x", int_id, 0);
	uint32_t outer = bb_type(&b, "outer", BTF_KIND_STRUCT, 1, false, 8);
	bb_member(&b, NULL, inner, 3);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 3 (struct outer) at offset 0x%zx: member #0 at bit 3 is not byte-aligned",
	         bb_off(&b, outer));
	expect_reject(&b, expected);
}

Test(btf_parse, bitfield_of_a_struct)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t inner = bb_type(&b, "inner", BTF_KIND_STRUCT, 1, false, 4);
	bb_member(&b, "x", int_id, 0);
	uint32_t outer = bb_type(&b, "outer", BTF_KIND_STRUCT, 1, true, 4);
	bb_member(&b, "bits", inner, 3u << 24);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 3 (struct outer) at offset 0x%zx: member 'bits' is a 3-bit bitfield of a "
	         "struct, not an int or enum",
	         bb_off(&b, outer));
	expect_reject(&b, expected);
}

Test(btf_parse, union_member_not_at_zero)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t id = bb_type(&b, "u", BTF_KIND_UNION, 1, false, 8);
	bb_member(&b, "x", int_id, 32);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (union u) at offset 0x%zx: member 'x' of a union at bit 32, not 0",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

Test(btf_parse, int_sizes_and_encodings)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int24", 3, BTF_INT_SIGNED);
	expect_reject(&b, "BTF type 1 (int int24) at offset 0x18: int size 3 is not 1, 2, 4, 8 or 16");

	bb_init(&b);
	bb_int(&b, "weird", 4, BTF_INT_SIGNED | BTF_INT_BOOL);
	expect_reject(&b, "BTF type 1 (int weird) at offset 0x18: unknown int encoding 0x5");

	bb_init(&b);
	bb_type(&b, "wide", BTF_KIND_INT, 0, false, 2);
	bb_u32(&b, 8u << 16 | 16); /* 16 bits at bit 8 of a 2-byte int */
	expect_reject(&b, "BTF type 1 (int wide) at offset 0x18: 16 bits at bit offset 8 do not fit "
	                  "in the int's 2 bytes");

	bb_init(&b);
	bb_type(&b, "flagged", BTF_KIND_INT, 0, true, 4);
	bb_u32(&b, 32);
	expect_reject(&b, "BTF type 1 (int flagged) at offset 0x18: kind_flag set on a int");
}

Test(btf_parse, typedef_cycle)
{
	struct builder b;
	bb_init(&b);
	bb_type(&b, "a_t", BTF_KIND_TYPEDEF, 0, false, 2);
	bb_type(&b, NULL, BTF_KIND_CONST, 0, false, 1);
	expect_reject(&b, "BTF type 1 (typedef a_t) at offset 0x18: typedef/modifier chain longer "
	                  "than 32 types (a cycle?)");
}

Test(btf_parse, array_size_overflows)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t id = bb_array(&b, int_id, int_id, 0x80000000u);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (anonymous array) at offset 0x%zx: 2147483648 elements of type 1: the "
	         "size overflows 32 bits",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

Test(btf_parse, array_chain_too_long)
{
	struct builder b;
	bb_init(&b);
	uint32_t elem = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	for (int i = 0; i < RK_BTF_MAX_CHAIN; i++)
		elem = bb_array(&b, elem, 1, 1);
	/* The outermost arrays need more than 32 steps to reach the int. */
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 33 (anonymous array) at offset 0x%zx: element type chain longer than 32 "
	         "types (a cycle?)",
	         bb_off(&b, 33));
	expect_reject(&b, expected);
}

Test(btf_parse, array_of_void_and_of_a_function)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	bb_array(&b, 0, int_id, 4);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (anonymous array) at offset 0x%zx: element type 0 is not a type (of 3)",
	         bb_off(&b, 2));
	expect_reject(&b, expected);

	bb_init(&b);
	int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t proto = bb_type(&b, NULL, BTF_KIND_FUNC_PROTO, 0, false, int_id);
	bb_array(&b, proto, int_id, 4);
	snprintf(expected, sizeof(expected),
	         "BTF type 3 (anonymous array) at offset 0x%zx: element type 2 has no size",
	         bb_off(&b, 3));
	expect_reject(&b, expected);
}

Test(btf_parse, func_must_point_at_a_prototype)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t id = bb_type(&b, "main", BTF_KIND_FUNC, 1, false, int_id);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "BTF type 2 (func main) at offset 0x%zx: type 1 is a int, not a func_proto",
	         bb_off(&b, id));
	expect_reject(&b, expected);
}

Test(btf_parse, truncated_record)
{
	struct builder b;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	bb_u32(&b, 0); /* 4 stray bytes: not a record */
	expect_reject(&b, "BTF type 2 at offset 0x28: truncated record (4 bytes left)");
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

Test(btf_api, lookups_sizes_and_modifiers)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);                /* 1 */
	uint32_t u8_id = bb_int(&b, "unsigned char", 1, 0);                    /* 2 */
	uint32_t arr = bb_array(&b, u8_id, int_id, 6);                         /* 3 */
	uint32_t arr2 = bb_array(&b, arr, int_id, 5);                          /* 4: [5][6] */
	uint32_t cst = bb_type(&b, NULL, BTF_KIND_CONST, 0, false, arr2);      /* 5 */
	uint32_t td = bb_type(&b, "grid_t", BTF_KIND_TYPEDEF, 0, false, cst);  /* 6 */
	uint32_t st = bb_type(&b, "pose", BTF_KIND_STRUCT, 2, false, 40);      /* 7 */
	bb_member(&b, "grid", td, 0);
	bb_member(&b, "id", int_id, 256);
	uint32_t st2 = bb_type(&b, "pose___v2", BTF_KIND_STRUCT, 0, false, 8); /* 8 */
	uint32_t fwd = bb_type(&b, "pose", BTF_KIND_FWD, 0, false, 0);         /* 9 */
	uint32_t ptr = bb_type(&b, NULL, BTF_KIND_PTR, 0, false, st);          /* 10 */
	struct rk_btf *btf = bb_parse_ok(&b);

	cr_assert_eq(rk_btf_type_count(btf), 11);
	cr_assert_null(rk_btf_type_by_id(btf, 0));
	cr_assert_null(rk_btf_type_by_id(btf, 11));
	cr_assert_eq(BTF_INFO_KIND(rk_btf_type_by_id(btf, st)->info), BTF_KIND_STRUCT);
	cr_assert_str_eq(rk_btf_str(btf, rk_btf_type_by_id(btf, td)->name_off), "grid_t");
	cr_assert_str_eq(rk_btf_str(btf, 0), "");
	cr_assert_str_eq(rk_btf_str(btf, 100000), "");

	cr_assert_eq(rk_btf_find(btf, "pose", 0), st);
	cr_assert_eq(rk_btf_find(btf, "pose", BTF_KIND_FWD), fwd);
	cr_assert_eq(rk_btf_find(btf, "pose___v2", BTF_KIND_STRUCT), st2);
	cr_assert_eq(rk_btf_find(btf, "pose", BTF_KIND_UNION), -ENOENT);
	cr_assert_eq(rk_btf_find(btf, "nothing", 0), -ENOENT);

	cr_assert_eq(rk_btf_skip_modifiers(btf, td), arr2);
	cr_assert_eq(rk_btf_skip_modifiers(btf, int_id), int_id);
	cr_assert_eq(rk_btf_type_size(btf, td), 30);
	cr_assert_eq(rk_btf_type_size(btf, st), 40);
	cr_assert_eq(rk_btf_type_size(btf, ptr), 8);
	cr_assert_eq(rk_btf_type_size(btf, fwd), -EINVAL);
	cr_assert_eq(rk_btf_type_size(btf, 0), -EINVAL);
	cr_assert_eq(rk_btf_type_size(btf, 99), -ENOENT);

	/* The flavor index: pose and pose___v2 share the essential name "pose". */
	uint32_t cursor = 0, seen[4], n = 0;
	for (uint32_t id; (id = rk_btf_next_by_essential_name(btf, "pose", 4, &cursor)) && n < 4;)
		seen[n++] = id;
	cr_assert_eq(n, 3);
	cr_assert_eq(seen[0], st);
	cr_assert_eq(seen[1], st2);
	cr_assert_eq(seen[2], fwd);
	rk_btf_free(btf);
}

Test(btf_api, essential_names)
{
	cr_assert_eq(rk_btf_essential_name_len("task_struct___v2"), 11);
	cr_assert_eq(rk_btf_essential_name_len("a___b___c"), 5);
	cr_assert_eq(rk_btf_essential_name_len("task_struct"), 11);
	cr_assert_eq(rk_btf_essential_name_len("x___"), 4);
	cr_assert_eq(rk_btf_essential_name_len("___x"), 4);
	cr_assert_eq(rk_btf_essential_name_len("foo____bar"), 10);
	cr_assert_eq(rk_btf_essential_name_len(""), 0);
}

Test(btf_api, empty_btf_and_null_arguments)
{
	struct builder b;
	bb_init(&b);
	struct rk_btf *btf = bb_parse_ok(&b);
	cr_assert_eq(rk_btf_type_count(btf), 1);
	cr_assert_eq(rk_btf_find(btf, "int", 0), -ENOENT);
	rk_btf_free(btf);
	rk_btf_free(NULL);
	cr_assert_eq(rk_btf_type_count(NULL), 0);
	cr_assert_eq(rk_btf_parse(NULL, 0, NULL, NULL, 0), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* The running kernel's BTF                                            */
/* ------------------------------------------------------------------ */

/* One line of bpftool's raw dump of vmlinux, picked by an awk program; NULL when unavailable. */
static char *bpftool_line(const char *awk_program, const char *match)
{
	if (access("/usr/sbin/bpftool", X_OK) != 0 && access("/usr/bin/bpftool", X_OK) != 0)
		return NULL;
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "bpftool btf dump file " VMLINUX_BTF " format raw 2>/dev/null | awk '%s'",
	         awk_program);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char line[512];
	char *found = NULL;
	while (fgets(line, sizeof(line), p))
		if (!found && strstr(line, match))
			found = strdup(line);
	pclose(p);
	return found;
}

#define AWK_STRUCT(name)                                                                      \
	"/^\\[[0-9]+\\] STRUCT ." name ". size=/{p=1;print;next} p&&/^\\[/{exit} p{print}"

/* bits_offset of a member of task_struct per bpftool, or -1. */
static long bpftool_task_member_offset(const char *member)
{
	char match[64];
	snprintf(match, sizeof(match), "'%s' type_id=", member);
	char *line = bpftool_line(AWK_STRUCT("task_struct"), match);
	if (!line)
		return -1;
	const char *bits = strstr(line, "bits_offset=");
	long value = bits ? strtol(bits + strlen("bits_offset="), NULL, 10) : -1;
	free(line);
	return value;
}

static uint8_t *read_vmlinux(size_t *len)
{
	uint8_t *data;
	char err[RK_ERR_LEN + 256];
	if (access(VMLINUX_BTF, R_OK) != 0)
		return NULL;
	cr_assert_eq(rk_file_read(VMLINUX_BTF, &data, len, err, sizeof(err)), 0, "%s", err);
	return data;
}

Test(btf_vmlinux, parses_fast_and_agrees_with_bpftool)
{
	size_t len;
	uint8_t *data = read_vmlinux(&len);
	if (!data)
		cr_skip_test("no " VMLINUX_BTF);
	char err[RK_ERR_LEN];
	struct rk_btf *btf = NULL;
	double best_ms = 1e9;
	for (int i = 0; i < 3; i++) {
		struct timespec start, end;
		clock_gettime(CLOCK_MONOTONIC, &start);
		int rc = rk_btf_parse(data, len, &btf, err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &end);
		cr_assert_eq(rc, 0, "%s", err);
		double ms = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
		if (ms < best_ms)
			best_ms = ms;
		if (i < 2)
			rk_btf_free(btf);
	}
	cr_log_info("vmlinux BTF: %zu bytes, %u types, parsed in %.1f ms", len,
	            rk_btf_type_count(btf), best_ms);
	/* 50 ms is the target; leave room for sanitizers and a busy machine. */
	cr_expect_lt(best_ms, 1000.0, "parsing vmlinux took %.1f ms", best_ms);
	cr_assert_gt(rk_btf_type_count(btf), 1000);

	int64_t id = rk_btf_find(btf, "task_struct", BTF_KIND_STRUCT);
	cr_assert_gt(id, 0);
	char *line = bpftool_line(AWK_STRUCT("task_struct"), "STRUCT 'task_struct' size=");
	if (line) {
		char expected[64];
		snprintf(expected, sizeof(expected), "[%lld] STRUCT 'task_struct' size=%lld ",
		         (long long)id, (long long)rk_btf_type_size(btf, (uint32_t)id));
		cr_assert(strncmp(line, expected, strlen(expected)) == 0, "bpftool: %s ours: %s", line,
		          expected);
		free(line);
	} else {
		cr_log_warn("bpftool missing: task_struct's size not cross-checked");
	}
	/* Printing a zeroed task_struct walks a large real type graph. */
	int64_t size = rk_btf_type_size(btf, (uint32_t)id);
	uint8_t *task = calloc(1, (size_t)size);
	size_t out_len = 1 << 20;
	char *out = malloc(out_len);
	int n = rk_btf_to_json(btf, (uint32_t)id, task, (size_t)size, out, out_len);
	cr_assert_gt(n, 0, "to_json: %d", n);
	cr_assert(strstr(out, "\"pid\":0"), "%.200s", out);
	cr_assert(strstr(out, "\"comm\":\"\""), "%.200s", out);
	free(out);
	free(task);
	rk_btf_free(btf);
	free(data);
}

/* ------------------------------------------------------------------ */
/* Objects built by clang (tests/bpf/bpf.mk)                           */
/* ------------------------------------------------------------------ */

/* The bytes of section name in an ELF64 file, or false. */
static bool elf_section(const uint8_t *elf, size_t len, const char *name, const uint8_t **data,
                        size_t *size)
{
	Elf64_Ehdr eh;
	if (len < sizeof(eh))
		return false;
	memcpy(&eh, elf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
	    eh.e_shnum > (len - eh.e_shoff) / sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		return false;
	Elf64_Shdr strtab;
	memcpy(&strtab, elf + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(strtab));
	if (strtab.sh_offset > len || strtab.sh_size > len - strtab.sh_offset)
		return false;
	for (size_t i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, elf + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(sh));
		if (sh.sh_name >= strtab.sh_size)
			continue;
		const char *sec_name = (const char *)elf + strtab.sh_offset + sh.sh_name;
		if (strnlen(sec_name, strtab.sh_size - sh.sh_name) == strtab.sh_size - sh.sh_name ||
		    strcmp(sec_name, name) != 0)
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return false;
		*data = elf + sh.sh_offset;
		*size = sh.sh_size;
		return true;
	}
	return false;
}

struct test_obj {
	uint8_t *elf;
	size_t elf_len;
	struct rk_btf *btf;
	struct rk_btf_ext *ext;
};

static void obj_open(struct test_obj *obj, const char *name)
{
	char path[512], err[RK_ERR_LEN + 256];
	snprintf(path, sizeof(path), "%s/tests/bpf/%s.o", RK_BUILD_DIR, name);
	memset(obj, 0, sizeof(*obj));
	cr_assert_eq(rk_file_read(path, &obj->elf, &obj->elf_len, err, sizeof(err)), 0,
	             "%s (make test-bpf builds it from tests/bpf/%s.bpf.c)", err,
	             name);
	const uint8_t *data;
	size_t size;
	cr_assert(elf_section(obj->elf, obj->elf_len, ".BTF", &data, &size), "%s: no .BTF", path);
	cr_assert_eq(rk_btf_parse(data, size, &obj->btf, err, sizeof(err)), 0, "%s: %s", path, err);
	if (elf_section(obj->elf, obj->elf_len, ".BTF.ext", &data, &size))
		cr_assert_eq(rk_btf_ext_parse(data, size, obj->btf, &obj->ext, err, sizeof(err)), 0,
		             "%s: %s", path, err);
}

static void obj_close(struct test_obj *obj)
{
	rk_btf_ext_free(obj->ext);
	rk_btf_free(obj->btf);
	free(obj->elf);
}

/* A copy of a program section's instructions. */
static struct rk_insn *obj_insns(const struct test_obj *obj, const char *sec, size_t *count)
{
	const uint8_t *data;
	size_t size;
	cr_assert(elf_section(obj->elf, obj->elf_len, sec, &data, &size), "no section %s", sec);
	cr_assert_eq(size % sizeof(struct rk_insn), 0);
	struct rk_insn *insns = malloc(size);
	memcpy(insns, data, size);
	*count = size / sizeof(struct rk_insn);
	return insns;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

Test(btf_json, clang_struct_with_bitfields_enums_floats_and_anonymous_union)
{
	struct test_obj obj;
	obj_open(&obj, "btf_types");
	int64_t id = rk_btf_find(obj.btf, "motor_state", BTF_KIND_STRUCT);
	cr_assert_gt(id, 0);
	cr_assert_eq(rk_btf_type_size(obj.btf, (uint32_t)id), sizeof(struct motor_state));

	struct motor_state m;
	memset(&m, 0, sizeof(m));
	memcpy(m.name, "left \"w\"\n", 10);
	m.rpm = -1200;
	m.enabled = 1;
	m.fault_code = 9;
	m.calibration = -5;
	m.mode = MOTOR_FAULT;
	m.homed = 1;
	m.current_a = 1.5f;
	m.temp_c = 36.25;
	m.history[0] = -1;
	m.history[1] = 2;
	m.history[2] = 30000;
	m.lo = 0x1234;
	m.hi = 0xabcd;
	m.owner = (const void *)(uintptr_t)0x1000;
	memcpy(m.mac, "\x00\x1b\x2c\xff\x00\x01", 6);

	char out[1024];
	int n = rk_btf_to_json(obj.btf, (uint32_t)id, &m, sizeof(m), out, sizeof(out));
	const char *expected =
		"{\"name\":\"left \\\"w\\\"\\n\",\"rpm\":-1200,\"enabled\":1,\"fault_code\":9,"
		"\"calibration\":-5,\"mode\":\"MOTOR_FAULT\",\"homed\":true,\"current_a\":1.5,"
		"\"temp_c\":36.25,\"history\":[-1,2,30000],\"raw\":2882343476,\"lo\":4660,"
		"\"hi\":43981,\"owner\":4096,\"mac\":[0,27,44,255,0,1]}";
	cr_assert_str_eq(out, expected);
	cr_assert_eq(n, (int)strlen(expected));

	/* An enum value with no name prints as a number. */
	m.mode = (enum motor_mode)7;
	n = rk_btf_to_json(obj.btf, (uint32_t)id, &m, sizeof(m), out, sizeof(out));
	cr_assert_gt(n, 0);
	cr_assert(strstr(out, "\"mode\":7,"), "%s", out);

	/* Truncated output: -ENOSPC, NUL-terminated, a prefix of the whole. */
	char small[20];
	m.mode = MOTOR_FAULT;
	cr_assert_eq(rk_btf_to_json(obj.btf, (uint32_t)id, &m, sizeof(m), small, sizeof(small)),
	             -ENOSPC);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert(strncmp(small, expected, sizeof(small) - 1) == 0, "%s", small);
	cr_assert_eq(rk_btf_to_json(obj.btf, (uint32_t)id, &m, sizeof(m), NULL, 0), -ENOSPC);

	/* Less data than the type: what is missing prints as null, nothing is read past it. */
	size_t short_len = offsetof(struct motor_state, temp_c);
	uint8_t *partial = malloc(short_len); /* ASan catches any read past short_len */
	memcpy(partial, &m, short_len);
	n = rk_btf_to_json(obj.btf, (uint32_t)id, partial, short_len, out, sizeof(out));
	cr_assert_gt(n, 0);
	cr_assert(strstr(out, "\"current_a\":1.5,\"temp_c\":null,\"history\":[],\"raw\":null"),
	          "%s", out);
	free(partial);

	/* The global data section: an object of its variables (clang leaves its size 0). */
	int64_t bss = rk_btf_find(obj.btf, ".bss", BTF_KIND_DATASEC);
	cr_assert_gt(bss, 0);
	n = rk_btf_to_json(obj.btf, (uint32_t)bss, &m, sizeof(m), out, sizeof(out));
	cr_assert_gt(n, 0);
	cr_assert(strncmp(out, "{\"motor_state_example\":{\"name\":", 31) == 0, "%s", out);
	obj_close(&obj);
}

Test(btf_json, char_arrays_escape_and_stop_at_nul)
{
	struct builder b;
	bb_init(&b);
	uint32_t ch = bb_int(&b, "char", 1, BTF_INT_SIGNED);
	uint32_t u8 = bb_int(&b, "unsigned char", 1, 0);
	uint32_t idx = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t text = bb_array(&b, ch, idx, 8);
	uint32_t bytes = bb_array(&b, u8, idx, 3);
	uint32_t cst = bb_type(&b, NULL, BTF_KIND_CONST, 0, false, ch);
	uint32_t ctext = bb_array(&b, cst, idx, 4);
	struct rk_btf *btf = bb_parse_ok(&b);
	char out[128];

	const uint8_t s1[8] = {'a', '"', '\\', '\t', 0x01, 0xff, 0, 'z'};
	cr_assert_gt(rk_btf_to_json(btf, text, s1, sizeof(s1), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "\"a\\\"\\\\\\t\\u0001\\u00ff\"");
	const uint8_t s2[8] = {'f', 'u', 'l', 'l', 'f', 'u', 'l', 'l'}; /* no NUL at all */
	cr_assert_gt(rk_btf_to_json(btf, text, s2, sizeof(s2), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "\"fullfull\"");
	cr_assert_gt(rk_btf_to_json(btf, bytes, s2, 3, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "[102,117,108]");
	cr_assert_gt(rk_btf_to_json(btf, ctext, s2, 4, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "\"full\"");
	/* Only 5 of 8 bytes present: the string stops there. */
	cr_assert_gt(rk_btf_to_json(btf, text, s2, 5, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "\"fullf\"");

	cr_assert_eq(rk_btf_to_json(btf, 0, s1, sizeof(s1), out, sizeof(out)), -EINVAL);
	cr_assert_eq(rk_btf_to_json(btf, 99, s1, sizeof(s1), out, sizeof(out)), -ENOENT);
	rk_btf_free(btf);
}

Test(btf_json, bitfields_and_enums_by_hand)
{
	struct builder b;
	bb_init(&b);
	uint32_t uint_id = bb_int(&b, "unsigned int", 4, 0);                /* 1 */
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);             /* 2 */
	uint32_t en = bb_type(&b, "gear", BTF_KIND_ENUM, 2, true, 1);       /* 3: signed, 1 byte */
	bb_u32(&b, bb_str(&b, "REVERSE"));
	bb_u32(&b, (uint32_t)-1);
	bb_u32(&b, bb_str(&b, "DRIVE"));
	bb_u32(&b, 1);
	uint32_t en64 = bb_type(&b, "big", BTF_KIND_ENUM64, 1, false, 8);   /* 4 */
	bb_u32(&b, bb_str(&b, "HUGE"));
	bb_u32(&b, 0x89abcdef);
	bb_u32(&b, 0x01234567);
	uint32_t st = bb_type(&b, "bits", BTF_KIND_STRUCT, 6, true, 16);    /* 5 */
	bb_member(&b, "a", uint_id, 3u << 24 | 0);
	bb_member(&b, "b", int_id, 5u << 24 | 3);
	bb_member(&b, NULL, uint_id, 4u << 24 | 8);                       /* padding: skipped */
	bb_member(&b, "g", en, 2u << 24 | 12);
	bb_member(&b, "straddle", uint_id, 12u << 24 | 26);               /* bits 26..37 */
	bb_member(&b, "h", en64, 64);
	struct rk_btf *btf = bb_parse_ok(&b);

	uint8_t data[16] = {0};
	/* a = 5 (bits 0..2), b = -3 (5 bits at 3: 0b11101), g = -1 (2 bits at 12). */
	uint64_t bits = 5u | (uint64_t)0x1d << 3 | (uint64_t)0x3 << 12 | (uint64_t)0xabc << 26;
	memcpy(data, &bits, 8);
	uint64_t huge = 0x0123456789abcdefull;
	memcpy(data + 8, &huge, 8);
	char out[256];
	cr_assert_gt(rk_btf_to_json(btf, st, data, sizeof(data), out, sizeof(out)), 0);
	cr_assert_str_eq(out, "{\"a\":5,\"b\":-3,\"g\":\"REVERSE\",\"straddle\":2748,\"h\":\"HUGE\"}");
	rk_btf_free(btf);
}

Test(btf_json, self_containing_struct_is_bounded)
{
	/* struct loop { struct loop inner; } at offset 0: legal sizes, infinite nesting. */
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t id = bb_type(&b, "loop", BTF_KIND_STRUCT, 2, false, 4);
	bb_member(&b, "inner", id, 0);
	bb_member(&b, NULL, id, 0); /* and anonymously: merged, also bounded */
	(void)int_id;
	struct rk_btf *btf = bb_parse_ok(&b);
	uint8_t data[4] = {0};
	char out[4096];
	int n = rk_btf_to_json(btf, id, data, sizeof(data), out, sizeof(out));
	cr_assert(n > 0 || n == -ENOSPC || n == -E2BIG, "rc %d", n);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert(strncmp(out, "{\"inner\":{\"inner\":", 18) == 0, "%s", out);
	rk_btf_free(btf);
}

/* ------------------------------------------------------------------ */
/* .BTF.ext                                                            */
/* ------------------------------------------------------------------ */

/* The 1-based number of the first line of path that contains text. */
static uint32_t source_line_of(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char line[512];
	uint32_t number = 0, found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		number++;
		if (strstr(line, text))
			found = number;
	}
	fclose(f);
	cr_assert_gt(found, 0, "'%s' not in %s", text, path);
	return found;
}

Test(btf_ext, clang_object_sections_functions_lines_and_relocations)
{
	struct test_obj obj;
	obj_open(&obj, "btf_core_local");
	cr_assert_not_null(obj.ext);
	const struct rk_btf_ext_sec *sec = rk_btf_ext_section(obj.ext, "tp/pid");
	cr_assert_not_null(sec);
	cr_assert_null(rk_btf_ext_section(obj.ext, "tp/nope"));

	cr_assert_eq(sec->func_count, 1);
	cr_assert_eq(sec->funcs[0].insn_off, 0);
	const struct btf_type *func = rk_btf_type_by_id(obj.btf, sec->funcs[0].type_id);
	cr_assert_str_eq(rk_btf_str(obj.btf, func->name_off), "read_pid");

	char source[512];
	snprintf(source, sizeof(source), "%s/tests/bpf/btf_core_local.bpf.c", RK_SOURCE_DIR);
	uint32_t want_line = source_line_of(source, "return task->pid;");
	bool seen = false;
	for (size_t i = 0; i < sec->line_count; i++) {
		const struct rk_btf_ext_line *line = &sec->lines[i];
		const char *file = rk_btf_str(obj.btf, line->file_name_off);
		cr_assert(strstr(file, "btf_core_local.bpf.c"), "%s", file);
		if (line->line == want_line) {
			seen = true;
			cr_assert(strstr(rk_btf_str(obj.btf, line->line_off), "return task->pid;"));
			cr_assert_gt(line->column, 0);
		}
	}
	cr_assert(seen, "no line info for line %u", want_line);

	cr_assert_eq(sec->core_count, 1);
	cr_assert_eq(sec->cores[0].insn_off, 0);
	cr_assert_eq(sec->cores[0].kind, BPF_CORE_FIELD_BYTE_OFFSET);
	cr_assert_str_eq(rk_btf_str(obj.btf, sec->cores[0].access_str_off), "0:0");
	const struct btf_type *root = rk_btf_type_by_id(obj.btf, sec->cores[0].type_id);
	cr_assert_str_eq(rk_btf_str(obj.btf, root->name_off), "task_struct___local");

	sec = rk_btf_ext_section(obj.ext, "tp/exists");
	cr_assert_not_null(sec);
	cr_assert_eq(sec->core_count, 6);
	obj_close(&obj);
}

/* A hand-made .BTF.ext: header (32 bytes) then whatever words follow. */
static size_t ext_blob(uint8_t *out, uint32_t func_len, uint32_t line_len, uint32_t core_len,
                       const uint32_t *words, size_t word_count)
{
	uint32_t hdr[8] = {BTF_MAGIC | 1u << 16, 32, 0, func_len, func_len, line_len,
	                   func_len + line_len, core_len};
	memcpy(out, hdr, sizeof(hdr));
	memcpy(out + sizeof(hdr), words, word_count * 4);
	return sizeof(hdr) + word_count * 4;
}

static void expect_ext_reject(const uint8_t *blob, size_t len, const struct rk_btf *btf,
                              const char *expected)
{
	char err[RK_ERR_LEN] = "";
	struct rk_btf_ext *ext = (struct rk_btf_ext *)1;
	cr_assert_lt(rk_btf_ext_parse(blob, len, btf, &ext, err, sizeof(err)), 0, "accepted");
	cr_assert_null(ext);
	cr_assert_str_eq(err, expected);
}

Test(btf_ext, rejects_with_subsection_and_offset)
{
	struct builder b;
	bb_init(&b);
	uint32_t int_id = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t proto = bb_type(&b, NULL, BTF_KIND_FUNC_PROTO, 0, false, int_id);
	uint32_t func = bb_type(&b, "main", BTF_KIND_FUNC, 1, false, proto);
	uint32_t sec_name = bb_str(&b, "tp/x");
	uint32_t access = bb_str(&b, "0:1");
	struct rk_btf *btf = bb_parse_ok(&b);
	uint8_t blob[256];
	size_t len;

	/* A good one first: func_info + line_info + core_relo for section tp/x. */
	const uint32_t good[] = {8, sec_name, 1, 0, func,                        /* 20 bytes */
	                         16, sec_name, 1, 8, sec_name, 0, 12 << 10 | 5,  /* 28 */
	                         16, sec_name, 1, 16, int_id, access, 0};        /* 28 */
	len = ext_blob(blob, 20, 28, 28, good, sizeof(good) / 4);
	struct rk_btf_ext *ext = NULL;
	char err[RK_ERR_LEN];
	cr_assert_eq(rk_btf_ext_parse(blob, len, btf, &ext, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ext->sec_count, 1);
	cr_assert_str_eq(ext->secs[0].name, "tp/x");
	cr_assert_eq(ext->secs[0].lines[0].line, 12);
	cr_assert_eq(ext->secs[0].lines[0].column, 5);
	cr_assert_eq(ext->secs[0].lines[0].insn_off, 8);
	cr_assert_eq(ext->secs[0].cores[0].insn_off, 16);
	cr_assert_eq(ext->secs[0].cores[0].access_str_off, access);
	rk_btf_ext_free(ext);

	blob[0] = 0;
	expect_ext_reject(blob, len, btf, ".BTF.ext header: bad magic 0xeb00 (want 0xeb9f)");
	expect_ext_reject(blob, 10, btf,
	                  ".BTF.ext header: 10 bytes is shorter than the 24-byte header");

	const uint32_t small_rec[] = {4, sec_name, 1, 0};
	len = ext_blob(blob, 16, 0, 0, small_rec, 4);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext func_info at offset 0x20: record size 4 (want a multiple of 4, "
	                  "at least 8)");

	const uint32_t too_many[] = {8, sec_name, 1000, 0, func};
	len = ext_blob(blob, 20, 0, 0, too_many, 5);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext func_info at offset 0x24: section 'tp/x' claims 1000 records of "
	                  "8 bytes, but 8 bytes are left");

	const uint32_t bad_name[] = {8, 0x7777, 1, 0, func};
	len = ext_blob(blob, 20, 0, 0, bad_name, 5);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext func_info at offset 0x24: section name offset 0x7777 is empty or "
	                  "outside the BTF string section");

	const uint32_t not_func[] = {8, sec_name, 1, 0, int_id};
	len = ext_blob(blob, 20, 0, 0, not_func, 5);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext func_info at offset 0x2c: type 1 is not a BTF func");

	const uint32_t odd_insn[] = {16, sec_name, 1, 12, sec_name, 0, 1 << 10};
	len = ext_blob(blob, 0, 28, 0, odd_insn, 7);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext line_info at offset 0x2c: instruction offset 12 is not a multiple "
	                  "of 8");

	const uint32_t bad_kind[] = {16, sec_name, 1, 0, int_id, access, 13};
	len = ext_blob(blob, 0, 0, 28, bad_kind, 7);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext core_relo at offset 0x2c: unknown relocation kind 13");

	const uint32_t twice[] = {8, sec_name, 1, 0, func, sec_name, 1, 8, func};
	len = ext_blob(blob, 36, 0, 0, twice, 9);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext func_info at offset 0x34: section 'tp/x' appears twice");

	const uint32_t past[] = {8, sec_name, 1, 0, func};
	len = ext_blob(blob, 200, 0, 0, past, 5);
	expect_ext_reject(blob, len, btf,
	                  ".BTF.ext header: func_info (offset 0x0, 200 bytes) is unaligned or runs "
	                  "past the blob's 52 bytes");
	rk_btf_free(btf);
}

/* ------------------------------------------------------------------ */
/* CO-RE                                                               */
/* ------------------------------------------------------------------ */

/* Apply every CO-RE relocation of section sec; the first failure's rc (and message). */
static int relocate(const struct test_obj *obj, const char *sec_name, const struct rk_btf *target,
                    struct rk_insn *insns, size_t count, char *err, size_t err_len)
{
	const struct rk_btf_ext_sec *sec = rk_btf_ext_section(obj->ext, sec_name);
	cr_assert_not_null(sec, "no .BTF.ext for %s", sec_name);
	cr_assert_gt(sec->core_count, 0, "%s has no CO-RE relocations", sec_name);
	for (size_t i = 0; i < sec->core_count; i++) {
		int rc = rk_core_relocate(insns, count, &sec->cores[i], obj->btf, target, err, err_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Relocate section sec against target, then run it (checked) on ctx; returns r0. */
static uint64_t relocate_and_run(const struct test_obj *obj, const char *sec,
                                 const struct rk_btf *target, void *ctx, size_t ctx_len)
{
	char err[RK_ERR_LEN];
	size_t count;
	struct rk_insn *insns = obj_insns(obj, sec, &count);
	cr_assert_eq(relocate(obj, sec, target, insns, count, err, sizeof(err)), 0, "%s: %s", sec,
	             err);
	struct rk_prog *prog = NULL;
	cr_assert_eq(rk_prog_new(insns, count, NULL, &prog, err, sizeof(err)), 0, "%s: %s", sec, err);
	struct rk_run_opts opts = {.mode = RK_EXEC_CHECKED, .insn_limit = 10000};
	struct rk_run_result result;
	cr_assert_eq(rk_prog_run(prog, ctx, ctx_len, &opts, &result), 0, "%s: %s", sec,
	             result.message);
	rk_prog_free(prog);
	free(insns);
	return result.retval;
}

static struct task_struct sample_task(void)
{
	struct task_struct task;
	memset(&task, 0xee, sizeof(task)); /* a wrong offset reads 0xee.. */
	task.pid = 4242;
	task.tgid = 77;
	memcpy(task.comm, "rkbpf-test\0\0\0\0\0", 16);
	task.flags = 0x1234567890ul;
	task.prio = 17;
	task.policy = 5;
	task.in_iowait = 1;
	task.pending.count = 9;
	return task;
}

Test(core, field_offsets_follow_the_target_layout)
{
	struct test_obj local, target;
	obj_open(&local, "btf_core_local");
	obj_open(&target, "btf_core_target");
	struct task_struct task = sample_task();

	cr_assert_eq(relocate_and_run(&local, "tp/pid", target.btf, &task, sizeof(task)), 4242);
	cr_assert_eq(relocate_and_run(&local, "tp/tgid", target.btf, &task, sizeof(task)), 77);
	cr_assert_eq(relocate_and_run(&local, "tp/comm", target.btf, &task, sizeof(task)), 'p');
	cr_assert_eq(relocate_and_run(&local, "tp/pending", target.btf, &task, sizeof(task)), 9);
	cr_assert_eq(relocate_and_run(&local, "tp/bitfield", target.btf, &task, sizeof(task)), 5);
	/* unsigned int locally, unsigned long in the target: the load widens to 8 bytes. */
	cr_assert_eq(relocate_and_run(&local, "tp/flags", target.btf, &task, sizeof(task)),
	             0x1234567890ul);

	/* The patched offsets are the C compiler's. */
	char err[RK_ERR_LEN];
	size_t count;
	struct rk_insn *insns = obj_insns(&local, "tp/pid", &count);
	cr_assert_eq(insns[0].off, 0, "clang's local offset of pid");
	cr_assert_eq(relocate(&local, "tp/pid", target.btf, insns, count, err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(insns[0].off, offsetof(struct task_struct, pid));
	/* Applying it again finds the target's offset where the local one should be. */
	cr_assert_eq(relocate(&local, "tp/pid", target.btf, insns, count, err, sizeof(err)), -EINVAL);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "insn 0: CO-RE: the instruction's offset is %zu, but the local BTF gives 0 (a "
	         "relocation applied twice, or to the wrong instruction?)",
	         offsetof(struct task_struct, pid));
	cr_assert_str_eq(err, expected);
	free(insns);

	insns = obj_insns(&local, "tp/flags", &count);
	cr_assert_eq(relocate(&local, "tp/flags", target.btf, insns, count, err, sizeof(err)), 0);
	cr_assert_eq(insns[0].off, offsetof(struct task_struct, flags));
	cr_assert_eq(insns[0].code, RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_DW);
	free(insns);
	obj_close(&target);
	obj_close(&local);
}

Test(core, existence_sizes_enums_and_type_ids)
{
	struct test_obj local, target;
	obj_open(&local, "btf_core_local");
	obj_open(&target, "btf_core_target");
	struct task_struct task = sample_task();

	/* pid yes (1), missing_field no, not_in_target no, task_struct yes (8),
	 * TASK_GONE no, TASK_STOPPED yes (32). */
	cr_assert_eq(relocate_and_run(&local, "tp/exists", target.btf, &task, sizeof(task)), 41);
	/* Against its own BTF, everything exists. */
	cr_assert_eq(relocate_and_run(&local, "tp/exists", NULL, &task, sizeof(task)), 63);

	uint64_t sizes = relocate_and_run(&local, "tp/sizes", target.btf, &task, sizeof(task));
	cr_assert_eq(sizes, sizeof(struct task_struct) << 16 | sizeof(task.comm) << 8 |
	                    sizeof(task.flags));
	cr_assert_eq(relocate_and_run(&local, "tp/enum", target.btf, &task, sizeof(task)),
	             TASK_STOPPED);
	cr_assert_eq(relocate_and_run(&local, "tp/enum", NULL, &task, sizeof(task)), 2);
	/* -2 -> -3 stays negative in a 64-bit load; 0x80000000 -> 0x90000000 stays positive. */
	cr_assert_eq(relocate_and_run(&local, "tp/enum_signs", target.btf, &task, sizeof(task)), 1);
	cr_assert_eq(relocate_and_run(&local, "tp/type_id", target.btf, &task, sizeof(task)),
	             (uint64_t)rk_btf_find(target.btf, "task_struct", BTF_KIND_STRUCT));
	obj_close(&target);
	obj_close(&local);
}

Test(core, missing_field_is_a_clear_error_or_a_poisoned_insn)
{
	struct test_obj local, target;
	obj_open(&local, "btf_core_local");
	obj_open(&target, "btf_core_target");
	char err[RK_ERR_LEN];
	size_t count;
	struct rk_insn *insns = obj_insns(&local, "tp/missing", &count);
	struct rk_insn before = insns[0];
	cr_assert_eq(relocate(&local, "tp/missing", target.btf, insns, count, err, sizeof(err)),
	             -ENOENT);
	cr_assert_str_eq(err, "insn 0: CO-RE: field 'missing_field' of struct task_struct not found "
	                      "in the target BTF");
	cr_assert(memcmp(&insns[0], &before, sizeof(before)) == 0, "untouched on failure");
	free(insns);

	/* Guarded by bpf_core_field_exists(): the check becomes 0, the read is poisoned. */
	insns = obj_insns(&local, "tp/guarded", &count);
	const struct rk_btf_ext_sec *sec = rk_btf_ext_section(local.ext, "tp/guarded");
	cr_assert_eq(sec->core_count, 2);
	for (size_t i = 0; i < sec->core_count; i++) {
		int rc = rk_core_relocate(insns, count, &sec->cores[i], local.btf, target.btf, err,
		                          sizeof(err));
		if (sec->cores[i].kind == BPF_CORE_FIELD_EXISTS) {
			cr_assert_eq(rc, 0, "%s", err);
			cr_assert_eq(insns[sec->cores[i].insn_off / 8].imm, 0);
		} else {
			cr_assert_eq(rc, -ENOENT);
			cr_assert_eq(rk_core_poison(insns, count, &sec->cores[i]), 0);
			const struct rk_insn *poisoned = &insns[sec->cores[i].insn_off / 8];
			cr_assert_eq(poisoned->code, RK_OP_CALL);
			cr_assert_eq(poisoned->imm, RK_CORE_POISON_HELPER);
		}
	}
	free(insns);

	/* A type the target lacks, asked for by size: named as such. */
	struct rk_btf_ext_core relo = {
		.insn_off = 0,
		.type_id = (uint32_t)rk_btf_find(local.btf, "not_in_target___local", BTF_KIND_STRUCT),
		.access_str_off = 0,
		.kind = BPF_CORE_TYPE_SIZE,
	};
	/* Borrow the "0" access string of a type-based relocation in tp/exists. */
	const struct rk_btf_ext_sec *exists_sec = rk_btf_ext_section(local.ext, "tp/exists");
	for (size_t i = 0; i < exists_sec->core_count; i++)
		if (strcmp(rk_btf_str(local.btf, exists_sec->cores[i].access_str_off), "0") == 0)
			relo.access_str_off = exists_sec->cores[i].access_str_off;
	cr_assert_neq(relo.access_str_off, 0);
	struct rk_insn mov = {.code = RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K, .imm = 4};
	cr_assert_eq(rk_core_relocate(&mov, 1, &relo, local.btf, target.btf, err, sizeof(err)),
	             -ENOENT);
	cr_assert_str_eq(err, "insn 0: CO-RE: struct not_in_target not found in the target BTF");
	relo.insn_off = 8;
	cr_assert_eq(rk_core_relocate(&mov, 1, &relo, local.btf, target.btf, err, sizeof(err)),
	             -EINVAL);
	cr_assert_str_eq(err, "CO-RE: instruction offset 8 is not inside the section's 1 "
	                      "instructions");
	obj_close(&target);
	obj_close(&local);
}

Test(core, against_the_running_kernel)
{
	size_t len;
	uint8_t *data = read_vmlinux(&len);
	if (!data)
		cr_skip_test("no " VMLINUX_BTF);
	long pid_bits = bpftool_task_member_offset("pid");
	long comm_bits = bpftool_task_member_offset("comm");
	if (pid_bits < 0 || comm_bits < 0) {
		free(data);
		cr_skip_test("bpftool cannot dump " VMLINUX_BTF);
	}
	char err[RK_ERR_LEN];
	struct rk_btf *vmlinux = NULL;
	cr_assert_eq(rk_btf_parse(data, len, &vmlinux, err, sizeof(err)), 0, "%s", err);
	struct test_obj local;
	obj_open(&local, "btf_core_vmlinux");

	size_t count;
	struct rk_insn *insns = obj_insns(&local, "tp/vmlinux_pid", &count);
	cr_assert_eq(relocate(&local, "tp/vmlinux_pid", vmlinux, insns, count, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(insns[0].off, pid_bits / 8, "ours %d, bpftool %ld", insns[0].off, pid_bits / 8);
	free(insns);

	insns = obj_insns(&local, "tp/vmlinux_comm", &count);
	cr_assert_eq(relocate(&local, "tp/vmlinux_comm", vmlinux, insns, count, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(insns[0].off, comm_bits / 8);
	free(insns);

	char *line = bpftool_line(AWK_STRUCT("task_struct"), "STRUCT 'task_struct' size=");
	cr_assert_not_null(line);
	long size = strtol(strstr(line, "size=") + 5, NULL, 10);
	free(line);
	insns = obj_insns(&local, "tp/vmlinux_size", &count);
	cr_assert_eq(relocate(&local, "tp/vmlinux_size", vmlinux, insns, count, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(insns[0].imm, size);
	free(insns);

	line = bpftool_line("/^\\[[0-9]+\\] ENUM .bpf_map_type. /{p=1;next} p&&/^\\[/{exit} p{print}",
	                    "'BPF_MAP_TYPE_RINGBUF' val=");
	if (line) {
		long value = strtol(strstr(line, "val=") + 4, NULL, 10);
		free(line);
		insns = obj_insns(&local, "tp/vmlinux_enum", &count);
		cr_assert_eq(relocate(&local, "tp/vmlinux_enum", vmlinux, insns, count, err, sizeof(err)),
		             0, "%s", err);
		cr_assert_eq(insns[0].code, RK_OP_LDDW);
		cr_assert_eq((uint32_t)insns[0].imm | (uint64_t)(uint32_t)insns[1].imm << 32,
		             (uint64_t)value);
		free(insns);
	}
	obj_close(&local);
	rk_btf_free(vmlinux);
	free(data);
}
