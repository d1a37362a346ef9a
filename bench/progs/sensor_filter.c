/*
 * sensor_filter.c - condition one channel of raw int16 sensor samples (a
 * range finder, or one IMU axis sampled at 1 kHz):
 *   - a second-order Butterworth low-pass, cutoff fs/20, as a biquad in
 *     direct form I with Q14 coefficients and a 64-bit accumulator;
 *   - the min and max of the filtered signal;
 *   - how many filtered samples are over a threshold, and how many times
 *     the signal rose over it (with hysteresis, so noise on the edge
 *     counts once).
 *
 * ctx: ctx_len / 2 little-endian int16 samples.
 * Returns min (bits 0-15), max (16-31), samples over (32-47) and rising
 * crossings (48-63), each truncated to 16 bits.
 */
#include "bench_prog.h"

#define FILTER_Q 14 /* coefficients are value * 2^14 */
#define FILTER_B0 329
#define FILTER_B1 658
#define FILTER_B2 329
#define FILTER_A1 (-25576)
#define FILTER_A2 10508

#define THRESHOLD 2000 /* raw units, filtered */
#define REARM 1500     /* below this, a new rise counts again */

uint64_t BENCH_ENTRY(const uint8_t *ctx, uint64_t ctx_len)
{
	const int16_t *samples = (const int16_t *)ctx;
	uint64_t sample_count = ctx_len / sizeof(int16_t);
	int32_t x1 = 0, x2 = 0, y1 = 0, y2 = 0;
	int32_t min = INT16_MAX, max = INT16_MIN;
	uint32_t over = 0, crossings = 0;
	int armed = 1;

	for (uint64_t i = 0; i < sample_count; i++) {
		int32_t x0 = samples[i];
		int64_t acc = (int64_t)FILTER_B0 * x0 + (int64_t)FILTER_B1 * x1 +
		              (int64_t)FILTER_B2 * x2 - (int64_t)FILTER_A1 * y1 -
		              (int64_t)FILTER_A2 * y2;
		int32_t y0 = (int32_t)((acc + (1 << (FILTER_Q - 1))) >> FILTER_Q);

		x2 = x1;
		x1 = x0;
		y2 = y1;
		y1 = y0;

		if (y0 < min)
			min = y0;
		if (y0 > max)
			max = y0;
		if (y0 > THRESHOLD) {
			over++;
			if (armed) {
				crossings++;
				armed = 0;
			}
		} else if (y0 < REARM) {
			armed = 1;
		}
	}
	return (uint64_t)(uint16_t)min | (uint64_t)(uint16_t)max << 16 |
	       (uint64_t)(uint16_t)over << 32 | (uint64_t)(uint16_t)crossings << 48;
}
