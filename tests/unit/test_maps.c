/*
 * test_maps.c - every map type of rkbpf.h: creation and the exact message
 * of every definition rule, the semantics of lookup/update/delete/next_key
 * (flags, full maps, array bounds), LRU eviction order, the ring buffer
 * (order, discard, full and dropped, busy records, wraparound), time-series
 * windows, the program array, memory budgets, and 100k random operations on
 * a hash and an LRU map checked against a reference model.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"
#include "test_support.h"

/* The kernel's values (linux/bpf.h), as programs and hosts pass them. */
#define RB_NO_WAKEUP 1
#define RB_FORCE_WAKEUP 2
#define RB_AVAIL_DATA 0
#define RB_RING_SIZE 1
#define RB_CONS_POS 2
#define RB_PROD_POS 3
#define F_NO_PREALLOC 1u
#define F_MMAPABLE (1u << 10)

static struct rk_map_def make_def(const char *name, uint32_t type, uint32_t key_size,
                                  uint32_t value_size, uint32_t max_entries)
{
	struct rk_map_def def;

	memset(&def, 0, sizeof(def));
	snprintf(def.name, sizeof(def.name), "%s", name);
	def.type = type;
	def.key_size = key_size;
	def.value_size = value_size;
	def.max_entries = max_entries;
	return def;
}

static struct rk_map *new_map(const struct rk_map_def *def)
{
	char err[RK_ERR_LEN] = "";
	struct rk_map *map = NULL;
	int rc = rk_map_new(def, NULL, &map, err, sizeof(err));
	cr_assert_eq(rc, 0, "rk_map_new(%s): %d: %s", def->name, rc, err);
	cr_assert_not_null(map);
	return map;
}

static struct rk_map *new_simple(uint32_t type, uint32_t key_size, uint32_t value_size,
                                 uint32_t max_entries)
{
	struct rk_map_def def = make_def("m", type, key_size, value_size, max_entries);
	return new_map(&def);
}

/* Creation must fail with rc and exactly message. */
static void expect_def_error(const struct rk_map_def *def, int rc_expected, const char *message)
{
	char err[RK_ERR_LEN] = "";
	struct rk_map *map = (struct rk_map *)0x1;
	int rc = rk_map_new(def, NULL, &map, err, sizeof(err));
	cr_assert_eq(rc, rc_expected, "rc %d, expected %d (%s)", rc, rc_expected, err);
	cr_assert_null(map);
	cr_assert_str_eq(err, message);
}

static int update_u64(struct rk_map *map, uint64_t key, uint64_t value, uint64_t flags)
{
	return rk_map_update(map, &key, &value, flags);
}

static uint64_t *lookup_u64(struct rk_map *map, uint64_t key)
{
	return rk_map_lookup(map, &key);
}

static int update_u32(struct rk_map *map, uint32_t key, const void *value, uint64_t flags)
{
	return rk_map_update(map, &key, value, flags);
}

/* ------------------------------------------------------------------ */
/* Definitions                                                         */
/* ------------------------------------------------------------------ */

Test(maps_def, every_type_accepts_a_valid_definition)
{
	struct rk_map_def defs[] = {
		make_def("h", RK_MAP_HASH, 8, 8, 10),
		make_def("a", RK_MAP_ARRAY, 4, 8, 10),
		make_def("pa", RK_MAP_PROG_ARRAY, 4, 4, 10),
		make_def("pe", RK_MAP_PERF_EVENT_ARRAY, 4, 4, 0),
		make_def("ph", RK_MAP_PERCPU_HASH, 8, 8, 10),
		make_def("pca", RK_MAP_PERCPU_ARRAY, 4, 8, 10),
		make_def("lru", RK_MAP_LRU_HASH, 8, 8, 10),
		make_def("plru", RK_MAP_LRU_PERCPU_HASH, 8, 8, 10),
		make_def("rb", RK_MAP_RINGBUF, 0, 0, 4096),
		make_def("ts", RK_MAP_TIMESERIES, 8, 8, 10),
	};
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		struct rk_map *map = new_map(&defs[i]);
		cr_assert_eq(memcmp(rk_map_def(map), &defs[i], sizeof(defs[i])), 0);
		cr_assert_gt(rk_map_mem_bytes(map), 0);
		rk_map_free(map);
	}
	rk_map_free(NULL);
}

Test(maps_def, flags_the_kernel_accepts_are_accepted)
{
	struct rk_map_def hash = make_def("h", RK_MAP_HASH, 8, 8, 10);
	hash.map_flags = F_NO_PREALLOC;
	rk_map_free(new_map(&hash));
	struct rk_map_def data = make_def(".bss", RK_MAP_ARRAY, 4, 100, 1);
	data.map_flags = F_MMAPABLE;
	rk_map_free(new_map(&data));
}

Test(maps_def, key_size_zero_for_hash)
{
	struct rk_map_def def = make_def("counts", RK_MAP_HASH, 0, 8, 16);
	expect_def_error(&def, -EINVAL,
	                 "map 'counts': key_size 0 is invalid for a hash map (must be 1..512)");
}

Test(maps_def, key_size_too_big_for_lru)
{
	struct rk_map_def def = make_def("seen", RK_MAP_LRU_HASH, 513, 8, 16);
	expect_def_error(&def, -E2BIG,
	                 "map 'seen': key_size 513 is invalid for an lru_hash map (must be 1..512)");
}

Test(maps_def, value_size_zero_for_percpu_hash)
{
	struct rk_map_def def = make_def("pc", RK_MAP_PERCPU_HASH, 4, 0, 16);
	expect_def_error(&def, -EINVAL,
	                 "map 'pc': value_size 0 is invalid for a percpu_hash map (must be "
	                 "1..4194304)");
}

Test(maps_def, array_key_size_must_be_4)
{
	struct rk_map_def def = make_def("idx", RK_MAP_ARRAY, 8, 8, 16);
	expect_def_error(&def, -EINVAL,
	                 "map 'idx': key_size 8 is invalid for an array map (must be 4)");
}

Test(maps_def, max_entries_zero_for_array)
{
	struct rk_map_def def = make_def("cfg", RK_MAP_PERCPU_ARRAY, 4, 8, 0);
	expect_def_error(&def, -EINVAL,
	                 "map 'cfg': max_entries 0 is invalid for a percpu_array map (must be at "
	                 "least 1)");
}

Test(maps_def, prog_array_value_size_must_be_4)
{
	struct rk_map_def def = make_def("jmp", RK_MAP_PROG_ARRAY, 4, 8, 4);
	expect_def_error(&def, -EINVAL,
	                 "map 'jmp': value_size 8 is invalid for a prog_array map (must be 4)");
}

Test(maps_def, perf_event_array_key_size_must_be_4)
{
	struct rk_map_def def = make_def("events", RK_MAP_PERF_EVENT_ARRAY, 8, 4, 0);
	expect_def_error(&def, -EINVAL,
	                 "map 'events': key_size 8 is invalid for a perf_event_array map (must be "
	                 "4)");
}

