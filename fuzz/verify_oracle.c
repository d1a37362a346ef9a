/*
 * verify_oracle.c - the verifier's soundness oracle (see progen.h).
 *
 * A program is verified against a fixed environment; if accepted, it runs
 * PG_RUNS_PER_PROG times in the checked interpreter, each time on fresh
 * inputs (context bytes, map contents, helper results biased towards the
 * program's own constants and the usual edge values), with the verifier's
 * insn_bound as the instruction limit.  On top of what the checked
 * interpreter checks itself, the oracle
 *   - registers the context as three regions, so that a store to its
 *     read-only part is caught (the interpreter's own ctx region is all or
 *     nothing), and the memory behind the context's pointer field;
 *   - calls every helper through a wrapper that checks the arguments
 *     against the prototype the verifier relied on: map and context
 *     pointers, key/value/memory arguments inside one object for their
 *     whole size, ring-buffer records that are outstanding (the
 *     interpreter's map regions cover a whole map, so the wrapper is what
 *     catches a record released twice or a key read past its object);
 *   - after each run: no ring-buffer record left unreleased, the records
 *     the consumer sees are the ones submitted (a write past a record's
 *     end lands in the next header), the hash map's keys intact (a write
 *     past a value lands in its key);
 *   - runs the program again in the fast interpreter on a stack full of
 *     garbage, with the same inputs and helper results, and compares r0,
 *     the context and the maps: a helper that read stack bytes the program
 *     never wrote (the checked interpreter cannot see helpers' reads) makes
 *     the two differ.
 *
 * The one thing to know before changing this file: every check here must
 * hold for *every* program the verifier may accept, or the oracle reports
 * false escapes; when in doubt, a check belongs to the verifier's tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "progen.h"

#define MAX_RECORDS 64
#define GUARD_BYTES (32 * 1024 + 64)
#define DICT_MAX 96
#define RING_ZERO_SIZE (PG_RINGBUF_BYTES - 16)   /* data of the largest record that fits */
#define RING_PREFILL_SIZE (PG_RINGBUF_BYTES - 32) /* leaves room for an empty record only */

enum rec_state { REC_BUSY, REC_SUBMITTED, REC_DISCARDED };

struct ring_entry {
	uintptr_t addr;
	uint64_t size;
	enum rec_state state;
};

struct area {
	const char *name;
	uintptr_t start;
	uint64_t len;
	bool writable;
};

struct pg_env {
	struct rk_map *maps[PG_MAP_COUNT];
	struct rk_helpers *helpers;
	const struct rk_helpers *std;
	struct rk_ctx_range writable;
	struct rk_ctx_ptr_field ptr_field;
	struct rk_ctx_desc desc;

	/*
	 * Gaps between the buffers a program may touch, so that an access past
	 * one does not land in the next and go unnoticed (constant offsets reach
	 * 32 KiB either way).
	 */
	uint8_t gap0[GUARD_BYTES];
	_Alignas(16) uint8_t stack[RK_RUN_STACK_BYTES];
	uint8_t gap1[GUARD_BYTES];
	_Alignas(16) uint8_t ctx[PG_CTX_SIZE];
	uint8_t gap2[GUARD_BYTES];
	_Alignas(16) uint8_t buf[PG_CTX_BUF_SIZE];
	uint8_t gap3[GUARD_BYTES];
	struct rk_region regions[3];

	/* Map memory for the helper-argument checks. */
	uintptr_t hash_lo, hash_hi;
	bool deep_stack;                 /* the program has local calls: any frame is fine */

	/* Per run. */
	struct pg_rand rand;             /* helper results */
	int64_t dict[DICT_MAX];
	size_t dict_len;
	struct ring_entry ring[MAX_RECORDS];
	size_t ring_count;
	bool ring_log_full;              /* more records than the log holds: counts unknown */
	bool ring_prefilled;
	uint32_t hash_keys[PG_HASH_ENTRIES];
	size_t hash_key_count;
	bool violated;
	char violation[RK_ERR_LEN * 2];

	/* Consumer checks. */
	size_t consumed;
	bool consume_mismatch;
	uint64_t consume_hash;
};

/* ---- inputs --------------------------------------------------------------- */

static const int64_t edge_values[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 0x7fff,
	0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, INT64_MAX, INT64_MIN, -1,
	-2, -8, -64, -512,
};

static void build_dict(struct pg_env *env, const struct rk_insn *insns, size_t count)
{
	env->dict_len = 0;
	for (size_t k = 0; k < sizeof(edge_values) / sizeof(edge_values[0]); k++)
		env->dict[env->dict_len++] = edge_values[k];
	for (size_t i = 0; i < count && env->dict_len + 3 <= DICT_MAX; i++) {
		if (insns[i].code == RK_OP_LDDW) {
			i++;
			continue;
		}
		uint8_t cls = RK_CLASS(insns[i].code);
		if (cls != RK_CLS_JMP && cls != RK_CLS_JMP32 && cls != RK_CLS_ALU && cls != RK_CLS_ALU64)
			continue;
		if (RK_SRC(insns[i].code) == RK_SRC_X || insns[i].imm == 0)
			continue;
		env->dict[env->dict_len++] = insns[i].imm;
	}
}

