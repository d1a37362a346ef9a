/*
 * rkbpf_helpers.h - rkBPF's own helpers and map types, for program authors.
 *
 * Use together with libbpf's headers, which give you the standard helpers
 * (bpf_map_lookup_elem, bpf_ktime_get_ns, bpf_ringbuf_reserve, ...) under
 * the kernel's ids; rkBPF runs those with the kernel's semantics:
 *
 *	#include <linux/types.h>          (or "vmlinux.h" instead of both)
 *	#include <linux/bpf.h>            (BPF_MAP_TYPE_*, BPF_ANY, ...)
 *	#include <bpf/bpf_helpers.h>
 *	#include <rkbpf/rkbpf_helpers.h>
 *
 * Compile with clang -O2 -g -target bpf -c prog.bpf.c (on Debian, add
 * -I/usr/include/$(gcc -dumpmachine) for <asm/types.h>).  rkBPF's helpers
 * exist only in rkBPF: a program that calls them will not load in the
 * kernel.
 *
 * Time is CLOCK_MONOTONIC nanoseconds everywhere, the clock of
 * bpf_ktime_get_ns().
 *
 * A time-series map keeps, per key, a ring of the last ts_capacity samples
 * (timestamp, s64 value; 64 when not given); rk_timeseries_push() appends,
 * dropping the oldest when the ring is full, and rk_timeseries_window()
 * summarises the recent ones.  bpf_map_lookup_elem() on it gives the
 * latest value.  Define one in BTF style:
 *
 *	struct {
 *		__uint(type, RK_MAP_TYPE_TIMESERIES);
 *		__type(key, __u32);             (e.g. the motor index)
 *		__type(value, __s64);           (a sample: always 8 bytes)
 *		__uint(max_entries, 16);        (keys)
 *		__uint(ts_capacity, 128);       (samples per key; optional)
 *	} motor_current SEC(".maps");
 *
 *	(where the sample comes from depends on the hook's context)
 *	__u32 motor = 0;
 *	struct rk_ts_window w;
 *
 *	rk_timeseries_push(&motor_current, &motor, current_ma);
 *	if (rk_timeseries_window(&motor_current, &motor, 50000000, &w,
 *	                         sizeof(w)) == 0 &&
 *	    w.count >= 8 && w.min > 4000)      (50 ms above 4 A)
 *		rk_emergency_stop(1ull << motor);
 *
 * examples/motor_guard.bpf.c is a complete program.
 *
 * The helpers' ids are RK_HELPER_ROBOTICS_BASE (0x8000) and up, the same
 * numbers as in librkbpf's rkbpf.h.
 */
#ifndef RKBPF_HELPERS_H
#define RKBPF_HELPERS_H

/* rkBPF's map types, next to the kernel's BPF_MAP_TYPE_* (enum rk_map_type). */
#define RK_MAP_TYPE_TIMESERIES 0x524b01

/* Helper ids (identical definitions in rkbpf.h, so both may be included). */
#define RK_HELPER_ROBOTICS_BASE 0x8000
#define RK_HELPER_ROBOTICS_END 0x8100
#define RK_HELPER_EMERGENCY_STOP 0x8000
#define RK_HELPER_TIMESERIES_PUSH 0x8001
#define RK_HELPER_TIMESERIES_WINDOW 0x8002
#define RK_HELPER_SENSOR_LAST_TIMESTAMP 0x8003
#define RK_HELPER_UIO_READ 0x8004
#define RK_HELPER_UIO_WRITE 0x8005

/*
 * What rk_timeseries_window() reports.  librkbpf's rkbpf.h defines the
 * same layout with <stdint.h> types; this one is for programs.
 */
#ifndef RKBPF_H
struct rk_ts_window {
	__u64 count;   /* samples with now - window_ns < timestamp <= now */
	__s64 min;
	__s64 max;
	__s64 mean;    /* rounded toward zero; 0 when count is 0 */
};
#endif

#ifdef __bpf__

/*
 * rk_emergency_stop
 *
 * 	Stop the actuators in *mask* (bit n: actuator n, as rkd's configuration
 * 	numbers them) now, through the daemon's emergency-stop path (and the
 * 	kernel watchdog where one is configured).  The program keeps running;
 * 	the stop does not wait for it.
 *
 * Returns
 * 	0 on success; a negative error from the actuator path; -ENOTSUP when
 * 	the host running the program has no emergency stop (e.g. rkctl run).
 */
