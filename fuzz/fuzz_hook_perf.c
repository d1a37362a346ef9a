/*
 * fuzz_hook_perf.c - libFuzzer target for the perf ring reader and the
 * record decoders (hooks/perf_ring.c, compiled in: hooks/ is not in
 * librkbpf).  The input is a ring's data area and where head and tail
 * are; every record read from it is decoded under several sample types.
 *
 * Invariants (abort() when broken):
 *   - the reader returns the number of records handed over, or -EPROTO;
 *     either way the tail ends at the head;
 *   - every record handed over lies between tail and head, is at least a
 *     header long and its bytes equal the ring's (wrapped) bytes;
 *   - a decoded sample's pointers lie inside the record.
 * ASan and UBSan add: no read outside the ring, the scratch or a record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../hooks/perf_ring.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ring data sizes the input picks from (powers of 2). */
#define MIN_RING_SHIFT 3
#define MAX_RING_SHIFT 12

static const uint64_t sample_types[] = {
	PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_REGS_USER |
		PERF_SAMPLE_STACK_USER,
	PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW,
	PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_REGS_INTR,
	RK_PERF_SAMPLE_SUPPORTED,
};

struct check {
	const struct rk_perf_ring *ring;
	uint64_t pos;   /* ring position of the next record */
	int count;
};

static int inside(const uint8_t *ptr, size_t len, const uint8_t *start, size_t size)
{
	return ptr >= start && ptr <= start + size && len <= (size_t)(start + size - ptr);
}

static void on_record(void *user, const struct perf_event_header *header, const uint8_t *record)
{
	struct check *check = user;
	if (header->size < sizeof(*header))
		abort();
	uint64_t mask = check->ring->data_size - 1;
	for (size_t i = 0; i < header->size; i++)
		if (record[i] != check->ring->data[(check->pos + i) & mask])
			abort();
	check->pos += header->size;
	check->count++;
	for (size_t t = 0; t < sizeof(sample_types) / sizeof(sample_types[0]); t++) {
		struct rk_perf_sample sample;
		if (rk_perf_sample_parse(record, header->size, sample_types[t], 20, &sample) != 0)
			continue;
		if ((sample.raw && !inside(sample.raw, sample.raw_size, record, header->size)) ||
		    (sample.user_regs && !inside(sample.user_regs, 160, record, header->size)) ||
		    (sample.intr_regs && !inside(sample.intr_regs, 160, record, header->size)) ||
		    (sample.stack && !inside(sample.stack, (size_t)sample.stack_size, record,
		                             header->size)))
			abort();
	}
	uint64_t lost;
	rk_perf_lost_parse(record, header->size, &lost);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* shift, tail offset (2 bytes), pending length (2 bytes), then the ring's bytes. */
	if (size < 5)
		return 0;
	unsigned shift = MIN_RING_SHIFT + data[0] % (MAX_RING_SHIFT - MIN_RING_SHIFT + 1);
	uint64_t data_size = 1ull << shift;
	uint64_t tail = (uint64_t)(data[1] | data[2] << 8) + 7 * data_size;
	uint64_t pending = (uint64_t)(data[3] | data[4] << 8) % (2 * data_size);
	static struct perf_event_mmap_page meta;
	static uint8_t scratch[RK_PERF_RECORD_MAX];
	uint8_t *ring_data = calloc(1, data_size);
	if (!ring_data)
		return 0;
	memcpy(ring_data, data + 5, size - 5 < data_size ? size - 5 : data_size);
	memset(&meta, 0, sizeof(meta));
	meta.data_tail = tail;
	meta.data_head = tail + pending;
	struct rk_perf_ring ring;
	rk_perf_ring_init_mem(&ring, &meta, ring_data, data_size);
	struct check check = {.ring = &ring, .pos = tail};
	int rc = rk_perf_ring_read(&ring, scratch, on_record, &check);
	if ((rc < 0 && rc != -EPROTO) || (rc >= 0 && rc != check.count) ||
	    meta.data_tail != meta.data_head || check.pos > meta.data_head)
		abort();
	free(ring_data);
	return 0;
}