static uint64_t input_value(struct pg_env *env)
{
	struct pg_rand *rand = &env->rand;
	if (pg_chance(rand, 30))
		return pg_u64(rand);
	int64_t v = env->dict[pg_below(rand, (uint32_t)env->dict_len)];
	switch (pg_below(rand, 6)) {
	case 0: return (uint64_t)v + 1;   /* unsigned: INT64_MAX + 1 wraps, as intended */
	case 1: return (uint64_t)v - 1;
	case 2: return 0 - (uint64_t)v;
	default: return (uint64_t)v;
	}
}

/* Fill len bytes with values of random widths at their natural alignment. */
static void fill_bytes(struct pg_env *env, uint8_t *dst, size_t len)
{
	unsigned style = pg_below(&env->rand, 10);
	if (style == 0) {
		memset(dst, 0, len);
		return;
	}
	if (style == 1) {
		memset(dst, 0xff, len);
		return;
	}
	for (size_t at = 0; at < len;) {
		size_t width = (size_t)1 << pg_below(&env->rand, 4);
		while (at % width || at + width > len)
			width /= 2;
		uint64_t v = input_value(env);
		memcpy(dst + at, &v, width);
		at += width;
	}
}

/* ---- helper wrappers ------------------------------------------------------ */

static void violation(struct pg_env *env, struct rk_run *run, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void violation(struct pg_env *env, struct rk_run *run, const char *fmt, ...)
{
	if (!env->violated) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(env->violation, sizeof(env->violation), fmt, ap);
		va_end(ap);
	}
	env->violated = true;
	rk_run_abort(run, 0);
}

static bool is_env_map(const struct pg_env *env, uint64_t value)
{
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		if ((uintptr_t)env->maps[m] == (uintptr_t)value)
			return true;
	return false;
}

static size_t collect_areas(const struct pg_env *env, struct area *areas)
{
	size_t n = 0;
	uintptr_t top = (uintptr_t)(env->stack + RK_RUN_STACK_BYTES);
	uint64_t stack_len = env->deep_stack ? RK_RUN_STACK_BYTES : RK_STACK_SIZE;
	areas[n++] = (struct area){"stack", top - stack_len, stack_len, true};
	areas[n++] = (struct area){"ctx", (uintptr_t)env->ctx, PG_CTX_SIZE, false};
	areas[n++] = (struct area){"ctx (writable)", (uintptr_t)env->ctx + PG_CTX_WRITABLE_OFF,
	                           PG_CTX_WRITABLE_LEN, true};
	areas[n++] = (struct area){"ctx buf", (uintptr_t)env->buf, PG_CTX_BUF_SIZE, true};
	uint32_t key = 0;
	areas[n++] = (struct area){"array map", (uintptr_t)rk_map_lookup(env->maps[PG_MAP_ARRAY], &key),
	                           (uint64_t)PG_ARRAY_VALUE * PG_ARRAY_ENTRIES, true};
	areas[n++] = (struct area){"tiny map", (uintptr_t)rk_map_lookup(env->maps[PG_MAP_TINY], &key),
	                           PG_TINY_VALUE, true};
	areas[n++] = (struct area){"hash map", env->hash_lo, env->hash_hi - env->hash_lo, true};
	for (size_t k = 0; k < env->ring_count; k++)
		if (env->ring[k].state == REC_BUSY)
			areas[n++] = (struct area){"ring-buffer record", env->ring[k].addr,
			                           env->ring[k].size, true};
	return n;
}

/* size bytes at addr inside one object the program may hand to a helper. */
static bool mem_ok(const struct pg_env *env, uint64_t addr, uint64_t size, bool write)
{
	struct area areas[8 + MAX_RECORDS];
	size_t n = collect_areas(env, areas);
	for (size_t k = 0; k < n; k++) {
		const struct area *a = &areas[k];
		if (addr >= a->start && size <= a->len && addr - a->start <= a->len - size &&
		    (a->writable || !write))
			return true;
	}
	return false;
}

static struct ring_entry *busy_record(struct pg_env *env, uint64_t addr)
{
	for (size_t k = 0; k < env->ring_count; k++)
		if (env->ring[k].addr == addr && env->ring[k].state == REC_BUSY)
			return &env->ring[k];
	return NULL;
}

static void ring_log(struct pg_env *env, uintptr_t addr, uint64_t size, enum rec_state state)
{
	if (env->ring_count < MAX_RECORDS)
		env->ring[env->ring_count++] = (struct ring_entry){addr, size, state};
	else
		env->ring_log_full = true;
}

