/*
 * frame_parse.c - the receive state machine of a GNSS receiver's serial
 * link (u-blox UBX framing), fed one byte at a time as a UART delivers
 * them:
 *
 *   SYNC1 0xB5 | SYNC2 0x62 | CLASS | ID | LEN (u16, little endian) |
 *   PAYLOAD (LEN bytes) | CK_A | CK_B
 *
 * CK_A and CK_B are the 8-bit Fletcher sums over CLASS..PAYLOAD.  A frame
 * whose length is over MAX_PAYLOAD, or whose checksum is wrong, is dropped
 * and the parser hunts for the next SYNC1.
 *
 * ctx: the received bytes (frames, line noise, a frame cut at the end).
 * Returns good frames (bits 0-15), bad checksums (16-31), oversized frames
 * (32-47) and a digest of the good frames' class, id and length (48-63).
 */
#include "bench_prog.h"

#define UBX_SYNC1 0xB5
#define UBX_SYNC2 0x62
#define MAX_PAYLOAD 512

enum ubx_state {
	WAIT_SYNC1,
	WAIT_SYNC2,
	WAIT_CLASS,
	WAIT_ID,
	WAIT_LEN_LO,
	WAIT_LEN_HI,
	IN_PAYLOAD,
	WAIT_CK_A,
	WAIT_CK_B,
};

uint64_t BENCH_ENTRY(const uint8_t *ctx, uint64_t ctx_len)
{
	enum ubx_state state = WAIT_SYNC1;
	uint8_t ck_a = 0, ck_b = 0, msg_class = 0, msg_id = 0;
	uint32_t payload_len = 0, payload_seen = 0;
	uint32_t good = 0, bad_checksum = 0, oversized = 0;
	uint32_t digest = 0;

	for (uint64_t i = 0; i < ctx_len; i++) {
		uint8_t byte = ctx[i];

		switch (state) {
		case WAIT_SYNC1:
			if (byte == UBX_SYNC1)
				state = WAIT_SYNC2;
			break;
		case WAIT_SYNC2:
			if (byte == UBX_SYNC2) {
				ck_a = 0;
				ck_b = 0;
				state = WAIT_CLASS;
			} else if (byte != UBX_SYNC1) {
				state = WAIT_SYNC1;
			}
			break;
		case WAIT_CLASS:
			msg_class = byte;
			ck_a += byte;
			ck_b += ck_a;
			state = WAIT_ID;
			break;
		case WAIT_ID:
			msg_id = byte;
			ck_a += byte;
			ck_b += ck_a;
			state = WAIT_LEN_LO;
			break;
		case WAIT_LEN_LO:
			payload_len = byte;
			ck_a += byte;
			ck_b += ck_a;
			state = WAIT_LEN_HI;
			break;
		case WAIT_LEN_HI:
			payload_len |= (uint32_t)byte << 8;
			ck_a += byte;
			ck_b += ck_a;
			payload_seen = 0;
			if (payload_len > MAX_PAYLOAD) {
				oversized++;
				state = WAIT_SYNC1;
			} else {
				state = payload_len ? IN_PAYLOAD : WAIT_CK_A;
			}
			break;
		case IN_PAYLOAD:
			ck_a += byte;
			ck_b += ck_a;
			if (++payload_seen == payload_len)
				state = WAIT_CK_A;
			break;
		case WAIT_CK_A:
			if (byte == ck_a) {
				state = WAIT_CK_B;
			} else {
				bad_checksum++;
				state = WAIT_SYNC1;
			}
			break;
		case WAIT_CK_B:
			if (byte == ck_b) {
				good++;
				digest = digest * 31 + ((uint32_t)msg_class << 24 |
				                        (uint32_t)msg_id << 16 | payload_len);
			} else {
				bad_checksum++;
			}
			state = WAIT_SYNC1;
			break;
		}
	}
	return (uint64_t)(uint16_t)good | (uint64_t)(uint16_t)bad_checksum << 16 |
	       (uint64_t)(uint16_t)oversized << 32 | (uint64_t)(uint16_t)(digest ^ digest >> 16) << 48;
}
