/*
 * hw_estop_edge.bpf.c - the e-stop guest test's edge program (tests/hw/guest/
 * estop.sh, section 7): on every rising edge of gpio-sim line 6 (the chip by
 * its label, rk-sim) it calls rk_emergency_stop(3) and keeps, in `edge`, the
 * edge's kernel timestamp (CLOCK_MONOTONIC, taken in the interrupt handler),
 * the helper's return value and the number of edges.  The test pairs the
 * timestamp with the status's written_ns (rkd's CLOCK_MONOTONIC right after
 * the last actuator write) for the edge -> actuators written latency.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct edge {
	__u64 edge_ns;      /* the last rising edge's kernel timestamp */
	__s64 rc;           /* the last rk_emergency_stop() return value */
	__u64 count;        /* rising edges seen */
	__u64 other;        /* edges that were not rising (must stay 0) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct edge);
	__uint(max_entries, 1);
} edge SEC(".maps");

SEC("gpio/rk-sim/6/rising")
int stop_on_edge(struct rk_gpio_event *e)
{
	__u32 zero = 0;
	struct edge *s = bpf_map_lookup_elem(&edge, &zero);
	if (!s)
		return 0;
	if (e->edge != RK_GPIO_EDGE_RISING) {
		s->other++;
		return 0;
	}
	/* Stop first: nothing on the path between the edge and the writes. */
	long rc = rk_emergency_stop(3);
	s->edge_ns = e->timestamp_ns;
	s->rc = rc;
	s->count++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
