/*
 * test_hook_ring.c - hooks/perf_ring.c on rings laid out in memory, as the
 * kernel lays them out: records in order, one that wraps around the end
 * of the ring (handed over whole, from the scratch buffer), a ring holding
 * garbage (-EPROTO, everything pending dropped), and sample and lost
 * record decoding, truncations included.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../hooks/perf_ring.h"

#define DATA_SIZE 256u

struct fake_ring {
	struct perf_event_mmap_page meta;
	uint8_t data[DATA_SIZE];
	struct rk_perf_ring ring;
	uint8_t scratch[RK_PERF_RECORD_MAX];
};

/* Write a record of size bytes (type, then bytes counting up from seed) at head. */
static void put_record(struct fake_ring *fake, uint32_t type, uint16_t size, uint8_t seed)
{
	uint8_t record[512];
	struct perf_event_header header = {.type = type, .misc = 0, .size = size};
	memcpy(record, &header, sizeof(header));
	for (size_t i = sizeof(header); i < size; i++)
		record[i] = (uint8_t)(seed + i);
	uint64_t head = fake->meta.data_head;
	for (size_t i = 0; i < size; i++)
		fake->data[(head + i) % DATA_SIZE] = record[i];
	fake->meta.data_head = head + size;
}

struct seen {
	int count;
	uint16_t sizes[16];
	uint8_t seeds[16];
	int intact;
	int from_scratch;
	const uint8_t *scratch;
};

static void on_record(void *user, const struct perf_event_header *header, const uint8_t *record)
{
	struct seen *seen = user;
	cr_assert_lt(seen->count, 16);
	seen->sizes[seen->count] = header->size;
	uint8_t seed = (uint8_t)(record[sizeof(*header)] - sizeof(*header));
	seen->seeds[seen->count++] = seed;
	for (size_t i = sizeof(*header); i < header->size; i++)
		if (record[i] != (uint8_t)(seed + i))
			seen->intact = 0;
	if (record == seen->scratch)
		seen->from_scratch++;
}

static struct fake_ring *new_ring(uint64_t start)
{
	struct fake_ring *fake = calloc(1, sizeof(*fake));
	fake->meta.data_head = fake->meta.data_tail = start;
	rk_perf_ring_init_mem(&fake->ring, &fake->meta, fake->data, DATA_SIZE);
	return fake;
}

Test(hook_ring, records_in_order_and_one_that_wraps)
{
	/* Start near the end: the third record straddles it. */
	struct fake_ring *fake = new_ring(5 * DATA_SIZE + 160);
	put_record(fake, PERF_RECORD_SAMPLE, 40, 1);
	put_record(fake, PERF_RECORD_SAMPLE, 48, 2);
	put_record(fake, PERF_RECORD_SAMPLE, 64, 3); /* 248..312: wraps */
	put_record(fake, PERF_RECORD_LOST, 24, 4);
	struct seen seen = {.intact = 1, .scratch = fake->scratch};
	cr_assert_eq(rk_perf_ring_read(&fake->ring, fake->scratch, on_record, &seen), 4);
	cr_assert_eq(seen.count, 4);
	cr_assert(seen.intact, "a record came out garbled");
	cr_assert_eq(seen.from_scratch, 1);
	cr_assert_eq(seen.sizes[2], 64);
	cr_assert_eq(seen.seeds[3], 4);
	cr_assert_eq(fake->meta.data_tail, fake->meta.data_head);
	/* Empty: nothing, no error. */
	cr_assert_eq(rk_perf_ring_read(&fake->ring, fake->scratch, on_record, &seen), 0);
	free(fake);
}

Test(hook_ring, header_split_by_the_end)
{
	struct fake_ring *fake = new_ring(DATA_SIZE - 4);
	put_record(fake, PERF_RECORD_SAMPLE, 32, 9);
	struct seen seen = {.intact = 1, .scratch = fake->scratch};
	cr_assert_eq(rk_perf_ring_read(&fake->ring, fake->scratch, on_record, &seen), 1);
	cr_assert(seen.intact);
	cr_assert_eq(seen.sizes[0], 32);
	free(fake);
}

Test(hook_ring, garbage_is_dropped)
{
	struct fake_ring *fake = new_ring(0);
	put_record(fake, PERF_RECORD_SAMPLE, 40, 1);
	put_record(fake, PERF_RECORD_SAMPLE, 4, 2); /* smaller than a header */
	struct seen seen = {.intact = 1, .scratch = fake->scratch};
	cr_assert_eq(rk_perf_ring_read(&fake->ring, fake->scratch, on_record, &seen), -EPROTO);
	cr_assert_eq(seen.count, 1);
	cr_assert_eq(fake->meta.data_tail, fake->meta.data_head);

	/* A size running past the head. */
	put_record(fake, PERF_RECORD_SAMPLE, 40, 1);
	fake->meta.data_head -= 8;
	cr_assert_eq(rk_perf_ring_read(&fake->ring, fake->scratch, on_record, &seen), -EPROTO);
	/* A head more than a ring ahead of the tail. */
	fake->meta.data_head = fake->meta.data_tail + DATA_SIZE + 8;
	cr_assert_eq(rk_perf_ring_read(&fake->ring, fake->scratch, on_record, &seen), -EPROTO);
	cr_assert_eq(fake->meta.data_tail, fake->meta.data_head);
	free(fake);
}

