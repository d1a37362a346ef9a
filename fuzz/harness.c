/*
 * harness.c - the environment progen's programs run in (see harness.h).
 *
 * The helpers: rk_helpers_register() takes a plain function per helper id,
 * with no slot for the id or for the owner's state, so each id gets a
 * trampoline of its own (TRAMPOLINE below) that finds the harness through
 * rk_run_user() and hands the call to harness.call with the id.
 *
 * The one thing to know before changing this file: what the fill
 * functions draw from harness.rand, and in which order, is what a seed
 * means to rk-verify-gen and rk-jit-diff; reordering changes every run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define FNV_PRIME UINT64_C(0x100000001b3)

/* ---- inputs --------------------------------------------------------------- */

static const int64_t edge_values[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 0x7fff,
	0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, INT64_MAX, INT64_MIN, -1,
	-2, -8, -64, -512,
};

void harness_dict_start(struct harness *harness)
{
	harness->dict_len = 0;
	for (size_t k = 0; k < sizeof(edge_values) / sizeof(edge_values[0]); k++)
		harness->dict[harness->dict_len++] = edge_values[k];
}

uint64_t harness_input(struct harness *harness)
{
	struct pg_rand *rand = &harness->rand;
	if (pg_chance(rand, 30))
		return pg_u64(rand);
	int64_t v = harness->dict[pg_below(rand, (uint32_t)harness->dict_len)];
	switch (pg_below(rand, 6)) {
	case 0: return (uint64_t)v + 1;   /* unsigned: INT64_MAX + 1 wraps, as intended */
	case 1: return (uint64_t)v - 1;
	case 2: return 0 - (uint64_t)v;
	default: return (uint64_t)v;
	}
}

void harness_fill_bytes(struct harness *harness, uint8_t *dst, size_t len)
{
	unsigned style = pg_below(&harness->rand, 10);
	if (style <= 1) {
		memset(dst, style ? 0xff : 0, len);
		return;
	}
	for (size_t at = 0; at < len;) {
		size_t width = (size_t)1 << pg_below(&harness->rand, 4);
		while (at % width || at + width > len)
			width /= 2;
		uint64_t v = harness_input(harness);
		memcpy(dst + at, &v, width);
		at += width;
	}
}

void harness_fill_ctx(struct harness *harness, uint8_t *ctx, uint8_t *buf)
{
	harness_fill_bytes(harness, ctx, PG_CTX_SIZE);
	uint64_t buf_addr = (uintptr_t)buf;
	memcpy(ctx + PG_CTX_PTR_OFF, &buf_addr, sizeof(buf_addr));
	harness_fill_bytes(harness, buf, PG_CTX_BUF_SIZE);
}

static int discard_all(void *fn_ctx, const void *data, size_t size)
{
	(void)fn_ctx, (void)data, (void)size;
	return 0;
}

void harness_fill_maps(struct harness *harness)
{
	uint8_t value[PG_ARRAY_VALUE];
	for (uint32_t key = 0; key < PG_ARRAY_ENTRIES; key++) {
		harness_fill_bytes(harness, value, PG_ARRAY_VALUE);
		rk_map_update(harness->maps[PG_MAP_ARRAY], &key, value, RK_MAP_ANY);
	}
	uint32_t zero = 0;
	harness_fill_bytes(harness, value, PG_TINY_VALUE);
	rk_map_update(harness->maps[PG_MAP_TINY], &zero, value, RK_MAP_ANY);

	/* Inserted in order into an empty map: the same layout every run. */
	struct rk_map *hash = harness->maps[PG_MAP_HASH];
	uint32_t key;
	while (rk_map_next_key(hash, NULL, &key) == 0)
		rk_map_delete(hash, &key);
	for (key = 0; key < PG_HASH_PRESET_KEYS; key++) {
		harness_fill_bytes(harness, value, PG_HASH_VALUE);
		rk_map_update(hash, &key, value, RK_MAP_NOEXIST);
	}
	rk_ringbuf_consume(harness->maps[PG_MAP_RINGBUF], discard_all, NULL);
}