Test(maps_def, ringbuf_size_rules)
{
	const char *rule = "(the data size must be a power of 2 and a multiple of 4096)";
	char expected[RK_ERR_LEN];
	uint32_t bad[] = {0, 1000, 2048, 4096 * 3, 4097};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rk_map_def def = make_def("rb", RK_MAP_RINGBUF, 0, 0, bad[i]);
		snprintf(expected, sizeof(expected),
		         "map 'rb': max_entries %" PRIu32 " is invalid for a ringbuf map %s", bad[i],
		         rule);
		expect_def_error(&def, -EINVAL, expected);
	}
	struct rk_map_def keyed = make_def("rb", RK_MAP_RINGBUF, 4, 0, 4096);
	expect_def_error(&keyed, -EINVAL,
	                 "map 'rb': key_size 4 is invalid for a ringbuf map (must be 0)");
	struct rk_map_def valued = make_def("rb", RK_MAP_RINGBUF, 0, 8, 4096);
	expect_def_error(&valued, -EINVAL,
	                 "map 'rb': value_size 8 is invalid for a ringbuf map (must be 0)");
	struct rk_map_def big = make_def("rb", RK_MAP_RINGBUF, 0, 0, 1u << 20);
	rk_map_free(new_map(&big));
}

Test(maps_def, timeseries_rules)
{
	struct rk_map_def def = make_def("current", RK_MAP_TIMESERIES, 4, 4, 8);
	expect_def_error(&def, -EINVAL,
	                 "map 'current': value_size 4 is invalid for a timeseries map (must be 8)");
	def = make_def("current", RK_MAP_TIMESERIES, 4, 8, 8);
	def.ts_capacity = (1u << 20) + 1;
	expect_def_error(&def, -E2BIG,
	                 "map 'current': ts_capacity 1048577 is invalid for a timeseries map (must "
	                 "be 0..1048576; 0 means 64)");
	def = make_def("counts", RK_MAP_HASH, 4, 8, 8);
	def.ts_capacity = 16;
	expect_def_error(&def, -EINVAL,
	                 "map 'counts': ts_capacity 16 is invalid for a hash map (time-series maps "
	                 "only; must be 0)");
}

Test(maps_def, unknown_type)
{
	struct rk_map_def def = make_def("q", 7, 4, 4, 8);
	expect_def_error(&def, -EINVAL, "map 'q': type 7 is not a map type rkBPF supports");
}

Test(maps_def, unsupported_flags)
{
	struct rk_map_def def = make_def("lru", RK_MAP_LRU_HASH, 8, 8, 8);
	def.map_flags = F_NO_PREALLOC | (1u << 20);
	expect_def_error(&def, -EINVAL,
	                 "map 'lru': map_flags 0x100001 is invalid for an lru_hash map (bits "
	                 "0x100001 are not supported)");
	def = make_def("h", RK_MAP_HASH, 8, 8, 8);
	def.map_flags = F_MMAPABLE;
	expect_def_error(&def, -EINVAL,
	                 "map 'h': map_flags 0x400 is invalid for a hash map (bits 0x400 are not "
	                 "supported)");
}

Test(maps_def, name_must_be_terminated)
{
	struct rk_map_def def = make_def("", RK_MAP_HASH, 8, 8, 8);
	memset(def.name, 'x', sizeof(def.name));
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "map '%.63s...': the name is not NUL-terminated within 64 bytes", def.name);
	expect_def_error(&def, -EINVAL, expected);
}

Test(maps_def, size_overflow_is_refused)
{
	struct rk_map_def def = make_def("huge", RK_MAP_HASH, 8, 8, UINT32_MAX);
	expect_def_error(&def, -E2BIG,
	                 "map 'huge': max_entries 4294967295 of this size is too large for a hash "
	                 "map (its size overflows)");
}

