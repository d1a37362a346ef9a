/*
 * control_jitter.bpf.c - how regular is the robot's 1 kHz control loop?
 * A histogram of each period's distance from 1 ms, in power-of-two
 * microsecond buckets: bucket 0 is under 1 us, bucket k holds
 * [2^(k-1), 2^k) us, the last one everything beyond.
 *
 * uprobe on control_step(now_ns, iteration): the period is the difference
 * of the loop's own timestamps (its first argument), so the figure is the
 * robot's view of time, not the moment rkd got to the event.
 *
 *   rkctl map dump control_jitter jitter_us    (on a running rkd)
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "robot_probe.h"

#define BUCKETS 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, BUCKETS);
} jitter_us SEC(".maps");

/* The previous step's timestamp (0: none yet). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} last_step SEC(".maps");

SEC("uprobe/" RK_DEMO_ROBOT ":control_step")
int BPF_KPROBE(control_jitter, __u64 now_ns, __u64 iteration)
{
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&last_step, &zero);
	if (!last)
		return 0;
	__u64 previous = *last;
	*last = now_ns;
	if (previous == 0 || now_ns <= previous)
		return 0;
	__u64 period = now_ns - previous;
	__u64 off = period > CONTROL_PERIOD_NS ? period - CONTROL_PERIOD_NS
	                                       : CONTROL_PERIOD_NS - period;
	__u64 us = off / 1000;
	__u32 bucket = 0;
	while (us && bucket < BUCKETS - 1) {
		us >>= 1;
		bucket++;
	}
	__u64 *count = bpf_map_lookup_elem(&jitter_us, &bucket);
	if (count)
		__sync_fetch_and_add(count, 1);
	(void)iteration;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