uint64_t harness_fnv(uint64_t hash, const void *data, size_t len)
{
	const uint8_t *bytes = data;
	for (size_t k = 0; k < len; k++)
		hash = (hash ^ bytes[k]) * FNV_PRIME;
	return hash;
}

/* ---- helpers -------------------------------------------------------------- */

/* The standard helpers progen's programs call. */
static const uint32_t helper_ids[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 25, 112, 114, 125, 130, 131, 132, 133, 134, 165, 181,
	RK_HELPER_EMERGENCY_STOP, RK_HELPER_TIMESERIES_PUSH, RK_HELPER_TIMESERIES_WINDOW,
	RK_HELPER_SENSOR_LAST_TIMESTAMP,
};
#define HELPER_COUNT (sizeof(helper_ids) / sizeof(helper_ids[0]))

static uint64_t forward_call(unsigned slot, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                             uint64_t r5, struct rk_run *run)
{
	/* The owner's environment starts with its struct harness (harness.h). */
	const struct harness *harness = rk_run_user(run);
	return harness->call(helper_ids[slot], r1, r2, r3, r4, r5, run);
}

#define TRAMPOLINE(n)                                                                    \
	static uint64_t trampoline_##n(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,  \
	                               uint64_t r5, struct rk_run *run)                  \
	{                                                                                \
		return forward_call(n, r1, r2, r3, r4, r5, run);                         \
	}
TRAMPOLINE(0) TRAMPOLINE(1) TRAMPOLINE(2) TRAMPOLINE(3) TRAMPOLINE(4) TRAMPOLINE(5)
TRAMPOLINE(6) TRAMPOLINE(7) TRAMPOLINE(8) TRAMPOLINE(9) TRAMPOLINE(10) TRAMPOLINE(11)
TRAMPOLINE(12) TRAMPOLINE(13) TRAMPOLINE(14) TRAMPOLINE(15) TRAMPOLINE(16) TRAMPOLINE(17)
TRAMPOLINE(18) TRAMPOLINE(19) TRAMPOLINE(20) TRAMPOLINE(21) TRAMPOLINE(22) TRAMPOLINE(23)
TRAMPOLINE(24) TRAMPOLINE(25)
#undef TRAMPOLINE

static const rk_helper_fn trampolines[] = {
	trampoline_0,  trampoline_1,  trampoline_2,  trampoline_3,  trampoline_4,
	trampoline_5,  trampoline_6,  trampoline_7,  trampoline_8,  trampoline_9,
	trampoline_10, trampoline_11, trampoline_12, trampoline_13, trampoline_14,
	trampoline_15, trampoline_16, trampoline_17, trampoline_18, trampoline_19,
	trampoline_20, trampoline_21, trampoline_22, trampoline_23, trampoline_24,
	trampoline_25,
};
_Static_assert(sizeof(trampolines) / sizeof(trampolines[0]) == HELPER_COUNT,
               "one trampoline per helper");

/* ---- the environment ------------------------------------------------------ */

static int new_map(struct harness *harness, unsigned index, const char *name, uint32_t type,
                   uint32_t key_size, uint32_t value_size, uint32_t max_entries, char *err,
                   size_t err_len)
{
	struct rk_map_def def = {.type = type, .key_size = key_size, .value_size = value_size,
	                         .max_entries = max_entries};
	snprintf(def.name, sizeof(def.name), "%s", name);
	return rk_map_new(&def, NULL, &harness->maps[index], err, err_len);
}