/* The helpers the environment offers: every standard one the oracle knows how to check. */
static const uint32_t wrapped_ids[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 25, 112, 114, 125, 130, 131, 132, 133, 134, 165, 181,
	RK_HELPER_EMERGENCY_STOP, RK_HELPER_TIMESERIES_PUSH, RK_HELPER_TIMESERIES_WINDOW,
	RK_HELPER_SENSOR_LAST_TIMESTAMP,
};
#define WRAPPED_COUNT (sizeof(wrapped_ids) / sizeof(wrapped_ids[0]))

static uint64_t wrapped_call(unsigned slot, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                             uint64_t r5, struct rk_run *run)
{
	struct pg_env *env = rk_run_user(run);
	uint32_t id = wrapped_ids[slot];
	const struct rk_helper_proto *proto = rk_helpers_proto(env->std, id);
	const uint64_t args[RK_HELPER_MAX_ARGS] = {r1, r2, r3, r4, r5};
	const char *name = proto->name;
	const struct rk_map *map = NULL;

	for (unsigned a = 0; a < RK_HELPER_MAX_ARGS; a++) {
		uint64_t v = args[a];
		uint64_t next = a + 1 < RK_HELPER_MAX_ARGS ? args[a + 1] : 0;
		switch (proto->args[a]) {
		case RK_ARG_CONST_MAP_PTR:
			if (!is_env_map(env, v)) {
				violation(env, run, "%s: r%u = 0x%" PRIx64 " is not a map", name, a + 1, v);
				return 0;
			}
			map = (const struct rk_map *)(uintptr_t)v;
			break;
		case RK_ARG_PTR_TO_MAP_KEY:
		case RK_ARG_PTR_TO_MAP_VALUE: {
			if (!map) {
				violation(env, run, "%s: no map before r%u", name, a + 1);
				return 0;
			}
			const struct rk_map_def *def = rk_map_def(map);
			uint64_t size = proto->args[a] == RK_ARG_PTR_TO_MAP_KEY ? def->key_size
			                                                          : def->value_size;
			if (!mem_ok(env, v, size, false)) {
				violation(env, run, "%s: r%u = 0x%" PRIx64 " does not hold the %" PRIu64
				          " bytes of a %s", name, a + 1, v, size,
				          proto->args[a] == RK_ARG_PTR_TO_MAP_KEY ? "key" : "value");
				return 0;
			}
			break;
		}
		case RK_ARG_PTR_TO_MEM:
		case RK_ARG_PTR_TO_UNINIT_MEM: {
			bool write = proto->args[a] == RK_ARG_PTR_TO_UNINIT_MEM;
			if (next && !mem_ok(env, v, next, write)) {
				violation(env, run, "%s: r%u = 0x%" PRIx64 " with size r%u = %" PRIu64
				          " is not %s memory of the program", name, a + 1, v, a + 2, next,
				          write ? "writable" : "readable");
				return 0;
			}
			break;
		}
		case RK_ARG_PTR_TO_CTX:
			if (v != (uintptr_t)env->ctx) {
				violation(env, run, "%s: r%u = 0x%" PRIx64 " is not the context", name, a + 1,
				          v);
				return 0;
			}
			break;
		case RK_ARG_PTR_TO_RINGBUF_REC:
			if (!busy_record(env, v)) {
				violation(env, run, "%s: r%u = 0x%" PRIx64 " is not a record reserved and "
				          "not yet released", name, a + 1, v);
				return 0;
			}
			break;
		default:
			break;
		}
	}

	uint64_t ret;
	switch (id) {
	case 5:   /* bpf_ktime_get_ns */
	case 125: /* bpf_ktime_get_boot_ns */
	case 7:   /* bpf_get_prandom_u32 */
		ret = input_value(env);
		if (id == 7)
			ret = (uint32_t)ret;
		return ret;
	default:
		ret = rk_helpers_fn(env->std, id)(r1, r2, r3, r4, r5, run);
		break;
	}
	switch (id) {
	case 131: /* bpf_ringbuf_reserve */
		if (ret)
			ring_log(env, (uintptr_t)ret, r2, REC_BUSY);
		break;
	case 132: /* bpf_ringbuf_submit */
	case 133: /* bpf_ringbuf_discard */
		busy_record(env, r1)->state = id == 132 ? REC_SUBMITTED : REC_DISCARDED;
		break;
	case 130: /* bpf_ringbuf_output */
		if (ret == 0)
			ring_log(env, 0, r3, REC_SUBMITTED);
		break;
	case 2: /* bpf_map_update_elem */
	case 3: /* bpf_map_delete_elem */
		if (ret == 0 && map == env->maps[PG_MAP_HASH]) {
			uint32_t key;
			memcpy(&key, (const void *)(uintptr_t)r2, sizeof(key));
			size_t k = 0;
			while (k < env->hash_key_count && env->hash_keys[k] != key)
				k++;
			if (id == 2 && k == env->hash_key_count && k < PG_HASH_ENTRIES)
				env->hash_keys[env->hash_key_count++] = key;
			else if (id == 3 && k < env->hash_key_count)
				env->hash_keys[k] = env->hash_keys[--env->hash_key_count];
		}
		break;
	default:
		break;
	}
	return ret;
}

