/*
 * rkd_robot.bpf.c - a uprobe program for rkd's end-to-end tests
 * (test_attach.sh): counts control_step() calls of the demo robot per
 * process.  Built with RK_DEMO_ROBOT, the robot of this build (rkd/rkd.mk);
 * the tests move it to copies of the robot with rkctl attach.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef RK_DEMO_ROBOT
#define RK_DEMO_ROBOT "/usr/local/bin/demo-robot"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} steps SEC(".maps");

SEC("uprobe/" RK_DEMO_ROBOT ":control_step")
int on_step(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *count = bpf_map_lookup_elem(&steps, &tgid);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&steps, &tgid, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
