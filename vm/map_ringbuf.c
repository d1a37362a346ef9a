/*
 * map_ringbuf.c - the ring buffer map (BPF_MAP_TYPE_RINGBUF): programs
 * reserve, fill and submit (or discard) variable-length records; the host
 * consumes them in order.
 *
 * As in the kernel: max_entries is the data size (a power of 2, a
 * multiple of 4096); a record is an 8-byte header (u32 length with the
 * BUSY and DISCARD bits, u32 tag) followed by the data, 8-byte aligned;
 * reservations are handed out in order; a record becomes visible when it
 * is submitted; the consumer stops at the first record still busy, so a
 * record submitted out of order waits for the ones before it; discarded
 * records are skipped.  consumer_pos and producer_pos count bytes and only
 * grow; the offset of a position is pos & mask.
 *
 * One departure: the kernel maps the data area twice, back to back, so a
 * record may run past the end.  Here a record is always contiguous: one
 * that would cross the end is preceded by a discarded filler up to the end
 * (consumers skip it, but it counts in AVAIL_DATA and PROD_POS), and on an
 * empty ring both positions jump to the next lap instead, so an empty ring
 * takes any record the kernel's would.
 *
 * A full ring makes reserve return NULL and output -EAGAIN, and counts the
 * loss in dropped: never silent.  The wakeup flags mean nothing here (the
 * daemon drains rings after every batch) and are accepted and ignored.
 */
#include <errno.h>
#include <string.h>

#include "map_internal.h"

/* The kernel's bound: the length field keeps 30 bits. */
#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)
#define RINGBUF_LEN_MASK (~(RK_RINGBUF_BUSY_BIT | RK_RINGBUF_DISCARD_BIT))

struct rk_ringbuf {
	struct rk_map map;
	uint8_t *data;           /* max_entries bytes, 16-byte aligned */
	uint64_t mask;           /* max_entries - 1 */
	uint64_t consumer_pos;   /* first byte not consumed */
	uint64_t producer_pos;   /* first byte not reserved; producer_pos - consumer_pos <= mask */
	uint64_t dropped;
};

struct ringbuf_hdr {
	uint32_t len;            /* data bytes | BUSY | DISCARD */
	uint32_t tag;            /* (uint32_t)(pos >> 3): lets submit check a record pointer */
};

static struct rk_ringbuf *to_ringbuf(struct rk_map *map)
{
	return map && map->def.type == RK_MAP_RINGBUF ? (struct rk_ringbuf *)map : NULL;
}

static uint64_t record_len(uint64_t data_size)
{
	return rk_map_align(data_size + RK_RINGBUF_HDR_SZ);
}

static struct ringbuf_hdr *hdr_at(struct rk_ringbuf *rb, uint64_t pos)
{
	return (struct ringbuf_hdr *)(rb->data + (pos & rb->mask));
}

static void *ringbuf_reserve(struct rk_ringbuf *rb, uint64_t size)
{
	uint64_t ring_size = rb->mask + 1;

	if (size > RINGBUF_MAX_RECORD_SZ) {
		rb->dropped++;
		return NULL;
	}
	uint64_t len = record_len(size);
	uint64_t offset = rb->producer_pos & rb->mask;
	uint64_t filler = offset + len > ring_size ? ring_size - offset : 0;

	if (filler && rb->consumer_pos == rb->producer_pos) {
		/* Empty: as if the filler were written and consumed at once. */
		rb->producer_pos += filler;
		rb->consumer_pos = rb->producer_pos;
		filler = 0;
	}
	if (rb->producer_pos + filler + len - rb->consumer_pos > rb->mask) {
		rb->dropped++;
		return NULL;
	}
	if (filler) {
		struct ringbuf_hdr *pad = hdr_at(rb, rb->producer_pos);
		pad->len = (uint32_t)(filler - RK_RINGBUF_HDR_SZ) | RK_RINGBUF_DISCARD_BIT;
		pad->tag = (uint32_t)(rb->producer_pos >> 3);
		rb->producer_pos += filler;
	}
	struct ringbuf_hdr *hdr = hdr_at(rb, rb->producer_pos);
	hdr->len = (uint32_t)size | RK_RINGBUF_BUSY_BIT;
	hdr->tag = (uint32_t)(rb->producer_pos >> 3);
	rb->producer_pos += len;
	return hdr + 1;
}

/*
 * The header of record, if it is a record reserved and not yet committed;
 * else NULL (the verifier is what really guarantees this).
 */
static struct ringbuf_hdr *busy_hdr(struct rk_ringbuf *rb, void *record)
{
	uintptr_t addr = (uintptr_t)record, start = (uintptr_t)rb->data;

	if (addr < start + RK_RINGBUF_HDR_SZ)
		return NULL;
	uint64_t offset = addr - start - RK_RINGBUF_HDR_SZ;   /* of the header */
	if (offset > rb->mask || offset % RK_MAP_VALUE_ALIGN)
		return NULL;
	uint64_t pos = rb->consumer_pos + ((offset - rb->consumer_pos) & rb->mask);
	struct ringbuf_hdr *hdr = (struct ringbuf_hdr *)record - 1;
	if (pos >= rb->producer_pos || !(hdr->len & RK_RINGBUF_BUSY_BIT) ||
	    hdr->tag != (uint32_t)(pos >> 3))
		return NULL;
	return hdr;
}

