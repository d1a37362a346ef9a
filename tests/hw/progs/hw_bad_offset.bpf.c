/*
 * hw_bad_offset.bpf.c - kprobe/do_sys_openat2+0x100000: an offset past the
 * end of the function.  The kernel accepts it and probes whatever follows;
 * rkd must refuse it (regression: it attached there) and keep everything
 * else running (tests/hw/kprobe.sh).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_sys_openat2+0x100000")
int on_nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
