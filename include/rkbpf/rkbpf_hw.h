/*
 * rkbpf_hw.h - the contexts of rkBPF's hardware hooks, for program authors.
 *
 *	#include <linux/types.h>
 *	#include <bpf/bpf_helpers.h>
 *	#include <rkbpf/rkbpf_hw.h>
 *
 *	SEC("gpio/gpiochip0/17/both")
 *	int on_edge(struct rk_gpio_event *e) { ... }
 *
 * Every context is read-only (the verifier refuses a store into it), and
 * every time is CLOCK_MONOTONIC nanoseconds, the clock of bpf_ktime_get_ns().
 *
 * gpio/CHIP/LINE/EDGE  (EDGE: rising, falling or both; CHIP: gpiochipN, its
 *                      label, or /dev/gpiochipN)
 *	One run per edge the kernel saw, in order, with the kernel's
 *	timestamp of the edge (taken in its interrupt handler, not when rkd
 *	read it).  The line is requested as an input with edge events
 *	(consumer "rkd") for as long as the program is loaded.
 *
 * iio/DEVICE  (DEVICE: iio:deviceN or the device's name, as in its
 *             /sys/bus/iio/devices/iio:deviceN/name)
 *	One run per scan of the device's buffer: every enabled scan element
 *	(in the order of their scan_elements/NAME_index; the timestamp
 *	channel excluded) decoded by its scan_element type -- sign, bits,
 *	shift, endianness -- into values[], sign-extended to 64 bits; raw
 *	units (multiply by the channel's scale yourself).  timestamp_ns is the
 *	scan's timestamp channel when the device has one enabled, else the
 *	time rkd read the scan.  The program's return value decides: non-zero
 *	forwards the scan to rkd's event stream (`rkctl tail`), 0 drops it.
 *	rk_sensor_last_timestamp(N) answers with the timestamp of the latest
 *	scan of iio:deviceN.
 *
 * uio/DEVICE  (DEVICE: uioN, /dev/uioN, or the name in /sys/class/uio/uioN/name)
 *	One run per wake-up on an interrupt: irq_count is the kernel's total
 *	for the device, missed the interrupts since the previous run minus
 *	one (they were merged: UIO counts, it does not queue).
 */
#ifndef RKBPF_HW_H
#define RKBPF_HW_H

#include <linux/types.h>

/* struct rk_gpio_event.edge */
#define RK_GPIO_EDGE_RISING 1
#define RK_GPIO_EDGE_FALLING 2

struct rk_gpio_event {
	__u64 timestamp_ns;     /* the kernel's CLOCK_MONOTONIC time of the edge */
	__u32 chip;             /* N of gpiochipN */
	__u32 line;             /* the line's offset on the chip */
	__u32 edge;             /* RK_GPIO_EDGE_RISING or RK_GPIO_EDGE_FALLING */
	__u32 value;            /* the level after the edge: 1 rising, 0 falling */
};

/* Scan elements decoded per scan, at most; a device with more is refused. */
#define RK_IIO_MAX_CHANNELS 16

struct rk_iio_scan {
	__u64 timestamp_ns;     /* the scan's timestamp channel, or when rkd read it */
	__u32 channel_count;    /* values[0 .. channel_count) are this scan's */
	__u32 device;           /* N of iio:deviceN (the sensor id of rk_sensor_last_timestamp) */
	__s64 values[RK_IIO_MAX_CHANNELS];   /* by scan index; raw, sign-extended */
};

struct rk_uio_event {
	__u64 timestamp_ns;     /* when rkd was woken (the kernel reports no time for UIO) */
	__u32 irq_count;        /* the device's interrupt count, as read(2) from /dev/uioN gives it */
	__u32 missed;           /* interrupts merged into this run: irq_count - previous - 1 */
};

#endif /* RKBPF_HW_H */
