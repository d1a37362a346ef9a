/*
 * map_internal.h - what the map files of vm/ share: struct rk_map, the
 * ops table each map type fills in, and the hash table engine that the
 * hash, LRU hash and time-series maps are built on.  Private to vm/.
 *
 * The one thing to know: a map is ONE budget allocation.  rk_map_new()
 * (map.c) asks the type for the size of its struct and of its storage,
 * charges both to the budget in a single rk_budget_alloc() (so an
 * over-budget message gives the map's whole size), and the type lays its
 * arrays out inside that block.  Nothing is allocated after creation:
 * lookup, update, delete, reserve and push only move indices around.
 *
 * Threading: one loop thread runs every program and every host call on a
 * map (ARCHITECTURE.md), so no map takes a lock.  The per-CPU types are
 * plain maps for the same reason: there is one "CPU".
 */
#ifndef RK_MAP_INTERNAL_H
#define RK_MAP_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vm_internal.h"

/* Map creation flags (BPF_F_*), with the kernel's values. */
#define RK_F_NO_PREALLOC    (1u << 0)   /* hash: accepted, ignored (always preallocated) */
#define RK_F_NO_COMMON_LRU  (1u << 1)   /* LRU: accepted, ignored (one list) */
#define RK_F_NUMA_NODE      (1u << 2)   /* accepted, ignored */
#define RK_F_RDONLY         (1u << 3)   /* host-side access: recorded, not enforced here */
#define RK_F_WRONLY         (1u << 4)
#define RK_F_ZERO_SEED      (1u << 6)   /* hash: the seed is fixed anyway */
#define RK_F_RDONLY_PROG    (1u << 7)   /* program-side access: the verifier's business */
#define RK_F_WRONLY_PROG    (1u << 8)
#define RK_F_MMAPABLE       (1u << 10)  /* array (global data): accepted */
#define RK_F_PRESERVE_ELEMS (1u << 11)  /* perf event array: accepted */
#define RK_F_INNER_MAP      (1u << 12)  /* array: accepted */
#define RK_F_ACCESS_MASK (RK_F_RDONLY | RK_F_WRONLY | RK_F_RDONLY_PROG | RK_F_WRONLY_PROG)

/* bpf_ringbuf_* flags and record header bits (BPF_RB_*, BPF_RINGBUF_*). */
#define RK_RB_NO_WAKEUP    (1u << 0)
#define RK_RB_FORCE_WAKEUP (1u << 1)
#define RK_RB_AVAIL_DATA 0
#define RK_RB_RING_SIZE  1
#define RK_RB_CONS_POS   2
#define RK_RB_PROD_POS   3
#define RK_RINGBUF_BUSY_BIT    (1u << 31)
#define RK_RINGBUF_DISCARD_BIT (1u << 30)
#define RK_RINGBUF_HDR_SZ      8u
#define RK_RINGBUF_PAGE_SIZE   4096u    /* max_entries must be a multiple */

/* Limits on a definition (the kernel's where it has one). */
#define RK_MAP_KEY_SIZE_MAX   RK_STACK_SIZE   /* keys are built on the program's stack */
#define RK_MAP_VALUE_SIZE_MAX (4u << 20)      /* the kernel's KMALLOC_MAX_SIZE */
#define RK_TS_DEFAULT_CAPACITY 64u
#define RK_TS_CAPACITY_MAX     (1u << 20)     /* keeps the mean's remainder sum in range */

/* Map values are 8-byte aligned, so that programs can use atomics on them. */
#define RK_MAP_VALUE_ALIGN 8u

struct rk_map;

struct rk_map_ops {
	/* sizeof the type's struct; it begins with struct rk_map. */
	size_t struct_size;
	/*
	 * Bytes of storage def needs beyond the struct (the def is already
	 * validated).  -E2BIG when the size overflows a size_t.
	 */
	int (*storage_size)(const struct rk_map_def *def, size_t *size_out);
	/* Lay the storage out in storage_size zeroed, 16-byte aligned bytes. */
	void (*init)(struct rk_map *map, void *storage);
	/* The operations of rkbpf.h; see there for the return values. */
	void *(*lookup)(struct rk_map *map, const void *key);
	int (*update)(struct rk_map *map, const void *key, const void *value, uint64_t flags);
	int (*delete_elem)(struct rk_map *map, const void *key);
	int (*next_key)(struct rk_map *map, const void *key, void *next_key);
	/* The bytes programs reach through this map's pointers; NULL: none. */
	void (*data_region)(const struct rk_map *map, uintptr_t *start, uint64_t *len);
};

struct rk_map {
	struct rk_map_def def;
	const struct rk_map_ops *ops;
	struct rk_budget *budget;        /* may be NULL: uncharged */
	size_t mem_bytes;                /* the one allocation: struct + storage */
};

