/*
 * map_hash.c - the hash maps: hash, LRU hash (and their per-CPU twins,
 * which are the same maps here; see map.c), and the hash table engine the
 * time-series map is built on.
 *
 * Fully preallocated (see struct rk_htab in map_internal.h for the
 * layout): max_entries entries on a free list, a bucket array of chain
 * heads, and, for LRU, a doubly linked recency list threaded through the
 * entries.  Lookup, update and delete allocate nothing and only move u32
 * indices.  A full hash map refuses a new key with -E2BIG; a full LRU map
 * evicts its least recently used entry, where "used" means looked up or
 * updated (exactly, not approximately as the kernel's per-CPU LRU lists).
 *
 * What must stay true: a key's value does not move while the key is in
 * the map (programs hold the pointer rk_map_lookup() gave them, and do
 * atomics on it), and values are 8-byte aligned.  A deleted or evicted
 * entry is reused, as in the kernel.
 */
#include <errno.h>
#include <string.h>

#include "map_internal.h"

/* ------------------------------------------------------------------ */
/* Hashing                                                             */
/* ------------------------------------------------------------------ */

/*
 * Word-at-a-time multiply-rotate over the key, then the murmur3/splitmix64
 * finaliser, which makes every input bit affect every output bit.  The
 * seed is fixed, so iteration order is reproducible from run to run.
 */
#define HASH_SEED UINT64_C(0x726b425046000001) /* "rkBPF" */
#define HASH_MUL1 UINT64_C(0x9e3779b97f4a7c15)
#define HASH_MUL2 UINT64_C(0xbf58476d1ce4e5b9)
#define HASH_MUL3 UINT64_C(0x94d049bb133111eb)

static inline uint64_t hash_finish(uint64_t h)
{
	h ^= h >> 30;
	h *= HASH_MUL2;
	h ^= h >> 27;
	h *= HASH_MUL3;
	h ^= h >> 31;
	return h;
}

static inline uint64_t load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t load32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t hash_key(const void *key, uint32_t size)
{
	const uint8_t *bytes = key;
	uint64_t h = HASH_SEED ^ ((uint64_t)size * HASH_MUL1);

	/* The common key sizes get straight-line code. */
	if (size == 8)
		return hash_finish(h ^ load64(bytes));
	if (size == 4)
		return hash_finish(h ^ load32(bytes));
	for (; size >= 8; size -= 8, bytes += 8)
		h = ((h << 23 | h >> 41) ^ load64(bytes)) * HASH_MUL1;
	if (size) {
		uint64_t tail = 0;
		memcpy(&tail, bytes, size);
		h = ((h << 23 | h >> 41) ^ tail) * HASH_MUL1;
	}
	return hash_finish(h);
}

static inline bool key_equal(const void *a, const void *b, uint32_t size)
{
	if (size == 8)
		return load64(a) == load64(b);
	if (size == 4)
		return load32(a) == load32(b);
	return memcmp(a, b, size) == 0;
}

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

/* Copy a key: straight-line code for the common sizes. */
static inline void copy_key(void *dst, const void *src, uint32_t size)
{
	if (size == 8)
		memcpy(dst, src, 8);
	else if (size == 4)
		memcpy(dst, src, 4);
	else
		memcpy(dst, src, size);
}

static inline uint32_t bucket_of_hash(const struct rk_htab *htab, uint64_t h)
{
	/* Multiply-shift maps the hash onto any bucket count, not only 2^n. */
	return (uint32_t)(((h >> 32) * htab->bucket_count) >> 32);
}

static inline uint32_t htab_bucket(const struct rk_htab *htab, const void *key)
{
	return bucket_of_hash(htab, hash_key(key, htab->key_size));
}

static inline uint8_t *entry_value(const struct rk_htab *htab, uint32_t index)
{
	return htab->entries + (size_t)index * htab->entry_size;
}

static inline uint8_t *entry_key(const struct rk_htab *htab, uint32_t index)
{
	return entry_value(htab, index) + htab->value_stored_size;
}