Test(maps_def, null_arguments)
{
	struct rk_map *map;
	cr_assert_eq(rk_map_new(NULL, NULL, &map, NULL, 0), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Budgets                                                             */
/* ------------------------------------------------------------------ */

Test(maps_budget, over_budget_names_the_map_and_the_bytes)
{
	struct rk_map_def def = make_def("counts", RK_MAP_HASH, 8, 8, 1000);
	struct rk_map *probe = new_map(&def);
	size_t need = rk_map_mem_bytes(probe);
	rk_map_free(probe);

	struct rk_budget budget = {.limit = 10000};
	char err[RK_ERR_LEN] = "";
	struct rk_map *map = NULL;
	int rc = rk_map_new(&def, &budget, &map, err, sizeof(err));
	cr_assert_eq(rc, -ENOSPC, "%d: %s", rc, err);
	cr_assert_null(map);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "map 'counts' needs %zu bytes, but only 10000 of the 10000-byte budget are left (0 "
	         "used)",
	         need);
	cr_assert_str_eq(err, expected);
	cr_assert_eq(budget.used, 0);
}

Test(maps_budget, default_limit_applies_when_zero)
{
	struct rk_map_def def = make_def("big", RK_MAP_ARRAY, 4, 1024, 1024); /* 1 MiB */
	struct rk_budget budget = {0};
	char err[RK_ERR_LEN] = "";
	struct rk_map *map = NULL;
	cr_assert_eq(rk_map_new(&def, &budget, &map, err, sizeof(err)), -ENOSPC);
	cr_assert(strstr(err, "map 'big' needs ") && strstr(err, "of the 524288-byte budget"),
	          "%s", err);
}

Test(maps_budget, freeing_returns_every_byte)
{
	struct rk_budget budget = {.limit = 4u << 20};
	struct rk_map_def defs[] = {
		make_def("h", RK_MAP_HASH, 8, 8, 1000),
		make_def("a", RK_MAP_ARRAY, 4, 24, 100),
		make_def("pa", RK_MAP_PROG_ARRAY, 4, 4, 8),
		make_def("pe", RK_MAP_PERF_EVENT_ARRAY, 4, 4, 4),
		make_def("lru", RK_MAP_LRU_PERCPU_HASH, 16, 32, 500),
		make_def("rb", RK_MAP_RINGBUF, 0, 0, 8192),
		make_def("ts", RK_MAP_TIMESERIES, 4, 8, 20),
	};
	enum { COUNT = sizeof(defs) / sizeof(defs[0]) };
	struct rk_map *maps[COUNT];
	size_t sum = 0;
	char err[RK_ERR_LEN];
	for (size_t i = 0; i < COUNT; i++) {
		cr_assert_eq(rk_map_new(&defs[i], &budget, &maps[i], err, sizeof(err)), 0, "%s", err);
		sum += rk_map_mem_bytes(maps[i]);
		cr_assert_eq(budget.used, sum, "rk_map_mem_bytes is what was charged");
	}
	/* Use them: operations allocate nothing. */
	uint64_t key = 1, value = 2;
	cr_assert_eq(rk_map_update(maps[0], &key, &value, RK_MAP_ANY), 0);
	cr_assert_eq(rk_ringbuf_output(maps[5], &value, sizeof(value), 0), 0);
	uint32_t ts_key = 3;
	cr_assert_eq(rk_timeseries_push(maps[6], &ts_key, 10, 20), 0);
	cr_assert_eq(budget.used, sum);
	for (size_t i = 0; i < COUNT; i++)
		rk_map_free(maps[i]);
	cr_assert_eq(budget.used, 0);
	cr_assert_eq(budget.peak, sum);
}

Test(maps_budget, hash_overhead_per_1000_entries)
{
	/* 8-byte keys and values: 16 bytes of data + a chain link + a bucket. */
	struct rk_map *hash = new_simple(RK_MAP_HASH, 8, 8, 1000);
	size_t bytes = rk_map_mem_bytes(hash);
	cr_assert_leq(bytes, 24 * 1000 + 512, "%zu bytes for 1,000 entries", bytes);
	rk_map_free(hash);
	struct rk_map *lru = new_simple(RK_MAP_LRU_HASH, 8, 8, 1000);
	bytes = rk_map_mem_bytes(lru);
	cr_assert_leq(bytes, 32 * 1000 + 512, "%zu bytes for 1,000 LRU entries", bytes);
	rk_map_free(lru);
}

/* ------------------------------------------------------------------ */
/* Arrays                                                              */
/* ------------------------------------------------------------------ */

static void check_array_semantics(uint32_t type)
{
	struct rk_map *map = new_simple(type, 4, 12, 5);
	uint8_t value[12], zero[12] = {0};

	for (uint32_t i = 0; i < 5; i++) {
		uint8_t *slot = rk_map_lookup(map, &i);
		cr_assert_not_null(slot);
		cr_assert_eq((uintptr_t)slot % 8, 0, "value %u is not 8-byte aligned", i);
		cr_assert_eq(memcmp(slot, zero, sizeof(zero)), 0, "value %u is not zeroed", i);
	}
	uint32_t past = 5;
	cr_assert_null(rk_map_lookup(map, &past));

	memset(value, 0xab, sizeof(value));
	cr_assert_eq(update_u32(map, 2, value, RK_MAP_ANY), 0);
	cr_assert_eq(memcmp(rk_map_lookup(map, &(uint32_t){2}), value, sizeof(value)), 0);
	memset(value, 0xcd, sizeof(value));
	cr_assert_eq(update_u32(map, 2, value, RK_MAP_EXIST), 0);
	cr_assert_eq(memcmp(rk_map_lookup(map, &(uint32_t){2}), value, sizeof(value)), 0);
	cr_assert_eq(update_u32(map, 2, value, RK_MAP_NOEXIST), -EEXIST);
	cr_assert_eq(update_u32(map, 2, value, 3), -EINVAL);
	cr_assert_eq(update_u32(map, 5, value, RK_MAP_ANY), -E2BIG);
	cr_assert_eq(update_u32(map, UINT32_MAX, value, RK_MAP_ANY), -E2BIG);
	cr_assert_eq(rk_map_delete(map, &(uint32_t){2}), -EINVAL);

	uint32_t next = 99;
	cr_assert_eq(rk_map_next_key(map, NULL, &next), 0);
	cr_assert_eq(next, 0);
	for (uint32_t i = 0; i < 4; i++) {
		cr_assert_eq(rk_map_next_key(map, &i, &next), 0);
		cr_assert_eq(next, i + 1);
	}
	cr_assert_eq(rk_map_next_key(map, &(uint32_t){4}, &next), -ENOENT);
	cr_assert_eq(rk_map_next_key(map, &past, &next), 0);
	cr_assert_eq(next, 0);
	rk_map_free(map);
}

Test(maps_array, semantics)
{
	check_array_semantics(RK_MAP_ARRAY);
}

Test(maps_array, percpu_array_behaves_as_array)
{
	check_array_semantics(RK_MAP_PERCPU_ARRAY);
}

Test(maps_array, values_support_atomics)
{
	struct rk_map *map = new_simple(RK_MAP_ARRAY, 4, 8, 4);
	uint64_t *counter = rk_map_lookup(map, &(uint32_t){3});
	__atomic_fetch_add(counter, 5, __ATOMIC_RELAXED);
	cr_assert_eq(*(uint64_t *)rk_map_lookup(map, &(uint32_t){3}), 5);
	rk_map_free(map);
}

/* ------------------------------------------------------------------ */
/* Hash maps                                                           */
/* ------------------------------------------------------------------ */

static void check_hash_semantics(uint32_t type)
{
	struct rk_map *map = new_simple(type, 8, 8, 4);

	cr_assert_null(lookup_u64(map, 1));
	cr_assert_eq(update_u64(map, 1, 100, RK_MAP_EXIST), -ENOENT);
	cr_assert_eq(update_u64(map, 1, 100, RK_MAP_NOEXIST), 0);
	cr_assert_eq(update_u64(map, 1, 101, RK_MAP_NOEXIST), -EEXIST);
	cr_assert_eq(*lookup_u64(map, 1), 100);
	cr_assert_eq(update_u64(map, 1, 102, RK_MAP_EXIST), 0);
	cr_assert_eq(*lookup_u64(map, 1), 102);
	cr_assert_eq(update_u64(map, 1, 103, RK_MAP_ANY), 0);
	cr_assert_eq(*lookup_u64(map, 1), 103);
	cr_assert_eq(update_u64(map, 1, 104, 3), -EINVAL);
	cr_assert_eq(update_u64(map, 1, 104, 4), -EINVAL); /* BPF_F_LOCK: no spin locks */
	cr_assert_eq(rk_map_delete(map, &(uint64_t){1}), 0);
	cr_assert_null(lookup_u64(map, 1));
	cr_assert_eq(rk_map_delete(map, &(uint64_t){1}), -ENOENT);
	rk_map_free(map);
}

Test(maps_hash, semantics)
{
	check_hash_semantics(RK_MAP_HASH);
	check_hash_semantics(RK_MAP_PERCPU_HASH);
	check_hash_semantics(RK_MAP_LRU_HASH);
	check_hash_semantics(RK_MAP_LRU_PERCPU_HASH);
}

static void check_full_hash(uint32_t type)
{
	struct rk_map *map = new_simple(type, 8, 8, 3);
	for (uint64_t k = 0; k < 3; k++)
		cr_assert_eq(update_u64(map, k, k * 10, RK_MAP_ANY), 0);
	cr_assert_eq(update_u64(map, 3, 30, RK_MAP_ANY), -E2BIG);
	cr_assert_eq(update_u64(map, 3, 30, RK_MAP_NOEXIST), -E2BIG);
	cr_assert_eq(update_u64(map, 2, 21, RK_MAP_ANY), 0, "updating a key of a full map works");
	cr_assert_eq(update_u64(map, 2, 22, RK_MAP_EXIST), 0);
	cr_assert_eq(rk_map_delete(map, &(uint64_t){0}), 0);
	cr_assert_eq(update_u64(map, 3, 30, RK_MAP_ANY), 0, "a deleted entry is reused");
	cr_assert_eq(*lookup_u64(map, 3), 30);
	cr_assert_eq(*lookup_u64(map, 2), 22);
	cr_assert_eq(*lookup_u64(map, 1), 10);
	rk_map_free(map);
}

Test(maps_hash, full_map_refuses_new_keys)
{
	check_full_hash(RK_MAP_HASH);
	check_full_hash(RK_MAP_PERCPU_HASH);
}

Test(maps_hash, values_are_aligned_and_stable)
{
	struct rk_map *map = new_simple(RK_MAP_HASH, 3, 5, 64);
	uint8_t key[3] = {1, 2, 3}, value[5] = {9, 8, 7, 6, 5};
	cr_assert_eq(rk_map_update(map, key, value, RK_MAP_ANY), 0);
	uint8_t *held = rk_map_lookup(map, key);
	cr_assert_eq((uintptr_t)held % 8, 0);
	for (int i = 0; i < 60; i++) {
		uint8_t other[3] = {(uint8_t)i, 0xff, 0xee};
		cr_assert_eq(rk_map_update(map, other, value, RK_MAP_ANY), 0);
		cr_assert_eq((uintptr_t)rk_map_lookup(map, other) % 8, 0);
		if (i % 3 == 0)
			cr_assert_eq(rk_map_delete(map, other), 0);
	}
	cr_assert_eq(rk_map_lookup(map, key), held, "a value does not move while its key stays");
	cr_assert_eq(memcmp(held, value, sizeof(value)), 0);
	value[0] = 42;
	cr_assert_eq(rk_map_update(map, key, value, RK_MAP_EXIST), 0);
	cr_assert_eq(held[0], 42, "update writes in place");
	rk_map_free(map);
}

Test(maps_hash, odd_key_sizes)
{
	/* The generic hash path: keys that are not 4 or 8 bytes. */
	uint32_t sizes[] = {1, 3, 12, 16, 33, 512};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t key_size = sizes[s];
		uint32_t entries = key_size == 1 ? 256 : 300;
		struct rk_map *map = new_simple(RK_MAP_HASH, key_size, 8, entries);
		uint8_t key[512];
		for (uint32_t i = 0; i < entries; i++) {
			memset(key, 0x11, sizeof(key));
			memcpy(key, &i, key_size < 4 ? key_size : 4);
			uint64_t value = i * 7;
			cr_assert_eq(rk_map_update(map, key, &value, RK_MAP_NOEXIST), 0,
			             "key_size %u, key %u", key_size, i);
		}
		for (uint32_t i = 0; i < entries; i++) {
			memset(key, 0x11, sizeof(key));
			memcpy(key, &i, key_size < 4 ? key_size : 4);
			uint64_t *value = rk_map_lookup(map, key);
			cr_assert_not_null(value, "key_size %u, key %u", key_size, i);
			cr_assert_eq(*value, i * 7);
		}
		rk_map_free(map);
	}
}