#define WRAP(n)                                                                          \
	static uint64_t wrap_##n(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, \
	                         struct rk_run *run)                                     \
	{                                                                                \
		return wrapped_call(n, r1, r2, r3, r4, r5, run);                         \
	}
WRAP(0) WRAP(1) WRAP(2) WRAP(3) WRAP(4) WRAP(5) WRAP(6) WRAP(7) WRAP(8) WRAP(9) WRAP(10)
WRAP(11) WRAP(12) WRAP(13) WRAP(14) WRAP(15) WRAP(16) WRAP(17) WRAP(18) WRAP(19) WRAP(20)
WRAP(21) WRAP(22) WRAP(23) WRAP(24) WRAP(25)
#undef WRAP

static const rk_helper_fn wrappers[] = {
	wrap_0,  wrap_1,  wrap_2,  wrap_3,  wrap_4,  wrap_5,  wrap_6,  wrap_7,  wrap_8,
	wrap_9,  wrap_10, wrap_11, wrap_12, wrap_13, wrap_14, wrap_15, wrap_16, wrap_17,
	wrap_18, wrap_19, wrap_20, wrap_21, wrap_22, wrap_23, wrap_24, wrap_25,
};
_Static_assert(sizeof(wrappers) / sizeof(wrappers[0]) == WRAPPED_COUNT,
               "one wrapper per wrapped helper");

/* ---- the environment ------------------------------------------------------ */

static int new_map(struct pg_env *env, unsigned index, const char *name, uint32_t type,
                   uint32_t key_size, uint32_t value_size, uint32_t max_entries, char *err,
                   size_t err_len)
{
	struct rk_map_def def = {.type = type, .key_size = key_size, .value_size = value_size,
	                         .max_entries = max_entries};
	snprintf(def.name, sizeof(def.name), "%s", name);
	return rk_map_new(&def, NULL, &env->maps[index], err, err_len);
}

int pg_env_new(struct pg_env **env_out, char *err, size_t err_len)
{
	struct pg_env *env = calloc(1, sizeof(*env));
	*env_out = NULL;
	if (!env)
		return -ENOMEM;
	int rc = new_map(env, PG_MAP_ARRAY, "arr", RK_MAP_ARRAY, 4, PG_ARRAY_VALUE,
	                 PG_ARRAY_ENTRIES, err, err_len);
	if (!rc)
		rc = new_map(env, PG_MAP_HASH, "hash", RK_MAP_HASH, 4, PG_HASH_VALUE, PG_HASH_ENTRIES,
		             err, err_len);
	if (!rc)
		rc = new_map(env, PG_MAP_RINGBUF, "rb", RK_MAP_RINGBUF, 0, 0, PG_RINGBUF_BYTES, err,
		             err_len);
	if (!rc)
		rc = new_map(env, PG_MAP_TINY, "tiny", RK_MAP_ARRAY, 4, PG_TINY_VALUE, 1, err, err_len);
	env->std = rk_helpers_standard();
	env->helpers = rk_helpers_new();
	if (!rc && (!env->std || !env->helpers))
		rc = -ENOMEM;
	for (size_t k = 0; !rc && k < WRAPPED_COUNT; k++) {
		const struct rk_helper_proto *proto = rk_helpers_proto(env->std, wrapped_ids[k]);
		if (proto)
			rc = rk_helpers_register(env->helpers, wrapped_ids[k], wrappers[k], proto, err,
			                         err_len);
	}
	if (rc) {
		pg_env_free(env);
		return rc;
	}
	/* Where the hash map's values live: fill it, look every value up, empty it. */
	env->hash_lo = UINTPTR_MAX;
	uint8_t value[PG_HASH_VALUE] = {0};
	for (uint32_t key = 0; key < PG_HASH_ENTRIES; key++)
		rk_map_update(env->maps[PG_MAP_HASH], &key, value, RK_MAP_ANY);
	for (uint32_t key = 0; key < PG_HASH_ENTRIES; key++) {
		uintptr_t at = (uintptr_t)rk_map_lookup(env->maps[PG_MAP_HASH], &key);
		if (at && at < env->hash_lo)
			env->hash_lo = at;
		if (at && at + PG_HASH_VALUE > env->hash_hi)
			env->hash_hi = at + PG_HASH_VALUE;
		rk_map_delete(env->maps[PG_MAP_HASH], &key);
	}

	env->writable = (struct rk_ctx_range){PG_CTX_WRITABLE_OFF, PG_CTX_WRITABLE_LEN};
	env->ptr_field = (struct rk_ctx_ptr_field){.off = PG_CTX_PTR_OFF,
	                                           .mem_size = PG_CTX_BUF_SIZE,
	                                           .writable = true, .name = "buf"};
	env->desc = (struct rk_ctx_desc){.name = "progen ctx", .size = PG_CTX_SIZE,
	                                 .writable = &env->writable, .writable_count = 1,
	                                 .ptr_fields = &env->ptr_field, .ptr_field_count = 1};
	/*
	 * The interpreter's own ctx region is all-or-nothing writable.  The first
	 * region holding an access decides, so: the writable window first, then
	 * the whole context read-only (an access may straddle the window's edge).
	 */
	uintptr_t ctx = (uintptr_t)env->ctx;
	env->regions[0] = (struct rk_region){.name = "ctx[8,40)", .start = ctx + PG_CTX_WRITABLE_OFF,
	                                     .len = PG_CTX_WRITABLE_LEN, .writable = true};
	env->regions[1] = (struct rk_region){.name = "ctx", .start = ctx, .len = PG_CTX_SIZE,
	                                     .writable = false};
	env->regions[2] = (struct rk_region){.name = "ctx buf", .start = (uintptr_t)env->buf,
	                                     .len = PG_CTX_BUF_SIZE, .writable = true};
	*env_out = env;
	return 0;
}

