/*
 * map_array.c - the array map (and the per-CPU array, which is the same
 * map here: one loop thread, one "CPU"; see map.c).
 *
 * max_entries values, zero-initialised, each at a multiple of 8 bytes so
 * that programs can use atomics on them; the key is a u32 index.  Entries
 * always exist: update with NOEXIST fails -EEXIST, delete fails -EINVAL,
 * and an index past the end is -E2BIG on update and NULL on lookup, as in
 * the kernel.  Global data (.data, .rodata, .bss) is a one-entry array.
 */
#include <errno.h>
#include <string.h>

#include "map_internal.h"

struct rk_array {
	struct rk_map map;
	uint8_t *values;
	uint64_t value_stride;   /* value_size rounded up to 8 */
};

static struct rk_array *to_array(struct rk_map *map)
{
	return (struct rk_array *)map;
}


static int array_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	return rk_map_mul_size(def->max_entries, rk_map_align(def->value_size), size_out);
}

static void array_init(struct rk_map *map, void *storage)
{
	struct rk_array *array = to_array(map);

	array->values = storage;
	array->value_stride = rk_map_align(map->def.value_size);
}

static void *array_lookup(struct rk_map *map, const void *key)
{
	struct rk_array *array = to_array(map);
	uint32_t index = rk_map_read_index(key);

	if (index >= map->def.max_entries)
		return NULL;
	return array->values + array->value_stride * index;
}

static int array_update(struct rk_map *map, const void *key, const void *value, uint64_t flags)
{
	struct rk_array *array = to_array(map);
	uint32_t index = rk_map_read_index(key);

	if (flags > RK_MAP_EXIST)
		return -EINVAL;
	if (index >= map->def.max_entries)
		return -E2BIG;
	if (flags == RK_MAP_NOEXIST)
		return -EEXIST; /* every entry exists */
	rk_map_copy_value(array->values + array->value_stride * index, value, map->def.value_size);
	return 0;
}

static int array_delete(struct rk_map *map, const void *key)
{
	(void)map, (void)key;
	return -EINVAL;
}

/* The kernel's order: NULL or an index past the end gives 0. */
int rk_map_index_next_key(struct rk_map *map, const void *key, void *next_key)
{
	uint32_t index = key ? rk_map_read_index(key) : UINT32_MAX;
	uint32_t next;

	if (index >= map->def.max_entries)
		next = 0;
	else if (index == map->def.max_entries - 1)
		return -ENOENT;
	else
		next = index + 1;
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

static void array_data_region(const struct rk_map *map, uintptr_t *start, uint64_t *len)
{
	const struct rk_array *array = (const struct rk_array *)map;

	*start = (uintptr_t)array->values;
	*len = array->value_stride * map->def.max_entries;
}

const struct rk_map_ops rk_array_ops = {
	.struct_size = sizeof(struct rk_array),
	.storage_size = array_storage_size,
	.init = array_init,
	.lookup = array_lookup,
	.update = array_update,
	.delete_elem = array_delete,
	.next_key = rk_map_index_next_key,
	.data_region = array_data_region,
};
