/*
 * hw_iio_gone.bpf.c - tests/hw/guest/iio.sh: SEC("iio/rkimu_gone"), an
 * iio_dummy instance the test removes (configfs rmdir) while the program
 * is attached.  Counts scans.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} gone_scans SEC(".maps");

SEC("iio/rkimu_gone")
int on_gone_scan(struct rk_iio_scan *scan)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&gone_scans, &zero);
	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