void pg_env_free(struct pg_env *env)
{
	if (!env)
		return;
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		rk_map_free(env->maps[m]);
	rk_helpers_free(env->helpers);
	free(env);
}

/* ---- one run -------------------------------------------------------------- */

static int consume_one(void *fn_ctx, const void *data, size_t size)
{
	struct pg_env *env = fn_ctx;
	/* The n-th record consumed must be the n-th submitted, with its size. */
	size_t seen = 0;
	bool matched = false;
	if (env->ring_prefilled) {
		if (env->consumed == 0) {
			matched = size == RING_PREFILL_SIZE;
			goto done;
		}
		seen = 1;
	}
	for (size_t k = 0; k < env->ring_count; k++) {
		if (env->ring[k].state != REC_SUBMITTED)
			continue;
		if (seen++ == env->consumed) {
			matched = env->ring[k].size == size;
			break;
		}
	}
done:
	if (!matched)
		env->consume_mismatch = true;
	env->consumed++;
	const uint8_t *bytes = data;
	for (size_t k = 0; k < size; k++)
		env->consume_hash = (env->consume_hash ^ bytes[k]) * UINT64_C(0x100000001b3);
	env->consume_hash ^= size;
	return 0;
}

static int discard_all(void *fn_ctx, const void *data, size_t size)
{
	(void)fn_ctx, (void)data, (void)size;
	return 0;
}

/* Reset the maps, the context and the helpers' state for run number seed. */
static void prepare_run(struct pg_env *env, uint64_t seed)
{
	pg_rand_seed(&env->rand, seed);
	env->violated = false;
	env->violation[0] = '\0';
	env->ring_count = 0;
	env->ring_log_full = false;
	env->consumed = 0;
	env->consume_mismatch = false;
	env->consume_hash = 0;

	fill_bytes(env, env->ctx, PG_CTX_SIZE);
	uint64_t buf_addr = (uintptr_t)env->buf;
	memcpy(env->ctx + PG_CTX_PTR_OFF, &buf_addr, sizeof(buf_addr));
	fill_bytes(env, env->buf, PG_CTX_BUF_SIZE);

	uint8_t value[PG_ARRAY_VALUE];
	for (uint32_t key = 0; key < PG_ARRAY_ENTRIES; key++) {
		fill_bytes(env, value, PG_ARRAY_VALUE);
		rk_map_update(env->maps[PG_MAP_ARRAY], &key, value, RK_MAP_ANY);
	}
	uint32_t zero = 0;
	fill_bytes(env, value, PG_TINY_VALUE);
	rk_map_update(env->maps[PG_MAP_TINY], &zero, value, RK_MAP_ANY);

	/* The hash map: keys 0..PG_HASH_PRESET_KEYS-1, inserted in order into an empty map. */
	struct rk_map *hash = env->maps[PG_MAP_HASH];
	uint32_t key;
	while (rk_map_next_key(hash, NULL, &key) == 0)
		rk_map_delete(hash, &key);
	env->hash_key_count = 0;
	for (key = 0; key < PG_HASH_PRESET_KEYS; key++) {
		fill_bytes(env, value, PG_HASH_VALUE);
		rk_map_update(hash, &key, value, RK_MAP_NOEXIST);
		env->hash_keys[env->hash_key_count++] = key;
	}

	/*
	 * The ring: empty, zeroed, and with its next record at the start of the
	 * data, so that both runs of a program see the same record bytes.
	 * Sometimes nearly full, so that reservations fail.
	 */
	struct rk_map *rb = env->maps[PG_MAP_RINGBUF];
	rk_ringbuf_consume(rb, discard_all, NULL);
	void *zeroed = rk_ringbuf_reserve(rb, RING_ZERO_SIZE, 0);
	if (zeroed) {
		memset(zeroed, 0, RING_ZERO_SIZE);
		rk_ringbuf_discard(rb, zeroed, 0);
	}
	rk_ringbuf_consume(rb, discard_all, NULL);
	env->ring_prefilled = pg_chance(&env->rand, 20);
	if (env->ring_prefilled) {
		static const uint8_t zeros[RING_PREFILL_SIZE];
		if (rk_ringbuf_output(rb, zeros, RING_PREFILL_SIZE, 0) != 0)
			env->ring_prefilled = false;
	}
}

