/*
 * hw_bad_insn.bpf.c - kprobe/do_sys_openat2+1: an offset inside an
 * instruction, which the kernel refuses with EILSEQ.  rkd must list the
 * object as failed and say so (regression: it showed "Invalid or
 * incomplete multibyte or wide character"), and keep everything else
 * running (tests/hw/kprobe.sh).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_sys_openat2+1")
int on_nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
