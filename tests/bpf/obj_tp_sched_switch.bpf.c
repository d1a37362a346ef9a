/*
 * A tracepoint program as libbpf users write it without vmlinux.h: its own
 * definition of the record, in a different order and without the common
 * header, made relocatable with preserve_access_index.  CO-RE against the
 * kernel's BTF must put every access at the record's real offsets.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct trace_event_raw_sched_switch {
	int next_pid;
	int prev_pid;
	char next_comm[16];
} __attribute__((preserve_access_index));

SEC("tracepoint/sched/sched_switch")
long on_switch(struct trace_event_raw_sched_switch *ctx)
{
	/* Small test values: next_pid, prev_pid and next_comm[0] in separate bytes. */
	return ((long)ctx->next_pid << 16) | ((long)ctx->prev_pid << 8) | ctx->next_comm[0];
}

char LICENSE[] SEC("license") = "GPL";
