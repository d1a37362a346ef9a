/*
 * motor_overcurrent.bpf.c - the over-current trip of a motor driver.
 *
 * Input: the motor's current samples, int16 milliamps, little endian, as a
 * driver's ADC ring delivers them.  The trip fires when the current stays
 * at or above TRIP_MA for TRIP_SAMPLES consecutive samples: a single spike
 * (a commutation transient) must not stop the robot, a stall must.
 *
 * Returns 0 when the current never tripped, otherwise 1 + the index of the
 * sample at which the trip fired, with the peak current in the upper 32 bits
 * so the caller can log why it stopped.
 *
 * SEC("data"): a program run on a buffer (rkctl run --data-in FILE): r1 points
 * to the bytes, r2 is their length.
 */
#include <linux/types.h>

#ifndef SEC /* <bpf/bpf_helpers.h> defines it; the native test build does not need it */
#define SEC(name) __attribute__((section(name), used))
#endif

#define TRIP_MA 4000
#define TRIP_SAMPLES 8

__u64 motor_overcurrent(const __s16 *samples, __u64 len_bytes);
char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("data") __u64 motor_overcurrent(const __s16 *samples, __u64 len_bytes)
{
	__u64 count = len_bytes / sizeof(__s16);
	__s32 peak = 0;
	__u32 over = 0;

	if (count > 4096) /* a bound the verifier will need to see */
		count = 4096;
	for (__u64 i = 0; i < count; i++) {
		__s32 current = samples[i];
		if (current < 0)
			current = -current; /* either direction of rotation */
		if (current > peak)
			peak = current;
		over = current >= TRIP_MA ? over + 1 : 0;
		if (over == TRIP_SAMPLES)
			return (__u64)peak << 32 | (i + 1);
	}
	return 0;
}
