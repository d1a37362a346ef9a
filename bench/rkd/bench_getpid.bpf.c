/*
 * bench_getpid.bpf.c - the tracepoint program of bench/rkd_bench.sh:
 * counts getpid() calls per process (tgid) in an LRU hash map.  The bench
 * reads the load generator's own entry (`rkctl map get ... calls PID`), so
 * the other processes of a shared machine do not disturb the count; LRU so
 * that a busy machine's many short-lived processes cannot fill the map and
 * keep the generator's entry out.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
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
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
