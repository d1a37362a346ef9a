/*
 * map_prog_array.c - the maps whose values are objects, not bytes (the
 * kernel's "fd arrays"): the program array, the table of bpf_tail_call(),
 * and the perf event array, which is only a name for bpf_perf_event_output.
 *
 * Program array: max_entries slots of struct rk_prog *, set by the host
 * with rk_prog_array_set(); key_size and value_size are 4 as in the kernel
 * (a value there is a program fd).  The map does not own the programs: the
 * host (the object loader) keeps a program alive while a slot holds it.
 * Programs cannot read a slot: rk_map_lookup() returns NULL, so that no
 * host pointer reaches a program; rk_map_update() is refused (-EINVAL: use
 * rk_prog_array_set()); rk_map_delete() empties a slot.
 *
 * Perf event array: no storage at all.  Records given to
 * bpf_perf_event_output go straight to the host (rk_env.perf_output); the
 * map only has to exist and be named.  max_entries is recorded, not used
 * (libbpf sets it to the number of CPUs; 0 is accepted).
 */
#include <errno.h>
#include <string.h>

#include "map_internal.h"

struct rk_prog_array {
	struct rk_map map;
	struct rk_prog **progs;   /* max_entries slots, NULL when empty */
};

static struct rk_prog_array *to_prog_array(struct rk_map *map)
{
	return map && map->def.type == RK_MAP_PROG_ARRAY ? (struct rk_prog_array *)map : NULL;
}


int rk_prog_array_set(struct rk_map *map, uint32_t index, struct rk_prog *prog)
{
	struct rk_prog_array *array = to_prog_array(map);

	if (!array)
		return -EINVAL;
	if (index >= map->def.max_entries)
		return -E2BIG;
	array->progs[index] = prog;
	return 0;
}

struct rk_prog *rk_prog_array_get(struct rk_map *map, uint32_t index)
{
	struct rk_prog_array *array = to_prog_array(map);

	if (!array || index >= map->def.max_entries)
		return NULL;
	return array->progs[index];
}

static int prog_array_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	return rk_map_mul_size(def->max_entries, sizeof(struct rk_prog *), size_out);
}

static void prog_array_init(struct rk_map *map, void *storage)
{
	((struct rk_prog_array *)map)->progs = storage;
}

static void *no_lookup(struct rk_map *map, const void *key)
{
	(void)map, (void)key;
	return NULL;
}

static int no_update(struct rk_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map, (void)key, (void)value, (void)flags;
	return -EINVAL;
}

/* As the kernel's fd arrays: -E2BIG past the end, -ENOENT for an empty slot. */
static int prog_array_delete(struct rk_map *map, const void *key)
{
	struct rk_prog_array *array = to_prog_array(map);
	uint32_t index = rk_map_read_index(key);

	if (index >= map->def.max_entries)
		return -E2BIG;
	if (!array->progs[index])
		return -ENOENT;
	array->progs[index] = NULL;
	return 0;
}

const struct rk_map_ops rk_prog_array_ops = {
	.struct_size = sizeof(struct rk_prog_array),
	.storage_size = prog_array_storage_size,
	.init = prog_array_init,
	.lookup = no_lookup,
	.update = no_update,
	.delete_elem = prog_array_delete,
	.next_key = rk_map_index_next_key,
};

static int perf_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	(void)def;
	*size_out = 0;
	return 0;
}

static void perf_init(struct rk_map *map, void *storage)
{
	(void)map, (void)storage;
}

static int perf_delete(struct rk_map *map, const void *key)
{
	(void)map, (void)key;
	return -EINVAL;
}

static int perf_next_key(struct rk_map *map, const void *key, void *next_key)
{
	(void)map, (void)key, (void)next_key;
	return -ENOENT;
}

const struct rk_map_ops rk_perf_event_array_ops = {
	.struct_size = sizeof(struct rk_map),
	.storage_size = perf_storage_size,
	.init = perf_init,
	.lookup = no_lookup,
	.update = no_update,
	.delete_elem = perf_delete,
	.next_key = perf_next_key,
};
