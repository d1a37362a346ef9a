/*
 * hw_uio_edu.bpf.c - tests/hw/guest/uio.sh: SEC("uio/uio_pci_generic"),
 * QEMU's edu PCI device on uio_pci_generic (INTx re-enabled through the PCI
 * command register).  Counts runs and keeps the kernel's count.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2);
} edu SEC(".maps");

SEC("uio/uio_pci_generic")
int on_edu_irq(struct rk_uio_event *e)
{
	__u32 runs = 0, count = 1;
	__u64 *v = bpf_map_lookup_elem(&edu, &runs);
	if (v)
		*v += 1;
	v = bpf_map_lookup_elem(&edu, &count);
	if (v)
		*v = e->irq_count;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
