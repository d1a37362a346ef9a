/*
 * hw_bad_kprobe.bpf.c - a kprobe on a function the kernel does not have:
 * rkd must list this object as failed, with an error that names the
 * function, and keep everything else running (tests/hw/kprobe.sh).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/no_such_function_xyz")
int on_nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
