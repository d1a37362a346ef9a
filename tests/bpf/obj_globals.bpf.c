/*
 * obj_globals.bpf.c - global data: .data, .rodata (const volatile, set by the
 * host before running), .bss, a string literal (.rodata.str1.1) and a
 * custom .data.* section.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 total = 100;                      /* .data */
const volatile __u32 scale = 3;         /* .rodata */
__u32 calls;                            /* .bss */
__u64 tagged SEC(".data.tagged") = 7;   /* .data.tagged */
#define GREETING "hello, robot"

/* ctx: one __u32 x.  total += scale * x; returns total + greeting[x]. */
SEC("tracepoint/test/globals")
int use_globals(__u32 *ctx)
{
	__u32 x = *ctx;
	calls++;
	tagged += calls;
	total += scale * x;
	if (x >= sizeof(GREETING))
		return -1;
	/* A string literal read through a pointer: .rodata.str1.1. */
	const volatile char *text = GREETING;
	return total + text[x];
}

char LICENSE[] SEC("license") = "GPL";
