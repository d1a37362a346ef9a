/* hw_gpio_bad_chip.bpf.c - tests/hw/guest/gpio.sh: a chip that does not exist. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

SEC("gpio/no-such-chip/1/rising")
int on_nothing(struct rk_gpio_event *e)
{
	return e->line;
}

char LICENSE[] SEC("license") = "GPL";
