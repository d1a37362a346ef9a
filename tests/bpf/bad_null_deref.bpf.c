/*
 * bad_null_deref.bpf.c - an unsafe program the verifier must refuse: it
 * reads a map value without checking bpf_map_lookup_elem()'s NULL (the
 * map is empty, so the lookup does return NULL).  tests/cli/test_cli.sh
 * checks that rkctl verify and rkctl run refuse it with the source line,
 * the instruction and the rule.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("data")
int null_deref(void *ctx)
{
	__u32 key = 1;
	__u64 *value = bpf_map_lookup_elem(&counts, &key);

	return *value > 10; /* no NULL check */
}

char LICENSE[] SEC("license") = "GPL";
