/*
 * obj_legacy_maps.bpf.c - maps defined the pre-BTF way, as struct bpf_map_def
 * records in SEC("maps"); libbpf 1.x no longer declares the struct.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") packets = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 8,
};

struct bpf_map_def SEC("maps") owners = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u64),
	.value_size = sizeof(__u32),
	.max_entries = 16,
	.map_flags = BPF_F_NO_PREALLOC,
};

/* ctx: one __u32 slot.  Returns the slot's new packet count. */
SEC("socket")
int count_packets(__u32 *ctx)
{
	__u32 slot = *ctx & 7;
	__u64 *packets_seen = bpf_map_lookup_elem(&packets, &slot);
	if (!packets_seen)
		return -1;
	*packets_seen += 1;
	__u64 owner = slot;
	__u32 seen = (__u32)*packets_seen;
	bpf_map_update_elem(&owners, &owner, &seen, BPF_ANY);
	return *packets_seen;
}

char LICENSE[] SEC("license") = "GPL";