/* Every key exactly once; returns how many. */
static size_t count_keys(struct rk_map *map, bool *seen, size_t seen_len)
{
	uint64_t key, next;
	size_t count = 0;
	int rc = rk_map_next_key(map, NULL, &next);
	while (rc == 0) {
		cr_assert_lt(next, seen_len);
		cr_assert(!seen[next], "key %" PRIu64 " returned twice", next);
		seen[next] = true;
		count++;
		key = next;
		rc = rk_map_next_key(map, &key, &next);
	}
	cr_assert_eq(rc, -ENOENT);
	return count;
}

Test(maps_hash, next_key_visits_every_key_once)
{
	struct rk_map *map = new_simple(RK_MAP_HASH, 8, 8, 1000);
	uint64_t next;
	cr_assert_eq(rk_map_next_key(map, NULL, &next), -ENOENT, "empty map");
	for (uint64_t k = 0; k < 1000; k += 2)
		cr_assert_eq(update_u64(map, k, k, RK_MAP_ANY), 0);
	bool seen[1000] = {false};
	cr_assert_eq(count_keys(map, seen, 1000), 500);
	for (uint64_t k = 0; k < 1000; k++)
		cr_assert_eq(seen[k], k % 2 == 0);

	/* A key not in the map restarts from the first key, as in the kernel. */
	uint64_t first, missing = 1;
	cr_assert_eq(rk_map_next_key(map, NULL, &first), 0);
	cr_assert_eq(rk_map_next_key(map, &missing, &next), 0);
	cr_assert_eq(next, first);
	rk_map_free(map);
}

Test(maps_hash, lru_evicts_least_recently_used)
{
	struct rk_map *map = new_simple(RK_MAP_LRU_HASH, 8, 8, 3);
	cr_assert_eq(update_u64(map, 1, 10, RK_MAP_ANY), 0);
	cr_assert_eq(update_u64(map, 2, 20, RK_MAP_ANY), 0);
	cr_assert_eq(update_u64(map, 3, 30, RK_MAP_ANY), 0);
	/* Recency, most recent first: 3 2 1.  A lookup of 1 makes it 1 3 2. */
	cr_assert_eq(*lookup_u64(map, 1), 10);
	cr_assert_eq(update_u64(map, 4, 40, RK_MAP_ANY), 0, "an LRU map never says E2BIG");
	cr_assert_null(lookup_u64(map, 2), "2 was the least recently used");
	/* Now 4 1 3; an update of 3 makes it 3 4 1. */
	cr_assert_eq(update_u64(map, 3, 31, RK_MAP_EXIST), 0);
	cr_assert_eq(update_u64(map, 5, 50, RK_MAP_NOEXIST), 0);
	cr_assert_null(lookup_u64(map, 1), "1 was the least recently used");
	/* 5 3 4 */
	cr_assert_eq(*lookup_u64(map, 4), 40);                   /* 4 5 3 */
	cr_assert_eq(update_u64(map, 6, 60, RK_MAP_ANY), 0);     /* evicts 3 */
	cr_assert_null(lookup_u64(map, 3));
	cr_assert_eq(*lookup_u64(map, 4), 40);
	cr_assert_eq(*lookup_u64(map, 5), 50);
	cr_assert_eq(*lookup_u64(map, 6), 60);
	/* A delete frees an entry: the next insert evicts nothing. */
	cr_assert_eq(rk_map_delete(map, &(uint64_t){5}), 0);
	cr_assert_eq(update_u64(map, 7, 70, RK_MAP_ANY), 0);
	cr_assert_not_null(lookup_u64(map, 4));
	cr_assert_not_null(lookup_u64(map, 6));
	cr_assert_not_null(lookup_u64(map, 7));
	/* next_key does not count as a use. */
	uint64_t next;
	cr_assert_eq(rk_map_next_key(map, NULL, &next), 0);
	rk_map_free(map);
}

Test(maps_hash, lru_of_one_entry)
{
	struct rk_map *map = new_simple(RK_MAP_LRU_PERCPU_HASH, 8, 8, 1);
	for (uint64_t k = 0; k < 10; k++) {
		cr_assert_eq(update_u64(map, k, k + 1, RK_MAP_ANY), 0);
		cr_assert_eq(*lookup_u64(map, k), k + 1);
		if (k)
			cr_assert_null(lookup_u64(map, k - 1));
	}
	rk_map_free(map);
}

Test(maps_hash, update_from_a_value_of_the_same_map)
{
	/* The evicted entry's value is the source of the copy: it must survive. */
	struct rk_map *map = new_simple(RK_MAP_LRU_HASH, 8, 8, 2);
	cr_assert_eq(update_u64(map, 1, 11, RK_MAP_ANY), 0);
	cr_assert_eq(update_u64(map, 2, 22, RK_MAP_ANY), 0);
	uint64_t *one = lookup_u64(map, 1);
	cr_assert_eq(update_u64(map, 2, 23, RK_MAP_ANY), 0);      /* 1 is now the LRU */
	uint64_t key = 3;
	cr_assert_eq(rk_map_update(map, &key, one, RK_MAP_ANY), 0);
	cr_assert_eq(*lookup_u64(map, 3), 11);
	rk_map_free(map);
}

