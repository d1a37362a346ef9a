/*
 * obj_subprogs.bpf.c - bpf-to-bpf calls: a chain of static functions, a
 * global function, and a subprogram used by two programs.  The LINE
 * markers let the test find source lines in the line info.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int chain_c(int x)
{
	return x * 7; /* LINE: chain_c */
}

static __attribute__((noinline)) int chain_b(int x)
{
	return chain_c(x + 1) + 2;
}

static __attribute__((noinline)) int chain_a(int x)
{
	return chain_b(x * 2) - 3;
}

/* Global: clang calls it through its own symbol, not .text + offset. */
__attribute__((noinline)) int shared_square(int x)
{
	return x * x;
}

/* ctx: one int x.  Returns ((2x + 1) * 7 + 2 - 3) + x^2. */
SEC("tracepoint/test/chain")
int run_chain(int *ctx)
{
	int x = *ctx;
	return chain_a(x) + shared_square(x); /* LINE: run_chain */
}

/* ctx: one int x.  Returns x^2 + chain_c(x). */
SEC("tracepoint/test/square")
int run_square(int *ctx)
{
	int x = *ctx;
	return shared_square(x) + chain_c(x);
}

char LICENSE[] SEC("license") = "GPL";