static void ringbuf_commit(struct rk_ringbuf *rb, void *record, bool discard)
{
	struct ringbuf_hdr *hdr = busy_hdr(rb, record);

	if (hdr)
		hdr->len = (hdr->len & ~RK_RINGBUF_BUSY_BIT) | (discard ? RK_RINGBUF_DISCARD_BIT : 0);
}

void *rk_ringbuf_reserve(struct rk_map *map, uint64_t size, uint64_t flags)
{
	struct rk_ringbuf *rb = to_ringbuf(map);

	if (!rb || flags) /* the kernel takes no flags here */
		return NULL;
	return ringbuf_reserve(rb, size);
}

void rk_ringbuf_submit(struct rk_map *map, void *record, uint64_t flags)
{
	struct rk_ringbuf *rb = to_ringbuf(map);

	(void)flags; /* wakeup flags: nothing to wake */
	if (rb)
		ringbuf_commit(rb, record, false);
}

void rk_ringbuf_discard(struct rk_map *map, void *record, uint64_t flags)
{
	struct rk_ringbuf *rb = to_ringbuf(map);

	(void)flags;
	if (rb)
		ringbuf_commit(rb, record, true);
}

int rk_ringbuf_output(struct rk_map *map, const void *data, uint64_t size, uint64_t flags)
{
	struct rk_ringbuf *rb = to_ringbuf(map);

	if (!rb || flags & ~(uint64_t)(RK_RB_NO_WAKEUP | RK_RB_FORCE_WAKEUP))
		return -EINVAL;
	void *record = ringbuf_reserve(rb, size);
	if (!record)
		return -EAGAIN;
	if (size) /* data may be NULL for an empty record */
		memcpy(record, data, size);
	ringbuf_commit(rb, record, false);
	return 0;
}

uint64_t rk_ringbuf_query(struct rk_map *map, uint64_t flags)
{
	struct rk_ringbuf *rb = to_ringbuf(map);

	if (!rb)
		return 0;
	switch (flags) {
	case RK_RB_AVAIL_DATA:
		return rb->producer_pos - rb->consumer_pos;
	case RK_RB_RING_SIZE:
		return rb->mask + 1;
	case RK_RB_CONS_POS:
		return rb->consumer_pos;
	case RK_RB_PROD_POS:
		return rb->producer_pos;
	default:
		return 0;
	}
}

int rk_ringbuf_consume(struct rk_map *map, rk_ringbuf_fn fn, void *fn_ctx)
{
	struct rk_ringbuf *rb = to_ringbuf(map);
	int count = 0;

	if (!rb || !fn)
		return -EINVAL;
	while (rb->consumer_pos < rb->producer_pos) {
		struct ringbuf_hdr *hdr = hdr_at(rb, rb->consumer_pos);
		uint32_t len = hdr->len;
		if (len & RK_RINGBUF_BUSY_BIT)
			break;
		uint64_t size = len & RINGBUF_LEN_MASK;
		int stop = 0;
		if (!(len & RK_RINGBUF_DISCARD_BIT)) {
			count++;
			/* The space is freed after fn returns: the record stays valid meanwhile. */
			stop = fn(fn_ctx, hdr + 1, size);
		}
		rb->consumer_pos += record_len(size);
		if (stop)
			break;
	}
	return count;
}

uint64_t rk_ringbuf_dropped(const struct rk_map *map)
{
	if (!map || map->def.type != RK_MAP_RINGBUF)
		return 0;
	return ((const struct rk_ringbuf *)map)->dropped;
}

static int ringbuf_storage_size(const struct rk_map_def *def, size_t *size_out)
{
	*size_out = def->max_entries;
	return 0;
}

static void ringbuf_init(struct rk_map *map, void *storage)
{
	struct rk_ringbuf *rb = (struct rk_ringbuf *)map;

	rb->data = storage;
	rb->mask = (uint64_t)map->def.max_entries - 1;
}

/* Records are not keyed: the generic operations do not apply. */
static void *ringbuf_lookup(struct rk_map *map, const void *key)
{
	(void)map, (void)key;
	return NULL;
}

static int ringbuf_update(struct rk_map *map, const void *key, const void *value,
                          uint64_t flags)
{
	(void)map, (void)key, (void)value, (void)flags;
	return -EINVAL;
}

static int ringbuf_delete(struct rk_map *map, const void *key)
{
	(void)map, (void)key;
	return -EINVAL;
}

static int ringbuf_next_key(struct rk_map *map, const void *key, void *next_key)
{
	(void)map, (void)key, (void)next_key;
	return -EINVAL;
}

static void ringbuf_data_region(const struct rk_map *map, uintptr_t *start, uint64_t *len)
{
	const struct rk_ringbuf *rb = (const struct rk_ringbuf *)map;

	*start = (uintptr_t)rb->data;
	*len = rb->mask + 1;
}

const struct rk_map_ops rk_ringbuf_ops = {
	.struct_size = sizeof(struct rk_ringbuf),
	.storage_size = ringbuf_storage_size,
	.init = ringbuf_init,
	.lookup = ringbuf_lookup,
	.update = ringbuf_update,
	.delete_elem = ringbuf_delete,
	.next_key = ringbuf_next_key,
	.data_region = ringbuf_data_region,
};