/* The ops of each type (one file each). */
extern const struct rk_map_ops rk_array_ops;
extern const struct rk_map_ops rk_hash_ops;
extern const struct rk_map_ops rk_lru_hash_ops;
extern const struct rk_map_ops rk_ringbuf_ops;
extern const struct rk_map_ops rk_prog_array_ops;
extern const struct rk_map_ops rk_perf_event_array_ops;
extern const struct rk_map_ops rk_timeseries_ops;

/*
 * For checked mode (rk_map_regions): the one range holding everything a
 * program can be handed a pointer into (array values, hash entries with
 * their keys, ring-buffer data), and whether programs may write it
 * (not with BPF_F_RDONLY_PROG).  false when the map has no such memory.
 */
bool rk_map_data_region(const struct rk_map *map, uintptr_t *start, uint64_t *len,
                        bool *writable);

/* The index an array-like map's 4-byte key holds. */
static inline uint32_t rk_map_read_index(const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	return index;
}

/*
 * next_key of the maps indexed 0..max_entries-1 (array, program array), in
 * the kernel's order: NULL or an index past the end gives 0 (map_array.c).
 */
int rk_map_index_next_key(struct rk_map *map, const void *key, void *next_key);

/* Round up to a multiple of RK_MAP_VALUE_ALIGN. */
static inline uint64_t rk_map_align(uint64_t size)
{
	return (size + RK_MAP_VALUE_ALIGN - 1) & ~(uint64_t)(RK_MAP_VALUE_ALIGN - 1);
}

/*
 * Copy a value into the map (memmove semantics: src may be a value of the
 * same map); 8 bytes, the common case, without a call.
 */
static inline void rk_map_copy_value(void *dst, const void *src, uint32_t size)
{
	if (size == 8) {
		uint64_t word;
		memcpy(&word, src, 8);
		memcpy(dst, &word, 8);
	} else {
		memmove(dst, src, size);
	}
}

/* size_out = count * elem_size, or -E2BIG when it does not fit a size_t. */
static inline int rk_map_mul_size(uint64_t count, uint64_t elem_size, size_t *size_out)
{
	uint64_t product;

	if (__builtin_mul_overflow(count, elem_size, &product) || product > SIZE_MAX)
		return -E2BIG;
	*size_out = (size_t)product;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The hash table engine (map_hash.c)                                  */
/* ------------------------------------------------------------------ */

/* "No entry": the end of a chain, of the free list, an empty bucket. */
#define RK_HTAB_NIL UINT32_MAX

/*
 * A fully preallocated chained hash table.  Entries live in one array and
 * are named by their index, so every link is a uint32_t:
 *
 *   entries   max_entries x entry_size: the value at offset 0 (8-byte
 *             aligned), the key right after it at value_stored_size
 *   next      max_entries links: the bucket chain of a used entry, the
 *             free list of an unused one
 *   buckets   bucket_count chain heads (bucket_count = max_entries; the
 *             bucket of a hash is picked by multiply-shift, not a mask)
 *   lru_links LRU only: max_entries + 1 (prev, next) pairs, a circular
 *             list whose head is the extra index max_entries; most
 *             recently used first.  Pairs, so that relinking an entry
 *             touches one cache line of it, not two
 *
 * For 8-byte keys and values that is 16 + 4 + 4 = 24 bytes an entry (32
 * with LRU).  An entry's value never moves while the key is in the map:
 * programs keep the pointer lookup gave them.
 */
struct rk_lru_link {
	uint32_t prev;
	uint32_t next;
};

struct rk_htab {
	struct rk_map map;
	uint8_t *entries;
	uint32_t *next;
	uint32_t *buckets;
	struct rk_lru_link *lru_links;
	uint32_t entry_size;
	uint32_t value_stored_size;   /* def.value_size, or the time-series ring */
	uint32_t key_size;
	uint32_t bucket_count;
	uint32_t max_entries;
	uint32_t free_head;
	uint32_t count;               /* used entries */
	bool lru;
};

/* Storage for max_entries entries holding value_stored_size-byte values. */
int rk_htab_storage_size(const struct rk_map_def *def, uint32_t value_stored_size, bool lru,
                         size_t *size_out);
void rk_htab_init(struct rk_htab *htab, void *storage, uint32_t value_stored_size, bool lru);
/* The value of key, or NULL; an LRU table marks it most recently used. */
void *rk_htab_find(struct rk_htab *htab, const void *key);
/*
 * The value of key, inserting the key when absent (*inserted = true; the
 * value bytes are then stale: the caller initialises them).  A full table
 * evicts its least recently used entry when LRU, else returns NULL.
 */
void *rk_htab_find_or_insert(struct rk_htab *htab, const void *key, bool *inserted);
/* The hash map's delete and next_key, for maps built on the engine. */
int rk_htab_delete(struct rk_map *map, const void *key);
int rk_htab_next_key(struct rk_map *map, const void *key, void *next_key);
void rk_htab_data_region(const struct rk_map *map, uintptr_t *start, uint64_t *len);

#endif /* RK_MAP_INTERNAL_H */