/* ------------------------------------------------------------------ */
/* Randomised: hash and LRU against a reference model                  */
/* ------------------------------------------------------------------ */

#define MODEL_KEYS 1024

struct model {
	bool present[MODEL_KEYS];
	uint64_t value[MODEL_KEYS];
	uint64_t last_used[MODEL_KEYS];
	uint32_t count;
	uint32_t max_entries;
	bool lru;
	uint64_t clock;
};

static uint64_t rng_next(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int model_update(struct model *m, uint64_t key, uint64_t value, uint64_t flags)
{
	if (flags > RK_MAP_EXIST)
		return -EINVAL;
	if (m->present[key]) {
		if (flags == RK_MAP_NOEXIST)
			return -EEXIST;
	} else {
		if (flags == RK_MAP_EXIST)
			return -ENOENT;
		if (m->count == m->max_entries) {
			if (!m->lru)
				return -E2BIG;
			uint64_t victim = MODEL_KEYS;
			for (uint64_t k = 0; k < MODEL_KEYS; k++)
				if (m->present[k] &&
				    (victim == MODEL_KEYS || m->last_used[k] < m->last_used[victim]))
					victim = k;
			m->present[victim] = false;
			m->count--;
		}
		m->present[key] = true;
		m->count++;
	}
	m->value[key] = value;
	m->last_used[key] = ++m->clock;
	return 0;
}

static void run_random_ops(uint32_t type, uint32_t max_entries, uint64_t seed)
{
	struct rk_map *map = new_simple(type, 8, 8, max_entries);
	struct model *m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
	m->max_entries = max_entries;
	m->lru = type == RK_MAP_LRU_HASH;
	uint64_t state = seed;

	for (int op = 0; op < 100000; op++) {
		uint64_t r = rng_next(&state);
		/* Skewed keys: a hot set of 64 and a cold tail, so that LRU order matters. */
		uint64_t key = (r >> 8) % 4 ? (r >> 16) % 64 : (r >> 16) % MODEL_KEYS;
		uint64_t value = rng_next(&state);
		switch (r % 8) {
		case 0:
		case 1:
		case 2: {
			uint64_t *got = lookup_u64(map, key);
			cr_assert_eq(got != NULL, m->present[key], "op %d: lookup %" PRIu64, op, key);
			if (got) {
				cr_assert_eq(*got, m->value[key], "op %d: value of %" PRIu64, op, key);
				m->last_used[key] = ++m->clock;
			}
			break;
		}
		case 3:
		case 4:
		case 5: {
			uint64_t flags = (r >> 40) % 16 ? (r >> 44) % 3 : 3 + (r >> 44) % 3;
			int expected = model_update(m, key, value, flags);
			int rc = update_u64(map, key, value, flags);
			cr_assert_eq(rc, expected, "op %d: update %" PRIu64 " flags %" PRIu64, op, key,
			             flags);
			break;
		}
		case 6: {
			int expected = m->present[key] ? 0 : -ENOENT;
			if (m->present[key]) {
				m->present[key] = false;
				m->count--;
			}
			cr_assert_eq(rk_map_delete(map, &key), expected, "op %d: delete %" PRIu64, op,
			             key);
			break;
		}
		case 7:
			if ((r >> 32) % 64 == 0) {
				bool seen[MODEL_KEYS] = {false};
				cr_assert_eq(count_keys(map, seen, MODEL_KEYS), m->count, "op %d", op);
				for (uint64_t k = 0; k < MODEL_KEYS; k++)
					cr_assert_eq(seen[k], m->present[k], "op %d: key %" PRIu64, op, k);
			}
			break;
		}
	}
	free(m);
	rk_map_free(map);
}

Test(maps_random, hash_against_model)
{
	run_random_ops(RK_MAP_HASH, 200, 1);
	run_random_ops(RK_MAP_HASH, 1000, 2);
}

Test(maps_random, lru_against_model)
{
	run_random_ops(RK_MAP_LRU_HASH, 48, 3);
	run_random_ops(RK_MAP_LRU_HASH, 300, 4);
}

/* ------------------------------------------------------------------ */
/* Ring buffer                                                         */
/* ------------------------------------------------------------------ */

struct consumed {
	size_t count;
	size_t sizes[64];
	uint8_t first_bytes[64];
	size_t stop_after;   /* return 1 after this many records (0: never) */
};

static int collect(void *fn_ctx, const void *data, size_t size)
{
	struct consumed *c = fn_ctx;
	cr_assert_eq((uintptr_t)data % 8, 0);
	if (c->count < 64) {
		c->sizes[c->count] = size;
		c->first_bytes[c->count] = size ? *(const uint8_t *)data : 0;
	}
	c->count++;
	return c->stop_after && c->count == c->stop_after;
}

static struct rk_map *new_ringbuf(uint32_t size)
{
	return new_simple(RK_MAP_RINGBUF, 0, 0, size);
}

static uint64_t rb_len(uint64_t size)
{
	return (size + 8 + 7) & ~(uint64_t)7;
}

Test(maps_ringbuf, output_and_consume_in_order)
{
	struct rk_map *rb = new_ringbuf(4096);
	uint8_t data[100];
	uint64_t total = 0;
	cr_assert_eq(rk_ringbuf_query(rb, RB_RING_SIZE), 4096);
	for (uint8_t i = 1; i <= 5; i++) {
		memset(data, i, sizeof(data));
		cr_assert_eq(rk_ringbuf_output(rb, data, i * 10, i == 2 ? RB_NO_WAKEUP : 0), 0);
		total += rb_len(i * 10);
	}
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), total);
	cr_assert_eq(rk_ringbuf_query(rb, RB_PROD_POS), total);
	cr_assert_eq(rk_ringbuf_query(rb, RB_CONS_POS), 0);
	cr_assert_eq(rk_ringbuf_query(rb, 99), 0);

	struct consumed c = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &c), 5);
	cr_assert_eq(c.count, 5);
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(c.sizes[i], (i + 1) * 10);
		cr_assert_eq(c.first_bytes[i], i + 1);
	}
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 0);
	cr_assert_eq(rk_ringbuf_query(rb, RB_CONS_POS), total);
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &c), 0);
	cr_assert_eq(rk_ringbuf_dropped(rb), 0);
	rk_map_free(rb);
}

Test(maps_ringbuf, reserve_submit_discard)
{
	struct rk_map *rb = new_ringbuf(4096);
	uint8_t *a = rk_ringbuf_reserve(rb, 3, 0);
	uint8_t *b = rk_ringbuf_reserve(rb, 16, 0);
	uint8_t *c = rk_ringbuf_reserve(rb, 0, 0);
	cr_assert(a && b && c);
	cr_assert_eq((uintptr_t)a % 8, 0);
	cr_assert_eq(b - a, 16, "records are 8-byte aligned with an 8-byte header");
	cr_assert_eq(c - b, 24);
	a[0] = 'a';
	b[0] = 'b';
	rk_ringbuf_submit(rb, a, 0);
	rk_ringbuf_discard(rb, b, RB_FORCE_WAKEUP);
	rk_ringbuf_submit(rb, c, RB_NO_WAKEUP);
	struct consumed got = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 2, "the discarded record is skipped");
	cr_assert_eq(got.sizes[0], 3);
	cr_assert_eq(got.first_bytes[0], 'a');
	cr_assert_eq(got.sizes[1], 0);
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 0);
	rk_map_free(rb);
}

