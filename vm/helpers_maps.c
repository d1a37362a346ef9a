/*
 * helpers_maps.c - the helpers that work on maps: bpf_map_*_elem, the
 * bpf_ringbuf_* family, and rkBPF's time-series helpers.
 *
 * A map argument arrives as the struct rk_map * the loader resolved into
 * the program.  Each helper checks the map's type (one load) so that a
 * program the verifier has not seen cannot, say, look up a program array
 * and write a struct rk_prog pointer.
 *
 * The one thing to know before changing this file: bpf_ringbuf_submit and
 * bpf_ringbuf_discard get only the record, but rk_ringbuf_submit() wants
 * its map too.  reserve therefore remembers (record -> map, run) in a
 * small per-thread table, and submit/discard find the map there; a record
 * the table does not hold was not handed out by reserve in this run (or is
 * one of more than RINGBUF_PENDING_MAX records held at once), and stops the
 * run (rk_run_abort, r0 = -EINVAL) rather than reaching a map with a wild
 * pointer.
 */
#include <string.h>

#include "helpers_std.h"

/* Types whose "values" are not program data: no lookup, update or delete. */
static bool map_holds_data(const struct rk_map *map)
{
	switch (rk_map_def(map)->type) {
	case RK_MAP_PROG_ARRAY:
	case RK_MAP_PERF_EVENT_ARRAY:
	case RK_MAP_RINGBUF:
		return false;
	default:
		return true;
	}
}

static bool map_is(const struct rk_map *map, uint32_t type)
{
	return map && rk_map_def(map)->type == type;
}

RK_HELPER(rk_helper_map_lookup_elem)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	const void *key = RK_HELPER_PTR(r2);
	if (!map || !key || !map_holds_data(map))
		return 0;
	return (uintptr_t)rk_map_lookup(map, key);
}

RK_HELPER(rk_helper_map_update_elem)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	const void *key = RK_HELPER_PTR(r2);
	const void *value = RK_HELPER_PTR(r3);
	if (!map || !key || !value || !map_holds_data(map))
		return RK_HELPER_ERR(-EINVAL);
	return RK_HELPER_ERR(rk_map_update(map, key, value, r4));
}

RK_HELPER(rk_helper_map_delete_elem)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	const void *key = RK_HELPER_PTR(r2);
	if (!map || !key || !map_holds_data(map))
		return RK_HELPER_ERR(-EINVAL);
	return RK_HELPER_ERR(rk_map_delete(map, key));
}

/* ------------------------------------------------------------------ */
/* Ring buffer                                                        */
/* ------------------------------------------------------------------ */

/*
 * Records reserved and not yet submitted or discarded, with the map and
 * the run they belong to.  The verifier makes a program release every
 * record before it exits, so few are pending at once.  A run that stops
 * early leaves its records busy, which would stall the ring's consumer for
 * good: rk_helper_ringbuf_release_pending() discards them when the run
 * ends.  Entries it did not clear are overwritten when the ring hands out
 * the same address again, or evicted (round robin) when the table is full.
 * Per thread: the helpers take no lock.
 */
#define RINGBUF_PENDING_MAX 64

struct pending_record {
	void *record;                 /* NULL: a free slot */
	struct rk_map *map;
	const struct rk_run *run;
};

static _Thread_local struct {
	struct pending_record slots[RINGBUF_PENDING_MAX];
	unsigned used;                /* slots holding a record */
	unsigned evict_next;          /* the slot given up when all are taken */
} pending;

static void pending_add(void *record, struct rk_map *map, const struct rk_run *run)
{
	struct pending_record *slot = NULL;
	for (unsigned i = 0; i < RINGBUF_PENDING_MAX && !slot; i++)
		if (pending.slots[i].record == record) /* stale: the ring reused the space */
			slot = &pending.slots[i];
	for (unsigned i = 0; i < RINGBUF_PENDING_MAX && !slot; i++)
		if (!pending.slots[i].record) {
			slot = &pending.slots[i];
			pending.used++;
		}
	if (!slot) {
		slot = &pending.slots[pending.evict_next];
		pending.evict_next = (pending.evict_next + 1) % RINGBUF_PENDING_MAX;
	}
	*slot = (struct pending_record){.record = record, .map = map, .run = run};
}

