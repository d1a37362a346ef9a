/*
 * obj_maps.bpf.c - a BTF-defined map of every type rkBPF supports, and a
 * program that uses the hash, the arrays, the LRU and the ring buffer.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* rkBPF's own map type (include/rkbpf/ will name it). */
#define RK_MAP_TIMESERIES 0x524b01

struct event {
	__u32 key;
	__u32 count;
	__u64 total;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct event);
} last_event SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u64);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} jumps SEC(".maps");

struct {
	__uint(type, RK_MAP_TIMESERIES);
	__uint(max_entries, 4);
	__uint(ts_capacity, 128);
	__type(key, __u32);
	__type(value, __s64);
} current_ma SEC(".maps");

/* ctx: one __u32 key.  Returns the key's new count. */
SEC("tracepoint/test/count")
int count_event(__u32 *ctx)
{
	__u32 key = *ctx;
	__u64 one = 1, *count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		*count += 1;
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	count = bpf_map_lookup_elem(&counts, &key);
	if (!count)
		return -1;

	__u32 slot = key & 3;
	struct event *last = bpf_map_lookup_elem(&last_event, &slot);
	if (last) {
		last->key = key;
		last->count = *count;
	}
	__u32 zero = 0;
	__u64 *total = bpf_map_lookup_elem(&scratch, &zero);
	if (total) {
		*total += key;
		if (last)
			last->total = *total;
	}
	bpf_map_update_elem(&recent, &key, &key, BPF_ANY);

	struct event out = {.key = key, .count = *count, .total = total ? *total : 0};
	bpf_ringbuf_output(&events, &out, sizeof(out), 0);
	return *count;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