Test(maps_ringbuf, consume_stops_at_busy_record)
{
	struct rk_map *rb = new_ringbuf(4096);
	uint8_t *a = rk_ringbuf_reserve(rb, 8, 0);
	uint8_t *b = rk_ringbuf_reserve(rb, 8, 0);
	a[0] = 1;
	b[0] = 2;
	rk_ringbuf_submit(rb, b, 0);
	struct consumed got = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 0, "a is still busy");
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 32);
	rk_ringbuf_submit(rb, a, 0);
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 2);
	cr_assert_eq(got.first_bytes[0], 1);
	cr_assert_eq(got.first_bytes[1], 2);
	rk_map_free(rb);
}

Test(maps_ringbuf, consume_callback_stops_early)
{
	struct rk_map *rb = new_ringbuf(4096);
	for (uint8_t i = 0; i < 4; i++)
		cr_assert_eq(rk_ringbuf_output(rb, &i, 1, 0), 0);
	struct consumed got = {.stop_after = 2};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 2, "the stopping record is consumed");
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 2 * 16);
	got.stop_after = 0;
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 2);
	cr_assert_eq(got.first_bytes[2], 2);
	cr_assert_eq(got.first_bytes[3], 3);
	rk_map_free(rb);
}

Test(maps_ringbuf, full_ring_drops_and_counts)
{
	struct rk_map *rb = new_ringbuf(4096);
	/* 4096 / 64-byte records, but the producer may be at most 4095 ahead: 63 fit. */
	int reserved = 0;
	void *records[64];
	while ((records[reserved] = rk_ringbuf_reserve(rb, 56, 0)))
		reserved++;
	cr_assert_eq(reserved, 63);
	cr_assert_eq(rk_ringbuf_dropped(rb), 1);
	/* 4032 bytes are taken: three 16-byte records still fit. */
	uint8_t byte = 7;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(rk_ringbuf_output(rb, &byte, 1, 0), 0);
	cr_assert_eq(rk_ringbuf_output(rb, &byte, 1, 0), -EAGAIN);
	cr_assert_eq(rk_ringbuf_dropped(rb), 2);
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 4080);
	for (int i = 0; i < reserved; i++)
		rk_ringbuf_submit(rb, records[i], 0);
	struct consumed got = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 66);
	cr_assert_eq(rk_ringbuf_output(rb, &byte, 1, 0), 0, "space comes back");
	cr_assert_eq(rk_ringbuf_dropped(rb), 2);
	rk_map_free(rb);
}

Test(maps_ringbuf, largest_record)
{
	struct rk_map *rb = new_ringbuf(4096);
	/* As the kernel: a record of 8 + size bytes, rounded to 8, must stay below the size. */
	cr_assert_null(rk_ringbuf_reserve(rb, 4081, 0));
	cr_assert_eq(rk_ringbuf_dropped(rb), 1);
	cr_assert_null(rk_ringbuf_reserve(rb, UINT64_MAX, 0));
	void *big = rk_ringbuf_reserve(rb, 4080, 0);
	cr_assert_not_null(big);
	rk_ringbuf_submit(rb, big, 0);
	struct consumed got = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 1);

	/* An empty ring takes the largest record wherever its producer is. */
	uint8_t byte = 1;
	cr_assert_eq(rk_ringbuf_output(rb, &byte, 1, 0), 0);
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 1);
	big = rk_ringbuf_reserve(rb, 4080, 0);
	cr_assert_not_null(big);
	memset(big, 0x5a, 4080);
	rk_ringbuf_submit(rb, big, 0);
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 1);
	cr_assert_eq(got.sizes[2], 4080);
	cr_assert_eq(got.first_bytes[2], 0x5a);
	rk_map_free(rb);
}

Test(maps_ringbuf, flags)
{
	struct rk_map *rb = new_ringbuf(4096);
	uint8_t byte = 1;
	cr_assert_null(rk_ringbuf_reserve(rb, 8, RB_NO_WAKEUP), "reserve takes no flags");
	cr_assert_eq(rk_ringbuf_dropped(rb), 0, "a refused flag is not a drop");
	cr_assert_eq(rk_ringbuf_output(rb, &byte, 1, RB_NO_WAKEUP | RB_FORCE_WAKEUP), 0);
	cr_assert_eq(rk_ringbuf_output(rb, &byte, 1, 4), -EINVAL);
	cr_assert_eq(rk_ringbuf_output(rb, NULL, 0, 0), 0, "an empty record needs no data");
	struct consumed got = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 2);
	cr_assert_eq(got.sizes[1], 0);
	rk_map_free(rb);
}

Test(maps_ringbuf, bad_record_pointers_are_ignored)
{
	struct rk_map *rb = new_ringbuf(4096);
	uint8_t *a = rk_ringbuf_reserve(rb, 16, 0);
	uint8_t outside[16];
	rk_ringbuf_submit(rb, outside, 0);
	rk_ringbuf_submit(rb, a + 8, 0);  /* inside the record, not its start */
	rk_ringbuf_submit(rb, a - 8, 0);  /* the header */
	struct consumed got = {0};
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 0, "a is still busy");
	rk_ringbuf_submit(rb, a, 0);
	rk_ringbuf_discard(rb, a, 0);     /* already committed: ignored */
	cr_assert_eq(rk_ringbuf_consume(rb, collect, &got), 1);
	rk_map_free(rb);
}

Test(maps_ringbuf, not_a_keyed_map)
{
	struct rk_map *rb = new_ringbuf(4096);
	uint32_t key = 0, next;
	uint64_t value = 0;
	cr_assert_null(rk_map_lookup(rb, &key));
	cr_assert_eq(rk_map_update(rb, &key, &value, 0), -EINVAL);
	cr_assert_eq(rk_map_delete(rb, &key), -EINVAL);
	cr_assert_eq(rk_map_next_key(rb, NULL, &next), -EINVAL);
	cr_assert_eq(rk_ringbuf_consume(rb, NULL, NULL), -EINVAL);

	struct rk_map *hash = new_simple(RK_MAP_HASH, 4, 4, 4);
	cr_assert_null(rk_ringbuf_reserve(hash, 8, 0));
	cr_assert_eq(rk_ringbuf_output(hash, &value, 8, 0), -EINVAL);
	cr_assert_eq(rk_ringbuf_consume(hash, collect, NULL), -EINVAL);
	cr_assert_eq(rk_ringbuf_query(hash, RB_RING_SIZE), 0);
	cr_assert_eq(rk_ringbuf_dropped(hash), 0);
	rk_ringbuf_submit(hash, &value, 0);
	rk_map_free(hash);
	rk_map_free(rb);
}

/* The wraparound check: records carry a sequence number and a pattern. */
struct seq_check {
	uint32_t next_seq;          /* the sequence number expected next */
	const bool *discarded;      /* by sequence number */
	size_t records;
};

static int check_seq(void *fn_ctx, const void *data, size_t size)
{
	struct seq_check *check = fn_ctx;
	uint32_t seq;
	cr_assert_geq(size, 4);
	memcpy(&seq, data, 4);
	while (check->discarded[check->next_seq])
		check->next_seq++;
	cr_assert_eq(seq, check->next_seq, "records come in order");
	for (size_t i = 4; i < size; i++)
		cr_assert_eq(((const uint8_t *)data)[i], (uint8_t)(seq + i), "seq %u byte %zu", seq,
		             i);
	check->next_seq++;
	check->records++;
	return 0;
}

