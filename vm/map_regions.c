/*
 * map_regions.c - the memory a map's values live in, as checked-mode
 * regions: a program may touch what a lookup or a ring-buffer reservation
 * handed it, and nothing else of the map.
 */
#include "map_internal.h"

size_t rk_map_regions(const struct rk_map *map, struct rk_region *regions, size_t max)
{
	uintptr_t start;
	uint64_t len;
	bool writable;
	if (max == 0 || !rk_map_data_region(map, &start, &len, &writable))
		return 0;
	regions[0] = (struct rk_region){
		.name = map->def.name, .start = start, .len = len, .writable = writable};
	return 1;
}
