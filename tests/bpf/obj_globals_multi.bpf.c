/* Several variables in one data section: clang leaves their BTF offsets 0. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 first = 11;
__u64 second = 22;
__u16 third = 33;

SEC("tracepoint/test/globals_multi")
int bump(void *ctx)
{
	first++;
	second += 2;
	third += 3;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
