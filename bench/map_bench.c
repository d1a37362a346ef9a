/*
 * map_bench.c - rk-map-bench: what a map operation costs and what a map
 * weighs, for 8-byte keys and values.
 *
 *   rk-map-bench [--repeat N]
 *
 * Rows: the hash, LRU hash and array maps at 1,000 and 100,000 entries;
 * lookup (hit, miss), update of an existing key, and insert + delete of a
 * new key.  Every row is timed against a baseline compiled into this
 * binary with the same flags and called the same way (an out-of-line
 * call): an open-addressing hash table (linear probing, load <= 1/2,
 * backward-shift deletion) for the hash maps, a bounds-checked C array for
 * the array map.  Then bytes per 1,000 entries, from rk_map_mem_bytes().
 *
 * What must stay true (as in bench.c): every timed batch computes a
 * checksum that is compared with the expected one, so a benchmark that
 * stops doing the work fails instead of getting faster; the rkBPF and the
 * baseline batches of a row alternate within each repeat and a row reports
 * medians, so a noisy neighbour hits both columns alike.  Compare ratios.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "rkbpf.h"

#define DEFAULT_REPEATS 21
#define OPS_PER_BATCH 200000u    /* a batch is at least this many operations */
#define PROPOSAL_BYTES_PER_1000 12000.0
#define KERNEL_BYTES_PER_1000 64000.0

static const uint32_t sizes[] = {1000, 100000};
#define SIZE_COUNT (sizeof(sizes) / sizeof(sizes[0]))

/* ------------------------------------------------------------------ */
/* The baseline: open addressing, linear probing                      */
/* ------------------------------------------------------------------ */

struct oa_slot {
	uint64_t key;
	uint64_t value;
};

struct oa_table {
	struct oa_slot *slots;
	uint8_t *used;
	uint64_t mask;       /* capacity - 1; capacity is a power of 2 >= 2 x entries */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static int oa_init(struct oa_table *t, uint32_t entries)
{
	uint64_t capacity = 1;
	while (capacity < 2 * (uint64_t)entries)
		capacity *= 2;
	t->slots = calloc(capacity, sizeof(*t->slots));
	t->used = calloc(capacity, 1);
	t->mask = capacity - 1;
	return t->slots && t->used ? 0 : -ENOMEM;
}

static void oa_fini(struct oa_table *t)
{
	free(t->slots);
	free(t->used);
}

static size_t oa_bytes(const struct oa_table *t)
{
	return (t->mask + 1) * (sizeof(struct oa_slot) + 1);
}

__attribute__((noinline)) static uint64_t *oa_lookup(struct oa_table *t, uint64_t key)
{
	for (uint64_t i = mix64(key) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->used[i])
			return NULL;
		if (t->slots[i].key == key)
			return &t->slots[i].value;
	}
}

/* The table never fills: capacity is twice the entries. */
__attribute__((noinline)) static int oa_update(struct oa_table *t, uint64_t key, uint64_t value,
                                               uint64_t flags)
{
	uint64_t i = mix64(key) & t->mask;
	for (; t->used[i]; i = (i + 1) & t->mask) {
		if (t->slots[i].key == key) {
			if (flags == RK_MAP_NOEXIST)
				return -EEXIST;
			t->slots[i].value = value;
			return 0;
		}
	}
	if (flags == RK_MAP_EXIST)
		return -ENOENT;
	t->used[i] = 1;
	t->slots[i] = (struct oa_slot){key, value};
	return 0;
}

