/*
 * hw_pwm_watch.bpf.c - the PWM hook in the e-stop guest test
 * (tests/hw/guest/estop.sh): every state applied to pwmchip0 channel 0 is
 * counted and the last one kept; `others` counts events that claim another
 * channel (the hook must filter them out: it stays 0).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_pwm.h>

struct watch {
	__u64 count;
	__u64 others;
	struct rk_pwm_event last;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct watch);
	__uint(max_entries, 1);
} watch SEC(".maps");

SEC("pwm/pwmchip0/0")
int on_pwm(struct rk_pwm_event *e)
{
	__u32 zero = 0;
	struct watch *w = bpf_map_lookup_elem(&watch, &zero);
	if (!w)
		return 0;
	if (e->channel != 0) {
		w->others++;
		return 0;
	}
	w->last = *e;
	w->count++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
