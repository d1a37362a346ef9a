/*
 * map.c - what every map type shares: the table of types, the validation
 * of a definition (every rule broken is refused with a message naming the
 * map, the field, its value and the rule), the one budget allocation a map
 * is, and the dispatch of the generic operations through the type's ops.
 *
 * The one thing to know: a type's rules live in map_types[] below, not in
 * its file; its file only lays storage out and implements the operations,
 * and may assume the definition it is given passed these checks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "map_internal.h"

/* A key or value size rule: exactly this many bytes, or any in 1..limit. */
#define SIZE_ANY UINT32_MAX

enum entries_rule {
	ENTRIES_NONZERO,   /* at least one entry */
	ENTRIES_ANY,       /* no storage: max_entries is only recorded */
	ENTRIES_RINGBUF,   /* data bytes: a power of 2 and a multiple of the page size */
};

/* The kernel's masks (kernel/bpf/hashtab.c, arraymap.c, ringbuf.c). */
#define HASH_FLAGS (RK_F_NO_PREALLOC | RK_F_ACCESS_MASK | RK_F_ZERO_SEED | RK_F_NUMA_NODE)
#define LRU_FLAGS (RK_F_NO_COMMON_LRU | RK_F_ACCESS_MASK | RK_F_ZERO_SEED | RK_F_NUMA_NODE)
#define ARRAY_FLAGS (RK_F_NUMA_NODE | RK_F_ACCESS_MASK | RK_F_INNER_MAP)
#define FD_ARRAY_FLAGS (RK_F_NUMA_NODE | RK_F_RDONLY | RK_F_WRONLY | RK_F_INNER_MAP)

struct map_type {
	uint32_t type;
	const char *name;            /* as messages say it: "a hash map" */
	const struct rk_map_ops *ops;
	uint32_t key_size;           /* required, or SIZE_ANY (1..RK_MAP_KEY_SIZE_MAX) */
	uint32_t value_size;         /* required, or SIZE_ANY (1..RK_MAP_VALUE_SIZE_MAX) */
	enum entries_rule entries;
	uint32_t flags_allowed;
};

/*
 * The per-CPU types share the ops of their plain twins: one loop thread
 * runs every program (ARCHITECTURE.md), so there is one "CPU" and a value
 * per key, not per CPU.  A host reading them gets value_size bytes, not
 * value_size x CPUs as from the kernel.
 */
static const struct map_type map_types[] = {
	{RK_MAP_HASH, "a hash map", &rk_hash_ops, SIZE_ANY, SIZE_ANY, ENTRIES_NONZERO,
	 HASH_FLAGS},
	{RK_MAP_ARRAY, "an array map", &rk_array_ops, 4, SIZE_ANY, ENTRIES_NONZERO,
	 ARRAY_FLAGS | RK_F_MMAPABLE},
	{RK_MAP_PROG_ARRAY, "a prog_array map", &rk_prog_array_ops, 4, 4, ENTRIES_NONZERO,
	 FD_ARRAY_FLAGS},
	{RK_MAP_PERF_EVENT_ARRAY, "a perf_event_array map", &rk_perf_event_array_ops, 4, 4,
	 ENTRIES_ANY, FD_ARRAY_FLAGS | RK_F_PRESERVE_ELEMS},
	{RK_MAP_PERCPU_HASH, "a percpu_hash map", &rk_hash_ops, SIZE_ANY, SIZE_ANY,
	 ENTRIES_NONZERO, HASH_FLAGS},
	{RK_MAP_PERCPU_ARRAY, "a percpu_array map", &rk_array_ops, 4, SIZE_ANY, ENTRIES_NONZERO,
	 ARRAY_FLAGS},
	{RK_MAP_LRU_HASH, "an lru_hash map", &rk_lru_hash_ops, SIZE_ANY, SIZE_ANY,
	 ENTRIES_NONZERO, LRU_FLAGS},
	{RK_MAP_LRU_PERCPU_HASH, "an lru_percpu_hash map", &rk_lru_hash_ops, SIZE_ANY, SIZE_ANY,
	 ENTRIES_NONZERO, LRU_FLAGS},
	{RK_MAP_RINGBUF, "a ringbuf map", &rk_ringbuf_ops, 0, 0, ENTRIES_RINGBUF, RK_F_NUMA_NODE},
	{RK_MAP_TIMESERIES, "a timeseries map", &rk_timeseries_ops, SIZE_ANY, 8, ENTRIES_NONZERO,
	 RK_F_NUMA_NODE | RK_F_ACCESS_MASK},
};
#define MAP_TYPE_COUNT (sizeof(map_types) / sizeof(map_types[0]))