/*
 * The entry of key (or RK_HTAB_NIL) and its bucket.  The hot path: written
 * once, and compiled three times below, so that 4- and 8-byte keys hash
 * and compare in a few instructions without the generic path's calls.
 */
static inline __attribute__((always_inline)) uint32_t
lookup_sized(const struct rk_htab *htab, const void *key, uint32_t key_size, uint32_t *bucket_out)
{
	uint32_t bucket = bucket_of_hash(htab, hash_key(key, key_size));

	*bucket_out = bucket;
	for (uint32_t i = htab->buckets[bucket]; i != RK_HTAB_NIL; i = htab->next[i])
		if (key_equal(entry_key(htab, i), key, key_size))
			return i;
	return RK_HTAB_NIL;
}

static __attribute__((noinline)) uint32_t lookup_any_size(const struct rk_htab *htab,
                                                          const void *key, uint32_t *bucket_out)
{
	return lookup_sized(htab, key, htab->key_size, bucket_out);
}

static inline uint32_t htab_lookup(const struct rk_htab *htab, const void *key,
                                   uint32_t *bucket_out)
{
	if (htab->key_size == 8)
		return lookup_sized(htab, key, 8, bucket_out);
	if (htab->key_size == 4)
		return lookup_sized(htab, key, 4, bucket_out);
	return lookup_any_size(htab, key, bucket_out);
}

static bool chain_unlink(struct rk_htab *htab, uint32_t *link, uint32_t index)
{
	while (*link != RK_HTAB_NIL && *link != index)
		link = &htab->next[*link];
	if (*link != index)
		return false;
	*link = htab->next[index];
	return true;
}

/*
 * Unlink entry index from the chain of bucket, its key's bucket.  The key
 * sits right after the value, so a program that wrote past its value (only
 * an unverified one can) may have changed it: then the entry is on another
 * chain, and every chain is searched rather than walking off the end.
 */
static void chain_remove(struct rk_htab *htab, uint32_t bucket, uint32_t index)
{
	if (chain_unlink(htab, &htab->buckets[bucket], index))
		return;
	for (uint32_t b = 0; b < htab->bucket_count; b++)
		if (chain_unlink(htab, &htab->buckets[b], index))
			return;
}

/* The LRU list is circular through the head, index max_entries. */
static inline void lru_unlink(struct rk_htab *htab, uint32_t index)
{
	uint32_t prev = htab->lru_links[index].prev, next = htab->lru_links[index].next;

	htab->lru_links[prev].next = next;
	htab->lru_links[next].prev = prev;
}

static inline void lru_push_front(struct rk_htab *htab, uint32_t index)
{
	uint32_t head = htab->max_entries, first = htab->lru_links[head].next;

	htab->lru_links[index].next = first;
	htab->lru_links[index].prev = head;
	htab->lru_links[first].prev = index;
	htab->lru_links[head].next = index;
}

static inline void lru_touch(struct rk_htab *htab, uint32_t index)
{
	if (htab->lru_links[htab->max_entries].next != index) {
		lru_unlink(htab, index);
		lru_push_front(htab, index);
	}
}

/*
 * A fresh entry for key, linked into bucket: from the free list, or by
 * evicting the least recently used entry.  RK_HTAB_NIL when full (not LRU).
 */
static uint32_t htab_insert(struct rk_htab *htab, const void *key, uint32_t bucket)
{
	uint32_t index = htab->free_head;

	if (index != RK_HTAB_NIL) {
		htab->free_head = htab->next[index];
	} else if (htab->lru) {
		index = htab->lru_links[htab->max_entries].prev;
		chain_remove(htab, htab_bucket(htab, entry_key(htab, index)), index);
		lru_unlink(htab, index);
		htab->count--;
	} else {
		return RK_HTAB_NIL;
	}
	copy_key(entry_key(htab, index), key, htab->key_size);
	htab->next[index] = htab->buckets[bucket];
	htab->buckets[bucket] = index;
	if (htab->lru)
		lru_push_front(htab, index);
	htab->count++;
	return index;
}

