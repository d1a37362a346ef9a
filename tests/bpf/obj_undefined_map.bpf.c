/*
 * obj_undefined_map.bpf.c - a map the program uses but the object does not
 * define (declared extern): loading must fail naming it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tracepoint/sched/sched_switch")
int count_switches(void *ctx)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&counts, &key);
	return value ? *value : 0;
}

char LICENSE[] SEC("license") = "GPL";
