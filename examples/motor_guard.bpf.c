/*
 * motor_guard.bpf.c - a motor guard built on rkBPF's robotics helpers
 * (include/rkbpf/rkbpf_helpers.h) next to libbpf's.
 *
 * Each run pushes the motor current sample (the context's first 8 bytes,
 * milliamps) into a time-series map, and trips the emergency stop when the
 * current of the last 50 ms stayed above the limit (8 samples at least), or
 * when the current sensor has gone silent for 20 ms.  Each trip is reported
 * as an event in the `trips` ring buffer.
 *
 *   rkctl run build/examples/motor_guard.o --mem "40 1f 00 00 00 00 00 00" --repeat 10
 *
 * runs it ten times on 8000 mA: from the 8th sample on it trips.  (The
 * tests in tests/unit/test_helpers.c drive it too.)
 *
 * SEC("data"): the sample arrives as the program's input buffer.  A
 * SEC("timer/...") program gets no context at all (r1 is a number), so a
 * timer-driven guard would read the sample from a map or sensor instead.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_helpers.h>

#define TRIP_MA 4000
#define WINDOW_NS (50 * 1000 * 1000ull)
#define SILENT_NS (20 * 1000 * 1000ull)
#define CURRENT_SENSOR 3

struct {
	__uint(type, RK_MAP_TYPE_TIMESERIES);
	__type(key, __u32);
	__type(value, __s64);
	__uint(max_entries, 16);
	__uint(ts_capacity, 32);
} motor_current SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} trips SEC(".maps");

struct trip {
	__u64 timestamp_ns;
	__s64 min_ma;
	__u32 motor;
	__u32 reason;   /* 1: over-current, 2: silent sensor */
};

/* Puts the record's type in BTF, so rkd decodes the trips (docs/rkd.md, Events). */
struct trip trip_record;

static void report(__u32 motor, __u32 reason, __s64 min_ma)
{
	struct trip *t = bpf_ringbuf_reserve(&trips, sizeof(*t), 0);
	if (!t)
		return;
	t->timestamp_ns = bpf_ktime_get_ns();
	t->min_ma = min_ma;
	t->motor = motor;
	t->reason = reason;
	bpf_ringbuf_submit(t, 0);
}

SEC("data")
int motor_guard(const __s64 *sample)
{
	__u32 motor = 0;
	struct rk_ts_window window;

	rk_timeseries_push(&motor_current, &motor, *sample);
	if (rk_timeseries_window(&motor_current, &motor, WINDOW_NS, &window, sizeof(window)) == 0 &&
	    window.count >= 8 && window.min > TRIP_MA) {
		report(motor, 1, window.min);
		return rk_emergency_stop(1ull << motor) == 0;
	}
	__u64 last = rk_sensor_last_timestamp(CURRENT_SENSOR);
	if (last && bpf_ktime_get_ns() - last > SILENT_NS) {
		report(motor, 2, 0);
		return rk_emergency_stop(1ull << motor) == 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