static const struct map_type *map_type_find(uint32_t type)
{
	for (size_t i = 0; i < MAP_TYPE_COUNT; i++)
		if (map_types[i].type == type)
			return &map_types[i];
	return NULL;
}

static int check_size(const struct rk_map_def *def, const struct map_type *mt,
                      const char *field, uint32_t size, uint32_t rule, uint32_t limit, char *err,
                      size_t err_len)
{
	if (rule == SIZE_ANY) {
		if (size == 0 || size > limit)
			return rk_set_err(err, err_len, size ? -E2BIG : -EINVAL,
			                  "map '%s': %s %" PRIu32 " is invalid for %s (must be 1..%" PRIu32
			                  ")",
			                  def->name, field, size, mt->name, limit);
	} else if (size != rule) {
		return rk_set_err(err, err_len, -EINVAL,
		                  "map '%s': %s %" PRIu32 " is invalid for %s (must be %" PRIu32 ")",
		                  def->name, field, size, mt->name, rule);
	}
	return 0;
}

static bool is_power_of_2(uint32_t x)
{
	return x && !(x & (x - 1));
}

static int check_def(const struct rk_map_def *def, const struct map_type **mt_out, char *err,
                     size_t err_len)
{
	if (!memchr(def->name, '\0', sizeof(def->name)))
		return rk_set_err(err, err_len, -EINVAL,
		                  "map '%.*s...': the name is not NUL-terminated within %d bytes",
		                  RK_MAP_NAME_LEN - 1, def->name, RK_MAP_NAME_LEN);
	const struct map_type *mt = map_type_find(def->type);
	if (!mt)
		return rk_set_err(err, err_len, -EINVAL,
		                  "map '%s': type %" PRIu32 " is not a map type rkBPF supports",
		                  def->name, def->type);
	int rc = check_size(def, mt, "key_size", def->key_size, mt->key_size, RK_MAP_KEY_SIZE_MAX,
	                    err, err_len);
	if (rc < 0)
		return rc;
	rc = check_size(def, mt, "value_size", def->value_size, mt->value_size,
	                RK_MAP_VALUE_SIZE_MAX, err, err_len);
	if (rc < 0)
		return rc;

	switch (mt->entries) {
	case ENTRIES_NONZERO:
		if (def->max_entries == 0)
			return rk_set_err(err, err_len, -EINVAL,
			                  "map '%s': max_entries 0 is invalid for %s (must be at least "
			                  "1)",
			                  def->name, mt->name);
		break;
	case ENTRIES_RINGBUF:
		if (!is_power_of_2(def->max_entries) || def->max_entries % RK_RINGBUF_PAGE_SIZE)
			return rk_set_err(err, err_len, -EINVAL,
			                  "map '%s': max_entries %" PRIu32 " is invalid for %s (the "
			                  "data size must be a power of 2 and a multiple of %u)",
			                  def->name, def->max_entries, mt->name, RK_RINGBUF_PAGE_SIZE);
		break;
	case ENTRIES_ANY:
		break;
	}

	uint32_t unsupported = def->map_flags & ~mt->flags_allowed;
	if (unsupported)
		return rk_set_err(err, err_len, -EINVAL,
		                  "map '%s': map_flags 0x%" PRIx32 " is invalid for %s (bits 0x%" PRIx32
		                  " are not supported)",
		                  def->name, def->map_flags, mt->name, unsupported);

	if (def->type == RK_MAP_TIMESERIES) {
		if (def->ts_capacity > RK_TS_CAPACITY_MAX)
			return rk_set_err(err, err_len, -E2BIG,
			                  "map '%s': ts_capacity %" PRIu32 " is invalid for %s (must be "
			                  "0..%u; 0 means %u)",
			                  def->name, def->ts_capacity, mt->name, RK_TS_CAPACITY_MAX,
			                  RK_TS_DEFAULT_CAPACITY);
	} else if (def->ts_capacity) {
		return rk_set_err(err, err_len, -EINVAL,
		                  "map '%s': ts_capacity %" PRIu32 " is invalid for %s (time-series "
		                  "maps only; must be 0)",
		                  def->name, def->ts_capacity, mt->name);
	}
	*mt_out = mt;
	return 0;
}

