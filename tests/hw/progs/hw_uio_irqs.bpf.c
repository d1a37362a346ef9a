/*
 * hw_uio_irqs.bpf.c - the UIO half of the hardware-lab test
 * (tests/hw/guest/uio.sh): SEC("uio/uio_sim"), uio_pdrv_genirq's device
 * of the helper module uio_sim_dev, by its name.  Counts runs, the
 * interrupts merged into them (missed), and keeps the kernel's count.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct irq_stats {
	__u64 runs;
	__u64 missed;
	__u64 irq_count;
	__u64 not_increasing;
	__u64 last_ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct irq_stats);
	__uint(max_entries, 1);
} irqs SEC(".maps");

SEC("uio/uio_sim")
int on_irq(struct rk_uio_event *e)
{
	__u32 zero = 0;
	struct irq_stats *s = bpf_map_lookup_elem(&irqs, &zero);
	if (!s)
		return 0;
	s->runs++;
	s->missed += e->missed;
	s->irq_count = e->irq_count;
	if (e->timestamp_ns <= s->last_ts)
		s->not_increasing++;
	s->last_ts = e->timestamp_ns;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
