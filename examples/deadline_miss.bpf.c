/*
 * deadline_miss.bpf.c - an event for every control period that ran late:
 * the iteration, the period it took and how late it was.  The deadline is
 * hot-patchable on a running robot (limits[0], nanoseconds; 0 means the
 * default of 1.2 ms):
 *
 *   rkctl map set deadline_miss limits 0 '{"deadline_ns": 1500000}'
 *   rkctl tail                      (the events, decoded from BTF)
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "robot_probe.h"

#define DEFAULT_DEADLINE_NS (CONTROL_PERIOD_NS * 12 / 10)

struct limits {
	__u64 deadline_ns;
};

struct deadline_event {
	__u64 iteration;
	__u64 period_ns;
	__u64 late_ns;
};

/* Puts the record's type in BTF, so rkd decodes the events (docs/rkd.md, Events). */
struct deadline_event deadline_event_record;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct limits);
	__uint(max_entries, 1);
} limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} last_step SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} deadline_events SEC(".maps");

SEC("uprobe/" RK_DEMO_ROBOT ":control_step")
int BPF_KPROBE(deadline_miss, __u64 now_ns, __u64 iteration)
{
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&last_step, &zero);
	struct limits *limit = bpf_map_lookup_elem(&limits, &zero);
	if (!last || !limit)
		return 0;
	__u64 previous = *last;
	*last = now_ns;
	if (previous == 0 || now_ns <= previous)
		return 0;
	__u64 deadline = limit->deadline_ns ? limit->deadline_ns : DEFAULT_DEADLINE_NS;
	__u64 period = now_ns - previous;
	if (period <= deadline)
		return 0;
	struct deadline_event *miss = bpf_ringbuf_reserve(&deadline_events, sizeof(*miss), 0);
	if (!miss)
		return 0;
	miss->iteration = iteration;
	miss->period_ns = period;
	miss->late_ns = period - CONTROL_PERIOD_NS;
	bpf_ringbuf_submit(miss, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
