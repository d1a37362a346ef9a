/*
 * hw_iio_bad_channel.bpf.c - tests/hw/guest/iio.sh: SEC("iio/rkimu_bad"),
 * whose [iio rkimu_bad] in rkd.conf names a channel the device does not
 * have: the object fails alone, with the config line and the device's scan
 * elements in the message.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

SEC("iio/rkimu_bad")
int on_bad_channel(struct rk_iio_scan *scan)
{
	return scan->channel_count > 0;
}

char LICENSE[] SEC("license") = "GPL";
