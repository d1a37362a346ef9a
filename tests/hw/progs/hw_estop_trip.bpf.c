/*
 * hw_estop_trip.bpf.c - the e-stop guest test's program (tests/hw/guest/estop.sh):
 * every 5 ms, when the test has armed it (`rkctl map set hw_estop_trip arm 0
 * '{"mask": 3}'`), it calls rk_emergency_stop(mask) once and keeps the
 * helper's return value and the number of calls in `result`.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_helpers.h>

struct arm {
	__u64 mask;         /* 0: do nothing */
};

struct result {
	__s64 rc;           /* the last rk_emergency_stop() return value */
	__u64 calls;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct arm);
	__uint(max_entries, 1);
} arm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct result);
	__uint(max_entries, 1);
} result SEC(".maps");

SEC("timer/5ms")
int trip_when_armed(void *ctx)
{
	__u32 zero = 0;
	struct arm *a = bpf_map_lookup_elem(&arm, &zero);
	struct result *r = bpf_map_lookup_elem(&result, &zero);
	if (!a || !r || a->mask == 0)
		return 0;
	r->rc = rk_emergency_stop(a->mask);
	r->calls++;
	a->mask = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