int harness_init(struct harness *harness, harness_call_fn *call, char *err, size_t err_len)
{
	harness->call = call;
	int rc = new_map(harness, PG_MAP_ARRAY, "arr", RK_MAP_ARRAY, 4, PG_ARRAY_VALUE,
	                 PG_ARRAY_ENTRIES, err, err_len);
	if (!rc)
		rc = new_map(harness, PG_MAP_HASH, "hash", RK_MAP_HASH, 4, PG_HASH_VALUE,
		             PG_HASH_ENTRIES, err, err_len);
	if (!rc)
		rc = new_map(harness, PG_MAP_RINGBUF, "rb", RK_MAP_RINGBUF, 0, 0, PG_RINGBUF_BYTES,
		             err, err_len);
	if (!rc)
		rc = new_map(harness, PG_MAP_TINY, "tiny", RK_MAP_ARRAY, 4, PG_TINY_VALUE, 1, err,
		             err_len);
	harness->std = rk_helpers_standard();
	harness->helpers = rk_helpers_new();
	if (!rc && (!harness->std || !harness->helpers)) {
		snprintf(err, err_len, "out of memory");
		rc = -ENOMEM;
	}
	for (size_t k = 0; !rc && k < HELPER_COUNT; k++) {
		const struct rk_helper_proto *proto = rk_helpers_proto(harness->std, helper_ids[k]);
		if (proto)
			rc = rk_helpers_register(harness->helpers, helper_ids[k], trampolines[k], proto,
			                         err, err_len);
	}
	if (rc)
		return rc;
	harness->writable = (struct rk_ctx_range){PG_CTX_WRITABLE_OFF, PG_CTX_WRITABLE_LEN};
	harness->ptr_field = (struct rk_ctx_ptr_field){.off = PG_CTX_PTR_OFF,
	                                               .mem_size = PG_CTX_BUF_SIZE,
	                                               .writable = true, .name = "buf"};
	harness->desc = (struct rk_ctx_desc){.name = "progen ctx", .size = PG_CTX_SIZE,
	                                     .writable = &harness->writable, .writable_count = 1,
	                                     .ptr_fields = &harness->ptr_field,
	                                     .ptr_field_count = 1};
	return 0;
}

void harness_fini(struct harness *harness)
{
	for (size_t m = 0; m < PG_MAP_COUNT; m++) {
		rk_map_free(harness->maps[m]);
		harness->maps[m] = NULL;
	}
	rk_helpers_free(harness->helpers);
	harness->helpers = NULL;
}

/* ---- minimising ----------------------------------------------------------- */

size_t harness_drop_insn(const struct rk_insn *in, size_t count, size_t at, struct rk_insn *out)
{
	for (size_t k = 0; k < at; k++)
		if (in[k].code == RK_OP_LDDW && ++k == at)
			return 0;
	size_t width = in[at].code == RK_OP_LDDW ? 2 : 1;
#define NEW_INDEX(x) ((x) < (int64_t)at ? (x) : (x) >= (int64_t)(at + width) ? (x) - (int64_t)width : (int64_t)at)
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		if (i >= at && i < at + width)
			continue;
		struct rk_insn insn = in[i];
		uint8_t cls = RK_CLASS(insn.code);
		int64_t self = (int64_t)i;
		bool in_imm = insn.code == RK_OP_JA32 ||
		              (insn.code == RK_OP_CALL && insn.src_reg == RK_CALL_LOCAL) ||
		              (insn.code == RK_OP_LDDW && insn.src_reg == RK_PSEUDO_CODE_ADDR);
		bool in_off = (cls == RK_CLS_JMP || cls == RK_CLS_JMP32) && !in_imm &&
		              insn.code != RK_OP_EXIT && insn.code != RK_OP_CALL &&
		              insn.code != RK_OP_CALLX;
		if (in_imm) {
			int64_t target = self + 1 + insn.imm;
			insn.imm = (int32_t)(NEW_INDEX(target) - NEW_INDEX(self) - 1);
		} else if (in_off) {
			int64_t target = self + 1 + insn.off;
			insn.off = (int16_t)(NEW_INDEX(target) - NEW_INDEX(self) - 1);
		}
		out[n++] = insn;
	}
#undef NEW_INDEX
	return n;
}

/* ---- for the standalone runs --------------------------------------------- */

double harness_now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t harness_program_seed(uint64_t seed, uint64_t index)
{
	uint64_t z = seed * UINT64_C(0x9e3779b97f4a7c15) + index + 1;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

char *harness_read_file(const char *who, const char *path)
{
	FILE *file = fopen(path, "r");
	if (!file) {
		fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
		return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char chunk[4096];
	size_t got;
	while (mem && (got = fread(chunk, 1, sizeof(chunk), file)) > 0)
		fwrite(chunk, 1, got, mem);
	fclose(file);
	if (mem)
		fclose(mem);
	return text;
}