__attribute__((noinline)) static int oa_delete(struct oa_table *t, uint64_t key)
{
	uint64_t i = mix64(key) & t->mask;
	for (; t->used[i] && t->slots[i].key != key; i = (i + 1) & t->mask)
		;
	if (!t->used[i])
		return -ENOENT;
	/* Backward shift: pull later members of the cluster into the hole. */
	for (uint64_t j = (i + 1) & t->mask; t->used[j]; j = (j + 1) & t->mask) {
		uint64_t home = mix64(t->slots[j].key) & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->used[i] = 0;
	return 0;
}

struct plain_array {
	uint64_t *values;
	uint32_t entries;
};

__attribute__((noinline)) static uint64_t *plain_lookup(struct plain_array *a, uint32_t index)
{
	return index < a->entries ? &a->values[index] : NULL;
}

__attribute__((noinline)) static int plain_update(struct plain_array *a, uint32_t index,
                                                  uint64_t value)
{
	if (index >= a->entries)
		return -E2BIG;
	a->values[index] = value;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */
/* ------------------------------------------------------------------ */

static uint64_t rng_state = 0x726b425046u;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	return mix64(z);
}

/* Everything the rows of one size work on. */
struct fixture {
	uint32_t entries;
	uint64_t *keys;         /* in the maps, in random order */
	uint64_t *values;       /* values[i] belongs to keys[i] */
	uint64_t *absent;       /* never in the maps (except during insert + delete) */
	uint32_t *index_hit;    /* random indexes < entries */
	uint32_t *index_miss;   /* indexes >= entries */
	struct rk_map *hash;    /* entries + 1 slots: room for insert + delete */
	struct rk_map *lru;
	struct rk_map *array;
	struct oa_table oa;
	struct plain_array plain;
	uint64_t value_sum;     /* of values[] */
	uint64_t index_sum;     /* of values at index_hit[] */
};

static struct rk_map *make_map(uint32_t type, uint32_t key_size, uint32_t entries)
{
	struct rk_map_def def;
	char err[RK_ERR_LEN];
	struct rk_map *map = NULL;

	memset(&def, 0, sizeof(def));
	snprintf(def.name, sizeof(def.name), "bench");
	def.type = type;
	def.key_size = key_size;
	def.value_size = 8;
	def.max_entries = entries;
	if (rk_map_new(&def, NULL, &map, err, sizeof(err)) < 0) {
		fprintf(stderr, "rk-map-bench: %s\n", err);
		return NULL;
	}
	return map;
}

static int fixture_init(struct fixture *f, uint32_t entries)
{
	memset(f, 0, sizeof(*f));
	f->entries = entries;
	f->keys = calloc(entries, sizeof(uint64_t));
	f->values = calloc(entries, sizeof(uint64_t));
	f->absent = calloc(entries, sizeof(uint64_t));
	f->index_hit = calloc(entries, sizeof(uint32_t));
	f->index_miss = calloc(entries, sizeof(uint32_t));
	f->plain.values = calloc(entries, sizeof(uint64_t));
	f->plain.entries = entries;
	f->hash = make_map(RK_MAP_HASH, 8, entries + 1);
	f->lru = make_map(RK_MAP_LRU_HASH, 8, entries);
	f->array = make_map(RK_MAP_ARRAY, 4, entries);
	if (!f->keys || !f->values || !f->absent || !f->index_hit || !f->index_miss ||
	    !f->plain.values || !f->hash || !f->lru || !f->array || oa_init(&f->oa, entries + 1))
		return -1;

	/* Odd keys are present, even keys absent: the two sets never meet. */
	for (uint32_t i = 0; i < entries; i++) {
		uint64_t key;
		do
			key = rng_next() | 1;
		while (rk_map_lookup(f->hash, &key));
		f->keys[i] = key;
		f->values[i] = rng_next();
		f->absent[i] = rng_next() & ~(uint64_t)1;
		f->value_sum += f->values[i];
		if (rk_map_update(f->hash, &key, &f->values[i], RK_MAP_NOEXIST) < 0 ||
		    rk_map_update(f->lru, &key, &f->values[i], RK_MAP_NOEXIST) < 0 ||
		    oa_update(&f->oa, key, f->values[i], RK_MAP_NOEXIST) < 0) {
			fprintf(stderr, "rk-map-bench: filling the maps failed\n");
			return -1;
		}
		uint32_t index = i;
		uint64_t value = f->values[i];
		rk_map_update(f->array, &index, &value, RK_MAP_ANY);
		f->plain.values[i] = value;
	}
	for (uint32_t i = 0; i < entries; i++) {
		f->index_hit[i] = (uint32_t)(rng_next() % entries);
		f->index_miss[i] = entries + (uint32_t)(rng_next() % 1000);
		f->index_sum += f->values[f->index_hit[i]];
	}
	return 0;
}

static void fixture_fini(struct fixture *f)
{
	rk_map_free(f->hash);
	rk_map_free(f->lru);
	rk_map_free(f->array);
	oa_fini(&f->oa);
	free(f->keys);
	free(f->values);
	free(f->absent);
	free(f->index_hit);
	free(f->index_miss);
	free(f->plain.values);
}

/* ------------------------------------------------------------------ */
/* Operations: one pass over the fixture, returning a checksum         */
/* ------------------------------------------------------------------ */

typedef uint64_t (*pass_fn)(struct fixture *f);

static uint64_t rk_hash_lookup_hit(struct fixture *f)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint64_t *value = rk_map_lookup(f->hash, &f->keys[i]);
		sum += value ? *value : 1;
	}
	return sum;
}