/* What a run left behind, to compare the checked and fast runs. */
struct snapshot {
	uint64_t retval;
	enum rk_stop stop;
	uint64_t hash;
};

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *bytes = data;
	for (size_t k = 0; k < len; k++)
		h = (h ^ bytes[k]) * UINT64_C(0x100000001b3);
	return h;
}

/*
 * The checks after a run, and its snapshot.  Returns false (with
 * env->violation set) if the run broke something the verifier promised.
 */
static bool after_run(struct pg_env *env, const struct rk_run_result *result,
                      struct snapshot *snap)
{
	bool ok = true;
	if (result->stop == RK_STOP_EXIT && !env->violated) {
		for (size_t k = 0; k < env->ring_count; k++) {
			if (env->ring[k].state == REC_BUSY) {
				snprintf(env->violation, sizeof(env->violation),
				         "a ring-buffer record of %" PRIu64 " bytes was reserved and never "
				         "submitted or discarded",
				         env->ring[k].size);
				ok = false;
				break;
			}
		}
	}
	rk_ringbuf_consume(env->maps[PG_MAP_RINGBUF], consume_one, env);
	size_t expected = env->ring_prefilled ? 1 : 0;
	for (size_t k = 0; k < env->ring_count; k++)
		expected += env->ring[k].state == REC_SUBMITTED;
	if (ok && !env->violated && result->stop == RK_STOP_EXIT && !env->ring_log_full &&
	    (env->consume_mismatch || env->consumed != expected)) {
		snprintf(env->violation, sizeof(env->violation),
		         "the ring buffer holds other records than the ones submitted (%zu consumed, "
		         "%zu expected): a write past a record's end?",
		         env->consumed, expected);
		ok = false;
	}

	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ env->consume_hash;
	h = fnv(h, env->ctx, PG_CTX_SIZE);
	h = fnv(h, env->buf, PG_CTX_BUF_SIZE);
	for (uint32_t key = 0; key < PG_ARRAY_ENTRIES; key++)
		h = fnv(h, rk_map_lookup(env->maps[PG_MAP_ARRAY], &key), PG_ARRAY_VALUE);
	uint32_t zero = 0;
	h = fnv(h, rk_map_lookup(env->maps[PG_MAP_TINY], &zero), PG_TINY_VALUE);
	/* The hash map in any order: entries may sit elsewhere from run to run. */
	struct rk_map *hash = env->maps[PG_MAP_HASH];
	size_t present = 0;
	uint64_t entries = 0;
	uint32_t key, prev;
	bool first = true;
	while (rk_map_next_key(hash, first ? NULL : &prev, &key) == 0 && present <= PG_HASH_ENTRIES) {
		present++;
		uint64_t e = fnv(UINT64_C(0xcbf29ce484222325), &key, sizeof(key));
		const void *value = rk_map_lookup(hash, &key);
		if (value)
			e = fnv(e, value, PG_HASH_VALUE);
		entries += e;
		prev = key;
		first = false;
	}
	h = fnv(h, &entries, sizeof(entries));
	if (ok && !env->violated && result->stop == RK_STOP_EXIT) {
		bool keys_ok = present == env->hash_key_count;
		for (size_t k = 0; k < env->hash_key_count && keys_ok; k++)
			keys_ok = rk_map_lookup(hash, &env->hash_keys[k]) != NULL;
		if (!keys_ok) {
			snprintf(env->violation, sizeof(env->violation),
			         "the hash map's keys changed (%zu present, %zu expected): a write past a "
			         "value's end?",
			         present, env->hash_key_count);
			ok = false;
		}
	}
	snap->retval = result->retval;
	snap->stop = result->stop;
	snap->hash = h;
	return ok && !env->violated;
}

static bool has_local_calls(const struct rk_insn *insns, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if ((insns[i].code == RK_OP_CALL && insns[i].src_reg == RK_CALL_LOCAL) ||
		    (insns[i].code == RK_OP_LDDW && insns[i].src_reg == RK_PSEUDO_CODE_ADDR))
			return true;
	return false;
}