Test(maps_ringbuf, wraparound_many_cycles)
{
	enum { CYCLES = 20000, MAX_BATCH = 6 };
	struct rk_map *rb = new_ringbuf(4096);
	bool *discarded = calloc(CYCLES * MAX_BATCH + 1, sizeof(bool));
	struct seq_check check = {.discarded = discarded};
	uint64_t state = 42;
	uint32_t seq = 0;
	size_t submitted = 0;

	for (int cycle = 0; cycle < CYCLES; cycle++) {
		int batch = 1 + (int)(rng_next(&state) % MAX_BATCH);
		uint8_t *records[MAX_BATCH];
		uint32_t seqs[MAX_BATCH];
		int got = 0;
		for (int i = 0; i < batch; i++) {
			uint64_t size = 4 + rng_next(&state) % 300;
			uint8_t *rec = rk_ringbuf_reserve(rb, size, 0);
			if (!rec)
				break; /* full: the consumer is behind */
			cr_assert_eq((uintptr_t)rec % 8, 0);
			memcpy(rec, &seq, 4);
			for (size_t b = 4; b < size; b++)
				rec[b] = (uint8_t)(seq + b);
			records[got] = rec;
			seqs[got++] = seq++;
		}
		/* Commit in order or in reverse: the consumer sees reservation order. */
		bool reverse = rng_next(&state) % 2;
		for (int i = 0; i < got; i++) {
			int k = reverse ? got - 1 - i : i;
			if (rng_next(&state) % 5 == 0) {
				discarded[seqs[k]] = true;
				rk_ringbuf_discard(rb, records[k], 0);
			} else {
				submitted++;
				rk_ringbuf_submit(rb, records[k], 0);
			}
		}
		/* Sometimes let records pile up, to fill the ring and cross its end. */
		if (rng_next(&state) % 3 == 0) {
			int n = rk_ringbuf_consume(rb, check_seq, &check);
			cr_assert_geq(n, 0);
		}
		cr_assert_leq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 4095);
	}
	rk_ringbuf_consume(rb, check_seq, &check);
	cr_assert_eq(check.records, submitted);
	cr_assert_eq(rk_ringbuf_query(rb, RB_AVAIL_DATA), 0);
	cr_assert_gt(rk_ringbuf_query(rb, RB_PROD_POS), 100 * 4096, "the ring went round");
	free(discarded);
	rk_map_free(rb);
}

/* ------------------------------------------------------------------ */
/* Time series                                                         */
/* ------------------------------------------------------------------ */

static struct rk_map *new_ts(uint32_t key_size, uint32_t max_entries, uint32_t capacity)
{
	struct rk_map_def def = make_def("current", RK_MAP_TIMESERIES, key_size, 8, max_entries);
	def.ts_capacity = capacity;
	return new_map(&def);
}

static struct rk_ts_window window(struct rk_map *map, uint32_t key, uint64_t now,
                                  uint64_t width, int rc_expected)
{
	struct rk_ts_window out;
	memset(&out, 0x55, sizeof(out));
	int rc = rk_timeseries_window(map, &key, now, width, &out);
	cr_assert_eq(rc, rc_expected, "rc %d", rc);
	return out;
}

Test(maps_timeseries, window_edges)
{
	struct rk_map *map = new_ts(4, 4, 8);
	uint32_t key = 1;
	for (uint64_t t = 10; t <= 40; t += 10)
		cr_assert_eq(rk_timeseries_push(map, &key, t, (int64_t)t), 0);

	struct rk_ts_window w = window(map, key, 40, 30, 0);   /* 10 < ts <= 40 */
	cr_assert_eq(w.count, 3);
	cr_assert_eq(w.min, 20);
	cr_assert_eq(w.max, 40);
	cr_assert_eq(w.mean, 30);
	w = window(map, key, 40, 31, 0);                        /* 9 < ts: includes 10 */
	cr_assert_eq(w.count, 4);
	cr_assert_eq(w.mean, 25);
	w = window(map, key, 25, 100, 0);                       /* ts > now is excluded */
	cr_assert_eq(w.count, 2);
	cr_assert_eq(w.max, 20);
	w = window(map, key, 40, 0, 0);                         /* an empty window */
	cr_assert_eq(w.count, 0);
	cr_assert_eq(w.min, 0);
	cr_assert_eq(w.max, 0);
	cr_assert_eq(w.mean, 0);
	w = window(map, key, 40, UINT64_MAX, 0);                /* now - window wraps: all */
	cr_assert_eq(w.count, 4);
	w = window(map, key, 5, 100, 0);
	cr_assert_eq(w.count, 0);
	rk_map_free(map);
}

Test(maps_timeseries, full_ring_evicts_the_oldest)
{
	struct rk_map *map = new_ts(4, 4, 4);
	uint32_t key = 9;
	for (uint64_t t = 1; t <= 6; t++)
		cr_assert_eq(rk_timeseries_push(map, &key, t * 100, (int64_t)t), 0);
	struct rk_ts_window w = window(map, key, 1000, 1000, 0);
	cr_assert_eq(w.count, 4, "samples 1 and 2 were evicted");
	cr_assert_eq(w.min, 3);
	cr_assert_eq(w.max, 6);
	cr_assert_eq(w.mean, 4);                                /* 4.5 toward zero */
	int64_t *latest = rk_map_lookup(map, &key);
	cr_assert_not_null(latest);
	cr_assert_eq(*latest, 6);
	cr_assert_eq((uintptr_t)latest % 8, 0);
	rk_map_free(map);
}

Test(maps_timeseries, default_capacity_is_64)
{
	struct rk_map *map = new_ts(8, 2, 0);
	uint64_t key = 77;
	for (int i = 0; i < 100; i++)
		cr_assert_eq(rk_timeseries_push(map, &key, (uint64_t)i, i), 0);
	struct rk_ts_window out;
	uint64_t missing = 78;
	memset(&out, 0x55, sizeof(out));
	cr_assert_eq(rk_timeseries_window(map, &missing, 1000, 10000, &out), -ENOENT);
	cr_assert_eq(out.count, 0, "the result is zeroed");
	cr_assert_eq(out.mean, 0);
	cr_assert_eq(rk_timeseries_window(map, &key, 1000, 10000, &out), 0);
	cr_assert_eq(out.count, 64);
	cr_assert_eq(out.min, 36);
	rk_map_free(map);
}

