/*
 * rkbpf_pwm.h - the context of PWM programs: SEC("pwm/CHIP/CHANNEL"), as in
 * SEC("pwm/pwmchip0/0").
 *
 * rkd runs the program once for every state the kernel applies to that
 * channel (the pwm/pwm_apply tracepoint: every change, whoever makes it --
 * sysfs, a kernel driver such as pwm-fan, rkd's emergency stop).  The
 * context is read-only:
 *
 *	SEC("pwm/pwmchip0/0")
 *	int on_pwm(struct rk_pwm_event *e)
 *	{
 *		if (e->enabled && e->duty_ns > e->period_ns / 10 * 9)
 *			rk_emergency_stop(1);       // more than 90 % duty: stop
 *		return 0;
 *	}
 *
 * Which records belong to the channel: the 6.1 tracepoint carries only the
 * kernel's struct pwm_device pointer; rkd learns the channel's pointer from
 * the first record whose state is the channel's state in sysfs at that moment
 * (docs/estop.md, "The PWM hook"), so the channel must be exported (rkd
 * exports it when it is not).
 */
#ifndef RKBPF_PWM_H
#define RKBPF_PWM_H

#include <linux/types.h>

struct rk_pwm_event {
	__u64 timestamp_ns;     /* CLOCK_MONOTONIC time the kernel applied the state */
	__u32 chip;             /* N of pwmchipN */
	__u32 channel;          /* the channel of that chip (hwpwm) */
	__u64 period_ns;
	__u64 duty_ns;          /* duty cycle */
	__u32 polarity;         /* 0 normal, 1 inversed */
	__u32 enabled;          /* 0 or 1 */
};

#endif /* RKBPF_PWM_H */
