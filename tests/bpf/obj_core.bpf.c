/*
 * obj_core.bpf.c - CO-RE field accesses (preserve_access_index), in the
 * program and in a .text subprogram it calls.  Against the object's own
 * BTF the offsets stay as compiled; against obj_core_target.bpf.c's BTF, where
 * struct sample is laid out differently, they move.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sample {
	__u32 id;
	__u32 pad;
	__u64 value;
} __attribute__((preserve_access_index));

static __attribute__((noinline)) __u64 sample_value(struct sample *sample)
{
	return sample->value;
}

/* ctx: struct sample.  Returns value + id. */
SEC("tracepoint/test/core")
int read_sample(struct sample *ctx)
{
	return sample_value(ctx) + ctx->id;
}

char LICENSE[] SEC("license") = "GPL";