/* A sample as the kernel writes it for a uprobe: TID TIME CPU REGS_USER STACK_USER. */
Test(hook_ring, uprobe_sample)
{
	uint64_t words[64];
	size_t n = 1;  /* header */
	words[n++] = 1234ull | (1235ull << 32);  /* pid, tid */
	words[n++] = 987654321;                  /* time */
	words[n++] = 1;                          /* cpu 1, reserved */
	words[n++] = PERF_SAMPLE_REGS_ABI_64;
	for (int r = 0; r < 3; r++)
		words[n++] = 100 + (uint64_t)r;      /* three registers */
	words[n++] = 16;                         /* stack size */
	words[n++] = 0xaaaa;
	words[n++] = 0xbbbb;
	words[n++] = 8;                          /* dyn_size: only 8 were readable */
	struct perf_event_header header = {.type = PERF_RECORD_SAMPLE,
	                                   .size = (uint16_t)(n * 8)};
	memcpy(words, &header, sizeof(header));
	uint64_t type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
	                PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	struct rk_perf_sample sample;
	cr_assert_eq(rk_perf_sample_parse((const uint8_t *)words, n * 8, type, 3, &sample), 0);
	cr_assert_eq(sample.pid, 1234);
	cr_assert_eq(sample.tid, 1235);
	cr_assert_eq(sample.time, 987654321);
	cr_assert_eq(sample.cpu, 1);
	cr_assert_eq(rk_perf_u64(sample.user_regs + 16), 102);
	cr_assert_eq(sample.stack_size, 8);
	cr_assert_eq(rk_perf_u64(sample.stack), 0xaaaa);
	/* Every truncation is refused. */
	for (size_t len = 0; len < n * 8; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, words, len);
		cr_assert_eq(rk_perf_sample_parse(copy, len, type, 3, &sample), -EINVAL, "len %zu",
		             len);
		free(copy);
	}
	/* dyn_size larger than the stack dumped is not a record. */
	words[n - 1] = 24;
	cr_assert_eq(rk_perf_sample_parse((const uint8_t *)words, n * 8, type, 3, &sample), -EINVAL);
	/* Unsupported sample types are refused. */
	cr_assert_eq(rk_perf_sample_parse((const uint8_t *)words, n * 8, PERF_SAMPLE_IP, 3, &sample),
	             -EINVAL);
}

/* A kernel thread has no user registers: ABI NONE and no register words. */
Test(hook_ring, sample_without_user_regs_and_raw)
{
	uint8_t record[64];
	memset(record, 0, sizeof(record));
	size_t at = sizeof(struct perf_event_header);
	uint32_t raw_size = 12;
	memcpy(record + at, &raw_size, 4);
	memset(record + at + 4, 0x5a, raw_size);
	at += 4 + raw_size;
	uint64_t abi = PERF_SAMPLE_REGS_ABI_NONE;
	memcpy(record + at, &abi, 8);
	at += 8;
	struct rk_perf_sample sample;
	cr_assert_eq(rk_perf_sample_parse(record, at, PERF_SAMPLE_RAW | PERF_SAMPLE_REGS_USER, 20,
	                                  &sample),
	             0);
	cr_assert_eq(sample.raw_size, 12);
	cr_assert_eq(sample.raw[11], 0x5a);
	cr_assert_null(sample.user_regs);
	raw_size = 1000;
	memcpy(record + sizeof(struct perf_event_header), &raw_size, 4);
	cr_assert_eq(rk_perf_sample_parse(record, at, PERF_SAMPLE_RAW, 0, &sample), -EINVAL);
}

Test(hook_ring, lost_records)
{
	uint64_t words[3] = {0, 77, 42};
	struct perf_event_header header = {.type = PERF_RECORD_LOST, .size = 24};
	memcpy(words, &header, sizeof(header));
	uint64_t lost = 0;
	cr_assert_eq(rk_perf_lost_parse((const uint8_t *)words, 24, &lost), 0);
	cr_assert_eq(lost, 42);
	cr_assert_eq(rk_perf_lost_parse((const uint8_t *)words, 16, &lost), -EINVAL);
	header.type = PERF_RECORD_LOST_SAMPLES;
	header.size = 16;
	memcpy(words, &header, sizeof(header));
	cr_assert_eq(rk_perf_lost_parse((const uint8_t *)words, 16, &lost), 0);
	cr_assert_eq(lost, 77);
	header.type = PERF_RECORD_SAMPLE;
	memcpy(words, &header, sizeof(header));
	cr_assert_eq(rk_perf_lost_parse((const uint8_t *)words, 16, &lost), -EINVAL);
}
