/*
 * crc32.c - the CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320, as
 * zlib, Ethernet and most serial links use it), bit by bit: the form that
 * fits a microcontroller with no room for a 1 KiB table.
 *
 * ctx: the bytes to check.  Returns the CRC ("123456789" gives 0xCBF43926).
 */
#include "bench_prog.h"

#define CRC32_POLY 0xEDB88320u
#define CRC32_INIT 0xFFFFFFFFu

uint64_t BENCH_ENTRY(const uint8_t *ctx, uint64_t ctx_len)
{
	uint32_t crc = CRC32_INIT;

	for (uint64_t i = 0; i < ctx_len; i++) {
		crc ^= ctx[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (CRC32_POLY & (0u - (crc & 1u)));
	}
	return ~crc;
}
