/*
 * inet_csum.c - the internet checksum of RFC 1071 (IPv4, UDP, TCP, ICMP):
 * the ones' complement of the ones' complement sum of the big-endian
 * 16-bit words, an odd last byte padded with zero.
 *
 * ctx: the bytes to sum.  Returns the 16-bit checksum.
 */
#include "bench_prog.h"

uint64_t BENCH_ENTRY(const uint8_t *ctx, uint64_t ctx_len)
{
	uint64_t sum = 0;
	uint64_t i = 0;

	for (; i + 1 < ctx_len; i += 2)
		sum += (uint32_t)ctx[i] << 8 | ctx[i + 1];
	if (i < ctx_len)
		sum += (uint32_t)ctx[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