/* The map record came from in this run (and forget it), or NULL. */
static struct rk_map *pending_take(void *record, const struct rk_run *run)
{
	if (!record)
		return NULL;
	for (unsigned i = 0; i < RINGBUF_PENDING_MAX; i++) {
		struct pending_record *slot = &pending.slots[i];
		if (slot->record == record && slot->run == run) {
			struct rk_map *map = slot->map;
			*slot = (struct pending_record){0};
			pending.used--;
			return map;
		}
	}
	return NULL;
}

void rk_helper_ringbuf_release_pending(const struct rk_run *run)
{
	if (__builtin_expect(pending.used == 0, 1))
		return;
	for (unsigned i = 0; i < RINGBUF_PENDING_MAX; i++) {
		struct pending_record *slot = &pending.slots[i];
		if (slot->record && slot->run == run) {
			rk_ringbuf_discard(slot->map, slot->record, 0);
			*slot = (struct pending_record){0};
			pending.used--;
		}
	}
}

RK_HELPER(rk_helper_ringbuf_output)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	const void *data = RK_HELPER_PTR(r2);
	if (!map_is(map, RK_MAP_RINGBUF) || (!data && r3))
		return RK_HELPER_ERR(-EINVAL);
	return RK_HELPER_ERR(rk_ringbuf_output(map, data, r3, r4));
}

RK_HELPER(rk_helper_ringbuf_reserve)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	if (!map_is(map, RK_MAP_RINGBUF))
		return 0;
	void *record = rk_ringbuf_reserve(map, r2, r3);
	if (record)
		pending_add(record, map, run);
	return (uintptr_t)record;
}

RK_HELPER(rk_helper_ringbuf_submit)
{
	void *record = RK_HELPER_PTR(r1);
	struct rk_map *map = pending_take(record, run);
	if (!map) {
		rk_run_abort(run, RK_HELPER_ERR(-EINVAL));
		return 0;
	}
	rk_ringbuf_submit(map, record, r2);
	return 0;
}

RK_HELPER(rk_helper_ringbuf_discard)
{
	void *record = RK_HELPER_PTR(r1);
	struct rk_map *map = pending_take(record, run);
	if (!map) {
		rk_run_abort(run, RK_HELPER_ERR(-EINVAL));
		return 0;
	}
	rk_ringbuf_discard(map, record, r2);
	return 0;
}

RK_HELPER(rk_helper_ringbuf_query)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	if (!map_is(map, RK_MAP_RINGBUF))
		return 0;
	return rk_ringbuf_query(map, r2);
}

/* ------------------------------------------------------------------ */
/* Time series (rkBPF)                                                */
/* ------------------------------------------------------------------ */

/* rk_timeseries_push(map, key, s64 value): stamped with CLOCK_MONOTONIC now. */
RK_HELPER(rk_helper_timeseries_push)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	const void *key = RK_HELPER_PTR(r2);
	if (!map_is(map, RK_MAP_TIMESERIES) || !key)
		return RK_HELPER_ERR(-EINVAL);
	return RK_HELPER_ERR(rk_timeseries_push(map, key, rk_helper_monotonic_ns(), (int64_t)r3));
}

/*
 * rk_timeseries_window(map, key, window_ns, out, out_size): the samples of
 * the last window_ns up to now.  out_size lets the verifier check the write
 * and lets struct rk_ts_window grow: the helper fills min(out_size, its
 * size) bytes and zeroes the rest.  out_size must be a non-zero multiple of
 * 8 (whole fields).  On failure out is zeroed.
 */
RK_HELPER(rk_helper_timeseries_window)
{
	struct rk_map *map = RK_HELPER_PTR(r1);
	const void *key = RK_HELPER_PTR(r2);
	uint8_t *out = RK_HELPER_PTR(r4);
	uint64_t out_size = r5;
	if (!out || out_size == 0)
		return RK_HELPER_ERR(-EINVAL);
	memset(out, 0, out_size);
	if (out_size % 8 || !map_is(map, RK_MAP_TIMESERIES) || !key)
		return RK_HELPER_ERR(-EINVAL);
	struct rk_ts_window window;
	memset(&window, 0, sizeof(window));
	int rc = rk_timeseries_window(map, key, rk_helper_monotonic_ns(), r3, &window);
	if (rc < 0)
		return RK_HELPER_ERR(rc);
	memcpy(out, &window, out_size < sizeof(window) ? out_size : sizeof(window));
	return RK_HELPER_ERR(rc);
}