int rk_htab_storage_size(const struct rk_map_def *def, uint32_t value_stored_size, bool lru,
                         size_t *size_out)
{
	/* RK_HTAB_NIL and the LRU head must stay outside the entry indices. */
	if (def->max_entries >= UINT32_MAX - 1)
		return -E2BIG;
	uint64_t entry_size = rk_map_align((uint64_t)value_stored_size + def->key_size);
	/* next and bucket (u32 each), and LRU (prev, next) pairs */
	uint64_t links_per_entry = 2 + (lru ? 2 : 0);
	size_t entries, links;

	if (entry_size > UINT32_MAX ||
	    rk_map_mul_size(def->max_entries, entry_size, &entries) < 0 ||
	    rk_map_mul_size((uint64_t)def->max_entries + 1, links_per_entry * sizeof(uint32_t),
	                    &links) < 0 ||
	    entries > SIZE_MAX - links)
		return -E2BIG;
	*size_out = entries + links;
	return 0;
}

void rk_htab_init(struct rk_htab *htab, void *storage, uint32_t value_stored_size, bool lru)
{
	const struct rk_map_def *def = &htab->map.def;
	uint32_t max_entries = def->max_entries;

	htab->value_stored_size = value_stored_size;
	htab->key_size = def->key_size;
	htab->entry_size = (uint32_t)rk_map_align((uint64_t)value_stored_size + def->key_size);
	htab->max_entries = max_entries;
	htab->bucket_count = max_entries;
	htab->lru = lru;

	/* Entries first: the storage is 16-byte aligned, so values are 8-byte aligned. */
	htab->entries = storage;
	htab->next = (uint32_t *)(htab->entries + (size_t)max_entries * htab->entry_size);
	htab->buckets = htab->next + max_entries;
	memset(htab->buckets, 0xff, (size_t)htab->bucket_count * sizeof(uint32_t));
	for (uint32_t i = 0; i < max_entries; i++)
		htab->next[i] = i + 1 < max_entries ? i + 1 : RK_HTAB_NIL;
	htab->free_head = 0;
	htab->count = 0;
	if (lru) {
		htab->lru_links = (struct rk_lru_link *)(htab->buckets + htab->bucket_count);
		htab->lru_links[max_entries].prev = max_entries;
		htab->lru_links[max_entries].next = max_entries;
	}
}

void *rk_htab_find(struct rk_htab *htab, const void *key)
{
	uint32_t bucket;
	uint32_t index = htab_lookup(htab, key, &bucket);

	if (index == RK_HTAB_NIL)
		return NULL;
	if (htab->lru)
		lru_touch(htab, index);
	return entry_value(htab, index);
}

void *rk_htab_find_or_insert(struct rk_htab *htab, const void *key, bool *inserted)
{
	uint32_t bucket;
	uint32_t index = htab_lookup(htab, key, &bucket);

	*inserted = index == RK_HTAB_NIL;
	if (index == RK_HTAB_NIL)
		index = htab_insert(htab, key, bucket);
	else if (htab->lru)
		lru_touch(htab, index);
	return index == RK_HTAB_NIL ? NULL : entry_value(htab, index);
}

/* ------------------------------------------------------------------ */
/* The map operations                                                  */
/* ------------------------------------------------------------------ */

static struct rk_htab *to_htab(struct rk_map *map)
{
	return (struct rk_htab *)map;
}

static int hash_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	return rk_htab_storage_size(def, def->value_size, false, size_out);
}

static int lru_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	return rk_htab_storage_size(def, def->value_size, true, size_out);
}

static void hash_init(struct rk_map *map, void *storage)
{
	rk_htab_init(to_htab(map), storage, map->def.value_size, false);
}

static void lru_init(struct rk_map *map, void *storage)
{
	rk_htab_init(to_htab(map), storage, map->def.value_size, true);
}