static uint64_t rk_lru_lookup_hit(struct fixture *f)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint64_t *value = rk_map_lookup(f->lru, &f->keys[i]);
		sum += value ? *value : 1;
	}
	return sum;
}

static uint64_t oa_lookup_hit(struct fixture *f)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint64_t *value = oa_lookup(&f->oa, f->keys[i]);
		sum += value ? *value : 1;
	}
	return sum;
}

static uint64_t rk_hash_lookup_miss(struct fixture *f)
{
	uint64_t missed = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		missed += rk_map_lookup(f->hash, &f->absent[i]) == NULL;
	return missed;
}

static uint64_t oa_lookup_miss(struct fixture *f)
{
	uint64_t missed = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		missed += oa_lookup(&f->oa, f->absent[i]) == NULL;
	return missed;
}

static uint64_t rk_hash_update_hit(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		ok += rk_map_update(f->hash, &f->keys[i], &f->values[i], RK_MAP_ANY) == 0;
	return ok;
}

static uint64_t rk_lru_update_hit(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		ok += rk_map_update(f->lru, &f->keys[i], &f->values[i], RK_MAP_ANY) == 0;
	return ok;
}

static uint64_t oa_update_hit(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		ok += oa_update(&f->oa, f->keys[i], f->values[i], RK_MAP_ANY) == 0;
	return ok;
}

static uint64_t rk_hash_insert_delete(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		ok += rk_map_update(f->hash, &f->absent[i], &f->values[i], RK_MAP_NOEXIST) == 0;
		ok += rk_map_delete(f->hash, &f->absent[i]) == 0;
	}
	return ok;
}

static uint64_t oa_insert_delete(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		ok += oa_update(&f->oa, f->absent[i], f->values[i], RK_MAP_NOEXIST) == 0;
		ok += oa_delete(&f->oa, f->absent[i]) == 0;
	}
	return ok;
}

static uint64_t rk_array_lookup_hit(struct fixture *f)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint64_t *value = rk_map_lookup(f->array, &f->index_hit[i]);
		sum += value ? *value : 1;
	}
	return sum;
}

static uint64_t plain_lookup_hit(struct fixture *f)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint64_t *value = plain_lookup(&f->plain, f->index_hit[i]);
		sum += value ? *value : 1;
	}
	return sum;
}

static uint64_t rk_array_lookup_miss(struct fixture *f)
{
	uint64_t missed = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		missed += rk_map_lookup(f->array, &f->index_miss[i]) == NULL;
	return missed;
}

static uint64_t plain_lookup_miss(struct fixture *f)
{
	uint64_t missed = 0;
	for (uint32_t i = 0; i < f->entries; i++)
		missed += plain_lookup(&f->plain, f->index_miss[i]) == NULL;
	return missed;
}

static uint64_t rk_array_update_hit(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint32_t index = f->index_hit[i];
		ok += rk_map_update(f->array, &index, &f->values[index], RK_MAP_ANY) == 0;
	}
	return ok;
}

static uint64_t plain_update_hit(struct fixture *f)
{
	uint64_t ok = 0;
	for (uint32_t i = 0; i < f->entries; i++) {
		uint32_t index = f->index_hit[i];
		ok += plain_update(&f->plain, index, f->values[index]) == 0;
	}
	return ok;
}

enum expect { EXPECT_VALUE_SUM, EXPECT_INDEX_SUM, EXPECT_ENTRIES, EXPECT_TWICE_ENTRIES };

struct row {
	const char *map;
	const char *op;
	pass_fn rk;
	pass_fn baseline;
	enum expect expect;
};

