/*
 * motor_trace.bpf.c - a trace of the motor commands that matter: an event
 * when a motor's duty moves by more than min_step_permille (default 20)
 * from the last one reported, so a steady 1 kHz loop stays quiet and a
 * jump shows up at once.
 *
 * uprobe on motor_command(motor_id, duty_permille).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "robot_probe.h"

#define MOTORS 8
#define DEFAULT_MIN_STEP 20

struct motor_event {
	__u32 motor;
	__s32 duty_permille;
	__s32 previous_permille;
	__u32 pad;
};

/* Puts the record's type in BTF, so rkd decodes the events (docs/rkd.md, Events). */
struct motor_event motor_event_record;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __s32);
	__uint(max_entries, MOTORS);
} last_duty SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __s32);
	__uint(max_entries, 1);
} min_step_permille SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} motor_events SEC(".maps");

SEC("uprobe/" RK_DEMO_ROBOT ":motor_command")
int BPF_KPROBE(motor_trace, __u32 motor, __s32 duty)
{
	__u32 zero = 0;
	__s32 *last = bpf_map_lookup_elem(&last_duty, &motor);
	__s32 *min_step = bpf_map_lookup_elem(&min_step_permille, &zero);
	if (!last || !min_step)
		return 0;
	__s32 step = *min_step ? *min_step : DEFAULT_MIN_STEP;
	__s32 change = duty - *last;
	if (change < step && change > -step)
		return 0;
	struct motor_event *event = bpf_ringbuf_reserve(&motor_events, sizeof(*event), 0);
	if (!event)
		return 0;
	event->motor = motor;
	event->duty_permille = duty;
	event->previous_permille = *last;
	event->pad = 0;
	*last = duty;
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
