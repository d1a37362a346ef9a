/*
 * hw_gpio_edges.bpf.c - the GPIO half of the hardware-lab test
 * (tests/hw/guest/gpio.sh): SEC("gpio/rk-sim/3/both"), the gpio-sim chip
 * found by its label.  Counts rising and falling edges, and counts what
 * would be wrong: a timestamp not after the previous one, a value that
 * does not match the edge, a line other than 3.  Each edge is also a
 * ring-buffer record (struct gpio_edge) for `rkctl tail`.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct edge_stats {
	__u64 rising;
	__u64 falling;
	__u64 not_increasing;   /* timestamps not after the previous edge's */
	__u64 bad_value;        /* value != (edge == rising) */
	__u64 bad_line;
	__u64 last_ts;
	__u64 chip;
	__u64 late_ns;          /* the largest rk run time - edge time seen */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct edge_stats);
	__uint(max_entries, 1);
} edges SEC(".maps");

struct gpio_edge {
	__u64 timestamp_ns;
	__u32 edge;
	__u32 value;
};
/* In BTF (a global of the type) so that rkd decodes the records by name. */
struct gpio_edge gpio_edge_record;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} gpio_edges SEC(".maps");

SEC("gpio/rk-sim/3/both")
int on_edge(struct rk_gpio_event *e)
{
	__u32 zero = 0;
	struct edge_stats *s = bpf_map_lookup_elem(&edges, &zero);
	if (!s)
		return 0;
	if (e->edge == RK_GPIO_EDGE_RISING)
		s->rising++;
	else if (e->edge == RK_GPIO_EDGE_FALLING)
		s->falling++;
	if (e->timestamp_ns <= s->last_ts)
		s->not_increasing++;
	if (e->value != (e->edge == RK_GPIO_EDGE_RISING ? 1u : 0u))
		s->bad_value++;
	if (e->line != 3)
		s->bad_line++;
	s->last_ts = e->timestamp_ns;
	s->chip = e->chip;
	__u64 now = bpf_ktime_get_ns();
	if (now > e->timestamp_ns && now - e->timestamp_ns > s->late_ns)
		s->late_ns = now - e->timestamp_ns;
	struct gpio_edge *rec = bpf_ringbuf_reserve(&gpio_edges, sizeof(*rec), 0);
	if (rec) {
		rec->timestamp_ns = e->timestamp_ns;
		rec->edge = e->edge;
		rec->value = e->value;
		bpf_ringbuf_submit(rec, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