static void escape(struct pg_outcome *out, unsigned run, const struct pg_env *env,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void escape(struct pg_outcome *out, unsigned run, const struct pg_env *env,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->escape, sizeof(out->escape), fmt, ap);
	va_end(ap);
	out->verdict = PG_ESCAPED;
	out->escape_run = run;
	memcpy(out->escape_ctx, env->ctx, PG_CTX_SIZE);
}

enum pg_verdict pg_check(struct pg_env *env, const struct rk_insn *insns, size_t insn_count,
                         uint64_t input_seed, struct pg_stats *stats, struct pg_outcome *out)
{
	struct pg_stats scratch;
	if (!stats)
		stats = &scratch;
	memset(out, 0, sizeof(*out));
	stats->programs++;
	struct rk_prog *prog = NULL;
	char err[RK_ERR_LEN];
	if (rk_prog_new_maps(insns, insn_count, env->helpers, env->maps, PG_MAP_COUNT, &prog, err,
	                     sizeof(err)) != 0) {
		stats->invalid++;
		snprintf(out->verify_err, sizeof(out->verify_err), "not loaded: %s", err);
		return out->verdict = PG_INVALID;
	}
	struct rk_verify_opts vopts = {.ctx = &env->desc};
	out->verify_rc = rk_verify(prog, &vopts, &out->vres, out->verify_err,
	                           sizeof(out->verify_err));
	if (out->verify_rc != 0) {
		stats->rejected++;
		if (out->verify_rc == -E2BIG)
			stats->too_complex++;
		rk_prog_free(prog);
		return out->verdict = PG_REJECTED;
	}
	stats->accepted++;
	out->verdict = PG_ACCEPTED;
	build_dict(env, insns, insn_count);
	env->deep_stack = has_local_calls(insns, insn_count);

	for (unsigned run = 0; run < PG_RUNS_PER_PROG && out->verdict == PG_ACCEPTED; run++) {
		uint64_t seed = input_seed * PG_RUNS_PER_PROG + run;
		if (out->vres.insn_bound == 0) {
			escape(out, run, env, "accepted with an instruction bound of 0");
			break;
		}
		/* The checked run: the oracle. */
		prepare_run(env, seed);
		struct rk_run_opts opts = {
			.mode = RK_EXEC_CHECKED, .regions = env->regions, .region_count = 3,
			.insn_limit = out->vres.insn_bound, .user = env, .stack = env->stack};
		struct rk_run_result *result = &out->run;
		/* ctx_len 0: no all-or-nothing ctx region; env->regions describe it (r2 = 0). */
		rk_prog_run(prog, env->ctx, 0, &opts, result);
		stats->runs++;
		stats->insns_run += result->insns_executed;
		struct snapshot checked;
		bool clean = after_run(env, result, &checked);
		if (env->violated) {
			escape(out, run, env, "helper check: %s", env->violation);
			break;
		}
		if (result->stop != RK_STOP_EXIT && result->stop != RK_STOP_ABORTED) {
			escape(out, run, env, "checked run stopped (%s): %s", rk_stop_name(result->stop),
			       result->message);
			break;
		}
		if (!clean) {
			escape(out, run, env, "%s", env->violation);
			break;
		}
		if (result->stop != RK_STOP_EXIT)
			continue;
		/* The fast run on a dirty stack, same inputs: must end the same way. */
		prepare_run(env, seed);
		memset(env->stack, 0xa5, sizeof(env->stack));
		struct rk_run_opts fast_opts = {.mode = RK_EXEC_FAST, .user = env, .stack = env->stack};
		struct rk_run_result fast_result;
		rk_prog_run(prog, env->ctx, 0, &fast_opts, &fast_result);
		struct snapshot fast;
		after_run(env, &fast_result, &fast);
		if (env->violated) {
			escape(out, run, env, "fast run, helper check: %s", env->violation);
			break;
		}
		if (fast.retval != checked.retval || fast.stop != checked.stop ||
		    fast.hash != checked.hash) {
			escape(out, run, env,
			       "the fast run on a dirty stack differs from the checked run (r0 0x%" PRIx64
			       " vs 0x%" PRIx64 ", %s vs %s, memory %s): something read bytes never "
			       "written",
			       fast.retval, checked.retval, rk_stop_name(fast.stop),
			       rk_stop_name(checked.stop), fast.hash == checked.hash ? "same" : "differs");
			break;
		}
	}
	if (out->verdict == PG_ESCAPED)
		stats->escaped++;
	rk_prog_free(prog);
	return out->verdict;
}

/* ---- reporting ------------------------------------------------------------ */

