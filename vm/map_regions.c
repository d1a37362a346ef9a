/*
 * map_regions.c - the memory a map's values live in, as checked-mode
 * regions: a program may touch what a lookup or a ring-buffer reservation
 * handed it, and nothing else of the map.
 */
#include "vm_internal.h"

size_t rk_map_regions(const struct rk_map *map, struct rk_region *regions, size_t max)
{
	/* Filled in once the map implementations land (vm/map*.c). */
	(void)map, (void)regions, (void)max;
	return 0;
}
