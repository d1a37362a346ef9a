/* hw_iio_bad_device.bpf.c - tests/hw/guest/iio.sh: an IIO device that does not exist. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

SEC("iio/no-such-sensor")
int on_nothing(struct rk_iio_scan *scan)
{
	return scan->channel_count;
}

char LICENSE[] SEC("license") = "GPL";
