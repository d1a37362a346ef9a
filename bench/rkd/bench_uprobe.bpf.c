/*
 * bench_uprobe.bpf.c - the probe of bench/rkd_bench.sh: a uprobe on
 * rkd_bench_probe(id, t_call) of bench/rkd/uprobe_target.c that stamps
 * bpf_ktime_get_ns() (CLOCK_MONOTONIC, in rkd as in the kernel) and pushes
 * (id, t_call, t_prog) to a ring buffer.  t_prog - t_call is the latency
 * from the call to the program's run.
 *
 * The same object runs in rkd and, loaded with libbpf by
 * bench/rkd/kbpf_uprobe.c, in the kernel: the cost of one hit compares
 * like with like.  RKD_BENCH_TARGET (the target's absolute path) comes
 * from bench/rkd_bench.mk.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef RKD_BENCH_TARGET
#error "RKD_BENCH_TARGET: give the uprobe target's absolute path (bench/rkd_bench.mk does)"
#endif

struct hit {
	__u64 id;
	__u64 t_call;
	__u64 t_prog;
};

/* Puts the record's type in BTF: rkd decodes `hits` records as `hit`. */
struct hit hit_record;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 65536);
} hits SEC(".maps");

SEC("uprobe/" RKD_BENCH_TARGET ":rkd_bench_probe")
int BPF_KPROBE(on_probe, __u64 id, __u64 t_call)
{
	__u64 now = bpf_ktime_get_ns();
	struct hit *h = bpf_ringbuf_reserve(&hits, sizeof(*h), 0);
	if (!h)
		return 0;
	h->id = id;
	h->t_call = t_call;
	h->t_prog = now;
	bpf_ringbuf_submit(h, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
