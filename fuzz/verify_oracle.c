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

#include "harness.h"
#include "progen.h"

#define MAX_RECORDS 64
#define GUARD_BYTES (32 * 1024 + 64)
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
	struct harness harness;          /* first: the helpers find it through rk_run_user */

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

	/* Per run (the inputs and helper results: harness.rand). */
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
_Static_assert(offsetof(struct pg_env, harness) == 0, "rk_run_user() is the env and the harness");

/* ---- inputs --------------------------------------------------------------- */

static void build_dict(struct harness *harness, const struct rk_insn *insns, size_t count)
{
	harness_dict_start(harness);
	for (size_t i = 0; i < count && harness->dict_len + 3 <= HARNESS_DICT_MAX; i++) {
		if (insns[i].code == RK_OP_LDDW) {
			i++;
			continue;
		}
		uint8_t cls = RK_CLASS(insns[i].code);
		if (cls != RK_CLS_JMP && cls != RK_CLS_JMP32 && cls != RK_CLS_ALU && cls != RK_CLS_ALU64)
			continue;
		if (RK_SRC(insns[i].code) == RK_SRC_X || insns[i].imm == 0)
			continue;
		harness->dict[harness->dict_len++] = insns[i].imm;
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
		if ((uintptr_t)env->harness.maps[m] == (uintptr_t)value)
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
	struct rk_map *const *maps = env->harness.maps;
	areas[n++] = (struct area){"array map", (uintptr_t)rk_map_lookup(maps[PG_MAP_ARRAY], &key),
	                           (uint64_t)PG_ARRAY_VALUE * PG_ARRAY_ENTRIES, true};
	areas[n++] = (struct area){"tiny map", (uintptr_t)rk_map_lookup(maps[PG_MAP_TINY], &key),
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

/* The helpers progen's programs call (harness.c) all come here. */
static uint64_t checked_call(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                             uint64_t r5, struct rk_run *run)
{
	struct pg_env *env = rk_run_user(run);
	const struct rk_helper_proto *proto = rk_helpers_proto(env->harness.std, id);
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
		ret = harness_input(&env->harness);
		if (id == 7)
			ret = (uint32_t)ret;
		return ret;
	default:
		ret = rk_helpers_fn(env->harness.std, id)(r1, r2, r3, r4, r5, run);
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
		if (ret == 0 && map == env->harness.maps[PG_MAP_HASH]) {
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

/* ---- the environment ------------------------------------------------------ */

int pg_env_new(struct pg_env **env_out, char *err, size_t err_len)
{
	struct pg_env *env = calloc(1, sizeof(*env));
	*env_out = NULL;
	if (!env)
		return -ENOMEM;
	int rc = harness_init(&env->harness, checked_call, err, err_len);
	if (rc) {
		pg_env_free(env);
		return rc;
	}
	/* Where the hash map's values live: fill it, look every value up, empty it. */
	struct rk_map *hash = env->harness.maps[PG_MAP_HASH];
	env->hash_lo = UINTPTR_MAX;
	uint8_t value[PG_HASH_VALUE] = {0};
	for (uint32_t key = 0; key < PG_HASH_ENTRIES; key++)
		rk_map_update(hash, &key, value, RK_MAP_ANY);
	for (uint32_t key = 0; key < PG_HASH_ENTRIES; key++) {
		uintptr_t at = (uintptr_t)rk_map_lookup(hash, &key);
		if (at && at < env->hash_lo)
			env->hash_lo = at;
		if (at && at + PG_HASH_VALUE > env->hash_hi)
			env->hash_hi = at + PG_HASH_VALUE;
		rk_map_delete(hash, &key);
	}

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
	harness_fini(&env->harness);
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
	struct harness *harness = &env->harness;
	pg_rand_seed(&harness->rand, seed);
	env->violated = false;
	env->violation[0] = '\0';
	env->ring_count = 0;
	env->ring_log_full = false;
	env->consumed = 0;
	env->consume_mismatch = false;
	env->consume_hash = 0;

	harness_fill_ctx(harness, env->ctx, env->buf);
	/* The hash map holds keys 0..PG_HASH_PRESET_KEYS-1 after this. */
	harness_fill_maps(harness);
	env->hash_key_count = 0;
	for (uint32_t key = 0; key < PG_HASH_PRESET_KEYS; key++)
		env->hash_keys[env->hash_key_count++] = key;

	/*
	 * The ring: empty (harness_fill_maps), zeroed, and with its next record
	 * at the start of the data, so that both runs of a program see the same
	 * record bytes.  Sometimes nearly full, so that reservations fail.
	 */
	struct rk_map *rb = harness->maps[PG_MAP_RINGBUF];
	void *zeroed = rk_ringbuf_reserve(rb, RING_ZERO_SIZE, 0);
	if (zeroed) {
		memset(zeroed, 0, RING_ZERO_SIZE);
		rk_ringbuf_discard(rb, zeroed, 0);
	}
	rk_ringbuf_consume(rb, discard_all, NULL);
	env->ring_prefilled = pg_chance(&harness->rand, 20);
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
	struct rk_map *const *maps = env->harness.maps;
	rk_ringbuf_consume(maps[PG_MAP_RINGBUF], consume_one, env);
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

	uint64_t h = HARNESS_FNV_OFFSET ^ env->consume_hash;
	h = harness_fnv(h, env->ctx, PG_CTX_SIZE);
	h = harness_fnv(h, env->buf, PG_CTX_BUF_SIZE);
	for (uint32_t key = 0; key < PG_ARRAY_ENTRIES; key++)
		h = harness_fnv(h, rk_map_lookup(maps[PG_MAP_ARRAY], &key), PG_ARRAY_VALUE);
	uint32_t zero = 0;
	h = harness_fnv(h, rk_map_lookup(maps[PG_MAP_TINY], &zero), PG_TINY_VALUE);
	/* The hash map in any order: entries may sit elsewhere from run to run. */
	struct rk_map *hash = maps[PG_MAP_HASH];
	size_t present = 0;
	uint64_t entries = 0;
	uint32_t key, prev;
	bool first = true;
	while (rk_map_next_key(hash, first ? NULL : &prev, &key) == 0 && present <= PG_HASH_ENTRIES) {
		present++;
		uint64_t e = harness_fnv(HARNESS_FNV_OFFSET, &key, sizeof(key));
		const void *value = rk_map_lookup(hash, &key);
		if (value)
			e = harness_fnv(e, value, PG_HASH_VALUE);
		entries += e;
		prev = key;
		first = false;
	}
	h = harness_fnv(h, &entries, sizeof(entries));
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
	if (rk_prog_new_maps(insns, insn_count, env->harness.helpers, env->harness.maps,
	                     PG_MAP_COUNT, &prog, err, sizeof(err)) != 0) {
		stats->invalid++;
		snprintf(out->verify_err, sizeof(out->verify_err), "not loaded: %s", err);
		return out->verdict = PG_INVALID;
	}
	struct rk_verify_opts vopts = {.ctx = &env->harness.desc};
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
	build_dict(&env->harness, insns, insn_count);
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
			size_t n = harness_drop_insn(insns, *insn_count, i, trial);
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
