/*
 * log2_hist.c - a log2 histogram of control-loop latencies, the way a
 * tracing probe summarises them (bcc's hist tools): bucket k counts the
 * samples in [2^k, 2^(k+1)), bucket 0 also holds 0.  Then the buckets of
 * the median and of the 99th percentile, as a watchdog would check them.
 *
 * ctx: ctx_len / 4 little-endian u32 latencies in nanoseconds.
 * Returns the median bucket (bits 0-7), the p99 bucket (8-15), the highest
 * non-empty bucket (16-23) and a digest of all bucket counts (32-63).
 * The histogram lives on the stack: HIST_BUCKETS * 4 = 128 of 512 bytes.
 */
#include "bench_prog.h"

#define HIST_BUCKETS 32

/* floor(log2(value)) for value > 0, and 0 for 0; no clz in eBPF. */
BENCH_INLINE uint32_t log2_u32(uint32_t value)
{
	uint32_t log, shift;

	log = (uint32_t)(value > 0xFFFF) << 4;
	value >>= log;
	shift = (uint32_t)(value > 0xFF) << 3;
	value >>= shift;
	log |= shift;
	shift = (uint32_t)(value > 0xF) << 2;
	value >>= shift;
	log |= shift;
	shift = (uint32_t)(value > 0x3) << 1;
	value >>= shift;
	log |= shift;
	return log | (value >> 1);
}

uint64_t BENCH_ENTRY(const uint8_t *ctx, uint64_t ctx_len)
{
	const uint32_t *latencies = (const uint32_t *)ctx;
	uint64_t sample_count = ctx_len / sizeof(uint32_t);
	uint32_t hist[HIST_BUCKETS];

	for (int bucket = 0; bucket < HIST_BUCKETS; bucket++)
		hist[bucket] = 0;
	for (uint64_t i = 0; i < sample_count; i++)
		hist[log2_u32(latencies[i])]++;

	uint64_t p50_rank = sample_count / 2, p99_rank = sample_count * 99 / 100;
	uint64_t seen = 0;
	uint32_t p50 = 0, p99 = 0, top = 0, digest = 0;
	int p50_found = 0, p99_found = 0;

	for (uint32_t bucket = 0; bucket < HIST_BUCKETS; bucket++) {
		uint32_t count = hist[bucket];

		digest = digest * 33 + count;
		if (!count)
			continue;
		top = bucket;
		seen += count;
		if (!p50_found && seen > p50_rank) {
			p50 = bucket;
			p50_found = 1;
		}
		if (!p99_found && seen > p99_rank) {
			p99 = bucket;
			p99_found = 1;
		}
	}
	return (uint64_t)p50 | (uint64_t)p99 << 8 | (uint64_t)top << 16 | (uint64_t)digest << 32;
}
