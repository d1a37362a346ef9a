/*
 * inputs.c - the inputs rk-bench feeds its programs: deterministic for a
 * seed (splitmix64), so a run can be repeated, and shaped like the data
 * each program meets on a robot, so branches go the way they would there.
 * Multi-byte values are stored little endian, as the programs read them.
 */
#include <string.h>

#include "bench.h"

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound). */
static uint32_t rng_below(uint64_t *state, uint32_t bound)
{
	return (uint32_t)(((rng_next(state) >> 32) * bound) >> 32);
}

static void put_u16(uint8_t *buf, uint16_t value)
{
	buf[0] = (uint8_t)value;
	buf[1] = (uint8_t)(value >> 8);
}

static void put_u32(uint8_t *buf, uint32_t value)
{
	put_u16(buf, (uint16_t)value);
	put_u16(buf + 2, (uint16_t)(value >> 16));
}

/*
 * A joint sweeping back and forth (a triangle wave of +-3000 counts, period
 * 250 samples), +-400 counts of noise, and a spike of +-20000 in one sample
 * out of 100.
 */
#define SENSOR_PERIOD 250
#define SENSOR_AMPLITUDE 3000
#define SENSOR_NOISE 400
#define SENSOR_SPIKE 20000

void bench_input_sensor(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t rng = seed;
	size_t sample_count = len / sizeof(int16_t);

	for (size_t i = 0; i < sample_count; i++) {
		int32_t phase = (int32_t)(i % SENSOR_PERIOD);
		int32_t half = SENSOR_PERIOD / 2;
		int32_t ramp = phase < half ? phase : SENSOR_PERIOD - phase;
		int32_t value = ramp * 2 * SENSOR_AMPLITUDE / half - SENSOR_AMPLITUDE;

		value += (int32_t)rng_below(&rng, 2 * SENSOR_NOISE + 1) - SENSOR_NOISE;
		if (rng_below(&rng, 100) == 0)
			value += rng_below(&rng, 2) ? SENSOR_SPIKE : -SENSOR_SPIKE;
		if (value > INT16_MAX)
			value = INT16_MAX;
		if (value < INT16_MIN)
			value = INT16_MIN;
		put_u16(buf + i * sizeof(int16_t), (uint16_t)(int16_t)value);
	}
	if (len % sizeof(int16_t))
		buf[len - 1] = 0;
}

/* A payload to checksum: bytes with no structure to exploit. */
void bench_input_payload(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t rng = seed;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next(&rng);
}

/*
 * A GNSS receiver's serial stream (UBX framing, see progs/frame_parse.c):
 * frames of 4 to 60 payload bytes from a few message classes, separated by
 * 0 to 7 bytes of line noise; one frame in six has a corrupted payload
 * byte (a bad checksum), and the last frame is cut off by the end of the
 * buffer.
 */
#define UBX_SYNC1 0xB5
#define UBX_SYNC2 0x62
#define UBX_HEADER_LEN 6 /* sync, sync, class, id, length (2) */
#define UBX_TRAILER_LEN 2

void bench_input_ubx(uint8_t *buf, size_t len, uint64_t seed)
{
	static const uint8_t classes[] = {0x01 /* NAV */, 0x02 /* RXM */, 0x0A /* MON */,
	                                  0x10 /* ESF */};
	uint64_t rng = seed;
	size_t pos = 0;

	while (pos < len) {
		uint32_t noise = rng_below(&rng, 8);
		for (uint32_t i = 0; i < noise && pos < len; i++)
			buf[pos++] = (uint8_t)rng_next(&rng);

		uint8_t frame[UBX_HEADER_LEN + 60 + UBX_TRAILER_LEN];
		uint32_t payload_len = 4 + rng_below(&rng, 57);
		size_t frame_len = UBX_HEADER_LEN + payload_len + UBX_TRAILER_LEN;
		uint8_t ck_a = 0, ck_b = 0;

		frame[0] = UBX_SYNC1;
		frame[1] = UBX_SYNC2;
		frame[2] = classes[rng_below(&rng, sizeof(classes))];
		frame[3] = (uint8_t)rng_below(&rng, 0x40);
		put_u16(frame + 4, (uint16_t)payload_len);
		for (uint32_t i = 0; i < payload_len; i++)
			frame[UBX_HEADER_LEN + i] = (uint8_t)rng_next(&rng);
		for (size_t i = 2; i < UBX_HEADER_LEN + payload_len; i++) {
			ck_a = (uint8_t)(ck_a + frame[i]);
			ck_b = (uint8_t)(ck_b + ck_a);
		}
		frame[UBX_HEADER_LEN + payload_len] = ck_a;
		frame[UBX_HEADER_LEN + payload_len + 1] = ck_b;
		if (rng_below(&rng, 6) == 0)
			frame[UBX_HEADER_LEN + rng_below(&rng, payload_len)] ^= 0x10;

		for (size_t i = 0; i < frame_len && pos < len; i++)
			buf[pos++] = frame[i];
	}
}

/*
 * Periods of a 1 kHz control loop in nanoseconds: most within +-50 us of
 * 1 ms, about one in five spread log-uniformly from 1 us to 16 ms (preemption,
 * page faults, a late sensor), one in fifty a stall of up to 2 s.
 */
#define LOOP_PERIOD_NS 1000000u
#define LOOP_JITTER_NS 50000u

void bench_input_latency(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t rng = seed;
	size_t sample_count = len / sizeof(uint32_t);

	for (size_t i = 0; i < sample_count; i++) {
		uint32_t kind = rng_below(&rng, 50);
		uint32_t ns;

		if (kind == 0) {
			ns = 16000000u + rng_below(&rng, 2000000000u);
		} else if (kind < 10) {
			uint32_t log = 10 + rng_below(&rng, 14);
			ns = (1u << log) + rng_below(&rng, 1u << log);
		} else {
			ns = LOOP_PERIOD_NS - LOOP_JITTER_NS + rng_below(&rng, 2 * LOOP_JITTER_NS);
		}
		put_u32(buf + i * sizeof(uint32_t), ns);
	}
	memset(buf + sample_count * sizeof(uint32_t), 0, len % sizeof(uint32_t));
}
