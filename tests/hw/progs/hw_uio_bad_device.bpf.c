/* hw_uio_bad_device.bpf.c - tests/hw/guest/uio.sh: a UIO device that does not exist. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

SEC("uio/uio9")
int on_nothing(struct rk_uio_event *e)
{
	return e->irq_count;
}

char LICENSE[] SEC("license") = "GPL";
