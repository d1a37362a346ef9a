/*
 * obj_tailcall.bpf.c - bpf_tail_call through a program array the host fills.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jump_table SEC(".maps");

/* ctx: one __u32 index.  Jumps to jump_table[index]; 1000 + index when empty. */
SEC("tracepoint/test/dispatch")
int dispatch(__u32 *ctx)
{
	__u32 index = *ctx;
	bpf_tail_call(ctx, &jump_table, index);
	return 1000 + index;
}

SEC("tracepoint/test/target")
int target(__u32 *ctx)
{
	return 42 + *ctx;
}

char LICENSE[] SEC("license") = "GPL";
