/* hw_gpio_bad_line.bpf.c - tests/hw/guest/gpio.sh: line 17 of an 8-line chip. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

SEC("gpio/gpiochip0/17/rising")
int on_nothing(struct rk_gpio_event *e)
{
	return e->line;
}

char LICENSE[] SEC("license") = "GPL";