static const struct row rows[] = {
	{"hash", "lookup hit", rk_hash_lookup_hit, oa_lookup_hit, EXPECT_VALUE_SUM},
	{"hash", "lookup miss", rk_hash_lookup_miss, oa_lookup_miss, EXPECT_ENTRIES},
	{"hash", "update hit", rk_hash_update_hit, oa_update_hit, EXPECT_ENTRIES},
	{"hash", "insert+delete", rk_hash_insert_delete, oa_insert_delete, EXPECT_TWICE_ENTRIES},
	{"lru_hash", "lookup hit", rk_lru_lookup_hit, oa_lookup_hit, EXPECT_VALUE_SUM},
	{"lru_hash", "update hit", rk_lru_update_hit, oa_update_hit, EXPECT_ENTRIES},
	{"array", "lookup hit", rk_array_lookup_hit, plain_lookup_hit, EXPECT_INDEX_SUM},
	{"array", "lookup miss", rk_array_lookup_miss, plain_lookup_miss, EXPECT_ENTRIES},
	{"array", "update hit", rk_array_update_hit, plain_update_hit, EXPECT_ENTRIES},
};
#define ROW_COUNT (sizeof(rows) / sizeof(rows[0]))

static uint64_t expected_checksum(const struct fixture *f, enum expect expect)
{
	switch (expect) {
	case EXPECT_VALUE_SUM:
		return f->value_sum;
	case EXPECT_INDEX_SUM:
		return f->index_sum;
	case EXPECT_ENTRIES:
		return f->entries;
	case EXPECT_TWICE_ENTRIES:
		return 2 * (uint64_t)f->entries;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */
/* ------------------------------------------------------------------ */


/* ns per operation of passes passes of fn, or -1 when a checksum is wrong. */
static double time_passes(pass_fn fn, struct fixture *f, uint32_t passes, uint64_t expected,
                          const struct row *row, const char *who)
{
	uint64_t start = bench_now_ns();
	for (uint32_t p = 0; p < passes; p++) {
		uint64_t got = fn(f);
		if (got != expected) {
			fprintf(stderr,
			        "rk-map-bench: %s %s (%s, %" PRIu32 " entries): checksum %" PRIu64
			        ", expected %" PRIu64 "\n",
			        row->map, row->op, who, f->entries, got, expected);
			return -1;
		}
	}
	uint64_t elapsed = bench_now_ns() - start;
	return (double)elapsed / ((double)passes * f->entries);
}

struct result {
	double rk_ns;
	double baseline_ns;
};

#define CASE_COUNT (SIZE_COUNT * ROW_COUNT)

/*
 * Every repeat times every row at every size, interleaved (as bench.c
 * does), so that a noisy stretch of a shared machine is spread over all
 * rows instead of landing on one; results[] gets the medians.
 */
static int run_all(struct fixture *fixtures, unsigned repeats, struct result *results)
{
	double *rk = calloc((size_t)CASE_COUNT * repeats, sizeof(double));
	double *base = calloc((size_t)CASE_COUNT * repeats, sizeof(double));
	int rc = -1;

	if (!rk || !base)
		goto out;
	/* One untimed pass each: caches warm, checksums checked. */
	for (size_t c = 0; c < CASE_COUNT; c++) {
		struct fixture *f = &fixtures[c / ROW_COUNT];
		const struct row *row = &rows[c % ROW_COUNT];
		uint64_t expected = expected_checksum(f, row->expect);
		if (time_passes(row->rk, f, 1, expected, row, "rkBPF") < 0 ||
		    time_passes(row->baseline, f, 1, expected, row, "baseline") < 0)
			goto out;
	}
	for (unsigned r = 0; r < repeats; r++) {
		for (size_t c = 0; c < CASE_COUNT; c++) {
			struct fixture *f = &fixtures[c / ROW_COUNT];
			const struct row *row = &rows[c % ROW_COUNT];
			uint32_t passes = (OPS_PER_BATCH + f->entries - 1) / f->entries;
			uint64_t expected = expected_checksum(f, row->expect);
			double *rk_sample = &rk[c * repeats + r], *base_sample = &base[c * repeats + r];
			*rk_sample = time_passes(row->rk, f, passes, expected, row, "rkBPF");
			*base_sample = time_passes(row->baseline, f, passes, expected, row, "baseline");
			if (*rk_sample < 0 || *base_sample < 0)
				goto out;
		}
	}
	for (size_t c = 0; c < CASE_COUNT; c++) {
		results[c].rk_ns = bench_median(&rk[c * repeats], repeats);
		results[c].baseline_ns = bench_median(&base[c * repeats], repeats);
	}
	rc = 0;
out:
	free(rk);
	free(base);
	return rc;
}

/* Bytes per 1,000 entries of a map of exactly entries entries. */
static double bytes_per_1000(uint32_t type, uint32_t key_size, uint32_t entries)
{
	struct rk_map *map = make_map(type, key_size, entries);
	if (!map)
		return -1;
	double bytes = (double)rk_map_mem_bytes(map) / entries * 1000;
	rk_map_free(map);
	return bytes;
}

int main(int argc, char **argv)
{
	unsigned repeats = DEFAULT_REPEATS;
	static struct fixture fixtures[SIZE_COUNT];
	static struct result results[CASE_COUNT];
	char cpu[256];
	int status = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			long value = strtol(argv[++i], NULL, 10);
			if (value < 1 || value > 10000) {
				fprintf(stderr, "rk-map-bench: --repeat wants 1..10000\n");
				return 2;
			}
			repeats = (unsigned)value;
		} else {
			fprintf(stderr, "usage: rk-map-bench [--repeat N]\n");
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 2 : 0;
		}
	}

	for (size_t s = 0; s < SIZE_COUNT; s++)
		if (fixture_init(&fixtures[s], sizes[s]) < 0)
			goto out;
	if (run_all(fixtures, repeats, results) < 0)
		goto out;

	bench_cpu_model(cpu, sizeof(cpu));
	printf("\nrk-map-bench: 8-byte keys and values, keys in random order, median of %u "
	       "repeats of >= %u-operation batches\ncpu: %s\n",
	       repeats, OPS_PER_BATCH, cpu);
	printf("baseline = compiled in, same flags, out-of-line calls: open addressing (linear "
	       "probing,\nload <= 1/2) for the hash maps, a bounds-checked C array for the array "
	       "map\n\n");
	printf("%-9s %8s %-14s %12s %15s %15s\n", "map", "entries", "operation", "rkBPF ns/op",
	       "baseline ns/op", "rkBPF/baseline");
	for (size_t r = 0; r < ROW_COUNT; r++) {
		for (size_t s = 0; s < SIZE_COUNT; s++) {
			const struct result *res = &results[s * ROW_COUNT + r];
			printf("%-9s %8" PRIu32 " %-14s %12.1f %15.1f %14.2fx\n", rows[r].map, sizes[s],
			       rows[r].op, res->rk_ns, res->baseline_ns, res->rk_ns / res->baseline_ns);
		}
	}

	printf("\nmemory, bytes per 1,000 entries (8-byte keys and values; rk_map_mem_bytes):\n");
	struct {
		const char *name;
		uint32_t type;
		uint32_t key_size;
	} mem_rows[] = {
		{"hash", RK_MAP_HASH, 8},
		{"lru_hash", RK_MAP_LRU_HASH, 8},
		{"array", RK_MAP_ARRAY, 4},
	};
	printf("%-28s", "");
	for (size_t s = 0; s < SIZE_COUNT; s++)
		printf(" %10" PRIu32 " entries", sizes[s]);
	printf("\n");
	for (size_t m = 0; m < sizeof(mem_rows) / sizeof(mem_rows[0]); m++) {
		printf("%-28s", mem_rows[m].name);
		for (size_t s = 0; s < SIZE_COUNT; s++) {
			double bytes = bytes_per_1000(mem_rows[m].type, mem_rows[m].key_size, sizes[s]);
			if (bytes < 0)
				goto out;
			printf(" %18.0f", bytes);
		}
		printf("\n");
	}
	printf("%-28s", "baseline (open addressing)");
	for (size_t s = 0; s < SIZE_COUNT; s++)
		printf(" %18.0f", (double)oa_bytes(&fixtures[s].oa) / (fixtures[s].entries + 1) * 1000);
	printf("\n");
	double hash_bytes = bytes_per_1000(RK_MAP_HASH, 8, 1000);
	printf("reference: rkBPF proposal ~%.0f (rkBPF hash: %.2fx; the keys and values alone are "
	       "16000),\n           kernel BPF_MAP_TYPE_HASH ~%.0f (rkBPF hash: %.2fx)\n",
	       PROPOSAL_BYTES_PER_1000, hash_bytes / PROPOSAL_BYTES_PER_1000,
	       KERNEL_BYTES_PER_1000, hash_bytes / KERNEL_BYTES_PER_1000);
	status = 0;
out:
	for (size_t s = 0; s < SIZE_COUNT; s++)
		fixture_fini(&fixtures[s]);
	return status;
}
