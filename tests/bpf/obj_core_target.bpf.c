/*
 * obj_core_target.bpf.c - a "target" BTF for obj_core.bpf.c: the same struct
 * sample with another layout (as a newer kernel might have it), so that
 * loading obj_core.o against this object's BTF must move the field offsets.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sample {
	__u64 value;
	__u32 flags;
	__u32 id;
};

SEC("tracepoint/test/core_target")
int describe(struct sample *sample)
{
	return sample->flags;
}

char LICENSE[] SEC("license") = "GPL";
