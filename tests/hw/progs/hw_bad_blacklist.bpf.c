/*
 * hw_bad_blacklist.bpf.c - kprobe/do_int3: x86's int3 handler, on the
 * kernel's kprobe blacklist.  rkd must list the object as failed and say
 * so (regression: it gave only a list of possible reasons), and keep
 * everything else running (tests/hw/kprobe.sh).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_int3")
int on_nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
