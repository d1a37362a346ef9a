/*
 * hw_iio_filter.bpf.c - the IIO half of the hardware-lab test
 * (tests/hw/guest/iio.sh): SEC("iio/rkimu"), iio_dummy's device by name,
 * every scan element enabled: voltage0 (u13), voltage1-voltage2 (s12),
 * voltage3-voltage4 (s11), accel_x (s16), and the timestamp.
 *
 * Forwards a scan to rkd's event stream (returns 1) when voltage0 is above
 * threshold[0] (0 until the test sets it), and counts: scans, forwarded,
 * values outside the range of their scan_element type, timestamps not
 * after the previous one, and rk_sensor_last_timestamp(device) answers
 * that differ from this scan's time.  last[] keeps the latest scan's values.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct scan_stats {
	__u64 scans;
	__u64 forwarded;
	__u64 out_of_range;
	__u64 not_increasing;
	__u64 bad_sensor_ts;
	__u64 channel_count;
	__u64 last_ts;
	__s64 v0, v1, v2, v3;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct scan_stats);
	__uint(max_entries, 1);
} scans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __s64);
	__uint(max_entries, 1);
} threshold SEC(".maps");

/* In BTF so that rkd decodes forwarded scans by name. */
struct rk_iio_scan iio_scan_type;

static int out_of(__s64 v, __s64 lo, __s64 hi)
{
	return v < lo || v > hi;
}

SEC("iio/rkimu")
int filter(struct rk_iio_scan *scan)
{
	__u32 zero = 0;
	struct scan_stats *s = bpf_map_lookup_elem(&scans, &zero);
	__s64 *limit = bpf_map_lookup_elem(&threshold, &zero);
	if (!s || !limit)
		return 0;
	s->scans++;
	s->channel_count = scan->channel_count;
	s->v0 = scan->values[0];
	s->v1 = scan->values[1];
	s->v2 = scan->values[2];
	s->v3 = scan->values[3];
	if (out_of(s->v0, 0, 8191) || out_of(s->v1, -2048, 2047) || out_of(s->v2, -1024, 1023) ||
	    out_of(s->v3, -32768, 32767))
		s->out_of_range++;
	if (scan->timestamp_ns <= s->last_ts)
		s->not_increasing++;
	s->last_ts = scan->timestamp_ns;
	if (rk_sensor_last_timestamp(scan->device) != scan->timestamp_ns)
		s->bad_sensor_ts++;
	if (scan->values[0] > *limit) {
		s->forwarded++;
		return 1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