void pg_report(FILE *out, const struct rk_insn *insns, size_t insn_count,
               const struct pg_outcome *outcome)
{
	char *text = NULL;
	char err[RK_ERR_LEN];
	fprintf(out, "---- program (%zu slots) ----\n", insn_count);
	if (rk_disasm(insns, insn_count, &text, err, sizeof(err)) == 0)
		fputs(text, out);
	else
		fprintf(out, "(no disassembly: %s)\n", err);
	free(text);
	fprintf(out, "---- verifier ----\n");
	if (outcome->verify_rc == 0)
		fprintf(out, "accepted: insn_bound %" PRIu64 ", %" PRIu64 " insns analysed, %u loops\n",
		        outcome->vres.insn_bound, outcome->vres.insns_analysed, outcome->vres.loops);
	else
		fprintf(out, "rc %d: %s\n", outcome->verify_rc, outcome->verify_err);
	if (outcome->verdict == PG_ESCAPED) {
		fprintf(out, "---- escape (run %u) ----\n%s\n", outcome->escape_run, outcome->escape);
		fprintf(out, "run: stop %s at insn %zu after %" PRIu64 " insns, r0 0x%" PRIx64 "\n",
		        rk_stop_name(outcome->run.stop), outcome->run.insn_index,
		        outcome->run.insns_executed, outcome->run.retval);
		fprintf(out, "ctx:");
		for (size_t k = 0; k < PG_CTX_SIZE; k++)
			fprintf(out, "%s%02x", k % 8 ? "" : " ", outcome->escape_ctx[k]);
		fprintf(out, "\n");
	}
}

void pg_stats_print(FILE *out, const char *who, const struct pg_stats *stats)
{
	fprintf(out, "%s: %" PRIu64 " programs, %" PRIu64 " accepted, %" PRIu64 " rejected, %" PRIu64
	        " escaped\n",
	        who, stats->programs, stats->accepted, stats->rejected, stats->escaped);
}

/* ---- minimising ----------------------------------------------------------- */

/* Remove slots [at, at + width), keeping every jump's target (or its successor). */
static size_t remove_slots(const struct rk_insn *in, size_t count, size_t at, size_t width,
                           struct rk_insn *out)
{
#define NEW_INDEX(x) ((x) < (int64_t)at ? (x) : (x) >= (int64_t)(at + width) ? (x) - (int64_t)width : (int64_t)at)
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		if (i >= at && i < at + width)
			continue;
		struct rk_insn insn = in[i];
		uint8_t cls = RK_CLASS(insn.code);
		int64_t self = (int64_t)i;
		if ((cls == RK_CLS_JMP || cls == RK_CLS_JMP32) && insn.code != RK_OP_EXIT &&
		    insn.code != RK_OP_CALLX) {
			if (insn.code == RK_OP_CALL) {
				if (insn.src_reg == RK_CALL_LOCAL) {
					int64_t target = self + 1 + insn.imm;
					insn.imm = (int32_t)(NEW_INDEX(target) - NEW_INDEX(self) - 1);
				}
			} else if (insn.code == RK_OP_JA32) {
				int64_t target = self + 1 + insn.imm;
				insn.imm = (int32_t)(NEW_INDEX(target) - NEW_INDEX(self) - 1);
			} else {
				int64_t target = self + 1 + insn.off;
				insn.off = (int16_t)(NEW_INDEX(target) - NEW_INDEX(self) - 1);
			}
		} else if (insn.code == RK_OP_LDDW && insn.src_reg == RK_PSEUDO_CODE_ADDR) {
			int64_t target = self + 1 + insn.imm;
			insn.imm = (int32_t)(NEW_INDEX(target) - NEW_INDEX(self) - 1);
		}
		out[n++] = insn;
	}
#undef NEW_INDEX
	return n;
}

void pg_minimize(struct pg_env *env, struct rk_insn *insns, size_t *insn_count,
                 uint64_t input_seed)
{
	struct rk_insn *trial = malloc(*insn_count * sizeof(*trial));
	struct pg_outcome *outcome = malloc(sizeof(*outcome));
	char err[RK_ERR_LEN];
	if (!trial || !outcome)
		goto out;
	for (bool progress = true; progress;) {
		progress = false;
		for (size_t i = *insn_count; i-- > 0;) {
			if (i >= *insn_count)
				continue;
			/* The slot's width: an lddw takes two; never start inside one. */
			bool second = false;
			for (size_t k = 0; k < i; k++)
				if (insns[k].code == RK_OP_LDDW && ++k == i)
					second = true;
			if (second)
				continue;
			size_t width = insns[i].code == RK_OP_LDDW ? 2 : 1;
			size_t n = remove_slots(insns, *insn_count, i, width, trial);
			if (n == 0 || rk_validate(trial, n, err, sizeof(err)) != 0)
				continue;
			if (pg_check(env, trial, n, input_seed, NULL, outcome) != PG_ESCAPED)
				continue;
			memcpy(insns, trial, n * sizeof(*trial));
			*insn_count = n;
			progress = true;
		}
	}
out:
	free(trial);
	free(outcome);
}
