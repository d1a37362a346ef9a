/*
 * obj_loop.bpf.c - bpf_loop with a callback: the callback's address is an
 * lddw relocated against .text (BPF_PSEUDO_FUNC).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct loop_ctx {
	__u64 sum;
	__u32 limit;
};

static int add_index(__u32 index, void *data)
{
	struct loop_ctx *lc = data;
	lc->sum += index;
	return index + 1 >= lc->limit; /* 1 stops the loop */
}

/* ctx: one __u32 n.  Returns 0 + 1 + ... + min(n, 50) - 1, plus 1000 * iterations. */
SEC("tracepoint/test/loop")
int sum_loop(__u32 *ctx)
{
	struct loop_ctx lc = {.sum = 0, .limit = 50};
	long iterations = bpf_loop(*ctx, add_index, &lc, 0);
	return lc.sum + 1000 * iterations;
}

char LICENSE[] SEC("license") = "GPL";