Test(maps_timeseries, mean_rounds_toward_zero_without_overflow)
{
	struct {
		int64_t values[4];
		int count;
		int64_t mean;
	} cases[] = {
		{{-3, -4}, 2, -3},
		{{3, 4}, 2, 3},
		{{-7, 2}, 2, -2},
		{{7, -2}, 2, 2},
		{{INT64_MAX, INT64_MAX, INT64_MAX}, 3, INT64_MAX},
		{{INT64_MIN, INT64_MIN, INT64_MIN}, 3, INT64_MIN},
		{{INT64_MAX, INT64_MIN}, 2, 0},
		{{INT64_MAX, INT64_MAX - 1}, 2, INT64_MAX - 1},
		{{INT64_MIN, INT64_MIN + 1}, 2, INT64_MIN + 1},
		{{INT64_MIN, -1, -1, -1}, 4, INT64_MIN / 4 - 0},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct rk_map *map = new_ts(4, 1, 8);
		uint32_t key = 0;
		for (int i = 0; i < cases[c].count; i++)
			rk_timeseries_push(map, &key, 1, cases[c].values[i]);
		struct rk_ts_window w = window(map, key, 1, 1, 0);
		cr_assert_eq(w.mean, cases[c].mean, "case %zu: mean %" PRId64 ", expected %" PRId64, c,
		             w.mean, cases[c].mean);
		rk_map_free(map);
	}
}

#ifdef __SIZEOF_INT128__
Test(maps_timeseries, mean_matches_int128_on_random_samples)
{
	uint64_t state = 7;
	for (int round = 0; round < 2000; round++) {
		uint32_t capacity = 1 + (uint32_t)(rng_next(&state) % 40);
		struct rk_map *map = new_ts(4, 1, capacity);
		uint32_t key = 0;
		uint32_t pushes = 1 + (uint32_t)(rng_next(&state) % 60);
		int shift = (int)(rng_next(&state) % 64);
		int64_t samples[100];
		uint64_t stamps[100];
		for (uint32_t i = 0; i < pushes; i++) {
			samples[i] = (int64_t)rng_next(&state) >> shift;
			stamps[i] = rng_next(&state) % 1000;
			rk_timeseries_push(map, &key, stamps[i], samples[i]);
		}
		uint64_t now = rng_next(&state) % 1000, width = rng_next(&state) % 1200;
		__int128 sum = 0;
		uint64_t count = 0;
		int64_t min = 0, max = 0;
		uint32_t first = pushes > capacity ? pushes - capacity : 0;
		for (uint32_t i = first; i < pushes; i++) {
			if (stamps[i] > now || now - stamps[i] >= width)
				continue;
			if (!count || samples[i] < min)
				min = samples[i];
			if (!count || samples[i] > max)
				max = samples[i];
			sum += samples[i];
			count++;
		}
		struct rk_ts_window w = window(map, key, now, width, 0);
		cr_assert_eq(w.count, count, "round %d", round);
		if (count) {
			cr_assert_eq(w.min, min);
			cr_assert_eq(w.max, max);
			cr_assert_eq(w.mean, (int64_t)(sum / (__int128)count), "round %d", round);
		}
		rk_map_free(map);
	}
}
#endif

Test(maps_timeseries, keys_lookup_delete_iterate)
{
	struct rk_map *map = new_ts(8, 2, 4);
	uint64_t a = 1, b = 2, c = 3, next;
	cr_assert_null(rk_map_lookup(map, &a));
	cr_assert_eq(rk_timeseries_push(map, &a, 5, -1), 0);
	cr_assert_eq(rk_timeseries_push(map, &b, 5, -2), 0);
	cr_assert_eq(rk_timeseries_push(map, &c, 5, -3), -E2BIG, "max_entries counts keys");
	cr_assert_eq(*(int64_t *)rk_map_lookup(map, &a), -1);
	cr_assert_eq(*(int64_t *)rk_map_lookup(map, &b), -2);
	int64_t value = 9;
	cr_assert_eq(rk_map_update(map, &a, &value, RK_MAP_ANY), -EINVAL);

	bool seen[4] = {false};
	cr_assert_eq(count_keys(map, seen, 4), 2);
	cr_assert(seen[1] && seen[2]);
	cr_assert_eq(rk_map_delete(map, &a), 0);
	cr_assert_eq(rk_map_delete(map, &a), -ENOENT);
	cr_assert_null(rk_map_lookup(map, &a));
	cr_assert_eq(rk_timeseries_push(map, &c, 6, 30), 0);
	struct rk_ts_window out;
	cr_assert_eq(rk_timeseries_window(map, &c, 6, 1, &out), 0);
	cr_assert_eq(out.count, 1, "a new key starts with an empty ring");
	cr_assert_eq(rk_map_next_key(map, NULL, &next), 0);

	struct rk_map *hash = new_simple(RK_MAP_HASH, 8, 8, 2);
	cr_assert_eq(rk_timeseries_push(hash, &a, 1, 1), -EINVAL);
	cr_assert_eq(rk_timeseries_window(hash, &a, 1, 1, &out), -EINVAL);
	rk_map_free(hash);
	rk_map_free(map);
}

/* ------------------------------------------------------------------ */
/* Program array and perf event array                                  */
/* ------------------------------------------------------------------ */

Test(maps_prog_array, set_get_delete)
{
	struct rk_prog *prog = test_prog_from_asm("mov %r0, 7\nexit\n", NULL);
	struct rk_map *map = new_simple(RK_MAP_PROG_ARRAY, 4, 4, 4);
	uint32_t key = 2, next;
	uint32_t fd = 3;

	cr_assert_null(rk_prog_array_get(map, 2));
	cr_assert_eq(rk_prog_array_set(map, 2, prog), 0);
	cr_assert_eq(rk_prog_array_get(map, 2), prog);
	cr_assert_eq(rk_prog_array_set(map, 4, prog), -E2BIG);
	cr_assert_null(rk_prog_array_get(map, 4));
	cr_assert_null(rk_map_lookup(map, &key), "programs never see the slot");
	cr_assert_eq(rk_map_update(map, &key, &fd, RK_MAP_ANY), -EINVAL);
	cr_assert_eq(rk_map_delete(map, &key), 0);
	cr_assert_null(rk_prog_array_get(map, 2));
	cr_assert_eq(rk_map_delete(map, &key), -ENOENT);
	cr_assert_eq(rk_map_delete(map, &(uint32_t){4}), -E2BIG);
	cr_assert_eq(rk_prog_array_set(map, 1, prog), 0);
	cr_assert_eq(rk_prog_array_set(map, 1, NULL), 0);
	cr_assert_null(rk_prog_array_get(map, 1));
	cr_assert_eq(rk_map_next_key(map, NULL, &next), 0);
	cr_assert_eq(next, 0);
	cr_assert_eq(rk_map_next_key(map, &(uint32_t){3}, &next), -ENOENT);

	struct rk_map *array = new_simple(RK_MAP_ARRAY, 4, 8, 4);
	cr_assert_eq(rk_prog_array_set(array, 0, prog), -EINVAL);
	cr_assert_null(rk_prog_array_get(array, 0));
	rk_map_free(array);
	rk_map_free(map);
	rk_prog_free(prog);
}

Test(maps_perf_event_array, exists_without_storage)
{
	struct rk_map *map = new_simple(RK_MAP_PERF_EVENT_ARRAY, 4, 4, 0);
	uint32_t key = 0, value = 0, next;
	cr_assert_null(rk_map_lookup(map, &key));
	cr_assert_eq(rk_map_update(map, &key, &value, RK_MAP_ANY), -EINVAL);
	cr_assert_eq(rk_map_delete(map, &key), -EINVAL);
	cr_assert_eq(rk_map_next_key(map, NULL, &next), -ENOENT);
	cr_assert_lt(rk_map_mem_bytes(map), 256);
	rk_map_free(map);
}
