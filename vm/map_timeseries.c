/*
 * map_timeseries.c - rkBPF's time-series map: per key, a ring of the last
 * ts_capacity (timestamp_ns, int64 value) samples, and window statistics
 * (count, min, max, mean) over them, for programs that watch a signal
 * ("motor current over the last 50 ms") without keeping state themselves.
 *
 * It is a hash map (map_hash.c's engine, without LRU) whose stored value
 * is the ring; def->value_size (8) is what a program sees: rk_map_lookup()
 * returns the latest sample's int64 value, or NULL.  max_entries counts
 * keys; a push for a new key into a full map is -E2BIG.  Samples are kept
 * in push order; a full ring drops its oldest sample.  The window
 * statistics look at every sample and do not rely on timestamps being in
 * order.  rk_map_update() is refused (-EINVAL): a sample needs a
 * timestamp, so it goes through rk_timeseries_push().
 */
#include <errno.h>
#include <string.h>

#include "map_internal.h"

struct ts_sample {
	uint64_t timestamp_ns;
	int64_t value;
};

/* The stored value of a key. */
struct ts_ring {
	uint32_t head;               /* the slot the next sample goes to */
	uint32_t count;              /* samples held, <= capacity */
	struct ts_sample samples[];  /* capacity slots */
};

struct rk_timeseries {
	struct rk_htab htab;
	uint32_t capacity;
};

static struct rk_timeseries *to_timeseries(struct rk_map *map)
{
	return map && map->def.type == RK_MAP_TIMESERIES ? (struct rk_timeseries *)map : NULL;
}

static uint32_t ts_capacity(const struct rk_map_def *def)
{
	return def->ts_capacity ? def->ts_capacity : RK_TS_DEFAULT_CAPACITY;
}

static uint32_t ring_size(uint32_t capacity)
{
	/* capacity <= RK_TS_CAPACITY_MAX, so this fits easily. */
	return (uint32_t)(sizeof(struct ts_ring) + (size_t)capacity * sizeof(struct ts_sample));
}

/*
 * head and count, kept in range: the ring sits right before the value a
 * lookup hands out, so an unverified program could have overwritten them.
 */
static uint32_t ring_head(const struct ts_ring *ring, uint32_t capacity)
{
	return ring->head < capacity ? ring->head : 0;
}

static uint32_t ring_count(const struct ts_ring *ring, uint32_t capacity)
{
	return ring->count < capacity ? ring->count : capacity;
}

int rk_timeseries_push(struct rk_map *map, const void *key, uint64_t timestamp_ns, int64_t value)
{
	struct rk_timeseries *ts = to_timeseries(map);
	bool inserted;

	if (!ts)
		return -EINVAL;
	struct ts_ring *ring = rk_htab_find_or_insert(&ts->htab, key, &inserted);
	if (!ring)
		return -E2BIG;
	if (inserted) {
		ring->head = 0;
		ring->count = 0;
	}
	uint32_t head = ring_head(ring, ts->capacity);
	ring->samples[head] = (struct ts_sample){timestamp_ns, value};
	ring->head = head + 1 == ts->capacity ? 0 : head + 1;
	uint32_t filled = ring_count(ring, ts->capacity);
	ring->count = filled < ts->capacity ? filled + 1 : filled;
	return 0;
}

static bool in_window(uint64_t timestamp_ns, uint64_t now_ns, uint64_t window_ns)
{
	/* now - window < ts <= now, written so that nothing wraps. */
	return timestamp_ns <= now_ns && now_ns - timestamp_ns < window_ns;
}

int rk_timeseries_window(struct rk_map *map, const void *key, uint64_t now_ns,
                         uint64_t window_ns, struct rk_ts_window *out)
{
	struct rk_timeseries *ts = to_timeseries(map);

	memset(out, 0, sizeof(*out));
	if (!ts)
		return -EINVAL;
	const struct ts_ring *ring = rk_htab_find(&ts->htab, key);
	if (!ring)
		return -ENOENT;

	/* Samples 0..filled-1 are the filled slots, wrapped or not. */
	uint32_t filled = ring_count(ring, ts->capacity);
	uint64_t count = 0;
	for (uint32_t i = 0; i < filled; i++) {
		const struct ts_sample *s = &ring->samples[i];
		if (!in_window(s->timestamp_ns, now_ns, window_ns))
			continue;
		if (count == 0 || s->value < out->min)
			out->min = s->value;
		if (count == 0 || s->value > out->max)
			out->max = s->value;
		count++;
	}
	out->count = count;
	if (count == 0)
		return 0;

	/*
	 * The mean without a wider type: sum v / n and v % n separately.  Each
	 * |v / n| <= |v| / n, so the quotients' sum stays within int64; each
	 * |v % n| < n <= RK_TS_CAPACITY_MAX, so the remainders' sum does too.
	 */
	int64_t n = (int64_t)count, quotients = 0, remainders = 0;
	for (uint32_t i = 0; i < filled; i++) {
		const struct ts_sample *s = &ring->samples[i];
		if (!in_window(s->timestamp_ns, now_ns, window_ns))
			continue;
		quotients += s->value / n;
		remainders += s->value % n;
	}
	/* mean = mean_q + rest / n exactly, with |rest| < n; round toward zero. */
	int64_t mean_q = quotients + remainders / n, rest = remainders % n;
	if (mean_q > 0 && rest < 0)
		mean_q--;
	else if (mean_q < 0 && rest > 0)
		mean_q++;
	out->mean = mean_q;
	return 0;
}

static int ts_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	return rk_htab_storage_size(def, ring_size(ts_capacity(def)), false, size_out);
}

static void ts_init(struct rk_map *map, void *storage)
{
	struct rk_timeseries *ts = (struct rk_timeseries *)map;

	ts->capacity = ts_capacity(&map->def);
	rk_htab_init(&ts->htab, storage, ring_size(ts->capacity), false);
}

/* The latest sample's value. */
static void *ts_lookup(struct rk_map *map, const void *key)
{
	struct rk_timeseries *ts = (struct rk_timeseries *)map;
	struct ts_ring *ring = rk_htab_find(&ts->htab, key);

	if (!ring || ring->count == 0)
		return NULL;
	uint32_t head = ring_head(ring, ts->capacity);
	uint32_t latest = head ? head - 1 : ts->capacity - 1;
	return &ring->samples[latest].value;
}

static int ts_update(struct rk_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map, (void)key, (void)value, (void)flags;
	return -EINVAL;
}

const struct rk_map_ops rk_timeseries_ops = {
	.struct_size = sizeof(struct rk_timeseries),
	.storage_size = ts_storage_size,
	.init = ts_init,
	.lookup = ts_lookup,
	.update = ts_update,
	.delete_elem = rk_htab_delete,
	.next_key = rk_htab_next_key,
	.data_region = rk_htab_data_region,
};