static long (* const rk_emergency_stop)(__u64 mask) = (void *) RK_HELPER_EMERGENCY_STOP;

/*
 * rk_timeseries_push
 *
 * 	Append *value* to the time series of *key* in *map* (a map of type
 * 	RK_MAP_TYPE_TIMESERIES), stamped with the current CLOCK_MONOTONIC
 * 	time.  When the key's ring (ts_capacity samples) is full, the oldest
 * 	sample is overwritten.
 *
 * Returns
 * 	0 on success; -EINVAL when *map* is not a time series; -E2BIG when the
 * 	key is new and the map already holds max_entries keys.
 */
static long (* const rk_timeseries_push)(void *map, const void *key, __s64 value) =
	(void *) RK_HELPER_TIMESERIES_PUSH;

/*
 * rk_timeseries_window
 *
 * 	Summarise the samples of *key* in *map* taken during the last
 * 	*window_ns* nanoseconds (now - window_ns < timestamp <= now) into
 * 	*out*: their count, minimum, maximum and mean.  Pass
 * 	sizeof(struct rk_ts_window) as *out_size* (a non-zero multiple of 8;
 * 	a shorter one receives the leading fields, a longer one is
 * 	zero-padded).
 *
 * Returns
 * 	0 on success (count may be 0); -ENOENT when the key has no series;
 * 	-EINVAL for a map that is not a time series or a bad *out_size*.  On
 * 	failure *out* is zeroed.
 */
static long (* const rk_timeseries_window)(void *map, const void *key, __u64 window_ns,
					    struct rk_ts_window *out, __u32 out_size) =
	(void *) RK_HELPER_TIMESERIES_WINDOW;

/*
 * rk_sensor_last_timestamp
 *
 * 	The CLOCK_MONOTONIC time of the last sample the host received from
 * 	sensor *sensor_id* (as rkd's configuration numbers sensors): compare
 * 	it with bpf_ktime_get_ns() to detect a stale or silent sensor.
 *
 * Returns
 * 	The timestamp in nanoseconds, or 0 when the sensor is unknown or has
 * 	not delivered a sample yet.
 */
static __u64 (* const rk_sensor_last_timestamp)(__u32 sensor_id) =
	(void *) RK_HELPER_SENSOR_LAST_TIMESTAMP;

/*
 * rk_uio_read
 *
 * 	Copy *size* bytes at *offset* of the register region of the program's
 * 	UIO device (a uio/ program; the map and the byte range rkd.conf grants
 * 	in [uio DEVICE]: map = N, readable = START-END, END excluded) into
 * 	*dst*.  Registers are read with accesses of their width: a *size* of
 * 	1, 2, 4 or 8 at an offset aligned to it is one access; a longer
 * 	*size* (a multiple of 4, offset aligned to 4) is consecutive 32-bit
 * 	reads.
 *
 * Returns
 * 	0 on success; -ERANGE when the bytes are not all inside the readable
 * 	range (or the map); -EINVAL for a size or alignment as above;
 * 	-EACCES when rkd.conf grants nothing to read; -ENODEV once the device
 * 	was removed; -ENOTSUP outside a uio/ program or outside rkd.  On
 * 	failure *dst* is zeroed.
 */
static long (* const rk_uio_read)(__u32 offset, void *dst, __u32 size) =
	(void *) RK_HELPER_UIO_READ;

/*
 * rk_uio_write
 *
 * 	Write *size* bytes from *src* at *offset* of the same region, with the
 * 	same access rules, inside the range [uio DEVICE] writable = START-END
 * 	grants (by default nothing is writable: the region is read-only).
 * 	Typically: acknowledge a level-triggered interrupt at the device
 * 	before rkd re-enables it.
 *
 * Returns
 * 	0 on success; -EACCES when no writable range is configured; otherwise
 * 	as rk_uio_read.
 */
static long (* const rk_uio_write)(__u32 offset, const void *src, __u32 size) =
	(void *) RK_HELPER_UIO_WRITE;

#endif /* __bpf__ */

#endif /* RKBPF_HELPERS_H */
