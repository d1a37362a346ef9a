/*
 * rkd_rejected.bpf.c - a program the verifier must reject: it uses a map
 * lookup's result without checking it for NULL.  rkd must name the program,
 * the line and the rule, and keep everything else running.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} counter SEC(".maps");

SEC("timer/100ms")
int unchecked(void *ctx)
{
	__u32 zero = 0;
	__u64 *value = bpf_map_lookup_elem(&counter, &zero);
	*value += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