static void *hash_lookup(struct rk_map *map, const void *key)
{
	return rk_htab_find(to_htab(map), key);
}

static int hash_update(struct rk_map *map, const void *key, const void *value, uint64_t flags)
{
	struct rk_htab *htab = to_htab(map);

	if (flags > RK_MAP_EXIST)
		return -EINVAL;
	uint32_t bucket;
	uint32_t index = htab_lookup(htab, key, &bucket);
	if (index != RK_HTAB_NIL) {
		if (flags == RK_MAP_NOEXIST)
			return -EEXIST;
		if (htab->lru)
			lru_touch(htab, index);
	} else {
		if (flags == RK_MAP_EXIST)
			return -ENOENT;
		index = htab_insert(htab, key, bucket);
		if (index == RK_HTAB_NIL)
			return -E2BIG;
	}
	/* value may be another entry's value, even the one just evicted. */
	rk_map_copy_value(entry_value(htab, index), value, map->def.value_size);
	return 0;
}

static int hash_delete(struct rk_map *map, const void *key)
{
	struct rk_htab *htab = to_htab(map);
	uint32_t bucket = htab_bucket(htab, key);
	uint32_t *link = &htab->buckets[bucket];

	while (*link != RK_HTAB_NIL && !key_equal(entry_key(htab, *link), key, htab->key_size))
		link = &htab->next[*link];
	uint32_t index = *link;
	if (index == RK_HTAB_NIL)
		return -ENOENT;
	*link = htab->next[index];
	if (htab->lru)
		lru_unlink(htab, index);
	htab->next[index] = htab->free_head;
	htab->free_head = index;
	htab->count--;
	return 0;
}

/*
 * Bucket order, chain order within a bucket.  As in the kernel, a key that
 * is not in the map (deleted while iterating) restarts from the first key.
 */
static int hash_next_key(struct rk_map *map, const void *key, void *next_key)
{
	struct rk_htab *htab = to_htab(map);
	uint32_t bucket = 0;

	if (key) {
		uint32_t key_bucket;
		uint32_t index = htab_lookup(htab, key, &key_bucket);
		if (index != RK_HTAB_NIL) {
			if (htab->next[index] != RK_HTAB_NIL) {
				memcpy(next_key, entry_key(htab, htab->next[index]), htab->key_size);
				return 0;
			}
			bucket = key_bucket + 1;
		}
	}
	for (; bucket < htab->bucket_count; bucket++) {
		if (htab->buckets[bucket] != RK_HTAB_NIL) {
			memcpy(next_key, entry_key(htab, htab->buckets[bucket]), htab->key_size);
			return 0;
		}
	}
	return -ENOENT;
}

void rk_htab_data_region(const struct rk_map *map, uintptr_t *start, uint64_t *len)
{
	const struct rk_htab *htab = (const struct rk_htab *)map;

	*start = (uintptr_t)htab->entries;
	*len = (uint64_t)htab->max_entries * htab->entry_size;
}

const struct rk_map_ops rk_hash_ops = {
	.struct_size = sizeof(struct rk_htab),
	.storage_size = hash_storage_size,
	.init = hash_init,
	.lookup = hash_lookup,
	.update = hash_update,
	.delete_elem = hash_delete,
	.next_key = hash_next_key,
	.data_region = rk_htab_data_region,
};

const struct rk_map_ops rk_lru_hash_ops = {
	.struct_size = sizeof(struct rk_htab),
	.storage_size = lru_storage_size,
	.init = lru_init,
	.lookup = hash_lookup,
	.update = hash_update,
	.delete_elem = hash_delete,
	.next_key = hash_next_key,
	.data_region = rk_htab_data_region,
};

/* The time-series map reuses delete and next_key as they are. */
int rk_htab_delete(struct rk_map *map, const void *key)
{
	return hash_delete(map, key);
}

int rk_htab_next_key(struct rk_map *map, const void *key, void *next_key)
{
	return hash_next_key(map, key, next_key);
}
