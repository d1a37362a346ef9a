/*
 * hw_gpio_rising.bpf.c - tests/hw/guest/gpio.sh: rising edges only, on line
 * 4 of the gpio-sim chip by its name (gpiochip0: the only chip in the
 * guest).  rising[0] counts them, falls[0] counts falling edges that
 * should never arrive.
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
} rising SEC(".maps");

SEC("gpio/gpiochip0/4/rising")
int on_rising(struct rk_gpio_event *e)
{
	__u32 key = e->edge == RK_GPIO_EDGE_RISING ? 0 : 1;
	__u64 *count = bpf_map_lookup_elem(&rising, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
