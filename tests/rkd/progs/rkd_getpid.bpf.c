/*
 * rkd_getpid.bpf.c - a tracepoint program for rkd's end-to-end tests:
 * counts getpid() calls per process and prints one line per call.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} calls SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *count = bpf_map_lookup_elem(&calls, &tgid);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&calls, &tgid, &one, BPF_NOEXIST);
	bpf_printk("getpid from %u", tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