/* The storage starts this far into the allocation (calloc's alignment). */
static size_t struct_span(const struct rk_map_ops *ops)
{
	return (ops->struct_size + 15) & ~(size_t)15;
}

int rk_map_new(const struct rk_map_def *def, struct rk_budget *budget, struct rk_map **map_out,
               char *err, size_t err_len)
{
	const struct map_type *mt = NULL;
	size_t storage = 0;

	if (!def || !map_out)
		return rk_set_err(err, err_len, -EINVAL, "rk_map_new: def and map_out are required");
	*map_out = NULL;
	int rc = check_def(def, &mt, err, err_len);
	if (rc < 0)
		return rc;
	rc = mt->ops->storage_size(def, &storage);
	size_t span = struct_span(mt->ops);
	if (rc < 0 || storage > SIZE_MAX - span)
		return rk_set_err(err, err_len, -E2BIG,
		                  "map '%s': max_entries %" PRIu32 " of this size is too large for %s "
		                  "(its size overflows)",
		                  def->name, def->max_entries, mt->name);

	/* The budget's message names the map and the bytes of the whole map. */
	char what[RK_MAP_NAME_LEN + 8];
	snprintf(what, sizeof(what), "map '%s'", def->name);
	size_t total = span + storage;
	struct rk_map *map = rk_budget_alloc(budget, total, what, err, err_len);
	if (!map) {
		size_t limit = budget && budget->limit ? budget->limit : RK_DEFAULT_BUDGET;
		return budget && total > limit - budget->used ? -ENOSPC : -ENOMEM;
	}
	map->def = *def;
	map->ops = mt->ops;
	map->budget = budget;
	map->mem_bytes = total;
	mt->ops->init(map, (uint8_t *)map + span);
	*map_out = map;
	return 0;
}

void rk_map_free(struct rk_map *map)
{
	if (!map)
		return;
	rk_budget_free(map->budget, map, map->mem_bytes);
}

const struct rk_map_def *rk_map_def(const struct rk_map *map)
{
	return &map->def;
}

size_t rk_map_mem_bytes(const struct rk_map *map)
{
	return map->mem_bytes;
}

void *rk_map_lookup(struct rk_map *map, const void *key)
{
	return map->ops->lookup(map, key);
}

int rk_map_update(struct rk_map *map, const void *key, const void *value, uint64_t flags)
{
	return map->ops->update(map, key, value, flags);
}

int rk_map_delete(struct rk_map *map, const void *key)
{
	return map->ops->delete_elem(map, key);
}

int rk_map_next_key(struct rk_map *map, const void *key, void *next_key)
{
	return map->ops->next_key(map, key, next_key);
}

bool rk_map_data_region(const struct rk_map *map, uintptr_t *start, uint64_t *len,
                        bool *writable)
{
	*start = 0;
	*len = 0;
	*writable = !(map->def.map_flags & RK_F_RDONLY_PROG);
	if (map->ops->data_region)
		map->ops->data_region(map, start, len);
	return *len != 0;
}

const char *rk_map_type_name(uint32_t type)
{
	switch (type) {
	case RK_MAP_HASH: return "hash";
	case RK_MAP_ARRAY: return "array";
	case RK_MAP_PROG_ARRAY: return "prog_array";
	case RK_MAP_PERF_EVENT_ARRAY: return "perf_event_array";
	case RK_MAP_PERCPU_HASH: return "percpu_hash";
	case RK_MAP_PERCPU_ARRAY: return "percpu_array";
	case RK_MAP_LRU_HASH: return "lru_hash";
	case RK_MAP_LRU_PERCPU_HASH: return "lru_percpu_hash";
	case RK_MAP_RINGBUF: return "ringbuf";
	case RK_MAP_TIMESERIES: return "timeseries";
	}
	return "unknown";
}

