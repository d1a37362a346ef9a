/*
 * hw_iio_select.bpf.c - tests/hw/guest/iio.sh, the rkd.conf part:
 * SEC("iio/rkimu") with [iio rkimu] channels = voltage0, accel_x and a
 * trigger named there.  Records what each scan carries: its channel count
 * and its first two values (voltage0 then accel_x, by scan index).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct select_stats {
	__u64 scans;
	__u64 channel_count;
	__u64 other_counts;     /* scans whose channel_count differed from the first's */
	__s64 v0, v1, v2;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct select_stats);
	__uint(max_entries, 1);
} selected SEC(".maps");

SEC("iio/rkimu")
int on_selected(struct rk_iio_scan *scan)
{
	__u32 zero = 0;
	struct select_stats *s = bpf_map_lookup_elem(&selected, &zero);
	if (!s)
		return 0;
	if (s->scans && s->channel_count != scan->channel_count)
		s->other_counts++;
	s->scans++;
	s->channel_count = scan->channel_count;
	s->v0 = scan->values[0];
	s->v1 = scan->values[1];
	s->v2 = scan->values[2];
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
